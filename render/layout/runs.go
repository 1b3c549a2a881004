package layout

import (
	"strings"

	"golang.org/x/text/unicode/bidi"

	"github.com/fabricpress/fabricpress/fabric"
)

// Decoration positions (fabric-model.md §4.5): y = baseline + k·size +
// deltaY − a·thickness. Fabric 6.7 introduced the aligner a; the
// positions are the same at the default thickness.
var decorations = []struct {
	kind string
	k, a float64
}{{"underline", 0.1, 0}, {"overline", -0.81333, 1}, {"linethrough", -0.28167, 0.5}}

// block positions the measured lines and shapes their runs.
func (e *Engine) block(m *measured) *Block {
	t := m.t
	b := &Block{Width: m.width, Height: m.height}
	top := -m.height / 2
	for i := range m.lines {
		ln := &m.lines[i]
		h := ln.fontHeight(t)
		out := Line{Top: top, Height: h, Baseline: top + h*(1-FontSizeFraction), Width: ln.width}
		var sb strings.Builder
		for _, c := range ln.chars {
			sb.WriteString(c.text)
		}
		out.Text = sb.String()
		for _, r := range m.drawRuns(i) {
			out.Runs = append(out.Runs, e.shapeRun(t, r, out.Baseline)...)
		}
		b.Lines = append(b.Lines, out)
		b.Backgrounds = append(b.Backgrounds, m.backgrounds(i, top, h)...)
		top += h * t.LineHeight
	}
	for _, d := range decorations {
		top := -m.height / 2
		for i := range m.lines {
			h := m.lines[i].fontHeight(t)
			b.Decorations = append(b.Decorations, m.decorations(i, d.kind, d.k, d.a, top+h*(1-FontSizeFraction))...)
			top += h * t.LineHeight
		}
	}
	return b
}

// drawRun is what Fabric draws with one fillText/strokeText call.
type drawRun struct {
	chars []char
	x     float64 // left edge
}

// drawRuns splits line i into Fabric's drawing runs (Text._renderChars):
// the whole line at once when it has no styles, no charSpacing and is
// not justified; otherwise a run per style change, per grapheme with
// charSpacing, and after every space when justifying. rtl lines run from
// the right edge leftwards.
func (m *measured) drawRuns(i int) []drawRun {
	t := m.t
	ln := &m.lines[i]
	if len(ln.chars) == 0 {
		return nil
	}
	justify := strings.HasPrefix(t.TextAlign, "justify")
	cs := t.CharSpacing != 0
	rtl := t.Direction == "rtl"
	sign, x := 1.0, -m.width/2+m.lineLeftOffset(i)
	if rtl {
		sign, x = -1, m.width/2+m.lineLeftOffset(i)
	}
	styled := false
	for _, c := range ln.chars {
		styled = styled || c.styled
	}
	if !justify && !cs && !styled {
		w := wordWidth(ln.chars)
		if rtl {
			x -= w
		}
		return []drawRun{{chars: ln.chars, x: x}}
	}
	var runs []drawRun
	start, boxWidth := 0, 0.0
	for j := range ln.chars {
		c := &ln.chars[j]
		if boxWidth == 0 {
			x += sign * (c.kernedWidth - c.width)
			boxWidth += c.width
		} else {
			boxWidth += c.kernedWidth
		}
		flush := j == len(ln.chars)-1 || cs
		if justify && !flush && isSpace(c.text) {
			flush = true
		}
		if !flush {
			flush = styleChanged(c.style, ln.chars[j+1].style)
		}
		if flush {
			r := drawRun{chars: ln.chars[start : j+1], x: x}
			if rtl {
				r.x = x - boxWidth
			}
			runs = append(runs, r)
			x += sign * boxWidth
			boxWidth = 0
			start = j + 1
		}
	}
	return runs
}

