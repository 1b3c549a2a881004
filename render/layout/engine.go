package layout

import (
	"strconv"
	"strings"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/font"
)

// Fabric's text constants (fabric-model.md §4).
const (
	FontSizeMult     = 1.13
	FontSizeFraction = 0.222
	minTextWidth     = 2
)

// Engine lays out text objects. It caches faces and measured widths, so
// it is not safe for concurrent use: make one per goroutine. The Fonts it
// reads are shared.
type Engine struct {
	fonts  *Fonts
	faces  map[*font.Font]*font.Face
	widths map[widthKey]float64
	glyphs []font.ShapedGlyph
}

type widthKey struct {
	f *font.Font
	s string
}

// NewEngine returns an engine resolving faces through fonts.
func NewEngine(fonts *Fonts) *Engine {
	return &Engine{fonts: fonts, faces: map[*font.Font]*font.Face{}, widths: map[widthKey]float64{}}
}

// maxWidths bounds the measured-width cache: an engine that lives for a
// whole batch sees every recipient's words.
const maxWidths = 1 << 16

// Trim empties the engine's caches when they have grown past their bound.
func (e *Engine) Trim() {
	if len(e.widths) > maxWidths {
		clear(e.widths)
	}
}

// Face returns the engine's face for f.
func (e *Engine) Face(f *font.Font) *font.Face {
	fc := e.faces[f]
	if fc == nil {
		fc = font.NewFace(f)
		e.faces[f] = fc
	}
	return fc
}

// measure is the shaped advance of s in font units, as the browser's
// measureText reports it (Fabric caches these per font the same way).
func (e *Engine) measure(f *font.Font, s string) float64 {
	k := widthKey{f, s}
	if w, ok := e.widths[k]; ok {
		return w
	}
	var w float64
	e.glyphs, w = e.Face(f).Shape(e.glyphs[:0], s, false)
	e.widths[k] = w
	return w
}

// char is one grapheme being laid out.
type char struct {
	text        string
	style       *Style
	width       float64 // own advance incl. charSpacing
	kernedWidth float64 // advance after the previous grapheme incl. charSpacing
	left        float64 // from the line start
	styled      bool    // has a per-character style entry
}

// fontKey is Fabric's font declaration: graphemes measure as a kerned
// couple only when these match.
func (s *Style) fontKey() string {
	return s.FontStyle + "|" + s.FontWeight + "|" + s.FontFamily + "|" + strconv.FormatFloat(s.FontSize, 'g', -1, 64)
}

type line struct {
	chars   []char
	width   float64
	maxSize float64
	paraEnd bool // last line of a paragraph
}

func (l *line) fontHeight(t *fabric.Text) float64 {
	if l.maxSize == 0 {
		return t.FontSize * FontSizeMult
	}
	return l.maxSize * FontSizeMult
}

// measured is the Fabric measurement of a text before painting.
type measured struct {
	t             *fabric.Text
	lines         []line
	width, height float64
}

// Layout measures, wraps and positions t exactly as Fabric does
// (fabric-model.md §4) and shapes its runs as the browser draws them.
func (e *Engine) Layout(t *fabric.Text) (*Block, error) {
	m, err := e.measure2(t)
	if err != nil {
		return nil, err
	}
	return e.block(m), nil
}

