package render

import (
	"context"
	"image"
	"image/color"
	"math"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/internal/filter"
	"github.com/fabricpress/fabricpress/render/internal/stroke"
)

// flattenTolerance is the largest distance, in device pixels, between a
// curve and the polyline that stands for it.
const flattenTolerance = 0.1

// renderer paints one canvas; it is used by one goroutine at a time.
type renderer struct {
	ctx   context.Context
	plan  *Plan
	rz    *rasterizer
	scale float64
	faces *faceCache
	err   error
	// hintScale is the device pixels per local unit of axis-aligned text
	// being drawn (0 when rotated or skewed).
	hintScale float64

	// target is the output raster; window, when not empty, limits the
	// pixels of target that painting may change (a Layered render redraws
	// only where the variable objects are). Layers are still drawn whole,
	// and coverage is computed over the whole target, so the pixels inside
	// the window are exactly those of an unlimited render.
	target *image.RGBA
	window image.Rectangle
	// measuring records in touched the pixels of target that drawing
	// would change, without painting anything.
	measuring bool
	touched   image.Rectangle

	scratch *scratch // where rz and faces came from
}

// newPainter returns a painter onto dst, limited to the window when dst
// is the output.
func (r *renderer) newPainter(dst *image.RGBA, sh shader, alpha float64, op blendMode) *painter {
	clip := dst.Rect
	if dst == r.target && !r.window.Empty() {
		clip = clip.Intersect(r.window)
	}
	return &painter{dst: dst, clip: clip, sh: sh, alpha: float32(alpha), op: op}
}

// touch records that drawing may change rc of dst; it reports whether the
// renderer is only measuring (the caller then paints nothing).
func (r *renderer) touch(dst *image.RGBA, rc image.Rectangle) bool {
	if !r.measuring {
		return false
	}
	r.touched = r.touched.Union(rc.Intersect(dst.Rect))
	return true
}

// fillPath rasterises a local path under m with a shader.
func (r *renderer) fillPath(dst *image.RGBA, p *path, m fabric.Matrix, evenOdd bool, sh shader, alpha float64, op blendMode) {
	if sh == nil || p.empty() {
		return
	}
	subs := p.flatten(m, flattenTolerance)
	r.fillSubpaths(dst, subs, evenOdd, sh, alpha, op)
}

func (r *renderer) fillSubpaths(dst *image.RGBA, subs []stroke.Subpath, evenOdd bool, sh shader, alpha float64, op blendMode) {
	poly := toPolygon(subs, evenOdd)
	bounds := polyBounds(poly).Intersect(dst.Rect)
	if bounds.Empty() || r.touch(dst, bounds) {
		return
	}
	r.rz.fill(poly, bounds, r.newPainter(dst, sh, alpha, op))
}

// strokePath strokes a local path. strokeM is the transform in force when
// stroke() runs (it differs from m for strokeUniform); the path geometry
// was fixed under m.
func (r *renderer) strokePath(dst *image.RGBA, p *path, m, strokeM fabric.Matrix, b *fabric.Base, sh shader, alpha float64, op blendMode) {
	if sh == nil || p.empty() {
		return
	}
	inv, ok := strokeM.Invert()
	if !ok {
		return
	}
	sx, sy := strokeM.Scaling()
	scale := math.Max(sx, sy)
	subs := p.flatten(inv.Mul(m), flattenTolerance/scale)
	st := stroke.Style{
		Width:      b.StrokeWidth,
		Cap:        capStyle(b.StrokeLineCap),
		Join:       joinStyle(b.StrokeLineJoin),
		MiterLimit: b.StrokeMiterLimit,
		DashOffset: b.StrokeDashOffset,
		Tolerance:  flattenTolerance / scale,
	}
	if len(b.StrokeDashArray) > 0 {
		st.Dash = b.StrokeDashArray
	}
	outline := stroke.Outline(subs, st)
	for i := range outline {
		pts := outline[i].Points
		for j, q := range pts {
			x, y := strokeM.Apply(q.X, q.Y)
			pts[j] = stroke.Point{X: x, Y: y}
		}
	}
	r.fillSubpaths(dst, outline, false, sh, alpha, op)
}

func capStyle(s string) stroke.Cap {
	switch s {
	case "round":
		return stroke.Round
	case "square":
		return stroke.Square
	}
	return stroke.Butt
}

func joinStyle(s string) stroke.Join {
	switch s {
	case "round":
		return stroke.RoundJoin
	case "bevel":
		return stroke.Bevel
	}
	return stroke.Miter
}

