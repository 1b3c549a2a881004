package render

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/font"
)

// Fabric's text constants (fabric-model.md §4).
const (
	fontSizeMult     = 1.13
	fontSizeFraction = 0.222
	minTextWidth     = 2
)

// charStyle is the complete style of one grapheme.
type charStyle struct {
	fontSize                float64
	fontWeight, fontFamily  string
	fontStyle               string
	underline, overline     bool
	linethrough             bool
	fill, stroke            fabric.Paint
	strokeWidth             float64
	deltaY                  float64
	textBackgroundColor     fabric.Paint
	textDecorationThickness float64
	textDecorationColor     fabric.Paint
	font                    *font.Font
}

// fontKey is Fabric's font declaration: graphemes measure as a kerned
// couple only when these match.
func (s *charStyle) fontKey() string {
	return s.fontStyle + "|" + s.fontWeight + "|" + s.fontFamily + "|" + ftoa(s.fontSize)
}

// textChar is one laid-out grapheme.
type textChar struct {
	text        string
	style       *charStyle
	width       float64 // own advance incl. charSpacing
	kernedWidth float64 // advance after the previous grapheme incl. charSpacing
	left        float64 // from the line start
	styled      bool    // has a per-character style entry
}

type textLine struct {
	chars    []textChar
	width    float64 // Fabric's line width (last charSpacing removed)
	maxSize  float64
	paraEnd  bool // last line of a paragraph (for justify-*)
	justify  bool // spaces were enlarged
	paraLine int  // unwrapped line index
}

// textLayout is the measured text of one object, in its local units.
type textLayout struct {
	lines         []textLine
	width, height float64
	err           error
}

// heightOfLine is Fabric's getHeightOfLine without lineHeight.
func (l *textLine) lineHeight(t *fabric.Text) float64 {
	if l.maxSize == 0 {
		return t.FontSize * fontSizeMult
	}
	return l.maxSize * fontSizeMult
}