// measure2 does Fabric's measuring: grapheme widths and kerned couples,
// charSpacing, Textbox wrapping, justification and heights.
func (e *Engine) measure2(t *fabric.Text) (*measured, error) {
	cs := t.FontSize * t.CharSpacing / 1000
	paras := fabric.SplitLines(t.Text)
	styles := styleIndex{t.Styles}
	charIndex := 0
	chars := make([][]char, len(paras))
	for pi, p := range paras {
		gs := fabric.Graphemes(p, t.Version)
		chars[pi] = make([]char, len(gs))
		for i, g := range gs {
			over := styles.at(charIndex)
			st, err := e.fonts.style(t, over)
			if err != nil {
				return nil, err
			}
			if f := e.fonts.coverFor(st.Font, g, e.Face, t.JSONPath); f != st.Font {
				cp := *st
				cp.Font = f
				st = &cp
			}
			chars[pi][i] = char{text: g, style: st, styled: over != nil}
			charIndex++
		}
	}
	for _, ch := range chars {
		for i := range ch {
			c := &ch[i]
			k := c.style.FontSize / c.style.Font.UnitsPerEm()
			w := e.measure(c.style.Font, c.text) * k
			c.width, c.kernedWidth = w, w
			if i > 0 && ch[i-1].style.fontKey() == c.style.fontKey() && ch[i-1].style.Font == c.style.Font {
				c.kernedWidth = (e.measure(c.style.Font, ch[i-1].text+c.text) - e.measure(c.style.Font, ch[i-1].text)) * k
			}
			if cs != 0 {
				c.width += cs
				c.kernedWidth += cs
			}
		}
	}
	m := &measured{t: t}
	textbox := t.Class == fabric.KindTextbox
	width := t.Width
	if textbox {
		all := make([][]word, len(chars))
		largest := 0.0
		for pi, ch := range chars {
			all[pi] = splitWords(t, ch)
			for _, w := range all[pi] {
				largest = max(largest, w.width)
			}
		}
		maxWidth := width
		if major := t.Major(); major >= 6 || major == 0 {
			// v6+ wraps at max(width, widest word); v5 at the width.
			maxWidth = max(maxWidth, largest)
		}
		for pi, ch := range chars {
			if len(ch) == 0 {
				m.lines = append(m.lines, line{paraEnd: true})
				continue
			}
			m.lines = append(m.lines, wrapParagraph(t, ch, all[pi], cs, maxWidth)...)
			m.lines[len(m.lines)-1].paraEnd = true
		}
		// The box grows to the widest word (dynamicMinWidth).
		width = max(width, largest-cs)
	} else {
		for _, ch := range chars {
			m.lines = append(m.lines, line{chars: ch, paraEnd: true})
		}
	}
	maxLine := 0.0
	for i := range m.lines {
		ln := &m.lines[i]
		sum := 0.0
		for j := range ln.chars {
			c := &ln.chars[j]
			ln.maxSize = max(ln.maxSize, c.style.FontSize)
			// Wrapped lines are measured again, kerning across spaces.
			if j > 0 {
				p := &ln.chars[j-1]
				if p.style.fontKey() == c.style.fontKey() && p.style.Font == c.style.Font {
					k := c.style.FontSize / c.style.Font.UnitsPerEm()
					c.kernedWidth = c.width + (e.measure(c.style.Font, p.text+c.text)-e.measure(c.style.Font, p.text)-e.measure(c.style.Font, c.text))*k
				} else {
					c.kernedWidth = c.width
				}
				c.left = p.left + p.width + (c.kernedWidth - c.width)
			} else {
				c.kernedWidth, c.left = c.width, 0
			}
			sum += c.kernedWidth
		}
		ln.width = sum
		if cs != 0 && len(ln.chars) > 0 {
			ln.width -= cs
		}
		ln.width = max(ln.width, 0)
		maxLine = max(maxLine, ln.width)
	}
	if textbox {
		m.width = width
	} else {
		m.width = maxLine
		if m.width == 0 {
			m.width = minTextWidth
		}
	}
	if strings.HasPrefix(t.TextAlign, "justify") {
		m.enlargeSpaces()
	}
	for i := range m.lines {
		h := m.lines[i].fontHeight(t)
		if i == len(m.lines)-1 {
			m.height += h
		} else {
			m.height += h * t.LineHeight
		}
	}
	return m, nil
}

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
func splitWords(t *fabric.Text, chars []char) []word {
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

func wordWidth(chars []char) float64 {
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

// wrapParagraph breaks one paragraph into lines as Textbox._wrapLine does.
func wrapParagraph(t *fabric.Text, chars []char, words []word, cs, maxWidth float64) []line {
	var out []line
	var cur []char
	lineWidth, infixWidth := 0.0, 0.0
	started := true
	for _, w := range words {
		lineWidth += infixWidth + w.width - cs
		if lineWidth > maxWidth && !started {
			out = append(out, line{chars: cur})
			cur = nil
			lineWidth = w.width
			started = true
		} else {
			lineWidth += cs
		}
		if !started && !t.SplitByGrapheme {
			// Wrapped words are joined by a space styled like the joiner
			// it replaces.
			j := chars[w.start-1]
			j.text = " "
			cur = append(cur, j)
		}
		cur = append(cur, chars[w.start:w.end]...)
		infixWidth = 0
		if !t.SplitByGrapheme && w.end < len(chars) {
			infixWidth = chars[w.end].width
		}
		started = false
	}
	if len(words) > 0 {
		out = append(out, line{chars: cur})
	}
	return out
}

// enlargeSpaces widens the spaces of justified lines (Text.enlargeSpaces):
// plain justify treats every line, justify-* skip each paragraph's last.
func (m *measured) enlargeSpaces() {
	for i := range m.lines {
		ln := &m.lines[i]
		if m.t.TextAlign != "justify" && ln.paraEnd {
			continue
		}
		if ln.width >= m.width {
			continue
		}
		spaces := 0
		for _, c := range ln.chars {
			if isSpace(c.text) {
				spaces++
			}
		}
		if spaces == 0 {
			continue
		}
		extra := (m.width - ln.width) / float64(spaces)
		shift := 0.0
		for j := range ln.chars {
			c := &ln.chars[j]
			c.left += shift
			if isSpace(c.text) {
				c.width += extra
				c.kernedWidth += extra
				shift += extra
			}
		}
		// getLineWidth keeps the measured width.
	}
}

// isSpace is Fabric's _reSpaceAndTab (/[ \t\r]/).
func isSpace(s string) bool { return s == " " || s == "\t" || s == "\r" }

// lineLeftOffset is Fabric's _getLineLeftOffset: justified lines start
// at 0, justify-* end lines align like left/center/right, and rtl mirrors.
func (m *measured) lineLeftOffset(i int) float64 {
	t := m.t
	ln := &m.lines[i]
	d := m.width - ln.width
	align := t.TextAlign
	end := ln.paraEnd
	if align == "justify" || (!end && (align == "justify-center" || align == "justify-right" || align == "justify-left")) {
		return 0
	}
	left := 0.0
	switch align {
	case "center", "justify-center":
		left = d / 2
	case "right", "justify-right":
		left = d
	}
	if t.Direction == "rtl" {
		switch align {
		case "right", "justify", "justify-right":
			left = 0
		case "left", "justify-left":
			left = -d
		case "center", "justify-center":
			left = -d / 2
		}
	}
	return left
}

// styleIndex answers per-character style lookups.
type styleIndex struct{ runs []fabric.StyleRun }

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
