package pdf

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/signintech/gopdf"
	xdraw "golang.org/x/image/draw"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/layout"
)

// emitter writes one page, or one layer of a template's static objects.
type emitter struct {
	d      *Document
	ctx    context.Context
	plan   *render.Plan // of the objects this emitter writes
	pg     *page
	canvas *fabric.Canvas
	tpl    *fabric.Canvas // nil: every object is written here
	// run collects the operators of consecutive vector objects.
	run *content
}

// blendModes maps the canvas composite operations PDF has to its names.
var blendModes = map[string]string{
	"source-over": "", "multiply": "Multiply", "screen": "Screen", "overlay": "Overlay",
	"darken": "Darken", "lighten": "Lighten", "color-dodge": "ColorDodge", "color-burn": "ColorBurn",
	"hard-light": "HardLight", "soft-light": "SoftLight", "difference": "Difference",
	"exclusion": "Exclusion", "hue": "Hue", "saturation": "Saturation", "color": "Color", "luminosity": "Luminosity",
}

// canvas2 writes the page in Fabric's order: background, background
// image, objects, overlay. Each stretch of objects the page shares with
// its template is one layer, stored once per document (AddPage stores
// new ones before it adds the page) and referenced here; only the
// personal objects are written per page.
func (e *emitter) canvas2() error {
	c := e.canvas
	if c.ClipPath != nil {
		// A canvas clip cuts everything: the page becomes one raster.
		return e.rasterCanvas()
	}
	err := stretches(slots(c, e.tpl), func(ss []slot, static bool) error {
		if static {
			return e.layer(ss)
		}
		for _, s := range ss {
			if err := e.slot(s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := e.fill(c.Overlay); err != nil {
		return err
	}
	if c.OverlayImage != nil {
		if err := e.object(c.OverlayImage, fabric.Identity); err != nil {
			return err
		}
	}
	return e.flush()
}

// slot writes the background fill, the background image or one object.
func (e *emitter) slot(s slot) error {
	switch {
	case s.index == 0:
		return e.fill(e.canvas.Background)
	case s.obj != nil:
		return e.object(s.obj, fabric.Identity)
	}
	return nil
}

// layer places the static slots ss, storing them first if this document
// has not yet.
func (e *emitter) layer(ss []slot) error {
	if err := e.flush(); err != nil {
		return err
	}
	id, err := e.d.layer(e.ctx, e.pg, e.canvas, e.tpl, ss)
	if err != nil {
		return err
	}
	e.d.gp.UseImportedTemplate(id, 0, 0, e.pg.pw, e.pg.ph)
	return nil
}

// fill paints the canvas background or overlay over the bleed box: a
// colour as vector, anything else rasterised.
func (e *emitter) fill(p fabric.Paint) error {
	if p.IsNone() {
		return nil
	}
	b := e.pg.bleed
	rect := &fabric.Rect{Base: fabric.Base{
		Type: "rect", JSONPath: "background", Left: -b, Top: -b, Width: e.pg.w + 2*b, Height: e.pg.h + 2*b,
		ScaleX: 1, ScaleY: 1, Opacity: 1, Visible: true, Fill: p, FillRule: "nonzero", PaintFirst: "fill",
		GlobalCompositeOperation: "source-over",
	}}
	if p.Kind == fabric.PaintGradient {
		// Canvas background gradients start at the canvas origin.
		g := *p.Gradient
		g.OffsetX += b
		g.OffsetY += b
		g.Percentage = false
		rect.Fill.Gradient = &g
	}
	return e.object(rect, fabric.Identity)
}

// object writes one object under parent (canvas px).
func (e *emitter) object(o fabric.Object, parent fabric.Matrix) error {
	if err := e.ctx.Err(); err != nil {
		return err
	}
	b := o.Props()
	if !b.Visible {
		return nil
	}
	if _, isText := o.(*fabric.Text); !isText && b.Opacity <= 0 {
		return nil
	}
	w, h := e.plan.Size(o)
	m := parent.Mul(b.Matrix(w, h))
	switch s := o.(type) {
	case *fabric.Group:
		if e.plainGroup(s) {
			if !b.BackgroundColor.IsNone() && b.Major() >= 6 {
				e.addRect(m, -(w+b.StrokeWidth)/2, -(h+b.StrokeWidth)/2, w+b.StrokeWidth, h+b.StrokeWidth, b.BackgroundColor.Color, 1)
			}
			for _, c := range s.Objects {
				if err := e.object(c, m); err != nil {
					return err
				}
			}
			return nil
		}
	case *fabric.Text:
		if e.vectorText(s, m) {
			if err := e.flush(); err != nil {
				return err
			}
			return e.text(s, m, w, h)
		}
	case *fabric.Image:
		if e.vectorImage(s, m) {
			if err := e.flush(); err != nil {
				return err
			}
			return e.image(s, m, w, h)
		}
	case *fabric.Barcode:
		e.startRun()
		e.barcode(s, m, w, h)
		return nil
	default:
		if e.vectorShape(o) {
			e.startRun()
			e.shape(o, m, w, h)
			return nil
		}
	}
	if err := e.flush(); err != nil {
		return err
	}
	return e.raster(o, parent)
}

// plainGroup is a group whose children can be written one by one: no
// group-wide opacity, shadow, clip or blend.
func (e *emitter) plainGroup(g *fabric.Group) bool {
	b := &g.Base
	return b.Opacity >= 1 && (b.Shadow == nil || b.Shadow.Color.A == 0) && b.ClipPath == nil &&
		b.GlobalCompositeOperation == "source-over" && (b.BackgroundColor.IsNone() || b.BackgroundColor.Kind == fabric.PaintColor)
}

// paintable reports a paint PDF draws directly (none or a colour).
func paintable(p fabric.Paint) bool { return p.Kind == fabric.PaintNone || p.Kind == fabric.PaintColor }

func noEffects(b *fabric.Base) bool {
	_, blendOK := blendModes[b.GlobalCompositeOperation]
	return (b.Shadow == nil || b.Shadow.Color.A == 0) && b.ClipPath == nil && blendOK
}

func (e *emitter) vectorShape(o fabric.Object) bool {
	b := o.Props()
	if _, ok := render.Outline(o); !ok || !paintable(b.Fill) || !paintable(b.Stroke) || !paintable(b.BackgroundColor) {
		return false
	}
	_, blendOK := blendModes[b.GlobalCompositeOperation]
	if !blendOK || (b.Shadow != nil && b.Shadow.Color.A != 0) || (b.ClipPath != nil && !plainClip(b.ClipPath)) {
		return false
	}
	_, isLine := o.(*fabric.Line)
	hasFill := !isLine && !b.Fill.IsNone()
	hasStroke := !b.Stroke.IsNone() && b.StrokeWidth > 0
	// Fabric composites a translucent object as a whole: overlapping fill
	// and stroke must not show through each other.
	return !(b.Opacity < 1 && hasFill && hasStroke)
}

// plainClip reports a clip path PDF can express as a clipping path: a
// plain visible shape, not inverted, without a clip of its own.
func plainClip(c fabric.Object) bool {
	b := c.Props()
	_, ok := render.Outline(c)
	return ok && b.Visible && !b.Inverted && b.ClipPath == nil
}

// clip intersects the clipping path with an object's clip path: in the
// object's own space, or the canvas's when absolutePositioned.
func (e *emitter) clip(c *content, clip fabric.Object, m fabric.Matrix) {
	cb := clip.Props()
	plane := m
	if cb.AbsolutePositioned {
		plane = fabric.Identity
	}
	w, h := e.plan.Size(clip)
	cmds, _ := render.Outline(clip)
	c.path(cmds, plane.Mul(cb.Matrix(w, h)))
	if cb.FillRule == "evenodd" {
		c.op("W* n\n")
	} else {
		c.op("W n\n")
	}
}

// startRun makes sure there is a vector run to add to: consecutive
// vector objects share one (one marker, one q/Q).
func (e *emitter) startRun() {
	if e.run != nil {
		return
	}
	e.run = newContent(&e.d.gs)
	e.run.matrix(e.pg.base())
}

// flush places the current vector run on the page. gopdf cannot take
// raw operators, so the page gets a marker where the run goes, which
// Document.finish replaces with the run.
func (e *emitter) flush() error {
	run := e.run
	e.run = nil
	if run == nil {
		return nil
	}
	e.d.runs = append(e.d.runs, bytes.Clone(run.buf.Bytes())) // kept till the file is written: no spare capacity
	e.d.gp.SetCustomLineType([]float64{markerDash0, markerDash1}, float64(len(e.d.runs)-1))
	return nil
}

// shape writes a vector shape: background box, then fill and stroke in
// paintFirst order, with opacity and blend mode.
func (e *emitter) shape(o fabric.Object, m fabric.Matrix, w, h float64) {
	b := o.Props()
	c := e.run
	cmds, _ := render.Outline(o)
	c.op("q\n")
	if b.ClipPath != nil {
		e.clip(c, b.ClipPath, m)
	}
	if !b.BackgroundColor.IsNone() {
		bw, bh := w+b.StrokeWidth, h+b.StrokeWidth
		c.op("q\n")
		c.alpha(b.Opacity*float64(b.BackgroundColor.Color.A)/255, 1, blendModes[b.GlobalCompositeOperation])
		c.colour(b.BackgroundColor.Color, false)
		c.rect(-bw/2, -bh/2, bw, bh, m)
		c.op("f\nQ\n")
	}
	_, isLine := o.(*fabric.Line)
	fill := func() {
		if isLine || b.Fill.IsNone() {
			return
		}
		c.op("q\n")
		c.alpha(b.Opacity*float64(b.Fill.Color.A)/255, 1, blendModes[b.GlobalCompositeOperation])
		c.colour(b.Fill.Color, false)
		c.path(cmds, m)
		if b.FillRule == "evenodd" {
			c.op("f*\nQ\n")
		} else {
			c.op("f\nQ\n")
		}
	}
	stroke := func() {
		if b.Stroke.IsNone() || b.StrokeWidth <= 0 {
			return
		}
		sm := m
		if b.StrokeUniform {
			sx, sy := math.Hypot(m[0], m[1]), math.Hypot(m[2], m[3])
			if sx > 0 && sy > 0 {
				sm = m.Mul(fabric.Scale(1/sx, 1/sy))
			}
		}
		inv, ok := sm.Invert()
		if !ok {
			return
		}
		c.op("q\n")
		c.alpha(1, b.Opacity*float64(b.Stroke.Color.A)/255, blendModes[b.GlobalCompositeOperation])
		c.colour(b.Stroke.Color, true)
		c.matrix(sm)
		c.path(cmds, inv.Mul(m))
		c.op(num(b.StrokeWidth) + " w " + strconv.Itoa(capNum(b.StrokeLineCap)) + " J " + strconv.Itoa(joinNum(b.StrokeLineJoin)) + " j " + num(math.Max(1, b.StrokeMiterLimit)) + " M\n")
		if d := dash(b.StrokeDashArray); d != "" {
			c.op("[" + d + "] " + num(b.StrokeDashOffset) + " d\n")
		}
		c.op("S\nQ\n")
	}
	if b.PaintFirst == "stroke" {
		stroke()
		fill()
	} else {
		fill()
		stroke()
	}
	c.op("Q\n")
}

func capNum(s string) int {
	switch s {
	case "round":
		return 1
	case "square":
		return 2
	}
	return 0
}

func joinNum(s string) int {
	switch s {
	case "round":
		return 1
	case "bevel":
		return 2
	}
	return 0
}

// dash formats a canvas dash array for PDF; arrays the canvas ignores
// (negative, non-finite, all zero) give none.
func dash(d []float64) string {
	if len(d) == 0 {
		return ""
	}
	sum := 0.0
	var out bytes.Buffer
	for i, v := range d {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return ""
		}
		sum += v
		if i > 0 {
			out.WriteByte(' ')
		}
		out.WriteString(num(v))
	}
	if sum == 0 {
		return ""
	}
	return out.String()
}

// addRect adds a filled rectangle (local coordinates under m) to the
// current run.
func (e *emitter) addRect(m fabric.Matrix, x, y, w, h float64, col color.NRGBA, opacity float64) {
	e.startRun()
	c := e.run
	c.op("q\n")
	c.alpha(opacity*float64(col.A)/255, 1, "")
	c.colour(col, false)
	c.rect(x, y, w, h, m)
	c.op("f\nQ\n")
}

// barcode writes a code's light square and dark modules as rectangles.
func (e *emitter) barcode(b *fabric.Barcode, m fabric.Matrix, w, h float64) {
	rects, cols, rows, square := e.plan.Code(b)
	if cols == 0 {
		return
	}
	bw, bh := w, h
	if square {
		sx, sy := math.Abs(b.ScaleX), math.Abs(b.ScaleY)
		side := math.Min(w*sx, h*sy)
		bw, bh = side/sx, side/sy
	}
	ux, uy := bw/float64(cols), bh/float64(rows)
	c := e.run
	c.op("q\n")
	c.alpha(b.Opacity*float64(b.Light.A)/255, 1, "")
	c.colour(b.Light, false)
	c.rect(-bw/2, -bh/2, bw, bh, m)
	c.op("f\n")
	c.alpha(b.Opacity*float64(b.Dark.A)/255, 1, "")
	c.colour(b.Dark, false)
	for _, r := range rects {
		c.rect(-bw/2+r[0]*ux, -bh/2+r[1]*uy, r[2]*ux, r[3]*uy, m)
	}
	c.op("f\nQ\n")
}

// vectorText reports text gopdf can write as real text: upright or
// rotated, uniformly scaled, solid fill, no stroke or effects, TrueType
// faces.
func (e *emitter) vectorText(t *fabric.Text, m fabric.Matrix) bool {
	b := &t.Base
	if !noEffects(b) || b.GlobalCompositeOperation != "source-over" || !paintable(b.BackgroundColor) {
		return false
	}
	if _, ok := uniform(m); !ok {
		return false
	}
	blk, err := e.plan.Layout(t)
	if err != nil {
		return false
	}
	for _, ln := range blk.Lines {
		for _, r := range ln.Runs {
			st := r.Style
			if !paintable(st.Fill) || (!st.Stroke.IsNone() && st.StrokeWidth > 0) || !st.Font.IsTrueType() {
				return false
			}
		}
	}
	for _, bx := range blk.Backgrounds {
		if !paintable(bx.Paint) {
			return false
		}
	}
	for _, d := range blk.Decorations {
		if !paintable(d.Paint) {
			return false
		}
	}
	return true
}

// uniform returns the rotation (degrees, clockwise) and scale of a
// matrix that only rotates and scales uniformly.
func uniform(m fabric.Matrix) (struct{ angle, scale float64 }, bool) {
	sx := math.Hypot(m[0], m[1])
	sy := math.Hypot(m[2], m[3])
	det := m[0]*m[3] - m[1]*m[2]
	out := struct{ angle, scale float64 }{math.Atan2(m[1], m[0]) * 180 / math.Pi, sx}
	if sx == 0 || det <= 0 || math.Abs(sx-sy) > 1e-6*sx || math.Abs(m[0]*m[2]+m[1]*m[3]) > 1e-6*sx*sy {
		return out, false
	}
	return out, true
}

// text writes a text object: background boxes and underlines, the glyphs
// as real (selectable) text in embedded subset fonts at the layout's
// positions, then overlines and line-throughs.
func (e *emitter) text(t *fabric.Text, m fabric.Matrix, w, h float64) error {
	blk, err := e.plan.Layout(t)
	if err != nil {
		return err
	}
	u, _ := uniform(m)
	b := &t.Base
	boxes := func(under bool) error {
		for _, bx := range blk.Backgrounds {
			if under {
				e.addRect(m, bx.X, bx.Y, bx.W, bx.H, bx.Paint.Color, b.Opacity)
			}
		}
		for _, d := range blk.Decorations {
			if d.Under == under {
				e.addRect(m, d.X, d.Y, d.W, d.H, d.Paint.Color, b.Opacity)
			}
		}
		return e.flush()
	}
	if !b.BackgroundColor.IsNone() {
		bw, bh := w+b.StrokeWidth, h+b.StrokeWidth
		e.addRect(m, -bw/2, -bh/2, bw, bh, b.BackgroundColor.Color, b.Opacity)
	}
	if err := boxes(true); err != nil {
		return err
	}
	gp := e.d.gp
	for _, ln := range blk.Lines {
		for _, r := range ln.Runs {
			if err := e.textRun(gp, r, m, u.angle, u.scale, b.Opacity); err != nil {
				return err
			}
		}
	}
	return boxes(false)
}

// textRun writes one shaped run: a text-showing operation per cluster of
// glyphs whose positions gopdf's own advances would not reproduce
// (kerning, marks, justification), otherwise one for the whole run.
func (e *emitter) textRun(gp *gopdf.GoPdf, r layout.Run, m fabric.Matrix, angle, scale, opacity float64) error {
	st := r.Style
	if st.Fill.IsNone() || len(r.Glyphs) == 0 {
		return nil
	}
	name, err := e.d.fontName(st.Font)
	if err != nil {
		return err
	}
	size := st.FontSize * scale * pt
	if size <= 0 {
		return nil
	}
	if err := gp.SetFont(name, "", size); err != nil {
		return err
	}
	col := st.Fill.Color
	gp.SetTextColor(col.R, col.G, col.B)
	a := opacity * float64(col.A) / 255
	// gopdf applies transparency to text only through cells, which it
	// places by the font's typographic ascender.
	var cellOpt *gopdf.CellOption
	ascent := 0.0
	if a < 1 {
		tr, err := gopdf.NewTransparency(a, "")
		if err != nil {
			return err
		}
		cellOpt = &gopdf.CellOption{Align: gopdf.Left | gopdf.Top, Transparency: &tr}
		ascent = typoAscender(st.Font.Data()) / st.Font.UnitsPerEm() * size
	}
	// Pivot: the first glyph's origin on the page.
	g0 := r.Glyphs[0]
	px, py := m.Apply(g0.X, g0.Y)
	px, py = e.pg.at(px, py)
	if angle != 0 {
		gp.Rotate(-angle, px, py)
		defer gp.RotateReset()
	}
	k := scale * pt
	for _, cl := range clusters(r) {
		x, y := px+(cl.x-g0.X)*k, py+(cl.y-g0.Y)*k
		if cellOpt != nil {
			gp.SetXY(x, y-ascent)
			if err := gp.CellWithOption(&gopdf.Rect{W: size * float64(len(cl.text)+1), H: size}, cl.text, *cellOpt); err != nil {
				return fmt.Errorf("pdf: text %q: %w", cl.text, err)
			}
			continue
		}
		gp.SetXY(x, y)
		if err := gp.Text(cl.text); err != nil {
			return fmt.Errorf("pdf: text %q: %w", cl.text, err)
		}
	}
	return nil
}

// typoAscender reads OS/2 sTypoAscender from a TrueType file, as gopdf
// uses it to place cells.
func typoAscender(data []byte) float64 {
	if len(data) < 12 {
		return 0
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			break
		}
		if string(data[rec:rec+4]) == "OS/2" {
			off := int(binary.BigEndian.Uint32(data[rec+8:]))
			if off+70 <= len(data) {
				return float64(int16(binary.BigEndian.Uint16(data[off+68:])))
			}
		}
	}
	return 0
}

type cluster struct {
	text string
	x, y float64
}

// clusters splits a run into the pieces written with one Tj: each glyph
// (and the characters it stands for) at its own position. Glyphs are
// grouped when they follow one another at their plain advance.
func clusters(r layout.Run) []cluster {
	runes := []rune(r.Text)
	var out []cluster
	n := len(r.Glyphs)
	for i, g := range r.Glyphs {
		from := g.Cluster
		to := len(runes)
		// the next glyph that starts another cluster
		for j := i + 1; j < n; j++ {
			if r.Glyphs[j].Cluster != from {
				to = r.Glyphs[j].Cluster
				break
			}
		}
		if r.RTL {
			// clusters decrease in rtl runs
			to = len(runes)
			for j := i - 1; j >= 0; j-- {
				if r.Glyphs[j].Cluster != from {
					to = r.Glyphs[j].Cluster
					break
				}
			}
		}
		if from < 0 || from > len(runes) || to < from || to > len(runes) {
			continue
		}
		if i > 0 && r.Glyphs[i-1].Cluster == from {
			continue // a second glyph of the same cluster
		}
		out = append(out, cluster{text: string(runes[from:to]), x: g.X, y: g.Y})
	}
	return out
}

// vectorImage reports images placed directly: rotation, scale and flips,
// no skew, effects or stroke.
func (e *emitter) vectorImage(im *fabric.Image, m fabric.Matrix) bool {
	b := &im.Base
	if !noEffects(b) || b.GlobalCompositeOperation != "source-over" || (!b.Stroke.IsNone() && b.StrokeWidth > 0) || !b.BackgroundColor.IsNone() {
		return false
	}
	if e.plan.Image(im) == nil {
		return false
	}
	// Remove flips, then the rest must be rotation + axis scale.
	f := m
	if b.FlipX {
		f = f.Mul(fabric.Scale(-1, 1))
	}
	if b.FlipY {
		f = f.Mul(fabric.Scale(1, -1))
	}
	det := f[0]*f[3] - f[1]*f[2]
	return det > 0 && math.Abs(f[0]*f[2]+f[1]*f[3]) < 1e-9*(1+math.Abs(det))
}

// image writes an image object: the drawn part of the bitmap (crop or
// fit) embedded once per document, placed by its centre, rotated.
func (e *emitter) image(im *fabric.Image, m fabric.Matrix, w, h float64) error {
	src, dst, ok := e.plan.ImagePlacement(im)
	if !ok {
		return nil
	}
	img := e.plan.Image(im)
	sub := image.Rect(int(math.Floor(src[0])), int(math.Floor(src[1])), int(math.Ceil(src[0]+src[2])), int(math.Ceil(src[1]+src[3]))).Intersect(img.Rect)
	if sub.Empty() {
		return nil
	}
	b := &im.Base
	var part image.Image = img.SubImage(sub)
	// Fabric draws an enlarged image smoothed (bilinear); PDF viewers and
	// RIPs enlarge pixels as blocks. Resample to the output resolution so
	// the printed piece looks as the editor showed it.
	dw0, dh0 := dst[2]*math.Hypot(m[0], m[1])*pt, dst[3]*math.Hypot(m[2], m[3])*pt
	tw := int(math.Ceil(dw0 / 72 * e.d.opts.DPI))
	th := int(math.Ceil(dh0 / 72 * e.d.opts.DPI))
	upscale := im.ImageSmoothing && (tw > sub.Dx() || th > sub.Dy()) && tw*th <= 16e6
	id := imageID{src: im.Src, sub: sub}
	if len(im.Filters) > 0 {
		id.filters = fmt.Sprint(im.Filters)
	}
	if upscale {
		tw, th = max(tw, sub.Dx()), max(th, sub.Dy())
		id.w, id.h = tw, th
	}
	holder, ok := e.d.images[id]
	if !ok {
		if upscale {
			big := image.NewRGBA(image.Rect(0, 0, tw, th))
			xdraw.BiLinear.Scale(big, big.Rect, img, sub, xdraw.Src, nil)
			part = big
		}
		var err error
		if holder, err = e.d.holder(part, render.IsPhoto(img)); err != nil {
			return err
		}
		e.d.images[id] = holder
	}
	f := m
	if b.FlipX {
		f = f.Mul(fabric.Scale(-1, 1))
	}
	if b.FlipY {
		f = f.Mul(fabric.Scale(1, -1))
	}
	sx, sy := math.Hypot(f[0], f[1]), math.Hypot(f[2], f[3])
	angle := math.Atan2(f[1], f[0]) * 180 / math.Pi
	// centre of the destination rectangle on the page
	lx, ly := dst[0]+dst[2]/2, dst[1]+dst[3]/2
	cx, cy := m.Apply(lx, ly)
	cx, cy = e.pg.at(cx, cy)
	dw, dh := dst[2]*sx*pt, dst[3]*sy*pt
	gp := e.d.gp
	if angle != 0 {
		gp.Rotate(-angle, cx, cy)
		defer gp.RotateReset()
	}
	opts := gopdf.ImageOptions{X: cx - dw/2, Y: cy - dh/2, Rect: &gopdf.Rect{W: dw, H: dh}, HorizontalFlip: b.FlipX, VerticalFlip: b.FlipY}
	if b.Opacity < 1 {
		tr, err := gopdf.NewTransparency(b.Opacity, "")
		if err != nil {
			return err
		}
		opts.Transparency = &tr
	}
	return gp.ImageByHolderWithOptions(holder, opts)
}

// raster draws an object PDF cannot express with the raster renderer at
// the document's DPI and places the bitmap, transparency kept.
func (e *emitter) raster(o fabric.Object, parent fabric.Matrix) error {
	s := e.d.opts.DPI / 96
	b := e.pg.bleed
	page := image.Rect(int(math.Floor(-b*s)), int(math.Floor(-b*s)), int(math.Ceil((e.pg.w+b)*s)), int(math.Ceil((e.pg.h+b)*s)))
	bounds := e.plan.ObjectBounds(o, parent).Intersect(page)
	if bounds.Empty() {
		return nil
	}
	layer := image.NewRGBA(bounds)
	if err := e.plan.DrawObject(e.ctx, layer, o, parent); err != nil {
		return err
	}
	if blank(layer) {
		return nil
	}
	holder, err := e.d.holder(layer, false)
	if err != nil {
		return err
	}
	x, y := e.pg.at(float64(bounds.Min.X)/s, float64(bounds.Min.Y)/s)
	return e.d.gp.ImageByHolderWithOptions(holder, gopdf.ImageOptions{
		X: x, Y: y, Rect: &gopdf.Rect{W: float64(bounds.Dx()) / s * pt, H: float64(bounds.Dy()) / s * pt},
	})
}

func blank(img *image.RGBA) bool {
	for i := 3; i < len(img.Pix); i += 4 {
		if img.Pix[i] != 0 {
			return false
		}
	}
	return true
}

// rasterCanvas draws the whole page as one bitmap (canvas clip paths).
func (e *emitter) rasterCanvas() error {
	img, err := e.plan.Render(e.ctx)
	if err != nil {
		return err
	}
	holder, err := e.d.holder(img, false)
	if err != nil {
		return err
	}
	x, y := e.pg.at(0, 0)
	return e.d.gp.ImageByHolderWithOptions(holder, gopdf.ImageOptions{X: x, Y: y, Rect: &gopdf.Rect{W: e.pg.w * pt, H: e.pg.h * pt}})
}
