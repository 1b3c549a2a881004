package render

import (
	"fmt"
	"sort"
	"math"
	"image"
	"strings"

	"golang.org/x/text/unicode/bidi"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/font"
)

// Decoration offsets (fabric-model.md §4.5): y = baseline + k·size + deltaY
// − a·thickness. Fabric 6.7 introduced the aligner a; the positions are
// the same at the default thickness.
var decorations = []struct {
	name string
	k, a float64
}{{"underline", 0.1, 0}, {"overline", -0.81333, 1}, {"linethrough", -0.28167, 0.5}}

// faceCache holds one font.Face per Font and their glyph outlines, for
// one goroutine.
type faceCache struct {
	faces    map[*font.Font]*font.Face
	outlines map[glyphKey][]font.Segment
	widths   map[widthKey]float64
	glyphs   []font.ShapedGlyph
	hints    map[hintKey]func(float64) float64
}

type widthKey struct {
	f *font.Font
	s string
}

type glyphKey struct {
	f *font.Font
	g font.Glyph
}

func newFaceCache() *faceCache {
	return &faceCache{faces: map[*font.Font]*font.Face{}, outlines: map[glyphKey][]font.Segment{}, widths: map[widthKey]float64{}}
}

// measure is the shaped advance of s in font units, as the browser's
// measureText reports it (Fabric caches these per font the same way).
func (c *faceCache) measure(f *font.Font, s string) float64 {
	k := widthKey{f, s}
	if w, ok := c.widths[k]; ok {
		return w
	}
	var w float64
	c.glyphs, w = c.get(f).Shape(c.glyphs[:0], s, false)
	c.widths[k] = w
	return w
}

// kerned is Fabric's kernedWidth in font units: the advance of prev+s
// minus the advance of prev.
func (c *faceCache) kerned(f *font.Font, prev, s string) float64 {
	return c.measure(f, prev+s) - c.measure(f, prev)
}

func (c *faceCache) get(f *font.Font) *font.Face {
	fc := c.faces[f]
	if fc == nil {
		fc = font.NewFace(f)
		c.faces[f] = fc
	}
	return fc
}

func (c *faceCache) outline(f *font.Font, g font.Glyph) []font.Segment {
	k := glyphKey{f, g}
	if o, ok := c.outlines[k]; ok {
		return o
	}
	o := c.get(f).Outline(nil, g)
	c.outlines[k] = o
	return o
}

// resolveStyle merges a character's overrides onto the object's values
// and finds its font.
func (p *Plan) resolveStyle(t *fabric.Text, o *fabric.CharStyle) (*charStyle, error) {
	s := &charStyle{
		fontSize: t.FontSize, fontWeight: t.FontWeight, fontFamily: t.FontFamily, fontStyle: t.FontStyle,
		underline: t.Underline, overline: t.Overline, linethrough: t.Linethrough,
		fill: t.Fill, stroke: t.Stroke, strokeWidth: t.StrokeWidth,
		textBackgroundColor: t.TextBackgroundColor, textDecorationThickness: t.TextDecorationThickness,
		textDecorationColor: t.TextDecorationColor,
	}
	if o != nil {
		if o.FontSize != nil {
			s.fontSize = *o.FontSize
		}
		if o.FontWeight != nil {
			s.fontWeight = *o.FontWeight
		}
		if o.FontFamily != nil {
			s.fontFamily = *o.FontFamily
		}
		if o.FontStyle != nil {
			s.fontStyle = *o.FontStyle
		}
		if o.Underline != nil {
			s.underline = *o.Underline
		}
		if o.Overline != nil {
			s.overline = *o.Overline
		}
		if o.Linethrough != nil {
			s.linethrough = *o.Linethrough
		}
		if o.Fill != nil {
			s.fill = *o.Fill
		}
		if o.Stroke != nil {
			s.stroke = *o.Stroke
		}
		if o.StrokeWidth != nil {
			s.strokeWidth = *o.StrokeWidth
		}
		if o.DeltaY != nil {
			s.deltaY = *o.DeltaY
		}
		if o.TextBackgroundColor != nil {
			s.textBackgroundColor = *o.TextBackgroundColor
		}
		if o.TextDecorationThickness != nil {
			s.textDecorationThickness = *o.TextDecorationThickness
		}
		if o.TextDecorationColor != nil {
			s.textDecorationColor = *o.TextDecorationColor
		}
	}
	f, err := p.font(s.fontFamily, s.fontWeight, s.fontStyle)
	if err != nil {
		return nil, &fabric.Error{Path: t.JSONPath, Err: err}
	}
	s.font = f
	return s, nil
}