// shaderFor returns the shader for a fill or stroke of an object whose
// unstroked size is w×h, drawn under m (fabric-model.md §3.6).
func (r *renderer) shaderFor(pt fabric.Paint, m fabric.Matrix, w, h float64) shader {
	switch pt.Kind {
	case fabric.PaintColor:
		return solidShader{premul(pt.Color)}
	case fabric.PaintGradient:
		g := pt.Gradient
		gm := m.Mul(fabric.Translate(-w/2+g.OffsetX, -h/2+g.OffsetY))
		if g.Percentage {
			gm = gm.Mul(fabric.Scale(w, h))
		}
		if g.Transform != nil {
			gm = gm.Mul(*g.Transform)
		}
		if s := newGradientShader(g, gm); s != nil {
			return s
		}
	case fabric.PaintPattern:
		pat := pt.Pattern
		img := r.plan.image(pat.Source)
		if img == nil {
			return nil
		}
		pm := m.Mul(fabric.Translate(-w/2+pat.OffsetX, -h/2+pat.OffsetY))
		if pat.Transform != nil {
			pm = pm.Mul(*pat.Transform)
		}
		inv, ok := pm.Invert()
		if !ok {
			return nil
		}
		return &imageShader{
			img: img, inv: inv, src: img.Rect, smooth: true,
			repeatX: pat.Repeat == "repeat" || pat.Repeat == "repeat-x",
			repeatY: pat.Repeat == "repeat" || pat.Repeat == "repeat-y",
		}
	}
	return nil
}

// objectSize returns the unstroked width and height Fabric uses for o
// (text is measured; an image without a size takes its natural size).
func (r *renderer) objectSize(o fabric.Object) (float64, float64) {
	b := o.Props()
	switch s := o.(type) {
	case *fabric.Text:
		if l, err := r.plan.layout(s); err == nil {
			return l.Width, l.Height
		}
		return 0, 0
	case *fabric.Image:
		w, h := b.Width, b.Height
		if img := r.plan.image(imageKey(s.Src, s.Filters)); img != nil && s.Fit == fabric.FitNone {
			if w == 0 {
				w = float64(img.Rect.Dx())
			}
			if h == 0 {
				h = float64(img.Rect.Dy())
			}
		}
		return w, h
	}
	return b.Width, b.Height
}

// drawOpts modify how an object is drawn.
type drawOpts struct {
	// forClipping draws the object as a clip mask: fill black, no stroke,
	// full opacity (Fabric's drawObject(ctx, true)).
	forClipping bool
}

// drawObject paints o onto dst under parent (the transform of the plane o
// lives in).
func (r *renderer) drawObject(dst *image.RGBA, o fabric.Object, parent fabric.Matrix, opt drawOpts) {
	if r.err != nil {
		return
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return
	}
	b := o.Props()
	if !b.Visible {
		return
	}
	w, h := r.objectSize(o)
	if _, isText := o.(*fabric.Text); !isText && !opt.forClipping {
		if b.Opacity <= 0 || (w == 0 && h == 0 && b.StrokeWidth == 0) {
			return
		}
	}
	m := parent.Mul(b.Matrix(w, h))
	op := parseBlend(b.GlobalCompositeOperation)
	_, isGroup := o.(*fabric.Group)
	shadow := b.Shadow
	if shadow != nil && (shadow.Color.A == 0 || opt.forClipping) {
		shadow = nil
	}
	opacity := b.Opacity
	if opt.forClipping {
		opacity, op = 1, opSourceOver
	}
	if !(opacity < 1 || shadow != nil || b.ClipPath != nil || op != opSourceOver || isGroup) {
		r.drawContent(dst, o, m, w, h, opt)
		return
	}
	// Fabric draws such objects into their own cache canvas first and
	// composites the result (fabric-model.md §3.2).
	bounds := r.layerBounds(o, m, w, h).Intersect(r.layerLimit(dst, shadow, m))
	if bounds.Empty() {
		return
	}
	if r.measuring {
		r.touch(dst, bounds)
		if shadow != nil {
			r.touch(dst, r.shadowBounds(bounds, shadow, m))
		}
		return
	}
	layer := image.NewRGBA(bounds)
	r.drawContent(layer, o, m, w, h, opt)
	if b.ClipPath != nil {
		r.applyClip(layer, o, b.ClipPath, m, parent)
	}
	r.composite(dst, layer, opacity, shadow, o, m, op)
}

