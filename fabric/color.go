package fabric

import (
	"image/color"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// cssNamedColors holds the 148 CSS named colours (CSS Color 4, the same
// list as Fabric's ColorNameMap) as 0xRRGGBB.
var cssNamedColors = map[string]uint32{
	"aliceblue": 0xF0F8FF, "antiquewhite": 0xFAEBD7, "aqua": 0x00FFFF,
	"aquamarine": 0x7FFFD4, "azure": 0xF0FFFF, "beige": 0xF5F5DC,
	"bisque": 0xFFE4C4, "black": 0x000000, "blanchedalmond": 0xFFEBCD,
	"blue": 0x0000FF, "blueviolet": 0x8A2BE2, "brown": 0xA52A2A,
	"burlywood": 0xDEB887, "cadetblue": 0x5F9EA0, "chartreuse": 0x7FFF00,
	"chocolate": 0xD2691E, "coral": 0xFF7F50, "cornflowerblue": 0x6495ED,
	"cornsilk": 0xFFF8DC, "crimson": 0xDC143C, "cyan": 0x00FFFF,
	"darkblue": 0x00008B, "darkcyan": 0x008B8B, "darkgoldenrod": 0xB8860B,
	"darkgray": 0xA9A9A9, "darkgrey": 0xA9A9A9, "darkgreen": 0x006400,
	"darkkhaki": 0xBDB76B, "darkmagenta": 0x8B008B, "darkolivegreen": 0x556B2F,
	"darkorange": 0xFF8C00, "darkorchid": 0x9932CC, "darkred": 0x8B0000,
	"darksalmon": 0xE9967A, "darkseagreen": 0x8FBC8F, "darkslateblue": 0x483D8B,
	"darkslategray": 0x2F4F4F, "darkslategrey": 0x2F4F4F, "darkturquoise": 0x00CED1,
	"darkviolet": 0x9400D3, "deeppink": 0xFF1493, "deepskyblue": 0x00BFFF,
	"dimgray": 0x696969, "dimgrey": 0x696969, "dodgerblue": 0x1E90FF,
	"firebrick": 0xB22222, "floralwhite": 0xFFFAF0, "forestgreen": 0x228B22,
	"fuchsia": 0xFF00FF, "gainsboro": 0xDCDCDC, "ghostwhite": 0xF8F8FF,
	"gold": 0xFFD700, "goldenrod": 0xDAA520, "gray": 0x808080,
	"grey": 0x808080, "green": 0x008000, "greenyellow": 0xADFF2F,
	"honeydew": 0xF0FFF0, "hotpink": 0xFF69B4, "indianred": 0xCD5C5C,
	"indigo": 0x4B0082, "ivory": 0xFFFFF0, "khaki": 0xF0E68C,
	"lavender": 0xE6E6FA, "lavenderblush": 0xFFF0F5, "lawngreen": 0x7CFC00,
	"lemonchiffon": 0xFFFACD, "lightblue": 0xADD8E6, "lightcoral": 0xF08080,
	"lightcyan": 0xE0FFFF, "lightgoldenrodyellow": 0xFAFAD2, "lightgray": 0xD3D3D3,
	"lightgrey": 0xD3D3D3, "lightgreen": 0x90EE90, "lightpink": 0xFFB6C1,
	"lightsalmon": 0xFFA07A, "lightseagreen": 0x20B2AA, "lightskyblue": 0x87CEFA,
	"lightslategray": 0x778899, "lightslategrey": 0x778899, "lightsteelblue": 0xB0C4DE,
	"lightyellow": 0xFFFFE0, "lime": 0x00FF00, "limegreen": 0x32CD32,
	"linen": 0xFAF0E6, "magenta": 0xFF00FF, "maroon": 0x800000,
	"mediumaquamarine": 0x66CDAA, "mediumblue": 0x0000CD, "mediumorchid": 0xBA55D3,
	"mediumpurple": 0x9370DB, "mediumseagreen": 0x3CB371, "mediumslateblue": 0x7B68EE,
	"mediumspringgreen": 0x00FA9A, "mediumturquoise": 0x48D1CC, "mediumvioletred": 0xC71585,
	"midnightblue": 0x191970, "mintcream": 0xF5FFFA, "mistyrose": 0xFFE4E1,
	"moccasin": 0xFFE4B5, "navajowhite": 0xFFDEAD, "navy": 0x000080,
	"oldlace": 0xFDF5E6, "olive": 0x808000, "olivedrab": 0x6B8E23,
	"orange": 0xFFA500, "orangered": 0xFF4500, "orchid": 0xDA70D6,
	"palegoldenrod": 0xEEE8AA, "palegreen": 0x98FB98, "paleturquoise": 0xAFEEEE,
	"palevioletred": 0xDB7093, "papayawhip": 0xFFEFD5, "peachpuff": 0xFFDAB9,
	"peru": 0xCD853F, "pink": 0xFFC0CB, "plum": 0xDDA0DD,
	"powderblue": 0xB0E0E6, "purple": 0x800080, "rebeccapurple": 0x663399,
	"red": 0xFF0000, "rosybrown": 0xBC8F8F, "royalblue": 0x4169E1,
	"saddlebrown": 0x8B4513, "salmon": 0xFA8072, "sandybrown": 0xF4A460,
	"seagreen": 0x2E8B57, "seashell": 0xFFF5EE, "sienna": 0xA0522D,
	"silver": 0xC0C0C0, "skyblue": 0x87CEEB, "slateblue": 0x6A5ACD,
	"slategray": 0x708090, "slategrey": 0x708090, "snow": 0xFFFAFA,
	"springgreen": 0x00FF7F, "steelblue": 0x4682B4, "tan": 0xD2B48C,
	"teal": 0x008080, "thistle": 0xD8BFD8, "tomato": 0xFF6347,
	"turquoise": 0x40E0D0, "violet": 0xEE82EE, "wheat": 0xF5DEB3,
	"white": 0xFFFFFF, "whitesmoke": 0xF5F5F5, "yellow": 0xFFFF00,
	"yellowgreen": 0x9ACD32,
}

func rgbNRGBA(v uint32, a uint8) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: a}
}