// font resolves a face in the plan's registry, falling back to the
// embedded Go fonts only when the caller allowed it (and saying so).
func (p *Plan) font(family, weight, style string) (*font.Font, error) {
	key := family + "|" + weight + "|" + style
	if f, ok := p.fontCache[key]; ok {
		return f, nil
	}
	var f *font.Font
	var err error
	if p.opts.Fonts != nil {
		f, err = p.opts.Fonts.Resolve(family, weight, style)
	} else {
		err = fmt.Errorf("%w: family %q (no font registry configured)", font.ErrNotFound, family)
	}
	if err != nil {
		if !p.opts.FontFallback {
			return nil, err
		}
		w, style2 := "normal", "normal"
		if fw, e := font.ParseWeight(weight); e == nil && fw >= 600 {
			w = "bold"
		}
		if style == "italic" || style == "oblique" {
			style2 = "italic"
		}
		f, err = font.GoFonts().Resolve("Go", w, style2)
		if err != nil {
			return nil, err
		}
		p.warnf("font %q %s %s not registered: drawn with the embedded Go font", family, weight, style)
	}
	p.fontCache[key] = f
	return f, nil
}

// layout returns the cached layout of t (computed at Compile).
func (p *Plan) layout(t *fabric.Text) *textLayout {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.layouts[t]; ok {
		return l
	}
	l := p.layoutText(t, p.faces)
	p.layouts[t] = l
	return l
}

// drawText paints a text object as Text._render does: line backgrounds,
// underline, fill and stroke (in paintFirst order), overline, line-through.
func (r *renderer) drawText(dst *image.RGBA, t *fabric.Text, m fabric.Matrix, opt drawOpts) {
	l := r.plan.layout(t)
	if l.err != nil || len(l.lines) == 0 {
		return
	}
	w, h := l.width, l.height
	left, top := -w/2, -h/2
	if !opt.forClipping {
		r.textBackgrounds(dst, t, l, m, left, top)
		r.textDecoration(dst, t, l, m, "underline")
	}
	fill := func() { r.textGlyphs(dst, t, l, m, false, opt) }
	strokeFn := func() {
		if !opt.forClipping {
			r.textGlyphs(dst, t, l, m, true, opt)
		}
	}
	if t.PaintFirst == "stroke" {
		strokeFn()
		fill()
	} else {
		fill()
		strokeFn()
	}
	if !opt.forClipping {
		r.textDecoration(dst, t, l, m, "overline")
		r.textDecoration(dst, t, l, m, "linethrough")
	}
}

// lineTop is the top of line i relative to the text box top.
func lineTops(t *fabric.Text, l *textLayout) []float64 {
	tops := make([]float64, len(l.lines))
	y := 0.0
	for i := range l.lines {
		tops[i] = y
		y += l.lines[i].lineHeight(t) * t.LineHeight
	}
	return tops
}

// charX is the x of a box that starts start units into line, mirrored for
// rtl as Fabric does (drawStart = width - drawStart - boxWidth, with the
// left offset +width/2 for rtl).
func charX(t *fabric.Text, l *textLayout, line int, start, width float64) float64 {
	if t.Direction == "rtl" {
		x := l.width/2 + l.lineLeftOffset(t, line) + start
		return l.width - x - width
	}
	return -l.width/2 + l.lineLeftOffset(t, line) + start
}

