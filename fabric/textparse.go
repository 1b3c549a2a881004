package fabric

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"github.com/tidwall/gjson"
)

// Graphemes splits one line of text into the units Fabric lays out: full
// grapheme clusters (Intl.Segmenter) from Fabric 6.6.5 on, code points
// (surrogate pairs joined) before.
func Graphemes(s string, version string) []string {
	if segmenterVersion(version) {
		out := make([]string, 0, len(s))
		g := uniseg.NewGraphemes(s)
		for g.Next() {
			out = append(out, g.Str())
		}
		return out
	}
	out := make([]string, 0, len(s))
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		out = append(out, s[i:i+n])
		i += n
	}
	return out
}

// segmenterVersion reports whether a Fabric version segments graphemes
// with Intl.Segmenter (6.6.5 and later).
func segmenterVersion(v string) bool {
	parts := strings.SplitN(v, ".", 4)
	nums := [3]int{}
	for i := 0; i < len(parts) && i < 3; i++ {
		n, _ := strconv.Atoi(strings.TrimLeftFunc(parts[i], func(r rune) bool { return r < '0' || r > '9' }))
		nums[i] = n
	}
	switch {
	case nums[0] != 6:
		return nums[0] > 6
	case nums[1] != 6:
		return nums[1] > 6
	}
	return nums[2] >= 5
}

// SplitLines splits text into Fabric's unwrapped lines (on \r?\n).
func SplitLines(text string) []string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

func (b *objectBuilder) text(base Base) Object {
	t := &Text{Base: base, Class: b.kind}
	t.Text = b.str("text", "")
	if len(t.Text) > b.p.lim.MaxTextBytes {
		b.err = &Error{Path: join(b.path, "text"), Err: fmt.Errorf("%w: text of %d bytes, more than %d", ErrLimit, len(t.Text), b.p.lim.MaxTextBytes)}
		return t
	}
	t.FontSize = b.num("fontSize", 40)
	t.FontWeight = b.str("fontWeight", "normal")
	t.FontFamily = b.str("fontFamily", "Times New Roman")
	t.FontStyle = b.str("fontStyle", "normal")
	t.LineHeight = b.num("lineHeight", 1.16)
	t.Underline = b.boolean("underline", false)
	t.Overline = b.boolean("overline", false)
	t.Linethrough = b.boolean("linethrough", false)
	t.TextAlign = b.str("textAlign", "left")
	t.TextBackgroundColor = b.paint("textBackgroundColor")
	t.CharSpacing = b.num("charSpacing", 0)
	t.Direction = b.str("direction", "ltr")
	t.TextDecorationThickness = b.num("textDecorationThickness", 66.667)
	t.TextDecorationColor = b.paint("textDecorationColor")
	t.PathStartOffset = b.num("pathStartOffset", 0)
	t.PathSide = b.str("pathSide", "left")
	t.PathAlign = b.str("pathAlign", "baseline")
	if t.Class == KindTextbox {
		t.MinWidth = b.num("minWidth", 20)
		t.SplitByGrapheme = b.boolean("splitByGrapheme", false)
	}
	if v, ok := b.get("path"); ok && b.err == nil {
		if v.IsObject() {
			// Text on a path stores the whole Path object.
			pk := fields(v)
			if pv, ok := pk["path"]; ok {
				t.PathCommands = b.pathCommands(pv, join(join(b.path, "path"), "path"))
			}
		} else if v.Type != gjson.False {
			b.err = errorf(join(b.path, "path"), "expected a Path object")
		}
	}
	if v, ok := b.get("styles"); ok && b.err == nil {
		t.Styles = b.styles(v, t)
	}
	return t
}