// ParseCSSColor parses s the way Chromium's canvas 2D context does when it
// is assigned to fillStyle, strokeStyle or shadowColor or passed to
// CanvasGradient.addColorStop, and returns the colour that ends up
// quantised to 8 bits per channel (not premultiplied). ok is false when
// Chromium rejects the string; the canvas then keeps its previous style
// (and addColorStop throws).
//
// Accepted, as in Chromium (third_party/blink/renderer/modules/canvas/
// canvas2d/canvas_style.cc, core/css/parser/css_parser_fast_paths.cc and
// core/css/properties/css_color_function_parser.cc):
//
//   - leading and trailing HTML whitespace (space, tab, LF, FF, CR);
//   - the 148 CSS named colours, ASCII case-insensitive; "transparent" is
//     (0,0,0,0); "currentcolor" is taken as opaque black (it is the canvas
//     element's CSS color, black unless the page styles it);
//   - #rgb, #rgba, #rrggbb, #rrggbbaa (the '#' is required);
//   - rgb()/rgba(), hsl()/hsla() and hwb(), function names case-insensitive,
//     legacy comma syntax (rgb and hsl only, no "none", rgb channels all
//     numbers or all percentages, hsl saturation and lightness percentages)
//     and modern space syntax with an optional "/ alpha" (numbers and
//     percentages may mix, "none" means 0); CSS numbers with signs,
//     exponents and leading dots; hue as a number (degrees) or with deg,
//     grad, rad or turn; alpha as a number or a percentage; CSS comments.
//
// Not supported (ok is false although Chromium would accept them): lab(),
// lch(), oklab(), oklch(), color(), color-mix(), relative colours
// ("from"), calc() and other math functions, CSS escapes, and system
// colours such as "Canvas" or "ButtonText".
//
// Quantisation follows Chromium. Its fast path, which handles plain
// "rgb(", "rgba(", "hsl(" and "hsla(" strings (lower-case name, decimal
// numbers without exponent or '+', alpha as a bare number directly before
// the ')'), reads at most 7 decimals of each number (later digits are
// dropped, not rounded), clamps, and rounds rgb channels half away from
// zero (lround). Its alpha is 0 or 255 for "0" or "1", a table for "0.X"
// and ".X" (0.1 → 26, 0.3 → 77, 0.5 → 128, …), 255 for any value above 1,
// 0 for a negative one, and lround(a*255) otherwise. Everything else goes
// through the general CSS parser, which keeps rgb channels as floats
// clamped to [0,255] and rounds rgb() alpha to round(a*255)/255. hsl() and
// hwb() are converted to sRGB in float32 as gfx::HSLToSRGB / HWBToSRGB do,
// and every float channel and float alpha is quantised as Skia's
// SkColor4f::toSkColor: trunc(clamp(v*255 + 0.5, 0, 255)) in float32, that
// is round half up. So alpha is round(a*255) (half away from zero) for a in
// [0,1], except where the 7-decimal truncation or float32 arithmetic moves
// the product across .5; the GPU rasteriser may round float colours once
// more on its own.
func ParseCSSColor(s string) (c color.NRGBA, ok bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r < 0x80 && isHTMLSpace(byte(r)) })
	if s == "" {
		return color.NRGBA{}, false
	}
	if len(s) < 64 && isASCII(s) {
		lower := strings.ToLower(s)
		if v, found := cssNamedColors[lower]; found {
			return rgbNRGBA(v, 255), true
		}
		switch lower {
		case "transparent":
			return color.NRGBA{}, true
		case "currentcolor":
			return color.NRGBA{A: 255}, true
		}
	}
	if c, ok := fastParseColor(s); ok {
		return c, true
	}
	return slowParseColor(s)
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func hexVal(c byte) (uint32, bool) {
	switch {
	case c >= '0' && c <= '9':
		return uint32(c - '0'), true
	case c >= 'a' && c <= 'f':
		return uint32(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return uint32(c-'A') + 10, true
	}
	return 0, false
}

// parseHexDigits parses the digits of a #rgb, #rgba, #rrggbb or #rrggbbaa
// colour (Blink's Color::ParseHexColor).
func parseHexDigits(h string) (color.NRGBA, bool) {
	n := len(h)
	if n != 3 && n != 4 && n != 6 && n != 8 {
		return color.NRGBA{}, false
	}
	var v [8]uint32
	for i := 0; i < n; i++ {
		d, ok := hexVal(h[i])
		if !ok {
			return color.NRGBA{}, false
		}
		v[i] = d
	}
	switch n {
	case 3, 4:
		c := color.NRGBA{R: uint8(v[0] * 17), G: uint8(v[1] * 17), B: uint8(v[2] * 17), A: 255}
		if n == 4 {
			c.A = uint8(v[3] * 17)
		}
		return c, true
	default:
		c := color.NRGBA{R: uint8(v[0]<<4 | v[1]), G: uint8(v[2]<<4 | v[3]), B: uint8(v[4]<<4 | v[5]), A: 255}
		if n == 8 {
			c.A = uint8(v[6]<<4 | v[7])
		}
		return c, true
	}
}

// skQuantize is Skia's SkColor4f::toSkColor for one channel (Sk4f_toL32):
// pin(v*255 + 0.5, 0, 255) truncated, in float32.
func skQuantize(v float32) uint8 {
	x := float32(v*255) + 0.5
	if !(x > 0) { // also NaN
		return 0
	}
	if x >= 255 {
		return 255
	}
	return uint8(x)
}

func clampByte(v int) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// cppMax and cppMin are std::max and std::min on floats.
func cppMax(a, b float32) float32 {
	if a < b {
		return b
	}
	return a
}

func cppMin(a, b float32) float32 {
	if b < a {
		return b
	}
	return a
}

// hslToSRGB is gfx::HSLToSRGB (ui/gfx/color_conversions.cc): h in degrees,
// s and l in [0,1], all float32.
func hslToSRGB(h, s, l float32) (r, g, b float32) {
	if s == 0 {
		return l, l, l
	}
	f := func(n float32) float32 {
		k := float32(math.Mod(float64(n+h/30), 12))
		a := s * cppMin(l, 1-l)
		m := cppMax(-1, cppMin(cppMin(k-3, 9-k), 1))
		return l - float32(a*m)
	}
	return f(0), f(8), f(4)
}

// hwbToSRGB is gfx::HWBToSRGB.
func hwbToSRGB(h, w, bl float32) (r, g, b float32) {
	if w+bl >= 1 {
		gray := w / (w + bl)
		return gray, gray, gray
	}
	r, g, b = hslToSRGB(h, 1, 0.5)
	r += w - float32((w+bl)*r)
	g += w - float32((w+bl)*g)
	b += w - float32((w+bl)*b)
	return r, g, b
}

// floatColor quantises an sRGB float colour as Skia does.
func floatColor(r, g, b, a float32) color.NRGBA {
	return color.NRGBA{R: skQuantize(r), G: skQuantize(g), B: skQuantize(b), A: skQuantize(a)}
}

// ---- Blink's fast path (css_parser_fast_paths.cc) ----

// fpValidDoubleLen is FindLengthOfValidDouble: digits with at most one
// '.', not ending in '.'.
func fpValidDoubleLen(s string) int {
	n := 0
	dot := false
	for ; n < len(s); n++ {
		c := s[n]
		if c >= '0' && c <= '9' {
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	if n > 0 && s[n-1] == '.' {
		return 0
	}
	return n
}

// fpPositiveDouble is ParsePositiveDouble: it returns the length consumed
// (0 if s does not start with a number) and the value, reading at most 7
// decimals. When at least 7 bytes of the whole string follow the '.',
// Blink's SIMD path scales the decimals by a constant rounded up from 1e-7.
func fpPositiveDouble(s string) (int, float64) {
	length := fpValidDoubleLen(s)
	if length == 0 {
		return 0, 0
	}
	pos := 0
	v := 0.0
	for ; pos < length; pos++ {
		if s[pos] == '.' {
			break
		}
		v = float64(v*10) + float64(s[pos]-'0')
	}
	pos++
	if pos >= length {
		return length, v
	}
	const maxDecimals = 7
	decimals := length - pos
	if decimals > maxDecimals {
		decimals = maxDecimals
	}
	if len(s)-pos >= 7 {
		const div1e7 = 0.000000100000000000000009
		frac := uint32(0)
		for i := 0; i < maxDecimals; i++ {
			frac *= 10
			if i < decimals {
				frac += uint32(s[pos+i] - '0')
			}
		}
		return length, v + float64(float64(frac)*div1e7)
	}
	frac, scale := 0.0, 1.0
	for i := 0; i < decimals; i++ {
		frac = float64(frac*10) + float64(s[pos+i]-'0')
		scale *= 10
	}
	return length, v + frac/scale
}

// fpFloatWithMax is ParseFloatWithMaxValue: optional spaces and '-', an
// integer part clamped at max (later digits skipped), then an optional
// fraction that is added even after clamping.
func fpFloatWithMax(s string, max float64) (rest string, v float64, neg, ok bool) {
	i := 0
	for i < len(s) && isHTMLSpace(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	if i >= len(s) || !isASCIIDigit(s[i]) {
		return s, 0, false, false
	}
	for i < len(s) && isASCIIDigit(s[i]) {
		nv := float64(v*10) + float64(s[i]-'0')
		i++
		if nv >= max {
			v = max
			for i < len(s) && isASCIIDigit(s[i]) {
				i++
			}
			break
		}
		v = nv
	}
	if i < len(s) && s[i] == '.' {
		n, frac := fpPositiveDouble(s[i:])
		if n == 0 {
			return s, 0, false, false
		}
		i += n
		v += frac
	}
	return s[i:], v, neg, true
}

type fpTerm int

const (
	fpMustWhitespace fpTerm = iota
	fpMustChar
	fpCouldWhitespace
)

// fpSkipToTerminator is SkipToTerminator.
func fpSkipToTerminator(s string, term byte, status *fpTerm) (string, bool) {
	i := 0
	for i < len(s) && isHTMLSpace(s[i]) {
		i++
	}
	switch *status {
	case fpCouldWhitespace:
		if i < len(s) && s[i] == term {
			*status = fpMustChar
			i++
			break
		}
		*status = fpMustWhitespace
		if i == 0 {
			return s, false
		}
	case fpMustWhitespace:
		if i == 0 {
			return s, false
		}
	case fpMustChar:
		if i >= len(s) || s[i] != term {
			return s, false
		}
		i++
	}
	return s[i:], true
}

type fpUnit int

const (
	fpUnknown fpUnit = iota
	fpNumber
	fpPercent
)

// fpColorNumber is ParseColorNumberOrPercentage.
func fpColorNumber(s string, term byte, status *fpTerm, expect *fpUnit) (string, int, bool) {
	rest, v, neg, ok := fpFloatWithMax(s, 255)
	if !ok || rest == "" {
		return s, 0, false
	}
	if *expect == fpPercent && rest[0] != '%' {
		return s, 0, false
	}
	if *expect == fpNumber && rest[0] == '%' {
		return s, 0, false
	}
	if rest[0] == '%' {
		*expect = fpPercent
		v = v / 100.0 * 255.0
		if v > 255 {
			v = 255
		}
		rest = rest[1:]
	} else {
		*expect = fpNumber
	}
	rest, ok = fpSkipToTerminator(rest, term, status)
	if !ok {
		return s, 0, false
	}
	if neg {
		return rest, 0, true
	}
	return rest, int(math.Round(v)), true
}

// fpPercentage is ParsePercentage: a percentage clamped to [0,1].
func fpPercentage(s string, term byte, status *fpTerm) (string, float64, bool) {
	rest, v, neg, ok := fpFloatWithMax(s, 100)
	if !ok || rest == "" || rest[0] != '%' {
		return s, 0, false
	}
	rest = rest[1:]
	if neg {
		v = 0
	} else {
		v = math.Min(v*0.01, 1)
	}
	rest, ok = fpSkipToTerminator(rest, term, status)
	if !ok {
		return s, 0, false
	}
	return rest, v, true
}

var fpTenthAlpha = [10]int{0, 26, 51, 77, 102, 128, 153, 179, 204, 230}

// fpAlpha is ParseAlphaValue: the rest of the string must be the alpha
// followed by term.
func fpAlpha(s string, term byte) (int, bool) {
	i := 0
	for i < len(s) && isHTMLSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	s = s[i:]
	n := len(s)
	if n < 2 || s[n-1] != term || !isASCIIDigit(s[n-2]) {
		return 0, false
	}
	if s[0] != '0' && s[0] != '1' && s[0] != '.' {
		dl := fpValidDoubleLen(s)
		if dl > 0 && dl < n && s[dl] == term {
			if neg {
				return 0, true
			}
			return 255, true
		}
		return 0, false
	}
	if n == 2 && s[0] != '.' {
		if !neg && s[0] == '1' {
			return 255, true
		}
		return 0, true
	}
	body := s[:n-1]
	if (len(body) == 3 && body[0] == '0' && body[1] == '.' && isASCIIDigit(body[2])) ||
		(len(body) == 2 && body[0] == '.' && isASCIIDigit(body[1])) {
		if neg {
			return 0, true
		}
		return fpTenthAlpha[s[n-2]-'0'], true
	}
	dl, a := fpPositiveDouble(s)
	if dl == 0 || dl >= n || s[dl] != term {
		return 0, false
	}
	if neg {
		return 0, true
	}
	return int(math.Round(math.Min(a, 1) * 255)), true
}

// fpHue parses the hue of the fast hsl() path: an optional '-', a plain
// decimal number and an optional deg, grad, rad or turn suffix; it
// returns degrees.
func fpHue(s string) (string, float64, bool) {
	i := 0
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	n, v := fpPositiveDouble(s[i:])
	if n == 0 {
		return s, 0, false
	}
	i += n
	if neg {
		v = -v
	}
	unit := ""
	for _, u := range [...]string{"deg", "grad", "rad", "turn"} {
		if len(s)-i >= len(u) && strings.EqualFold(s[i:i+len(u)], u) {
			unit = u
			i += len(u)
			break
		}
	}
	return s[i:], angleToDegrees(v, unit), true
}

// angleToDegrees converts a CSS angle as Blink's ComputeDegrees does.
func angleToDegrees(v float64, unit string) float64 {
	switch unit {
	case "rad":
		return float64(v*180.0) / math.Pi
	case "grad":
		return float64(v*360.0) / 400.0
	case "turn":
		return v * 360.0
	}
	return v
}

// fastParseColor is Blink's FastParseColorInternal (standard mode).
func fastParseColor(s string) (color.NRGBA, bool) {
	if len(s) >= 4 && s[0] == '#' {
		return parseHexDigits(s[1:])
	}
	if len(s) < 5 {
		return color.NRGBA{}, false
	}
	var rest string
	switch {
	case s[:4] == "rgb(":
		rest = s[4:]
	case s[:5] == "rgba(":
		rest = s[5:]
	case s[:4] == "hsl(":
		return fastParseHSL(s[4:])
	case s[:5] == "hsla(":
		return fastParseHSL(s[5:])
	default:
		return color.NRGBA{}, false
	}
	status := fpCouldWhitespace
	expect := fpUnknown
	var r, g, b int
	var ok bool
	if rest, r, ok = fpColorNumber(rest, ',', &status, &expect); !ok {
		return color.NRGBA{}, false
	}
	if rest, g, ok = fpColorNumber(rest, ',', &status, &expect); !ok {
		return color.NRGBA{}, false
	}
	noWS := fpMustChar
	hasAlpha := false
	var r2 string
	if r2, b, ok = fpColorNumber(rest, ',', &noWS, &expect); ok {
		if status != fpMustChar {
			return color.NRGBA{}, false
		}
		hasAlpha = true
	} else if r2, b, ok = fpColorNumber(rest, '/', &noWS, &expect); ok {
		if status != fpMustWhitespace {
			return color.NRGBA{}, false
		}
		hasAlpha = true
	} else if r2, b, ok = fpColorNumber(rest, ')', &noWS, &expect); !ok {
		return color.NRGBA{}, false
	}
	rest = r2
	c := color.NRGBA{R: clampByte(r), G: clampByte(g), B: clampByte(b), A: 255}
	if hasAlpha {
		a, ok := fpAlpha(rest, ')')
		if !ok {
			return color.NRGBA{}, false
		}
		c.A = clampByte(a)
		return c, true
	}
	if rest != "" {
		return color.NRGBA{}, false
	}
	return c, true
}

func fastParseHSL(s string) (color.NRGBA, bool) {
	i := 0
	for i < len(s) && isHTMLSpace(s[i]) {
		i++
	}
	rest, hue, ok := fpHue(s[i:])
	if !ok {
		return color.NRGBA{}, false
	}
	if hue < 0 {
		hue = math.Mod(hue, 360) + 360
	} else if hue > 360 {
		hue = math.Mod(hue, 360)
	}
	status := fpCouldWhitespace
	if rest, ok = fpSkipToTerminator(rest, ',', &status); !ok {
		return color.NRGBA{}, false
	}
	var sat, light float64
	if rest, sat, ok = fpPercentage(rest, ',', &status); !ok {
		return color.NRGBA{}, false
	}
	noWS := fpMustChar
	hasAlpha := false
	var r2 string
	if r2, light, ok = fpPercentage(rest, ',', &noWS); ok {
		if status != fpMustChar {
			return color.NRGBA{}, false
		}
		hasAlpha = true
	} else if r2, light, ok = fpPercentage(rest, '/', &noWS); ok {
		if status != fpMustWhitespace {
			return color.NRGBA{}, false
		}
		hasAlpha = true
	} else if r2, light, ok = fpPercentage(rest, ')', &noWS); !ok {
		return color.NRGBA{}, false
	}
	rest = r2
	alpha := float32(1)
	if hasAlpha {
		a, ok := fpAlpha(rest, ')')
		if !ok {
			return color.NRGBA{}, false
		}
		alpha = float32(a) * (1.0 / 255.0)
	} else if rest != "" {
		return color.NRGBA{}, false
	}
	r, g, b := hslToSRGB(float32(hue), float32(sat), float32(light))
	return floatColor(r, g, b, alpha), true
}

// ---- the general CSS parser (css_color_function_parser.cc) ----

type cssTokKind uint8

const (
	ctEOF cssTokKind = iota
	ctNumber
	ctPercent
	ctDim
	ctIdent
	ctFunc
	ctHash
	ctComma
	ctSlash
	ctRParen
	ctOther
)

type cssTok struct {
	kind cssTokKind
	num  float64
	text string // lower-cased unit, identifier or function name; raw hash name
}

type cssLexer struct {
	s string
	i int
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isNameChar(c byte) bool { return isNameStart(c) || isASCIIDigit(c) || c == '-' }

// startsIdent is the CSS "would start an identifier" check (escapes are
// not supported).
func (l *cssLexer) startsIdent(i int) bool {
	if i >= len(l.s) {
		return false
	}
	if l.s[i] == '-' {
		return i+1 < len(l.s) && (isNameStart(l.s[i+1]) || l.s[i+1] == '-')
	}
	return isNameStart(l.s[i])
}

func (l *cssLexer) startsNumber(i int) bool {
	s := l.s
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i < len(s) && isASCIIDigit(s[i]) {
		return true
	}
	return i+1 < len(s) && s[i] == '.' && isASCIIDigit(s[i+1])
}

func (l *cssLexer) name() string {
	start := l.i
	for l.i < len(l.s) && isNameChar(l.s[l.i]) {
		l.i++
	}
	return l.s[start:l.i]
}

// next returns the next token, skipping whitespace and comments.
func (l *cssLexer) next() cssTok {
	s := l.s
	for l.i < len(s) {
		if isHTMLSpace(s[l.i]) {
			l.i++
			continue
		}
		if s[l.i] == '/' && l.i+1 < len(s) && s[l.i+1] == '*' {
			end := strings.Index(s[l.i+2:], "*/")
			if end < 0 {
				l.i = len(s)
			} else {
				l.i += 2 + end + 2
			}
			continue
		}
		break
	}
	if l.i >= len(s) {
		return cssTok{kind: ctEOF}
	}
	c := s[l.i]
	switch {
	case l.startsNumber(l.i):
		start := l.i
		if c == '+' || c == '-' {
			l.i++
		}
		for l.i < len(s) && isASCIIDigit(s[l.i]) {
			l.i++
		}
		if l.i+1 < len(s) && s[l.i] == '.' && isASCIIDigit(s[l.i+1]) {
			l.i++
			for l.i < len(s) && isASCIIDigit(s[l.i]) {
				l.i++
			}
		}
		if l.i < len(s) && (s[l.i] == 'e' || s[l.i] == 'E') {
			j := l.i + 1
			if j < len(s) && (s[j] == '+' || s[j] == '-') {
				j++
			}
			if j < len(s) && isASCIIDigit(s[j]) {
				for j < len(s) && isASCIIDigit(s[j]) {
					j++
				}
				l.i = j
			}
		}
		v, _ := strconv.ParseFloat(s[start:l.i], 64) // ±Inf on overflow
		if l.startsIdent(l.i) {
			return cssTok{kind: ctDim, num: v, text: strings.ToLower(l.name())}
		}
		if l.i < len(s) && s[l.i] == '%' {
			l.i++
			return cssTok{kind: ctPercent, num: v}
		}
		return cssTok{kind: ctNumber, num: v}
	case l.startsIdent(l.i):
		name := strings.ToLower(l.name())
		if l.i < len(s) && s[l.i] == '(' {
			l.i++
			return cssTok{kind: ctFunc, text: name}
		}
		return cssTok{kind: ctIdent, text: name}
	case c == '#' && l.i+1 < len(s) && isNameChar(s[l.i+1]):
		l.i++
		return cssTok{kind: ctHash, text: l.name()}
	}
	l.i++
	switch c {
	case ',':
		return cssTok{kind: ctComma}
	case '/':
		return cssTok{kind: ctSlash}
	case ')':
		return cssTok{kind: ctRParen}
	}
	return cssTok{kind: ctOther}
}

// slowParseColor handles what Blink's fast path rejects, following
// CSSParser::ParseSingleValue for a colour.
func slowParseColor(s string) (color.NRGBA, bool) {
	l := cssLexer{s: s}
	t := l.next()
	var c color.NRGBA
	var ok bool
	switch t.kind {
	case ctHash:
		c, ok = parseHexDigits(t.text)
	case ctFunc:
		c, ok = parseColorFunction(&l, t.text)
	}
	if !ok || l.next().kind != ctEOF {
		return color.NRGBA{}, false
	}
	return c, true
}

type colorSpace int

const (
	csRGB colorSpace = iota // kSRGBLegacy
	csHSL
	csHWB
)

type chanKind int

const (
	chNone chanKind = iota
	chNumber
	chPercent
)

// parseColorFunction is ColorFunctionParser::ConsumeFunctionalSyntaxColor
// for rgb(), rgba(), hsl(), hsla() and hwb(). The function token has been
// read; an unclosed function at the end of input is closed implicitly.
func parseColorFunction(l *cssLexer, name string) (color.NRGBA, bool) {
	var space colorSpace
	switch name {
	case "rgb", "rgba":
		space = csRGB
	case "hsl", "hsla":
		space = csHSL
	case "hwb":
		space = csHWB
	default:
		return color.NRGBA{}, false
	}
	var toks []cssTok
	for {
		t := l.next()
		if t.kind == ctRParen || t.kind == ctEOF {
			break
		}
		if t.kind == ctFunc || t.kind == ctOther || t.kind == ctHash || len(toks) >= 16 {
			return color.NRGBA{}, false // calc(), nested blocks, junk
		}
		toks = append(toks, t)
	}
	pos := 0
	peek := func() cssTok {
		if pos < len(toks) {
			return toks[pos]
		}
		return cssTok{kind: ctEOF}
	}
	if t := peek(); t.kind == ctIdent && t.text == "from" {
		return color.NRGBA{}, false // relative colour syntax
	}
	var kinds [3]chanKind
	var vals [3]float64
	legacy, hasNone := false, false
	for i := 0; i < 3; i++ {
		t := peek()
		switch {
		case t.kind == ctIdent && t.text == "none":
			kinds[i] = chNone
			hasNone = true
		case i == 0 && space != csRGB && t.kind == ctDim:
			switch t.text {
			case "deg", "grad", "rad", "turn":
			default:
				return color.NRGBA{}, false
			}
			kinds[i], vals[i] = chNumber, angleToDegrees(t.num, t.text)
		case t.kind == ctNumber:
			kinds[i], vals[i] = chNumber, t.num
		case t.kind == ctPercent && !(i == 0 && space != csRGB):
			kinds[i], vals[i] = chPercent, t.num
		default:
			return color.NRGBA{}, false
		}
		pos++
		if i < 2 {
			comma := peek().kind == ctComma
			if comma {
				pos++
			}
			if legacy {
				if !comma {
					return color.NRGBA{}, false
				}
			} else if comma {
				legacy = true
			}
		}
	}
	expectAlpha := false
	if legacy {
		if peek().kind == ctComma {
			pos++
			expectAlpha = true
		}
	} else if peek().kind == ctSlash {
		pos++
		expectAlpha = true
	}
	alphaKind, alphaVal := chNumber, 1.0
	if expectAlpha {
		t := peek()
		switch {
		case t.kind == ctNumber:
			alphaKind, alphaVal = chNumber, t.num
		case t.kind == ctPercent:
			alphaKind, alphaVal = chPercent, t.num
		case t.kind == ctIdent && t.text == "none":
			alphaKind = chNone
			hasNone = true
		default:
			return color.NRGBA{}, false
		}
		pos++
	}
	if pos != len(toks) {
		return color.NRGBA{}, false
	}
	if legacy {
		if hasNone || space == csHWB {
			return color.NRGBA{}, false
		}
		if space == csRGB {
			pct, num := false, false
			for i := 0; i < 3; i++ {
				switch kinds[i] {
				case chPercent:
					if num {
						return color.NRGBA{}, false
					}
					pct = true
				case chNumber:
					if pct {
						return color.NRGBA{}, false
					}
					num = true
				}
			}
		} else if kinds[1] == chNumber || kinds[2] == chNumber {
			return color.NRGBA{}, false
		}
	}

	// Resolve the channels (ResolveColorChannel, MakePerColorSpaceAdjustments).
	base := 255.0
	if space != csRGB {
		base = 100
	}
	for i := 0; i < 3; i++ {
		switch kinds[i] {
		case chNone:
			vals[i] = 0
			continue
		case chPercent:
			vals[i] = vals[i] / 100.0 * base
		}
		if i == 0 && space != csRGB {
			if math.IsInf(vals[0], 0) || math.IsNaN(vals[0]) {
				vals[0] = 0
			}
			vals[0] = math.Mod(math.Mod(vals[0], 360)+360, 360)
		}
	}
	alpha := 0.0 // "none" alpha is stored as 0
	switch alphaKind {
	case chNumber:
		alpha = clamp01(alphaVal)
	case chPercent:
		alpha = clamp01(alphaVal / 100.0)
	}
	switch space {
	case csRGB:
		var out [3]uint8
		for i := 0; i < 3; i++ {
			v := vals[i]
			if kinds[i] != chNone {
				if math.IsInf(v, 0) {
					if v > 0 {
						v = 255
					} else {
						v = 0
					}
				}
				v = math.Max(0, math.Min(v, 255))
			}
			out[i] = skQuantize(float32(float64(float32(v)) / 255.0))
		}
		if alphaKind != chNone {
			alpha = math.Round(alpha*255) / 255
		}
		return color.NRGBA{R: out[0], G: out[1], B: out[2], A: skQuantize(float32(alpha))}, true
	default:
		for i := 1; i < 3; i++ {
			if kinds[i] != chNone {
				vals[i] /= 100.0
				if legacy {
					vals[i] = clamp01(vals[i])
				}
			}
		}
		var r, g, b float32
		if space == csHSL {
			r, g, b = hslToSRGB(float32(vals[0]), float32(vals[1]), float32(vals[2]))
		} else {
			r, g, b = hwbToSRGB(float32(vals[0]), float32(vals[1]), float32(vals[2]))
		}
		return floatColor(r, g, b, float32(alpha)), true
	}
}

func clamp01(v float64) float64 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// ---- Fabric.js Color ----

// FabricColor is the source array of a Fabric.js Color object, [r, g, b,
// a], exactly as Fabric stores it: r, g and b are nominally 0-255 and a is
// 0-1, but they can be fractional ("rgb(12.5,0,0)" keeps 12.5), out of range
// ("rgb(300,0,0)" keeps 300) or NaN ("rgb(,,)" matches Fabric's regex).
// Unrecognised is set when Fabric fell back to black for a string it did
// not recognise (Color.isUnrecognised in v6).
type FabricColor struct {
	R, G, B, A   float64
	Unrecognised bool
}

var (
	fabricBlack        = FabricColor{A: 1}
	fabricUnrecognised = FabricColor{A: 1, Unrecognised: true}
)

// Regular expressions of src/color/constants.ts (v6.9.1), written for
// input that is already lower-cased and whitespace-normalised, and with
// explicit letter classes instead of case folding so that non-ASCII
// letters never match (as in JavaScript regexes without the u flag).
var (
	reFabricHex = regexp.MustCompile(`^#?(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$`)
	reFabricRGB = regexp.MustCompile(`^rgba?\( ?(\d{0,3}(?:\.\d+)?%?) ?[ |,] ?(\d{0,3}(?:\.\d+)?%?) ?[ |,] ?(\d{0,3}(?:\.\d+)?%?) ?(?: ?[,/] ?(\d{0,3}(?:\.\d+)?%?) ?)?\)$`)
	reFabricHSL = regexp.MustCompile(`^hsla?\( ?([+-]?\d{0,3}(?:\.\d+)?(?:deg|turn|rad)?) ?[ |,] ?(\d{0,3}(?:\.\d+)?%?) ?[ |,] ?(\d{0,3}(?:\.\d+)?%?) ?(?: ?[,/] ?(\d*(?:\.\d+)?%?) ?)?\)$`)

	// v5.3 (src/color.class.js): case-insensitive, no lower-casing first,
	// JavaScript \s (any Unicode space) and no whitespace normalisation.
	reFabric5RGB = regexp.MustCompile(`^[rR][gG][bB][aA]?\(` + jsS + `*(\d{1,3}(?:\.\d+)?%?)` + jsS + `*,` + jsS + `*(\d{1,3}(?:\.\d+)?%?)` + jsS + `*,` + jsS + `*(\d{1,3}(?:\.\d+)?%?)` + jsS + `*(?:` + jsS + `*,` + jsS + `*((?:\d*\.?\d+)?)` + jsS + `*)?\)$`)
	reFabric5HSL = regexp.MustCompile(`^[hH][sS][lL][aA]?\(` + jsS + `*(\d{1,3})` + jsS + `*,` + jsS + `*(\d{1,3}%)` + jsS + `*,` + jsS + `*(\d{1,3}%)` + jsS + `*(?:` + jsS + `*,` + jsS + `*(\d+(?:\.\d+)?)` + jsS + `*)?\)$`)
)

// jsS is JavaScript's \s as an RE2 character class.
const jsS = `[\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]`

func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// jsToLower is String.prototype.toLowerCase for the cases that matter here:
// Go's per-rune mapping plus the one unconditional multi-rune lower-case
// mapping (U+0130 → "i̇"), which keeps "whİte" from becoming "white".
func jsToLower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return strings.ToLower(strings.ReplaceAll(s, "\u0130", "i\u0307"))
}

// normalizeWs is Fabric's normalizeWs: every run of JavaScript whitespace
// becomes one space.
func normalizeWs(s string) string {
	var b strings.Builder
	inSpace := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteByte(s[i])
			i++
			inSpace = false
			continue
		}
		if isJSSpace(r) {
			if !inSpace {
				b.WriteByte(' ')
			}
			inSpace = true
		} else {
			b.WriteString(s[i : i+n])
			inSpace = false
		}
		i += n
	}
	return b.String()
}

// jsProtoKeys are the names `name in ColorNameMap` finds on
// Object.prototype. For these Fabric throws a TypeError (the "colour" is
// then a function or object without .match); Parse treats them as
// unrecognised.
var jsProtoKeys = map[string]bool{
	"constructor": true, "__proto__": true, "hasOwnProperty": true, "isPrototypeOf": true,
	"propertyIsEnumerable": true, "toString": true, "valueOf": true, "toLocaleString": true,
	"__defineGetter__": true, "__defineSetter__": true, "__lookupGetter__": true, "__lookupSetter__": true,
}

// ParseFabricSource parses s as Fabric.js v6 `new Color(s)` does
// (src/color/Color.ts, constants.ts, util.ts at v6.9.1) and returns its
// source:
//
//   - "" (a falsy colour) is opaque black, not flagged unrecognised;
//   - the string is lower-cased; the 148 CSS names map to their hex value;
//     "transparent" is (255,255,255,0);
//   - hex: 3, 4, 6 or 8 digits with an optional '#', alpha = aa/255;
//   - rgb()/rgba(): after collapsing whitespace runs to one space, Fabric's
//     permissive regex: up to three integer digits with an optional
//     fraction and '%', separated by one space, comma or '|' (optional
//     single spaces around), alpha after ',' or '/'. Numbers are kept as
//     written (no clamping or rounding); a percentage becomes
//     Math.round(p*2.55) (so 50% is 127, not Chromium's 128); an empty
//     component is NaN; alpha is a number or a percentage/100;
//   - hsl()/hsla(): hue with an optional sign and deg, turn or rad (not
//     grad), saturation and lightness with an optional '%' (read as
//     percentages either way), converted with Math.round(x*255) per channel
//     (values over 100% give channels outside 0-255);
//   - anything else is opaque black with Unrecognised set.
func ParseFabricSource(s string) FabricColor {
	if s == "" {
		return fabricBlack
	}
	c := jsToLower(s)
	if src, ok := fabricSourceFromNameOrHex(c, false); ok {
		return src
	}
	if !strings.HasPrefix(c, "rgb") && !strings.HasPrefix(c, "hsl") {
		return fabricUnrecognised // both regexes are anchored
	}
	n := normalizeWs(c)
	if m := reFabricRGB.FindStringSubmatchIndex(n); m != nil {
		var ch [3]float64
		for i := 0; i < 3; i++ {
			v := n[m[2+2*i]:m[3+2*i]]
			f := jsParseFloat(v)
			if strings.HasSuffix(v, "%") {
				f = JSRound(f * 2.55)
			}
			ch[i] = f
		}
		return FabricColor{R: ch[0], G: ch[1], B: ch[2], A: fabricAlpha(n, m[8], m[9])}
	}
	if m := reFabricHSL.FindStringSubmatchIndex(n); m != nil {
		deg := fabricAngleToDegrees(n[m[2]:m[3]])
		r, g, b := fabricHSLToRGB(deg, n[m[4]:m[5]], n[m[6]:m[7]])
		return FabricColor{R: r, G: g, B: b, A: fabricAlpha(n, m[8], m[9])}
	}
	return fabricUnrecognised
}

// fabricAlpha is fromAlphaToFloat(match[4]): 1 when the group did not take
// part, NaN when it matched the empty string.
func fabricAlpha(s string, lo, hi int) float64 {
	if lo < 0 {
		return 1
	}
	v := s[lo:hi]
	f := jsParseFloat(v)
	if strings.HasSuffix(v, "%") {
		return f / 100
	}
	return f
}

// fabricAngleToDegrees is Color.parseAngletoDegrees.
func fabricAngleToDegrees(v string) float64 {
	f := jsParseFloat(v)
	switch {
	case strings.Contains(v, "rad"):
		return f / (math.Pi / 180)
	case strings.Contains(v, "turn"):
		return f * 360
	}
	return f
}

// fabricHSLToRGB is the hsl branch of Color.sourceFromHsl (v6 and v5):
// the hue in degrees, taken modulo 360, saturation and lightness as the
// strings matched, parseFloat'd and divided by 100, and the channels
// rounded with Math.round.
func fabricHSLToRGB(deg float64, sat, light string) (r, g, b float64) {
	h := math.Mod(math.Mod(deg, 360)+360, 360) / 360
	s := jsParseFloat(sat) / 100
	l := jsParseFloat(light) / 100
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
		r = fabricHue2RGB(p, q, h+1.0/3)
		g = fabricHue2RGB(p, q, h)
		b = fabricHue2RGB(p, q, h-1.0/3)
	}
	return JSRound(r * 255), JSRound(g * 255), JSRound(b * 255)
}

// fabricHue2RGB is Fabric's hue2rgb.
func fabricHue2RGB(p, q, t float64) float64 {
	if t < 0 {
		t++
	}
	if t > 1 {
		t--
	}
	switch {
	case t < 1.0/6:
		return p + float64(float64((q-p)*6)*t)
	case t < 1.0/2:
		return q
	case t < 2.0/3:
		return p + float64(float64((q-p)*(2.0/3-t))*6)
	}
	return p
}

// fabricSourceFromNameOrHex is the part of Color's constructor that v5
// and v6 share, for c as Fabric looks it up (v6 lower-cases it first): a
// CSS name, a name found on Object.prototype (unrecognised, see
// jsProtoKeys), "transparent", or hex (fabricSourceFromHex). ok is false
// when c is none of these.
func fabricSourceFromNameOrHex(c string, v5 bool) (FabricColor, bool) {
	if v, ok := cssNamedColors[c]; ok {
		return FabricColor{R: float64(v >> 16), G: float64(v >> 8 & 0xff), B: float64(v & 0xff), A: 1}, true
	}
	if jsProtoKeys[c] {
		return fabricUnrecognised, true
	}
	if c == "transparent" {
		return FabricColor{R: 255, G: 255, B: 255, A: 0}, true
	}
	return fabricSourceFromHex(c, v5)
}

// fabricSourceFromHex is Color.sourceFromHex; v5 rounds alpha to two
// decimals.
func fabricSourceFromHex(c string, v5 bool) (FabricColor, bool) {
	if !reFabricHex.MatchString(c) {
		return FabricColor{}, false
	}
	v := c[strings.IndexByte(c, '#')+1:]
	var d [4]uint32
	d[3] = 255
	if len(v) <= 4 {
		for i := 0; i < len(v); i++ {
			x, _ := hexVal(v[i])
			d[i] = x * 17
		}
	} else {
		for i := 0; i < len(v)/2; i++ {
			hi, _ := hexVal(v[2*i])
			lo, _ := hexVal(v[2*i+1])
			d[i] = hi<<4 | lo
		}
	}
	a := float64(d[3]) / 255
	if v5 {
		a = jsToFixed2(a)
	}
	return FabricColor{R: float64(d[0]), G: float64(d[1]), B: float64(d[2]), A: a}, true
}

// ParseFabricSourceV5 parses s as Fabric.js v5 (5.3) `new fabric.Color(s)`:
// names are matched case-sensitively (lower case only) and not
// lower-cased first; hex as in v6 but alpha rounded to two decimals
// (parseFloat((aa/255).toFixed(2))); rgb()/rgba() only with commas,
// channels truncated to integers (parseInt) and percentages as
// parseInt(parseInt(p)/100*255) (50% is 127), alpha a plain number; hsl()
// with an integer hue and percentages; anything else is black.
func ParseFabricSourceV5(s string) FabricColor {
	if s == "" {
		return fabricBlack
	}
	if src, ok := fabricSourceFromNameOrHex(s, true); ok {
		return src
	}
	if m := reFabric5RGB.FindStringSubmatch(s); m != nil {
		var ch [3]float64
		for i := 0; i < 3; i++ {
			v := m[1+i]
			f := jsParseIntString(v)
			if strings.HasSuffix(v, "%") {
				f = f / 100 * 255
			}
			ch[i] = jsParseIntString(jsNumberString(f))
		}
		return FabricColor{R: ch[0], G: ch[1], B: ch[2], A: fabricAlphaV5(m[4])}
	}
	if m := reFabric5HSL.FindStringSubmatch(s); m != nil {
		r, g, b := fabricHSLToRGB(jsParseFloat(m[1]), m[2], m[3])
		return FabricColor{R: r, G: g, B: b, A: fabricAlphaV5(m[4])}
	}
	return fabricUnrecognised
}

// fabricAlphaV5 is v5's alpha group: a plain number, 1 when absent or
// empty.
func fabricAlphaV5(v string) float64 {
	if v == "" {
		return 1
	}
	return jsParseFloat(v)
}

// ToRgb is Color.toRgb: "rgb(r,g,b)" with JavaScript number formatting.
func (c FabricColor) ToRgb() string {
	return "rgb(" + jsNumberString(c.R) + "," + jsNumberString(c.G) + "," + jsNumberString(c.B) + ")"
}

// ToRgba is Color.toRgba: "rgba(r,g,b,a)" with JavaScript number
// formatting (e.g. 0.5019607843137255 for a hex alpha of 80).
func (c FabricColor) ToRgba() string {
	return "rgba(" + jsNumberString(c.R) + "," + jsNumberString(c.G) + "," + jsNumberString(c.B) + "," + jsNumberString(c.A) + ")"
}

// WithAlpha is Color.setAlpha(a): the same colour with alpha a, unclamped.
func (c FabricColor) WithAlpha(a float64) FabricColor {
	c.A = a
	return c
}

// CanvasColor is what Chromium's canvas makes of c.ToRgba(), the string
// Fabric hands to the canvas (for example to addColorStop). ok is false
// when the browser rejects it, which happens only for NaN or infinite
// components.
func (c FabricColor) CanvasColor() (color.NRGBA, bool) {
	return ParseCSSColor(c.ToRgba())
}

// NRGBA is CanvasColor with NaN components read as 0 and infinite ones
// clamped, so it always yields a colour: channels are rounded half away
// from zero and clamped to 0-255, alpha becomes round(min(max(a,0),1)*255)
// (after Chromium's reading of the decimal string, see ParseCSSColor).
func (c FabricColor) NRGBA() color.NRGBA {
	fix := func(v, hi float64) float64 {
		switch {
		case math.IsNaN(v):
			return 0
		case math.IsInf(v, 1):
			return hi
		case math.IsInf(v, -1):
			return 0
		}
		return v
	}
	c = FabricColor{R: fix(c.R, 255), G: fix(c.G, 255), B: fix(c.B, 255), A: fix(c.A, 1)}
	if out, ok := c.CanvasColor(); ok {
		return out
	}
	ch := func(v float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(v, 255)))) }
	return color.NRGBA{R: ch(c.R), G: ch(c.G), B: ch(c.B), A: ch(math.Max(0, math.Min(c.A, 1)) * 255)}
}

