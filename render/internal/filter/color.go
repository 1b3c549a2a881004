package filter

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// parseColor is Fabric 6.9.1's new Color(s).getSource() (src/color/Color.ts):
// it returns [r, g, b, a] as Fabric holds them. r, g and b are not clamped
// (rgb(300,0,0) gives 300), a missing component parses as NaN like
// parseFloat(""), and anything unrecognised, including "", is opaque black.
func parseColor(s string) [4]float64 {
	black := [4]float64{0, 0, 0, 1}
	if s == "" {
		return black
	}
	c := strings.ToLower(s)
	if hex, ok := colorNames[c]; ok {
		c = hex
	}
	if c == "transparent" {
		return [4]float64{255, 255, 255, 0}
	}
	if v, ok := colorFromHex(c); ok {
		return v
	}
	if v, ok := colorFromRgb(c); ok {
		return v
	}
	if v, ok := colorFromHsl(c); ok {
		return v
	}
	return black
}

var (
	reHex  = regexp.MustCompile(`(?i)^#?(([0-9a-f]){3,4}|([0-9a-f]{2}){3,4})$`)
	reRGBa = regexp.MustCompile(`(?i)^rgba?\(\s?(\d{0,3}(?:\.\d+)?%?)\s?[\s|,]\s?(\d{0,3}(?:\.\d+)?%?)\s?[\s|,]\s?(\d{0,3}(?:\.\d+)?%?)\s?(?:\s?[,/]\s?(\d{0,3}(?:\.\d+)?%?)\s?)?\)$`)
	reHSLa = regexp.MustCompile(`(?i)^hsla?\(\s?([+-]?\d{0,3}(?:\.\d+)?(?:deg|turn|rad)?)\s?[\s|,]\s?(\d{0,3}(?:\.\d+)?%?)\s?[\s|,]\s?(\d{0,3}(?:\.\d+)?%?)\s?(?:\s?[,/]\s?(\d*(?:\.\d+)?%?)\s?)?\)$`)
	reWs   = regexp.MustCompile(`\s+`)
)

func colorFromHex(c string) ([4]float64, bool) {
	if !reHex.MatchString(c) {
		return [4]float64{}, false
	}
	v := c[strings.IndexByte(c, '#')+1:]
	var pairs []string
	if len(v) <= 4 {
		for i := 0; i < len(v); i++ {
			pairs = append(pairs, v[i:i+1]+v[i:i+1])
		}
	} else {
		for i := 0; i+1 < len(v); i += 2 {
			pairs = append(pairs, v[i:i+2])
		}
	}
	out := [4]float64{0, 0, 0, 255}
	for i, p := range pairs {
		n, _ := strconv.ParseUint(p, 16, 8)
		out[i] = float64(n)
	}
	out[3] /= 255
	return out, true
}

func colorFromRgb(c string) ([4]float64, bool) {
	m, ok := submatch(reRGBa, reWs.ReplaceAllString(c, " "))
	if !ok {
		return [4]float64{}, false
	}
	var out [4]float64
	for i := 0; i < 3; i++ {
		v := jsParseFloat(*m[i+1])
		if strings.HasSuffix(*m[i+1], "%") {
			v = jsRound(float64(v * 2.55))
		}
		out[i] = v
	}
	out[3] = alphaToFloat(m[4])
	return out, true
}

func colorFromHsl(c string) ([4]float64, bool) {
	m, ok := submatch(reHSLa, reWs.ReplaceAllString(c, " "))
	if !ok {
		return [4]float64{}, false
	}
	deg := parseAngleToDegrees(*m[1])
	h := math.Mod(math.Mod(deg, 360)+360, 360) / 360
	s := jsParseFloat(*m[2]) / 100
	l := jsParseFloat(*m[3]) / 100
	var r, g, b float64
	if s == 0 {
		r, g, b = l, l, l
	} else {
		var q float64
		if l <= 0.5 {
			q = l * (s + 1)
		} else {
			q = (l + s) - float64(l*s)
		}
		p := float64(l*2) - q
		r = hue2rgb(p, q, h+1.0/3)
		g = hue2rgb(p, q, h)
		b = hue2rgb(p, q, h-1.0/3)
	}
	return [4]float64{
		jsRound(r * 255), jsRound(g * 255), jsRound(b * 255),
		alphaToFloat(m[4]),
	}, true
}

// submatch returns the groups of re's match in s, with nil for a group
// that did not take part (undefined in JavaScript).
func submatch(re *regexp.Regexp, s string) ([]*string, bool) {
	idx := re.FindStringSubmatchIndex(s)
	if idx == nil {
		return nil, false
	}
	out := make([]*string, len(idx)/2)
	for i := range out {
		if idx[2*i] >= 0 {
			g := s[idx[2*i]:idx[2*i+1]]
			out[i] = &g
		}
	}
	return out, true
}

// alphaToFloat is Fabric's fromAlphaToFloat(value = '1'): an absent group
// means 1; a present one is parseFloat'd, and divided by 100 if it ends in %.
func alphaToFloat(v *string) float64 {
	if v == nil {
		return 1
	}
	f := jsParseFloat(*v)
	if strings.HasSuffix(*v, "%") {
		return f / 100
	}
	return f
}

func hue2rgb(p, q, t float64) float64 {
	if t < 0 {
		t++
	}
	if t > 1 {
		t--
	}
	if t < 1.0/6 {
		return p + float64(float64((q-p)*6)*t)
	}
	if t < 1.0/2 {
		return q
	}
	if t < 2.0/3 {
		return p + float64(float64((q-p)*(2.0/3-t))*6)
	}
	return p
}

func parseAngleToDegrees(v string) float64 {
	v = strings.ToLower(v)
	n := jsParseFloat(v)
	if strings.Contains(v, "rad") {
		return n / (math.Pi / 180)
	}
	if strings.Contains(v, "turn") {
		return n * 360
	}
	return n
}

// jsParseFloat is parseFloat for the strings the colour regexps capture:
// the longest leading decimal literal, NaN when there is none.
func jsParseFloat(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\r\f\v")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	digits := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
		digits++
	}
	if end < len(s) && s[end] == '.' {
		j := end + 1
		frac := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
			frac++
		}
		if digits > 0 || frac > 0 {
			end = j
			digits += frac
		}
	}
	if digits == 0 {
		return math.NaN()
	}
	if end < len(s) && (s[end] == 'e' || s[end] == 'E') {
		j := end + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			end = k
		}
	}
	f, err := strconv.ParseFloat(s[:end], 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return math.NaN()
	}
	return f
}