// layoutText measures and wraps t exactly as Fabric does (fabric-model.md
// §4): grapheme widths and kerned couples, charSpacing, Textbox wrapping,
// alignment offsets and heights.
func (p *Plan) layoutText(t *fabric.Text, faces *faceCache) *textLayout {
	l := &textLayout{}
	cs := t.FontSize * t.CharSpacing / 1000
	paras := fabric.SplitLines(t.Text)
	styles := newStyleIndex(t.Styles)
	charIndex := 0
	type para struct {
		chars []textChar
	}
	measured := make([]para, len(paras))
	for pi, line := range paras {
		gs := fabric.Graphemes(line, t.Version)
		chars := make([]textChar, len(gs))
		for i, g := range gs {
			over := styles.at(charIndex)
			st, err := p.resolveStyle(t, over)
			if err != nil {
				l.err = err
				return l
			}
			chars[i] = textChar{text: g, style: st, styled: over != nil}
			charIndex++
		}
		measured[pi] = para{chars}
	}
	// measure: width of each grapheme and kerned width after its
	// predecessor in the same paragraph.
	for pi := range measured {
		ch := measured[pi].chars
		for i := range ch {
			c := &ch[i]
			fc := faces.get(c.style.font)
			w := faces.measure(c.style.font, c.text) * c.style.fontSize / fc.Font.UnitsPerEm()
			c.width, c.kernedWidth = w, w
			if i > 0 && ch[i-1].style.fontKey() == c.style.fontKey() {
				c.kernedWidth = faces.kerned(c.style.font, ch[i-1].text, c.text) * c.style.fontSize / fc.Font.UnitsPerEm()
			}
			if cs != 0 {
				c.width += cs
				c.kernedWidth += cs
			}
		}
	}
	textbox := t.Class == fabric.KindTextbox
	width := t.Width
	if textbox {
		allWords := make([][]word, len(measured))
		largest := 0.0
		for pi, pa := range measured {
			allWords[pi] = splitWords(t, pa.chars)
			for _, w := range allWords[pi] {
				if w.width > largest {
					largest = w.width
				}
			}
		}
		maxWidth := width
		if (t.Major() >= 6 || t.Major() == 0) && largest > maxWidth {
			maxWidth = largest
		}
		for pi, pa := range measured {
			if len(pa.chars) == 0 {
				l.lines = append(l.lines, textLine{paraEnd: true, paraLine: pi})
				continue
			}
			for _, wl := range wrapParagraph(t, pa.chars, allWords[pi], cs, maxWidth) {
				wl.paraLine = pi
				l.lines = append(l.lines, wl)
			}
			l.lines[len(l.lines)-1].paraEnd = true
		}
		// The box grows to the widest word (dynamicMinWidth).
		if dyn := largest - cs; dyn > width {
			width = dyn
		}
	} else {
		for pi, pa := range measured {
			l.lines = append(l.lines, textLine{chars: pa.chars, paraEnd: true, paraLine: pi})
		}
	}
	maxLine := 0.0
	for i := range l.lines {
		ln := &l.lines[i]
		ln.maxSize = 0
		sum := 0.0
		for j := range ln.chars {
			c := &ln.chars[j]
			if c.style.fontSize > ln.maxSize {
				ln.maxSize = c.style.fontSize
			}
			// Re-measure across the wrapped line (kerning over spaces).
			kw := c.width
			if j > 0 && ln.chars[j-1].style.fontKey() == c.style.fontKey() {
				fc := faces.get(c.style.font)
				kw = c.width + (faces.kerned(c.style.font, ln.chars[j-1].text, c.text)-faces.measure(c.style.font, c.text))*c.style.fontSize/fc.Font.UnitsPerEm()
			}
			c.kernedWidth = kw
			if j == 0 {
				c.left = 0
			} else {
				prev := ln.chars[j-1]
				c.left = prev.left + prev.width + (c.kernedWidth - c.width)
			}
			sum += c.kernedWidth
		}
		ln.width = sum
		if cs != 0 && len(ln.chars) > 0 {
			ln.width -= cs
		}
		if ln.width < 0 {
			ln.width = 0
		}
		if ln.width > maxLine {
			maxLine = ln.width
		}
	}
	if textbox {
		l.width = width
	} else {
		l.width = maxLine
		if l.width == 0 {
			l.width = minTextWidth
		}
	}
	if strings.HasPrefix(t.TextAlign, "justify") {
		l.enlargeSpaces(t)
	}
	for i := range l.lines {
		h := l.lines[i].lineHeight(t)
		if i == len(l.lines)-1 {
			l.height += h
		} else {
			l.height += h * t.LineHeight
		}
	}
	return l
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// isJoiner reports Fabric's word joiners (/[ \t\r]/).
func isJoiner(s string) bool { return s == " " || s == "\t" || s == "\r" }

// word is a run chars[start:end] of one paragraph.
type word struct {
	start, end int
	width      float64
}

// splitWords splits a paragraph as Textbox.getGraphemeDataForRender does:
// on joiners (repeated joiners give empty words), or into single graphemes
// with splitByGrapheme.
func splitWords(t *fabric.Text, chars []textChar) []word {
	var words []word
	if t.SplitByGrapheme {
		for i := range chars {
			words = append(words, word{start: i, end: i + 1, width: chars[i].width})
		}
		return words
	}
	start := 0
	for i := 0; i <= len(chars); i++ {
		if i == len(chars) || isJoiner(chars[i].text) {
			words = append(words, word{start: start, end: i, width: wordWidth(chars[start:i])})
			start = i + 1
		}
	}
	return words
}

// wrapParagraph breaks one paragraph into lines as Textbox._wrapLine does.
// maxWidth is already max(width, widest word) for v6+, the width for v5.
func wrapParagraph(t *fabric.Text, chars []textChar, words []word, cs, maxWidth float64) []textLine {
	var out []textLine
	var line []textChar
	lineWidth := 0.0
	infixWidth := 0.0
	started := true
	for _, w := range words {
		lineWidth += infixWidth + w.width - cs
		if lineWidth > maxWidth && !started {
			out = append(out, textLine{chars: line})
			line = nil
			lineWidth = w.width
			started = true
		} else {
			lineWidth += cs
		}
		if !started && !t.SplitByGrapheme {
			// Fabric joins wrapped words with a space styled like the
			// joiner it replaces.
			j := chars[w.start-1]
			j.text = " "
			line = append(line, j)
		}
		line = append(line, chars[w.start:w.end]...)
		infixWidth = 0
		if !t.SplitByGrapheme && w.end < len(chars) {
			infixWidth = chars[w.end].width
		}
		started = false
	}
	if len(words) > 0 {
		out = append(out, textLine{chars: line})
	}
	return out
}

func wordWidth(chars []textChar) float64 {
	w := 0.0
	for i, c := range chars {
		if i == 0 {
			w += c.width
		} else {
			w += c.kernedWidth
		}
	}
	return w
}

// enlargeSpaces widens the spaces of justified lines (Text.enlargeSpaces).
func (l *textLayout) enlargeSpaces(t *fabric.Text) {
	for i := range l.lines {
		ln := &l.lines[i]
		if t.TextAlign != "justify" && ln.paraEnd {
			continue
		}
		if ln.width >= l.width {
			continue
		}
		spaces := 0
		for _, c := range ln.chars {
			if isSpaceChar(c.text) {
				spaces++
			}
		}
		if spaces == 0 {
			continue
		}
		extra := (l.width - ln.width) / float64(spaces)
		shift := 0.0
		for j := range ln.chars {
			c := &ln.chars[j]
			c.left += shift
			if isSpaceChar(c.text) {
				c.width += extra
				c.kernedWidth += extra
				shift += extra
			}
		}
		ln.width = l.width
		ln.justify = true
	}
}

func isSpaceChar(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return len(s) == utf8.RuneLen(r) && (r == ' ' || r == '\t' || r == '\u00a0' || r == '\u2000' || (r >= '\u2001' && r <= '\u200a') || r == '\u3000')
}

// lineLeftOffset is Fabric's _getLineLeftOffset.
func (l *textLayout) lineLeftOffset(t *fabric.Text, i int) float64 {
	ln := &l.lines[i]
	d := l.width - ln.width
	align := t.TextAlign
	if ln.paraEnd {
		switch align {
		case "justify-center":
			align = "center"
		case "justify-right":
			align = "right"
		case "justify-left":
			align = "left"
		}
	}
	if t.Direction == "rtl" {
		switch align {
		case "right", "justify", "justify-right":
			return 0
		case "left", "justify-left":
			return -d
		case "center", "justify-center":
			return -d / 2
		}
		return 0
	}
	switch align {
	case "center":
		return d / 2
	case "right":
		return d
	}
	return 0
}

// styleIndex answers per-character style lookups.
type styleIndex struct{ runs []fabric.StyleRun }

func newStyleIndex(runs []fabric.StyleRun) styleIndex { return styleIndex{runs} }

func (s styleIndex) at(i int) *fabric.CharStyle {
	var out *fabric.CharStyle
	for k := range s.runs {
		r := &s.runs[k]
		if i >= r.Start && i < r.End {
			if out == nil {
				c := r.Style
				out = &c
			} else {
				mergeStyle(out, &r.Style)
			}
		}
	}
	return out
}

func mergeStyle(dst, src *fabric.CharStyle) {
	if src.FontSize != nil {
		dst.FontSize = src.FontSize
	}
	if src.FontWeight != nil {
		dst.FontWeight = src.FontWeight
	}
	if src.FontFamily != nil {
		dst.FontFamily = src.FontFamily
	}
	if src.FontStyle != nil {
		dst.FontStyle = src.FontStyle
	}
	if src.Underline != nil {
		dst.Underline = src.Underline
	}
	if src.Overline != nil {
		dst.Overline = src.Overline
	}
	if src.Linethrough != nil {
		dst.Linethrough = src.Linethrough
	}
	if src.Fill != nil {
		dst.Fill = src.Fill
	}
	if src.Stroke != nil {
		dst.Stroke = src.Stroke
	}
	if src.StrokeWidth != nil {
		dst.StrokeWidth = src.StrokeWidth
	}
	if src.DeltaY != nil {
		dst.DeltaY = src.DeltaY
	}
	if src.TextBackgroundColor != nil {
		dst.TextBackgroundColor = src.TextBackgroundColor
	}
	if src.TextDecorationThickness != nil {
		dst.TextDecorationThickness = src.TextDecorationThickness
	}
	if src.TextDecorationColor != nil {
		dst.TextDecorationColor = src.TextDecorationColor
	}
}