// ParseFabricColor is the colour Fabric.js v6 produces for s: the source
// of `new Color(s)` (see ParseFabricSource; unrecognised strings are
// opaque black) as the browser paints its toRgba() string (see
// FabricColor.NRGBA). Fractional or out-of-range components are therefore
// rounded and clamped by Chromium's rules, not Fabric's.
func ParseFabricColor(s string) color.NRGBA {
	return ParseFabricSource(s).NRGBA()
}

// ParseFabricColorV5 is ParseFabricColor with Fabric.js v5 parsing rules
// (see ParseFabricSourceV5).
func ParseFabricColorV5(s string) color.NRGBA {
	return ParseFabricSourceV5(s).NRGBA()
}

// WithAlpha returns what the canvas paints for Fabric's
// `new Color(c).setAlpha(a).toRgba()`: c's channels with the alpha that
// Chromium reads from a written as a JavaScript decimal (see
// ParseCSSColor): round(a*255) for a in [0,1] up to the 7-decimal
// truncation, 0 for negative a, 255 for a above 1, and 0 for NaN (for which
// the real browser rejects the string and addColorStop throws). To keep
// fractional Fabric channels exact, use
// ParseFabricSource(s).WithAlpha(a).NRGBA() instead.
func WithAlpha(c color.NRGBA, a float64) color.NRGBA {
	return FabricColor{R: float64(c.R), G: float64(c.G), B: float64(c.B), A: a}.NRGBA()
}