// styles normalises both serialised forms of per-character styles to runs
// over character indices that skip newlines.
func (b *objectBuilder) styles(v gjson.Result, t *Text) []StyleRun {
	path := join(b.path, "styles")
	lines := SplitLines(t.Text)
	var runs []StyleRun
	switch {
	case v.IsArray():
		// v5.2.2+ counts UTF-16 code units, v6+ graphemes.
		var unitToChar []int
		if b.major > 0 && b.major < 6 {
			unitToChar = utf16Map(lines, b.ver)
		}
		i := 0
		v.ForEach(func(_, e gjson.Result) bool {
			ep := index(path, i)
			i++
			if !e.IsObject() {
				b.err = errorf(ep, "expected {start, end, style}")
				return false
			}
			k := fields(e)
			start, err := b.p.optNumber(k, ep, "start", 0)
			if err != nil {
				b.err = err
				return false
			}
			end, err := b.p.optNumber(k, ep, "end", 0)
			if err != nil {
				b.err = err
				return false
			}
			st, err := b.charStyle(k["style"], join(ep, "style"))
			if err != nil {
				b.err = err
				return false
			}
			s, en := int(start), int(end)
			if unitToChar != nil {
				s, en = mapUnit(unitToChar, s), mapUnit(unitToChar, en)
			}
			if en > s && !st.IsZero() {
				runs = append(runs, StyleRun{Start: s, End: en, Style: st})
			}
			return true
		})
	case v.IsObject():
		// {"line": {"char": {...}}}: unwrapped line and grapheme index.
		offsets := make([]int, len(lines)+1)
		for i, l := range lines {
			offsets[i+1] = offsets[i] + len(Graphemes(l, b.ver))
		}
		v.ForEach(func(lk, lv gjson.Result) bool {
			line, err := strconv.Atoi(lk.Str)
			if err != nil || line < 0 || line >= len(lines) || !lv.IsObject() {
				return true // Fabric ignores styles beyond the text
			}
			lv.ForEach(func(ck, cv gjson.Result) bool {
				ch, err := strconv.Atoi(ck.Str)
				if err != nil || ch < 0 || offsets[line]+ch >= offsets[line+1] {
					return true
				}
				st, err := b.charStyle(cv, join(join(path, lk.Str), ck.Str))
				if err != nil {
					b.err = err
					return false
				}
				if !st.IsZero() {
					runs = append(runs, StyleRun{Start: offsets[line] + ch, End: offsets[line] + ch + 1, Style: st})
				}
				return true
			})
			return b.err == nil
		})
	case v.Type == gjson.Null || v.Type == gjson.False:
	default:
		b.err = errorf(path, "expected an array or object, got a JSON %s", jsonKind(v))
	}
	return runs
}

// utf16Map maps a UTF-16 code unit index (newlines not counted) to the
// character index for v5 array styles.
func utf16Map(lines []string, ver string) []int {
	var m []int
	ci := 0
	for _, l := range lines {
		for _, g := range Graphemes(l, ver) {
			n := 0
			for _, r := range g {
				n += len(utf16.Encode([]rune{r}))
			}
			for k := 0; k < n; k++ {
				m = append(m, ci)
			}
			ci++
		}
	}
	m = append(m, ci)
	return m
}

func mapUnit(m []int, u int) int {
	if u < 0 {
		return 0
	}
	if u >= len(m) {
		return m[len(m)-1] + (u - len(m) + 1)
	}
	return m[u]
}

func (b *objectBuilder) charStyle(v gjson.Result, path string) (CharStyle, error) {
	var s CharStyle
	if !v.Exists() || v.Type == gjson.Null {
		return s, nil
	}
	if !v.IsObject() {
		return s, errorf(path, "expected a style object")
	}
	var err error
	v.ForEach(func(k, val gjson.Result) bool {
		kp := join(path, k.Str)
		if val.Type == gjson.Null {
			return true
		}
		num := func(dst **float64) {
			f, e := number(val)
			if e != nil {
				err = errorf(kp, "%v", e)
				return
			}
			*dst = &f
		}
		str := func(dst **string) {
			var sv string
			switch val.Type {
			case gjson.String:
				sv = val.Str
			case gjson.Number:
				sv = val.Raw
			default:
				err = errorf(kp, "expected a string")
				return
			}
			*dst = &sv
		}
		boolean := func(dst **bool) {
			bv := val.Bool()
			if val.Type == gjson.String {
				bv = val.Str != ""
			}
			*dst = &bv
		}
		paint := func(dst **Paint) {
			pt, e := b.p.paint(val, kp, b.ver)
			if e != nil {
				err = e
				return
			}
			*dst = &pt
		}
		switch k.Str {
		case "fontSize":
			num(&s.FontSize)
		case "fontWeight":
			str(&s.FontWeight)
		case "fontFamily":
			str(&s.FontFamily)
		case "fontStyle":
			str(&s.FontStyle)
		case "underline":
			boolean(&s.Underline)
		case "overline":
			boolean(&s.Overline)
		case "linethrough":
			boolean(&s.Linethrough)
		case "fill":
			paint(&s.Fill)
		case "stroke":
			paint(&s.Stroke)
		case "strokeWidth":
			num(&s.StrokeWidth)
		case "deltaY":
			num(&s.DeltaY)
		case "textBackgroundColor":
			paint(&s.TextBackgroundColor)
		case "textDecorationThickness":
			num(&s.TextDecorationThickness)
		case "textDecorationColor":
			paint(&s.TextDecorationColor)
		}
		return err == nil
	})
	return s, err
}