// layerLimit is the area of dst a layer may need: dst itself, grown by the
// shadow's reach so shadows of off-canvas objects still land.
func (r *renderer) layerLimit(dst *image.RGBA, sh *fabric.Shadow, m fabric.Matrix) image.Rectangle {
	if sh == nil {
		return dst.Rect
	}
	ox, oy, blur := r.shadowParams(sh, m)
	pad := filter.BlurPad(blur/2) + 2
	return dst.Rect.Inset(-pad).Add(image.Pt(-int(math.Round(ox)), -int(math.Round(oy)))).Union(dst.Rect)
}

// layerBounds is a device rectangle that holds everything o paints.
func (r *renderer) layerBounds(o fabric.Object, m fabric.Matrix, w, h float64) image.Rectangle {
	b := o.Props()
	if _, ok := o.(*fabric.Group); ok {
		// A group draws its children into its cache canvas, which clips
		// them to the cache's extent (at least 256 px a side).
		x0, y0, x1, y1 := cacheExtent(b, m, w, h)
		return quadBounds(m, x0, y0, x1, y1, 0)
	}
	pad := b.StrokeWidth * math.Max(1, b.StrokeMiterLimit)
	if t, ok := o.(*fabric.Text); ok {
		pad += t.FontSize
	}
	return boxBounds(m, w+pad, h+pad, 2)
}

// Fabric's cache canvas limits (config.ts).
const (
	aliasingLimit      = 2
	minCacheSide       = 256
	maxCacheSide       = 4096
	perfLimitSizeTotal = 2097152
)

// cacheExtent returns the local rectangle an object's cache canvas covers
// (Object._getCacheCanvasDimensions, _limitCacheSize, _updateCacheCanvas).
func cacheExtent(b *fabric.Base, m fabric.Matrix, w, h float64) (x0, y0, x1, y1 float64) {
	d := decompose(m)
	zx, zy := math.Abs(d.scaleX), math.Abs(d.scaleY)
	if zx == 0 || zy == 0 {
		return 0, 0, 0, 0
	}
	bw, bh := w+b.StrokeWidth, h+b.StrokeWidth
	if b.StrokeUniform {
		bw, bh = w+b.StrokeWidth/zx, h+b.StrokeWidth/zy
	}
	nx, ny := bw*zx, bh*zy
	cw, ch := math.Ceil(nx+aliasingLimit), math.Ceil(ny+aliasingLimit)
	if cw <= maxCacheSide && ch <= maxCacheSide && cw*ch <= perfLimitSizeTotal {
		cw, ch = math.Max(cw, minCacheSide), math.Max(ch, minCacheSide)
	} else {
		ar := cw / ch
		limY := math.Sqrt(perfLimitSizeTotal / ar)
		limX := limY * ar
		x := math.Max(minCacheSide, math.Min(math.Floor(limX), maxCacheSide))
		y := math.Max(minCacheSide, math.Min(math.Floor(limY), maxCacheSide))
		if cw > x {
			zx /= cw / x
			cw = x
		}
		if ch > y {
			zy /= ch / y
			ch = y
		}
		nx, ny = bw*zx, bh*zy
	}
	tx := math.Round(cw/2-nx/2) + nx/2
	ty := math.Round(ch/2-ny/2) + ny/2
	return -tx / zx, -ty / zy, (cw - tx) / zx, (ch - ty) / zy
}

// quadBounds returns the device pixels covered by the local rectangle
// (x0,y0)-(x1,y1) under m, grown by margin.
func quadBounds(m fabric.Matrix, x0, y0, x1, y1, margin float64) image.Rectangle {
	cx, cy := (x0+x1)/2, (y0+y1)/2
	return boxBounds(m.Mul(fabric.Translate(cx, cy)), x1-x0, y1-y0, margin)
}