func (r *renderer) textBackgrounds(dst *image.RGBA, t *fabric.Text, l *textLayout, m fabric.Matrix, left, top float64) {
	tops := lineTops(t, l)
	for i := range l.lines {
		ln := &l.lines[i]
		hl := ln.lineHeight(t)
		var cur fabric.Paint
		boxStart, boxWidth := 0.0, 0.0
		flush := func() {
			if cur.IsNone() || boxWidth == 0 {
				return
			}
			x := charX(t, l, i, boxStart, boxWidth)
			rp := &path{}
			y := top + tops[i]
			rp.moveTo(x, y)
			rp.lineTo(x+boxWidth, y)
			rp.lineTo(x+boxWidth, y+hl)
			rp.lineTo(x, y+hl)
			rp.close()
			r.fillPath(dst, rp, m, false, r.shaderFor(cur, m, l.width, l.height), 1, opSourceOver)
		}
		for j := range ln.chars {
			c := &ln.chars[j]
			bg := c.style.textBackgroundColor
			if j == 0 {
				cur = bg
				boxStart, boxWidth = c.left, c.kernedWidth
				continue
			}
			if !samePaint(bg, cur) {
				flush()
				cur = bg
				boxStart, boxWidth = c.left, c.width
			} else {
				boxWidth += c.kernedWidth
			}
		}
		flush()
	}
}

