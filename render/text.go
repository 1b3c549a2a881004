package render

import (
	"image"
	"math"
	"sort"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/font"
	"github.com/fabricpress/fabricpress/render/layout"
)

// faceCache holds, for one goroutine, the faces, glyph outlines and
// hinting grids the raster painter uses.
type faceCache struct {
	faces    map[*font.Font]*font.Face
	outlines map[glyphKey][]font.Segment
	hints    map[hintKey]func(float64) float64
}

type glyphKey struct {
	f *font.Font
	g font.Glyph
}

// maxOutlines bounds the glyph outlines a faceCache keeps.
const maxOutlines = 1 << 15

func newFaceCache() *faceCache {
	return &faceCache{faces: map[*font.Font]*font.Face{}, outlines: map[glyphKey][]font.Segment{}, hints: map[hintKey]func(float64) float64{}}
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
	if len(c.outlines) >= maxOutlines {
		clear(c.outlines) // pooled caches live long: keep them bounded
	}
	c.outlines[k] = o
	return o
}

// layout returns the layout of t computed at Compile (or now, for text
// the plan has not seen).
func (p *Plan) layout(t *fabric.Text) (*layout.Block, error) {
	if b, ok := p.prepared[t]; ok {
		return b, nil
	}
	if p.parent != nil {
		if b, ok := p.parent.prepared[t]; ok {
			return b, nil
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if b, ok := p.layouts[t]; ok {
		return b, nil
	}
	e := p.engine
	if e == nil { // a derived plan borrows an engine
		root := p.root()
		e = root.engines.Get().(*layout.Engine)
		defer root.engines.Put(e)
	}
	b, err := e.Layout(t)
	if err != nil {
		return nil, err
	}
	p.layouts[t] = b
	return b, nil
}

// drawText paints a laid-out text object as Text._render does: line
// backgrounds, underline, fill and stroke (in paintFirst order), overline
// and line-through.
func (r *renderer) drawText(dst *image.RGBA, t *fabric.Text, m fabric.Matrix, opt drawOpts) {
	b, err := r.plan.layout(t)
	if err != nil {
		r.err = err
		return
	}
	box := func(bx layout.Box) {
		r.fillPath(dst, rectAt(bx.X, bx.Y, bx.W, bx.H), m, false, r.shaderFor(bx.Paint, m, b.Width, b.Height), 1, opSourceOver)
	}
	if !opt.forClipping {
		for _, bg := range b.Backgrounds {
			box(bg)
		}
		for _, d := range b.Decorations {
			if d.Under {
				box(d.Box)
			}
		}
	}
	fill := func() { r.textGlyphs(dst, t, b, m, false, opt) }
	strokeFn := func() {
		if !opt.forClipping {
			r.textGlyphs(dst, t, b, m, true, opt)
		}
	}
	inPaintOrder(t.PaintFirst, fill, strokeFn)
	if !opt.forClipping {
		for _, d := range b.Decorations {
			if !d.Under {
				box(d.Box)
			}
		}
	}
}

// textGlyphs fills (or strokes) the glyph runs of every line.
func (r *renderer) textGlyphs(dst *image.RGBA, t *fabric.Text, b *layout.Block, m fabric.Matrix, strokePass bool, opt drawOpts) {
	for _, ln := range b.Lines {
		for _, run := range ln.Runs {
			st := run.Style
			if st.FontSize <= 0 || len(run.Glyphs) == 0 {
				continue
			}
			if strokePass && (st.Stroke.IsNone() || st.StrokeWidth == 0) {
				continue
			}
			if !strokePass && !opt.forClipping && st.Fill.IsNone() {
				continue
			}
			p := &path{}
			r.appendGlyphs(p, m, st, run.Glyphs)
			r.paintGlyphs(dst, t, b, m, p, st, strokePass, opt)
		}
	}
}

// paintGlyphs fills or strokes one path of glyph outlines.
func (r *renderer) paintGlyphs(dst *image.RGBA, t *fabric.Text, b *layout.Block, m fabric.Matrix, p *path, st *layout.Style, strokePass bool, opt drawOpts) {
	if p.empty() || st.FontSize <= 0 {
		return
	}
	if opt.forClipping {
		if !strokePass {
			r.fillPath(dst, p, m, false, solidShader{rgba{0, 0, 0, 1}}, 1, opSourceOver)
		}
		return
	}
	if !strokePass {
		if !st.Fill.IsNone() {
			r.fillPath(dst, p, m, false, r.shaderFor(st.Fill, m, b.Width, b.Height), 1, opSourceOver)
		}
		return
	}
	if st.Stroke.IsNone() || st.StrokeWidth == 0 {
		return
	}
	sb := t.Base // the object's cap, join, miter and dash; the character's width
	sb.StrokeWidth = st.StrokeWidth
	sb.StrokeUniform = false // ignored for text
	r.strokePath(dst, p, m, m, &sb, r.shaderFor(st.Stroke, m, b.Width, b.Height), 1, opSourceOver)
}

// appendGlyphs adds the outlines of positioned glyphs to p. Axis-aligned
// text is placed and hinted as Chromium draws it on Linux: baselines on
// whole device pixels, glyph origins on quarter pixels, and light
// (vertical-only) hinting.
func (r *renderer) appendGlyphs(p *path, m fabric.Matrix, st *layout.Style, glyphs []layout.Glyph) {
	faces := r.faces
	fc := faces.get(st.Font)
	k := st.FontSize / st.Font.UnitsPerEm()
	aligned := m[1] == 0 && m[2] == 0 && m[0] > 0 && m[3] > 0
	var hy func(float64) float64
	if aligned {
		hy = faces.hinter(fc, k*m[3])
	}
	for _, g := range glyphs {
		gx, gy := g.X, g.Y
		if aligned {
			gx, gy = snapOrigin(m, gx, gy)
		}
		yOf := func(v float64) float64 { return gy + v*k }
		if hy != nil {
			yOf = func(v float64) float64 { return gy + hy(v)/m[3] }
		}
		for _, s := range faces.outline(st.Font, g.ID) {
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
	}
}

// snapOrigin puts a glyph origin of axis-aligned text where Skia draws it:
// x on a quarter device pixel (subpixel positioning), y on a whole pixel.
func snapOrigin(m fabric.Matrix, x, y float64) (float64, float64) {
	dx, dy := m.Apply(x, y)
	dx = math.Round(dx*4) / 4
	dy = math.Round(dy)
	return (dx - m[4]) / m[0], (dy - m[5]) / m[3]
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