// styleChanged is Fabric's hasStyleChanged (not for text spans); a
// fallback face for missing characters also starts a new run.
func styleChanged(a, b *Style) bool {
	return !SamePaint(a.Fill, b.Fill) || !SamePaint(a.Stroke, b.Stroke) || a.StrokeWidth != b.StrokeWidth ||
		a.FontSize != b.FontSize || a.FontFamily != b.FontFamily || a.FontWeight != b.FontWeight ||
		a.FontStyle != b.FontStyle || a.TextDecorationThickness != b.TextDecorationThickness ||
		!SamePaint(a.TextBackgroundColor, b.TextBackgroundColor) || a.DeltaY != b.DeltaY || a.Font != b.Font
}

// SamePaint reports whether two paints are the same value, as Fabric's
// strict comparison of style values sees them.
func SamePaint(a, b fabric.Paint) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case fabric.PaintColor:
		return a.Raw == b.Raw
	case fabric.PaintGradient:
		return a.Gradient == b.Gradient
	case fabric.PaintPattern:
		return a.Pattern == b.Pattern
	}
	return true
}

// shapeRun shapes one drawing run into glyph runs: bidirectional segments
// in display order, each shaped in its own direction from the run's left
// edge.
func (e *Engine) shapeRun(t *fabric.Text, r drawRun, baseline float64) []Run {
	var out []Run
	pen := r.x
	for _, seg := range visualSegments(r.chars, t.Direction == "rtl") {
		st := r.chars[seg.from].style
		var sb strings.Builder
		for _, c := range r.chars[seg.from:seg.to] {
			sb.WriteString(c.text)
		}
		text := sb.String()
		k := st.FontSize / st.Font.UnitsPerEm()
		var glyphs []Glyph
		e.glyphs, _ = e.Face(st.Font).Shape(e.glyphs[:0], text, seg.rtl)
		y := baseline + st.DeltaY
		for _, g := range e.glyphs {
			glyphs = append(glyphs, Glyph{ID: g.ID, X: pen + g.XOffset*k, Y: y - g.YOffset*k, Cluster: g.Cluster})
			pen += g.Advance * k
		}
		out = append(out, Run{Style: st, RTL: seg.rtl, Text: text, Glyphs: glyphs})
	}
	return out
}

// segment is a stretch chars[from:to] of a run drawn in one direction
// and one face.
type segment struct {
	from, to int
	rtl      bool
}

// visualSegments splits a run into segments in display order with the
// Unicode bidirectional algorithm for the base direction, as the browser
// orders one fillText string; left-to-right text without right-to-left
// characters is one segment. Segments also break where the face changes.
func visualSegments(chars []char, rtl bool) []segment {
	hasRTL := false
	var sb strings.Builder
	var runeChar []int // rune index -> char index
	for i, c := range chars {
		for _, r := range c.text {
			if p, _ := bidi.LookupRune(r); p.Class() == bidi.R || p.Class() == bidi.AL {
				hasRTL = true
			}
			runeChar = append(runeChar, i)
		}
		sb.WriteString(c.text)
	}
	segs := []segment{{0, len(chars), rtl}}
	if hasRTL || rtl {
		dir := bidi.LeftToRight
		if rtl {
			dir = bidi.RightToLeft
		}
		var p bidi.Paragraph
		if _, err := p.SetString(sb.String(), bidi.DefaultDirection(dir)); err == nil {
			if o, err := p.Order(); err == nil && o.NumRuns() > 0 {
				segs = segs[:0]
				for k := 0; k < o.NumRuns(); k++ {
					run := o.Run(k)
					a, b := run.Pos()
					if a < 0 || b >= len(runeChar) || a > b {
						continue
					}
					segs = append(segs, segment{runeChar[a], runeChar[b] + 1, run.Direction() == bidi.RightToLeft})
				}
				// Runs come in logical order; an rtl base shows them
				// in reverse.
				if rtl {
					for a, b := 0, len(segs)-1; a < b; a, b = a+1, b-1 {
						segs[a], segs[b] = segs[b], segs[a]
					}
				}
			}
		}
	}
	// Break at face changes, keeping display order: the pieces of a
	// right-to-left segment read right to left.
	var out []segment
	for _, sg := range segs {
		var pieces []segment
		start := sg.from
		for i := sg.from + 1; i <= sg.to; i++ {
			if i == sg.to || chars[i].style.Font != chars[start].style.Font {
				pieces = append(pieces, segment{start, i, sg.rtl})
				start = i
			}
		}
		if sg.rtl {
			for a, b := 0, len(pieces)-1; a < b; a, b = a+1, b-1 {
				pieces[a], pieces[b] = pieces[b], pieces[a]
			}
		}
		out = append(out, pieces...)
	}
	return out
}