// boxBounds returns the device pixels covered by a w×h box centred on the
// local origin under m, grown by margin device pixels.
func boxBounds(m fabric.Matrix, w, h, margin float64) image.Rectangle {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, c := range [4][2]float64{{-w / 2, -h / 2}, {w / 2, -h / 2}, {w / 2, h / 2}, {-w / 2, h / 2}} {
		x, y := m.Apply(c[0], c[1])
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	if math.IsNaN(minX) || math.IsNaN(minY) || math.IsNaN(maxX) || math.IsNaN(maxY) {
		return image.Rectangle{}
	}
	return image.Rect(clampInt(math.Floor(minX-margin)), clampInt(math.Floor(minY-margin)),
		clampInt(math.Ceil(maxX+margin)), clampInt(math.Ceil(maxY+margin)))
}

// drawContent paints what Fabric's drawObject paints: the background
// colour box, then the object itself.
func (r *renderer) drawContent(dst *image.RGBA, o fabric.Object, m fabric.Matrix, w, h float64, opt drawOpts) {
	b := o.Props()
	if !opt.forClipping && !b.BackgroundColor.IsNone() {
		_, isGroup := o.(*fabric.Group)
		if !isGroup || b.Major() >= 6 {
			bw, bh := w+b.StrokeWidth, h+b.StrokeWidth
			r.fillPath(dst, rectPath(bw, bh), m, false, r.shaderFor(b.BackgroundColor, m, w, h), 1, opSourceOver)
		}
	}
	switch s := o.(type) {
	case *fabric.Group:
		for _, c := range s.Objects {
			r.drawObject(dst, c, m, opt)
		}
	case *fabric.Image:
		r.drawImage(dst, s, m, w, h, opt)
	case *fabric.Text:
		r.drawText(dst, s, m, opt)
	case *fabric.Barcode:
		r.drawBarcode(dst, s, m, w, h, opt)
	default:
		p := shapePath(o)
		if p == nil {
			return
		}
		r.paintInOrder(dst, o, p, m, w, h, opt)
	}
}

// paintInOrder fills and strokes p as _renderPaintInOrder does.
func (r *renderer) paintInOrder(dst *image.RGBA, o fabric.Object, p *path, m fabric.Matrix, w, h float64, opt drawOpts) {
	b := o.Props()
	_, isLine := o.(*fabric.Line)
	fill := func() {
		if isLine {
			return // a Line is only stroked
		}
		if opt.forClipping {
			r.fillPath(dst, p, m, b.FillRule == "evenodd", solidShader{rgba{0, 0, 0, 1}}, 1, opSourceOver)
			return
		}
		if b.Fill.IsNone() {
			return
		}
		r.fillPath(dst, p, m, b.FillRule == "evenodd", r.shaderFor(b.Fill, m, w, h), 1, opSourceOver)
	}
	strokeFn := func() {
		if opt.forClipping || b.Stroke.IsNone() || b.StrokeWidth == 0 {
			return
		}
		sm := r.strokeMatrix(b, m)
		r.strokePath(dst, p, m, sm, b, r.shaderFor(b.Stroke, sm, w, h), 1, opSourceOver)
	}
	inPaintOrder(b.PaintFirst, fill, strokeFn)
}

// strokeMatrix is the transform in force when Fabric strokes: with
// strokeUniform the object's own scaling is undone so the line width is
// in screen pixels (times the export multiplier).
func (r *renderer) strokeMatrix(b *fabric.Base, m fabric.Matrix) fabric.Matrix {
	if !b.StrokeUniform {
		return m
	}
	sx, sy := objectScaling(m, r.scale)
	if sx == 0 || sy == 0 {
		return m
	}
	return m.Mul(fabric.Scale(1/sx, 1/sy))
}

// objectScaling is Fabric's getObjectScaling: the absolute scale of the
// object's full transform, without the viewport (multiplier).
func objectScaling(m fabric.Matrix, viewport float64) (float64, float64) {
	d := decompose(m)
	return math.Abs(d.scaleX) / viewport, math.Abs(d.scaleY) / viewport
}

type decomposed struct{ scaleX, scaleY, skewX, angle float64 }

// decompose is Fabric's qrDecompose.
func decompose(a fabric.Matrix) decomposed {
	angle := math.Atan2(a[1], a[0])
	denom := a[0]*a[0] + a[1]*a[1]
	scaleX := math.Sqrt(denom)
	if denom == 0 {
		return decomposed{}
	}
	scaleY := (a[0]*a[3] - a[2]*a[1]) / scaleX
	skewX := math.Atan2(a[0]*a[2]+a[1]*a[3], denom)
	return decomposed{scaleX: scaleX, scaleY: scaleY, skewX: skewX * 180 / math.Pi, angle: angle * 180 / math.Pi}
}

// applyClip multiplies layer's pixels by the coverage of clip (or its
// complement when inverted), as Fabric's destination-in/out clip does.
func (r *renderer) applyClip(layer *image.RGBA, o fabric.Object, clip fabric.Object, m, parent fabric.Matrix) {
	cb := clip.Props()
	plane := m
	if cb.AbsolutePositioned {
		plane = fabric.Scale(r.scale, r.scale)
	}
	mask := image.NewRGBA(layer.Rect)
	r.drawClipMask(mask, clip, plane)
	inverted := cb.Inverted
	pix, mpix := layer.Pix, mask.Pix
	for i := 3; i < len(pix); i += 4 {
		a := uint32(mpix[i])
		if inverted {
			a = 255 - a
		}
		if a == 255 {
			continue
		}
		for k := i - 3; k <= i; k++ {
			pix[k] = uint8((uint32(pix[k])*a + 127) / 255)
		}
	}
}

// drawClipMask paints a clip object (with its own nested clip) in clipping
// mode; only the alpha of mask matters.
func (r *renderer) drawClipMask(mask *image.RGBA, clip fabric.Object, plane fabric.Matrix) {
	r.drawObject(mask, clip, plane, drawOpts{forClipping: true})
}

// shadowParams returns the device offset and canvas shadowBlur Fabric
// sets for a shadow on an object drawn under m (fabric-model.md §3.4).
func (r *renderer) shadowParams(sh *fabric.Shadow, m fabric.Matrix) (ox, oy, blur float64) {
	kx, ky := 1.0, 1.0
	if !sh.NonScaling {
		kx, ky = objectScaling(m, r.scale)
	}
	v := r.scale
	ox = sh.OffsetX * v * kx
	oy = sh.OffsetY * v * ky
	blur = sh.Blur * (v + v) * (kx + ky) / 4
	return
}

// composite draws layer onto dst with global alpha, an optional shadow and
// a blend mode, as drawImage of a cache canvas does.
func (r *renderer) composite(dst, layer *image.RGBA, alpha float64, sh *fabric.Shadow, o fabric.Object, m fabric.Matrix, op blendMode) {
	if sh != nil {
		ox, oy, blur := r.shadowParams(sh, m)
		r.drawShadow(dst, layer, sh.Color, ox, oy, blur, alpha, op)
	}
	p := r.newPainter(dst, &layerShader{layer}, alpha, op)
	bounds := layer.Rect.Intersect(p.clip)
	if bounds.Empty() {
		return
	}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		p.span(y, bounds.Min.X, bounds.Max.X, 1)
	}
}