func samePaint(a, b fabric.Paint) bool {
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

// glyphRun is what Fabric draws with one fillText/strokeText call: a run
// of graphemes of one style, its left edge in local coordinates.
type glyphRun struct {
	chars []textChar
	x     float64
	width float64
}

// lineRuns splits line i into Fabric's drawing runs (Text._renderChars):
// the whole line at once when it has no styles, no charSpacing and is
// not justified; otherwise a run per style change, per grapheme with
// charSpacing, and after every space when justifying. rtl lines run from
// the right edge leftwards.
func lineRuns(t *fabric.Text, l *textLayout, i int) []glyphRun {
	ln := &l.lines[i]
	if len(ln.chars) == 0 {
		return nil
	}
	justify := strings.HasPrefix(t.TextAlign, "justify")
	cs := t.CharSpacing != 0
	rtl := t.Direction == "rtl"
	sign, x := 1.0, -l.width/2+l.lineLeftOffset(t, i)
	if rtl {
		sign, x = -1, l.width/2+l.lineLeftOffset(t, i)
	}
	styled := false
	for _, c := range ln.chars {
		styled = styled || c.styled
	}
	if !justify && !cs && !styled {
		w := 0.0
		for j, c := range ln.chars {
			if j == 0 {
				w += c.width
			} else {
				w += c.kernedWidth
			}
		}
		r := glyphRun{chars: ln.chars, x: x, width: w}
		if rtl {
			r.x = x - w
		}
		return []glyphRun{r}
	}
	var runs []glyphRun
	start := 0
	boxWidth := 0.0
	for j := range ln.chars {
		c := &ln.chars[j]
		if boxWidth == 0 {
			x += sign * (c.kernedWidth - c.width)
			boxWidth += c.width
		} else {
			boxWidth += c.kernedWidth
		}
		flush := j == len(ln.chars)-1 || cs
		if justify && !flush && (c.text == " " || c.text == "\t") {
			flush = true
		}
		if !flush {
			flush = styleChanged(c.style, ln.chars[j+1].style)
		}
		if flush {
			r := glyphRun{chars: ln.chars[start : j+1], x: x, width: boxWidth}
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

// styleChanged is Fabric's hasStyleChanged (not for text spans).
func styleChanged(a, b *charStyle) bool {
	return !samePaint(a.fill, b.fill) || !samePaint(a.stroke, b.stroke) || a.strokeWidth != b.strokeWidth ||
		a.fontSize != b.fontSize || a.fontFamily != b.fontFamily || a.fontWeight != b.fontWeight ||
		a.fontStyle != b.fontStyle || a.textDecorationThickness != b.textDecorationThickness ||
		!samePaint(a.textBackgroundColor, b.textBackgroundColor) || a.deltaY != b.deltaY
}

// textGlyphs fills (or strokes) every glyph run by run. Within a run the
// glyphs follow the Unicode bidirectional order for the text direction, as
// the browser lays out one fillText string.
func (r *renderer) textGlyphs(dst *image.RGBA, t *fabric.Text, l *textLayout, m fabric.Matrix, strokePass bool, opt drawOpts) {
	tops := lineTops(t, l)
	for i := range l.lines {
		hl := l.lines[i].lineHeight(t)
		baseline := -l.height/2 + tops[i] + hl*(1-fontSizeFraction)
		r.hintScale = 0
		if m[1] == 0 && m[2] == 0 && m[3] > 0 {
			r.hintScale = m[3]
		}
		for _, run := range lineRuns(t, l, i) {
			pen := run.x
			for _, seg := range visualSegments(run.chars, t.Direction == "rtl") {
				st := run.chars[seg.from].style
				var sb strings.Builder
				for _, c := range run.chars[seg.from:seg.to] {
					sb.WriteString(c.text)
				}
				p := &path{}
				pen = r.appendShaped(p, m, st, sb.String(), seg.rtl, pen, baseline+st.deltaY)
				r.paintGlyphs(dst, t, l, m, p, st, strokePass, opt)
			}
		}
	}
}

// paintGlyphs fills or strokes one path of glyph outlines.
func (r *renderer) paintGlyphs(dst *image.RGBA, t *fabric.Text, l *textLayout, m fabric.Matrix, p *path, st *charStyle, strokePass bool, opt drawOpts) {
	if p.empty() || st.fontSize <= 0 {
		return
	}
	if opt.forClipping {
		if !strokePass {
			r.fillPath(dst, p, m, false, solidShader{rgba{0, 0, 0, 1}}, 1, opSourceOver)
		}
		return
	}
	if !strokePass {
		if !st.fill.IsNone() {
			r.fillPath(dst, p, m, false, r.shaderFor(st.fill, m, l.width, l.height), 1, opSourceOver)
		}
		return
	}
	if st.stroke.IsNone() || st.strokeWidth == 0 {
		return
	}
	b := t.Base // the object's cap, join, miter and dash; the character's width
	b.StrokeWidth = st.strokeWidth
	b.StrokeUniform = false // ignored for text
	r.strokePath(dst, p, m, m, &b, r.shaderFor(st.stroke, m, l.width, l.height), 1, opSourceOver)
}

// appendShaped shapes text (one font and style) and adds its glyph
// outlines to p starting at pen on baseline y; it returns the pen after
// the text. Axis-aligned text is placed and hinted as Chromium does on
// Linux: baselines on whole device pixels, glyph origins on quarter
// pixels, and light (vertical-only) hinting.
func (r *renderer) appendShaped(p *path, m fabric.Matrix, st *charStyle, text string, rtl bool, pen, y float64) float64 {
	faces := r.faces
	fc := faces.get(st.font)
	k := st.fontSize / st.font.UnitsPerEm()
	var glyphs []font.ShapedGlyph
	glyphs, _ = fc.Shape(faces.glyphs[:0], text, rtl)
	faces.glyphs = glyphs
	aligned := m[1] == 0 && m[2] == 0 && m[0] > 0 && m[3] > 0
	var hy func(float64) float64
	if aligned {
		hy = faces.hinter(fc, k*m[3])
	}
	for _, g := range glyphs {
		gx, gy := pen+g.XOffset*k, y-g.YOffset*k
		if aligned {
			gx, gy = snapOrigin(m, gx, gy)
		}
		yOf := func(v float64) float64 { return gy + v*k }
		if hy != nil {
			yOf = func(v float64) float64 { return gy + hy(v)/m[3] }
		}
		for _, s := range faces.outline(st.font, g.ID) {
			a := s.Args
			switch s.Op {
			case 'M':
				p.moveTo(gx+a[0][0]*k, yOf(a[0][1]))
			case 'L':
				p.lineTo(gx+a[0][0]*k, yOf(a[0][1]))
			case 'Q':
				p.quadTo(gx+a[0][0]*k, yOf(a[0][1]), gx+a[1][0]*k, yOf(a[1][1]))
			case 'C':
				p.cubicTo(gx+a[0][0]*k, yOf(a[0][1]), gx+a[1][0]*k, yOf(a[1][1]), gx+a[2][0]*k, yOf(a[2][1]))
			}
		}
		pen += g.Advance * k
	}
	return pen
}

// snapOrigin puts a glyph origin of axis-aligned text where Skia draws it:
// x on a quarter device pixel (subpixel positioning), y on a whole pixel.
func snapOrigin(m fabric.Matrix, x, y float64) (float64, float64) {
	dx, dy := m.Apply(x, y)
	dx = math.Round(dx*4) / 4
	dy = math.Round(dy)
	return (dx - m[4]) / m[0], (dy - m[5]) / m[3]
}

// textDecoration draws underline, overline or line-through rectangles as
// Text._renderTextDecoration does.
func (r *renderer) textDecoration(dst *image.RGBA, t *fabric.Text, l *textLayout, m fabric.Matrix, kind string) {
	var k, a float64
	for _, d := range decorations {
		if d.name == kind {
			k, a = d.k, d.a
		}
	}
	has := func(s *charStyle) bool {
		switch kind {
		case "underline":
			return s.underline
		case "overline":
			return s.overline
		}
		return s.linethrough
	}
	any := false
	for _, ln := range l.lines {
		for _, c := range ln.chars {
			if has(c.style) {
				any = true
			}
		}
	}
	if !any {
		return
	}
	cs := t.FontSize * t.CharSpacing / 1000
	tops := lineTops(t, l)
	for i := range l.lines {
		ln := &l.lines[i]
		if len(ln.chars) == 0 {
			continue
		}
		hl := ln.lineHeight(t)
		top := -l.height/2 + tops[i] + hl*(1-fontSizeFraction)
		first := ln.chars[0].style
		lastDec, lastFill, lastThick := has(first), first.fill, first.textDecorationThickness
		size, dy := first.fontSize, first.deltaY
		boxStart, boxWidth := 0.0, 0.0
		draw := func(width float64) {
			thick := t.FontSize * lastThick / 1000
			if !lastDec || lastFill.IsNone() || thick == 0 || width <= 0 {
				return
			}
			x := charX(t, l, i, boxStart, width)
			y := top + k*size + dy - a*thick
			rp := &path{}
			rp.moveTo(x, y)
			rp.lineTo(x+width, y)
			rp.lineTo(x+width, y+thick)
			rp.lineTo(x, y+thick)
			rp.close()
			r.fillPath(dst, rp, m, false, r.shaderFor(lastFill, m, l.width, l.height), 1, opSourceOver)
		}
		for j := range ln.chars {
			c := &ln.chars[j]
			s := c.style
			dec, fill, thick := has(s), s.fill, s.textDecorationThickness
			if (dec != lastDec || !samePaint(fill, lastFill) || s.fontSize != size || thick != lastThick || s.deltaY != dy) && boxWidth > 0 {
				draw(boxWidth)
				boxStart, boxWidth = c.left, c.width
				lastDec, lastFill, lastThick, size, dy = dec, fill, thick, s.fontSize, s.deltaY
			} else {
				boxWidth += c.kernedWidth
			}
		}
		draw(boxWidth - cs)
	}
}

// segment is a stretch chars[from:to] of a run drawn in one direction
// and one font.
type segment struct {
	from, to int
	rtl      bool
}

// visualSegments splits a run into segments in display order with the
// Unicode bidirectional algorithm for the base direction, as the browser
// orders one fillText string; left-to-right text without right-to-left
// characters is one segment. Segments also break where the font changes
// (a fallback face for missing characters).
func visualSegments(chars []textChar, rtl bool) []segment {
	hasRTL := false
	var sb strings.Builder
	var runeChar []int // rune index -> char index
	for i, c := range chars {
		for _, r := range c.text {
			if isRTLRune(r) {
				hasRTL = true
			}
			runeChar = append(runeChar, i)
		}
		sb.WriteString(c.text)
	}
	var segs []segment
	if !hasRTL && !rtl {
		segs = []segment{{0, len(chars), false}}
	} else {
		dir := bidi.LeftToRight
		if rtl {
			dir = bidi.RightToLeft
		}
		var p bidi.Paragraph
		o, err := func() (bidi.Ordering, error) {
			if _, err := p.SetString(sb.String(), bidi.DefaultDirection(dir)); err != nil {
				return bidi.Ordering{}, err
			}
			return p.Order()
		}()
		if err != nil || o.NumRuns() == 0 {
			segs = []segment{{0, len(chars), rtl}}
		} else {
			for k := 0; k < o.NumRuns(); k++ {
				run := o.Run(k)
				a, b := run.Pos()
				if a < 0 || b >= len(runeChar) || a > b {
					continue
				}
				segs = append(segs, segment{runeChar[a], runeChar[b] + 1, run.Direction() == bidi.RightToLeft})
			}
			// Runs come in logical order; an rtl base shows them in
			// reverse.
			if rtl {
				for a, b := 0, len(segs)-1; a < b; a, b = a+1, b-1 {
					segs[a], segs[b] = segs[b], segs[a]
				}
			}
		}
	}
	// Break at font changes, keeping display order: the pieces of a
	// right-to-left segment read right to left.
	var out []segment
	for _, sg := range segs {
		var pieces []segment
		start := sg.from
		for i := sg.from + 1; i <= sg.to; i++ {
			if i == sg.to || chars[i].style.font != chars[start].style.font {
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

// isRTLRune reports strong right-to-left characters (Hebrew, Arabic and
// the other right-to-left scripts).
func isRTLRune(r rune) bool {
	p, _ := bidi.LookupRune(r)
	c := p.Class()
	return c == bidi.R || c == bidi.AL
}



// hintKey identifies a hinting grid: a font at a device pixel size.
type hintKey struct {
	f     *font.Font
	scale float64
}

// hinter returns a map from font-unit y (down positive) to device pixels
// relative to the baseline that approximates FreeType's light auto-hinter
// (Chromium's default on Linux): the scale is adjusted so the x-height
// overshoot covers whole pixels (af_latin_metrics_scale_dim rounds with a
// 40/64 threshold), and the x-height, cap-height and baseline blue zones
// snap to the pixel grid, with points between them interpolated.
func (c *faceCache) hinter(fc *font.Face, scale float64) func(float64) float64 {
	if c.hints == nil {
		c.hints = map[hintKey]func(float64) float64{}
	}
	key := hintKey{fc.Font, scale}
	if h, ok := c.hints[key]; ok {
		return h
	}
	h := newHinter(fc, scale)
	c.hints[key] = h
	return h
}

func newHinter(fc *font.Face, scale float64) func(float64) float64 {
	top := func(s string) float64 {
		v := 0.0
		for _, c := range s {
			v = math.Max(v, fc.Top(fc.Index(c)))
		}
		return v
	}
	xShoot := top("oesc")
	if xShoot <= 0 || scale <= 0 {
		return nil
	}
	scaled := xShoot * scale * 64
	fitted := math.Floor((scaled+40)/64) * 64
	sc := scale
	if fitted > 0 {
		sc = scale * fitted / scaled
	}
	type zone struct{ ref, shoot float64 }
	zones := []zone{{top("xz"), xShoot}, {top("HEZ"), top("OCG")}, {0, -fc.Bottom(fc.Index('o'))}}
	type knot struct{ from, to float64 }
	knots := []knot{{0, 0}}
	for _, z := range zones {
		if z.ref == 0 && z.shoot == 0 {
			continue
		}
		rc, shc := z.ref*sc, z.shoot*sc
		rf := math.Round(rc)
		var d2 float64
		switch d := math.Abs(shc - rc); {
		case d < 0.5:
		case d < 0.75:
			d2 = 0.5
		default:
			d2 = 1
		}
		if shc < rc {
			d2 = -d2
		}
		if z.ref != 0 {
			knots = append(knots, knot{z.ref, rf})
		}
		knots = append(knots, knot{z.shoot, rf + d2})
	}
	sort.Slice(knots, func(i, j int) bool { return knots[i].from < knots[j].from })
	return func(v float64) float64 {
		u := -v // font units, up
		if u <= knots[0].from {
			return -(knots[0].to + (u-knots[0].from)*sc)
		}
		for i := 1; i < len(knots); i++ {
			a, b := knots[i-1], knots[i]
			if u <= b.from {
				if b.from == a.from {
					return -b.to
				}
				return -(a.to + (u-a.from)*(b.to-a.to)/(b.from-a.from))
			}
		}
		last := knots[len(knots)-1]
		return -(last.to + (u-last.from)*sc)
	}
}