// boxX is the local x of a box starting start units into line i, mirrored
// for rtl as Fabric does (drawStart = width − drawStart − boxWidth, with
// the left offset +width/2 for rtl).
func (m *measured) boxX(i int, start, width float64) float64 {
	if m.t.Direction == "rtl" {
		x := m.width/2 + m.lineLeftOffset(i) + start
		return m.width - x - width
	}
	return -m.width/2 + m.lineLeftOffset(i) + start
}

// backgrounds returns the textBackgroundColor boxes of line i
// (Text._renderTextLinesBackground): runs of equal colour, the height of
// the line's font without lineHeight.
func (m *measured) backgrounds(i int, top, h float64) []Box {
	ln := &m.lines[i]
	var out []Box
	var cur fabric.Paint
	boxStart, boxWidth := 0.0, 0.0
	flush := func() {
		if cur.IsNone() || boxWidth == 0 {
			return
		}
		out = append(out, Box{X: m.boxX(i, boxStart, boxWidth), Y: top, W: boxWidth, H: h, Paint: cur})
	}
	for j := range ln.chars {
		c := &ln.chars[j]
		bg := c.style.TextBackgroundColor
		switch {
		case j == 0:
			cur, boxStart, boxWidth = bg, c.left, c.kernedWidth
		case !SamePaint(bg, cur):
			flush()
			cur, boxStart, boxWidth = bg, c.left, c.width
		default:
			boxWidth += c.kernedWidth
		}
	}
	flush()
	return out
}

// decorations returns line i's rectangles of one kind
// (Text._renderTextDecoration): one per run of equal decoration, fill,
// size, deltaY and thickness; the thickness scales with the object's
// font size.
func (m *measured) decorations(i int, kind string, k, a, baseline float64) []Decoration {
	t := m.t
	ln := &m.lines[i]
	if len(ln.chars) == 0 {
		return nil
	}
	has := func(s *Style) bool {
		switch kind {
		case "underline":
			return s.Underline
		case "overline":
			return s.Overline
		}
		return s.Linethrough
	}
	cs := t.FontSize * t.CharSpacing / 1000
	var out []Decoration
	first := ln.chars[0].style
	lastDec, lastFill, lastThick := has(first), decorationPaint(first), first.TextDecorationThickness
	size, dy := first.FontSize, first.DeltaY
	boxStart, boxWidth := 0.0, 0.0
	emit := func(width float64) {
		thick := t.FontSize * lastThick / 1000
		if !lastDec || lastFill.IsNone() || thick == 0 || width <= 0 {
			return
		}
		out = append(out, Decoration{Kind: kind, Under: kind == "underline", Box: Box{
			X: m.boxX(i, boxStart, width), Y: baseline + k*size + dy - a*thick, W: width, H: thick, Paint: lastFill,
		}})
	}
	for j := range ln.chars {
		c := &ln.chars[j]
		s := c.style
		dec, fill, thick := has(s), decorationPaint(s), s.TextDecorationThickness
		if (dec != lastDec || !SamePaint(fill, lastFill) || s.FontSize != size || thick != lastThick || s.DeltaY != dy) && boxWidth > 0 {
			emit(boxWidth)
			boxStart, boxWidth = c.left, c.width
			lastDec, lastFill, lastThick, size, dy = dec, fill, thick, s.FontSize, s.DeltaY
		} else {
			boxWidth += c.kernedWidth
		}
	}
	emit(boxWidth - cs)
	return out
}

// decorationPaint is the fill of a character's decorations: its
// textDecorationColor (Fabric 7.3+) or else its fill.
func decorationPaint(s *Style) fabric.Paint {
	if !s.TextDecorationColor.IsNone() {
		return s.TextDecorationColor
	}
	return s.Fill
}