// layerShader reads a premultiplied layer pixel for pixel.
type layerShader struct{ img *image.RGBA }

func (s *layerShader) row(y, x0 int, out []rgba) {
	o := s.img.PixOffset(x0, y)
	p := s.img.Pix[o : o+4*len(out)]
	for i := range out {
		q := p[4*i : 4*i+4 : 4*i+4]
		out[i] = rgba{float32(q[0]) / 255, float32(q[1]) / 255, float32(q[2]) / 255, float32(q[3]) / 255}
	}
}

// shadowBounds is where drawShadow paints the shadow of a layer covering
// layerRect.
func (r *renderer) shadowBounds(layerRect image.Rectangle, sh *fabric.Shadow, m fabric.Matrix) image.Rectangle {
	ox, oy, blur := r.shadowParams(sh, m)
	return layerRect.Inset(-filter.BlurPad(blur / 2)).Add(image.Pt(int(math.Round(ox)), int(math.Round(oy))))
}

// drawShadow paints the shadow of layer's alpha: blurred with a Gaussian
// of σ = shadowBlur/2, offset in device space and tinted with the colour.
func (r *renderer) drawShadow(dst, layer *image.RGBA, c color.NRGBA, ox, oy, blur, alpha float64, op blendMode) {
	sigma := blur / 2
	pad := filter.BlurPad(sigma)
	src := image.NewAlpha(layer.Rect.Inset(-pad))
	for y := layer.Rect.Min.Y; y < layer.Rect.Max.Y; y++ {
		lo := layer.PixOffset(layer.Rect.Min.X, y)
		so := src.PixOffset(layer.Rect.Min.X, y)
		for x := 0; x < layer.Rect.Dx(); x++ {
			src.Pix[so+x] = layer.Pix[lo+4*x+3]
		}
	}
	blurred := src
	if sigma > 0 {
		filter.GaussianBlurAlpha(blurred, sigma)
	}
	// Offsets are applied in whole device pixels plus a bilinear
	// fraction: shift by the rounded offset, which is what Skia does for
	// integer offsets and close to it otherwise.
	dx, dy := int(math.Round(ox)), int(math.Round(oy))
	p := r.newPainter(dst, solidShader{premul(c)}, alpha, op)
	bounds := blurred.Rect.Add(image.Pt(dx, dy)).Intersect(p.clip)
	if bounds.Empty() {
		return
	}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			a := blurred.Pix[blurred.PixOffset(x-dx, y-dy)]
			if a == 0 {
				continue
			}
			p.span(y, x, x+1, float32(a)/255)
		}
	}
}
