package render

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"sync"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/asset"
	"github.com/fabricpress/fabricpress/render/font"
	"github.com/fabricpress/fabricpress/render/layout"
)

// Options configure Compile. The zero value renders at scale 1 with no
// fonts (text then needs FontFallback) and images from data: URLs only.
type Options struct {
	// Width and Height are the canvas size in CSS pixels (Fabric's JSON
	// does not store it); zero takes the size stored in the document.
	Width, Height float64
	// Scale is Fabric's toDataURL multiplier (3.125 = 300 DPI from 96 px
	// per inch); default 1.
	Scale float64
	// Fonts resolves font families; nil means no registered fonts.
	Fonts *font.Registry
	// FontFallback draws text whose family is not registered with the
	// embedded Go fonts and records a warning, instead of failing.
	FontFallback bool
	// Images loads image sources; nil means an asset.Loader for
	// data: URLs and files under AssetsDir (no remote hosts). Share one
	// loader between plans to reuse its connections.
	Images ImageLoader
	// AssetsDir is the folder local image paths are read from when Images
	// is nil.
	AssetsDir string
	// SkipBrokenImages drops an image that cannot be loaded (as Fabric 5
	// and 7 do) with a warning, instead of failing Compile.
	SkipBrokenImages bool
	// MaxOutputPixels bounds the output raster; default 60,000,000.
	MaxOutputPixels int
	// MaxImagePixels bounds each decoded source image; default 50,000,000.
	MaxImagePixels int
	// Cache shares decoded images between plans (one per template or
	// job); nil decodes every image for every plan.
	Cache *ImageCache
}

// ErrSize reports a missing or unacceptable output size.
var ErrSize = errors.New("render: bad output size")

// Plan is a compiled template: images decoded and filtered, fonts resolved
// and text laid out. A Plan is safe for concurrent use by many goroutines.
type Plan struct {
	canvas *fabric.Canvas
	opts   Options
	width  int // output pixels
	height int
	// images by source string, decoded, filtered per object below.
	images map[string]*image.RGBA
	codes  map[*fabric.Barcode]*codeGeom
	fonts  *layout.Fonts

	// prepared holds the layouts made at Compile; it is read without a
	// lock. Layouts of text the plan had not seen go to layouts, under mu.
	prepared map[*fabric.Text]*layout.Block

	// parent is the plan a derived plan shares its template's images,
	// codes and layouts with (see Derive).
	parent *Plan
	// engines lends layout engines to derived plans (root plans only).
	engines sync.Pool
	own     map[fabric.Object]bool // the top-level objects prepared

	// compiled are the warnings of Compile, read by derived plans without
	// a lock.
	compiled []string

	mu       sync.Mutex
	layouts  map[*fabric.Text]*layout.Block
	engine   *layout.Engine // used under mu
	warnings []string
}

// Compile prepares c for rendering with opts.
func Compile(ctx context.Context, c *fabric.Canvas, opts Options) (*Plan, error) {
	return compile(ctx, c, opts, nil)
}

// compile prepares the top-level objects of c not marked in skip (with
// the canvas's background, overlay and clip).
func compile(ctx context.Context, c *fabric.Canvas, opts Options, skip []bool) (*Plan, error) {
	if opts.Scale == 0 {
		opts.Scale = 1
	}
	if opts.Width == 0 {
		opts.Width = c.Width
	}
	if opts.Height == 0 {
		opts.Height = c.Height
	}
	if opts.MaxOutputPixels == 0 {
		opts.MaxOutputPixels = 60e6
	}
	if opts.MaxImagePixels == 0 {
		opts.MaxImagePixels = 50e6
	}
	if opts.Images == nil {
		opts.Images = asset.New(asset.Options{Dir: opts.AssetsDir, MaxPixels: opts.MaxImagePixels})
	}
	if opts.Width <= 0 || opts.Height <= 0 || math.IsNaN(opts.Width+opts.Height) {
		return nil, fmt.Errorf("%w: canvas size %gx%g (give the width and height of the Fabric canvas)", ErrSize, opts.Width, opts.Height)
	}
	if opts.Scale <= 0 || math.IsNaN(opts.Scale) || math.IsInf(opts.Scale, 0) {
		return nil, fmt.Errorf("%w: scale %g", ErrSize, opts.Scale)
	}
	w, h := math.Round(opts.Width*opts.Scale), math.Round(opts.Height*opts.Scale)
	if w < 1 || h < 1 || w*h > float64(opts.MaxOutputPixels) {
		return nil, fmt.Errorf("%w: output %gx%g pixels (limit %d pixels)", ErrSize, w, h, opts.MaxOutputPixels)
	}
	p := &Plan{
		canvas: c, opts: opts, width: int(w), height: int(h),
		images: map[string]*image.RGBA{}, codes: map[*fabric.Barcode]*codeGeom{}, fonts: layout.NewFonts(opts.Fonts, opts.FontFallback),
		layouts: map[*fabric.Text]*layout.Block{},
	}
	p.engine = layout.NewEngine(p.fonts)
	p.engines.New = func() any { return layout.NewEngine(p.fonts) }
	p.own = make(map[fabric.Object]bool, len(c.Objects))
	var objs []fabric.Object
	for i, o := range c.Objects {
		if i < len(skip) && skip[i] {
			continue
		}
		objs = append(objs, o)
		p.own[o] = true
	}
	if err := p.prepare(ctx, objs, true); err != nil {
		return nil, err
	}
	p.freeze()
	return p, nil
}

// freeze makes what prepare computed read-only and lock-free.
func (p *Plan) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prepared, p.layouts = p.layouts, map[*fabric.Text]*layout.Block{}
	p.compiled = slices.Clip(p.warnings)
}

// Derive compiles c, a personalised copy of the plan's canvas (what
// fabric.Bind returns: unchanged objects shared), reusing the plan's work:
// only the objects of c the plan has not seen are prepared (their images
// loaded, text laid out). The derived plan renders c exactly as Compile(c)
// would, with the same options. p must be a plan made by Compile.
func (p *Plan) Derive(ctx context.Context, c *fabric.Canvas) (*Plan, error) {
	root := p.root()
	d := &Plan{
		canvas: c, opts: root.opts, width: root.width, height: root.height,
		images: map[string]*image.RGBA{}, codes: map[*fabric.Barcode]*codeGeom{}, fonts: root.fonts,
		layouts: map[*fabric.Text]*layout.Block{}, parent: root,
	}
	e := root.engines.Get().(*layout.Engine)
	e.Trim()
	d.engine = e
	var fresh []fabric.Object
	for _, o := range c.Objects {
		if !root.seen(o) {
			fresh = append(fresh, o)
		}
	}
	c0 := root.canvas
	whole := c.BackgroundImage != c0.BackgroundImage || c.OverlayImage != c0.OverlayImage || c.ClipPath != c0.ClipPath ||
		!samePattern(c.Background, c0.Background) || !samePattern(c.Overlay, c0.Overlay)
	err := d.prepare(ctx, fresh, whole)
	d.freeze()
	d.engine = nil
	root.engines.Put(e)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// root is the compiled plan a plan was derived from (itself if none).
func (p *Plan) root() *Plan {
	if p.parent != nil {
		return p.parent
	}
	return p
}

// seen reports whether o is a top-level object the plan prepared (so its
// images, codes and layouts are ready).
func (p *Plan) seen(o fabric.Object) bool { return p.own[o] }

// samePattern reports whether two canvas paints load the same pattern
// image (or none).
func samePattern(a, b fabric.Paint) bool {
	pa, pb := a.Kind == fabric.PaintPattern, b.Kind == fabric.PaintPattern
	if !pa || !pb {
		return pa == pb
	}
	return a.Pattern.Source == b.Pattern.Source
}

// image returns a decoded image by key, from this plan or its parent.
func (p *Plan) image(key string) *image.RGBA {
	if img, ok := p.images[key]; ok || p.parent == nil {
		return img
	}
	return p.parent.images[key]
}

// code returns the geometry of a barcode of this plan or its parent.
func (p *Plan) code(b *fabric.Barcode) *codeGeom {
	if g, ok := p.codes[b]; ok || p.parent == nil {
		return g
	}
	return p.parent.codes[b]
}

// Bounds is the output raster's rectangle.
func (p *Plan) Bounds() image.Rectangle { return image.Rect(0, 0, p.width, p.height) }

// Warnings lists what Compile substituted or dropped (fallback fonts,
// skipped images), one line each.
func (p *Plan) Warnings() []string {
	var out []string
	if p.parent != nil {
		out = append(out, p.parent.compiled...)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return append(append(out, p.warnings...), p.fonts.Warnings()...)
}

func (p *Plan) warnf(format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

// prepare loads every image and lays out every text object of objs (and,
// with canvasLevel, of the canvas background, overlay and clip), so errors
// surface here with their JSON path and rendering does no I/O.
func (p *Plan) prepare(ctx context.Context, objs []fabric.Object, canvasLevel bool) error {
	var visit func(o fabric.Object) error
	visit = func(o fabric.Object) error {
		if o == nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		b := o.Props()
		for _, pt := range []fabric.Paint{b.Fill, b.Stroke} {
			if pt.Kind == fabric.PaintPattern {
				if err := p.loadImage(ctx, pt.Pattern.Source, nil, b.JSONPath); err != nil {
					return err
				}
			}
		}
		switch s := o.(type) {
		case *fabric.Image:
			if err := p.loadImage(ctx, s.Src, s.Filters, s.JSONPath); err != nil {
				return err
			}
		case *fabric.Text:
			if _, err := p.layout(s); err != nil {
				return err
			}
		case *fabric.Barcode:
			g, err := barcodeGeom(s)
			if err != nil {
				return &fabric.Error{Path: s.JSONPath, Err: err}
			}
			p.codes[s] = g
		case *fabric.Group:
			for _, c := range s.Objects {
				if err := visit(c); err != nil {
					return err
				}
			}
		}
		return visit(b.ClipPath)
	}
	for _, o := range objs {
		if err := visit(o); err != nil {
			return err
		}
	}
	if !canvasLevel {
		return nil
	}
	c := p.canvas
	for _, o := range []fabric.Object{c.BackgroundImage, c.OverlayImage, c.ClipPath} {
		if err := visit(o); err != nil {
			return err
		}
	}
	for _, pt := range []fabric.Paint{c.Background, c.Overlay} {
		if pt.Kind == fabric.PaintPattern {
			if err := p.loadImage(ctx, pt.Pattern.Source, nil, "background"); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadImage decodes src once and applies filters. Images are keyed by
// source; two objects with the same source and different filters get
// distinct keys.
func (p *Plan) loadImage(ctx context.Context, src string, filters []fabric.Filter, path string) error {
	key := imageKey(src, filters)
	if _, ok := p.images[key]; ok {
		return nil
	}
	if p.parent != nil {
		if img, ok := p.parent.images[key]; ok {
			p.images[key] = img
			return nil
		}
	}
	fail := func(err error) error {
		if p.opts.SkipBrokenImages {
			p.warnf("%s: image skipped: %v", path, err)
			p.images[key] = nil
			return nil
		}
		return &fabric.Error{Path: path + ".src", Err: err}
	}
	if src == "" {
		return fail(errors.New("image has no src"))
	}
	var filterErr error
	load := func() (*image.RGBA, error) {
		data, err := p.opts.Images.Load(ctx, src)
		if err != nil {
			return nil, err
		}
		img, format, err := decodeImage(data, p.opts.MaxImagePixels)
		if err != nil {
			return nil, err
		}
		if format == "jpeg" && len(filters) == 0 {
			markPhoto(img)
		}
		if len(filters) > 0 {
			if img, err = filtered(img, filters); err != nil {
				filterErr = err
				return nil, err
			}
		}
		return img, nil
	}
	var img *image.RGBA
	var err error
	if p.opts.Cache != nil {
		img, err = p.opts.Cache.get(ctx, key, load)
	} else {
		img, err = load()
	}
	if filterErr != nil {
		return &fabric.Error{Path: path + ".filters", Err: filterErr}
	}
	if err != nil {
		return fail(err)
	}
	p.images[key] = img
	return nil
}

// imageKey identifies a decoded, filtered image.
func imageKey(src string, filters []fabric.Filter) string {
	if len(filters) == 0 {
		return src
	}
	return src + "\x00" + fmt.Sprint(filters)
}

// Render draws the canvas into a new image of Bounds().
func (p *Plan) Render(ctx context.Context) (*image.RGBA, error) {
	dst := image.NewRGBA(p.Bounds())
	if err := p.RenderTo(ctx, dst); err != nil {
		return nil, err
	}
	return dst, nil
}

// RenderTo draws the canvas into dst, which must have Bounds() and is
// cleared first.
func (p *Plan) RenderTo(ctx context.Context, dst *image.RGBA) error {
	if dst.Rect != p.Bounds() {
		return fmt.Errorf("%w: destination %v, plan %v", ErrSize, dst.Rect, p.Bounds())
	}
	clear(dst.Pix)
	r := p.newRenderer(ctx, dst)
	defer r.release()
	r.renderCanvas(dst)
	return r.err
}

// newRenderer returns a renderer of the plan's objects onto target; call
// its release when done.
func (p *Plan) newRenderer(ctx context.Context, target *image.RGBA) *renderer {
	sc := scratchPool.Get().(*scratch)
	return &renderer{ctx: ctx, plan: p, rz: sc.rz, scale: p.opts.Scale, faces: sc.faces, target: target, scratch: sc}
}

// scratch is what renderers reuse from one render to the next: the
// rasterizer's cell buffers and the glyph outlines already read.
type scratch struct {
	rz    *rasterizer
	faces *faceCache
}

var scratchPool = sync.Pool{New: func() any { return &scratch{rz: newRasterizer(), faces: newFaceCache()} }}

// release hands the renderer's scratch back for another render.
func (r *renderer) release() {
	if r.scratch != nil {
		scratchPool.Put(r.scratch)
		r.scratch, r.rz, r.faces = nil, nil, nil
	}
}

// viewport is the transform from canvas units to output pixels.
func (r *renderer) viewport() fabric.Matrix { return fabric.Scale(r.scale, r.scale) }

// renderCanvas follows StaticCanvas.renderCanvas (fabric-model.md §7).
func (r *renderer) renderCanvas(dst *image.RGBA) {
	c := r.plan.canvas
	vpt := r.viewport()
	r.backgroundOrOverlay(dst, c.Background, c.BackgroundImage, vpt)
	for _, o := range c.Objects {
		r.drawObject(dst, o, vpt, drawOpts{})
	}
	if c.ClipPath != nil && r.err == nil {
		clipCanvas(dst, r.canvasClip(dst.Rect), dst.Rect)
	}
	r.backgroundOrOverlay(dst, c.Overlay, c.OverlayImage, vpt)
}

// canvasClip returns the coverage of the canvas clip path over bounds.
func (r *renderer) canvasClip(bounds image.Rectangle) *image.Alpha {
	mask := image.NewRGBA(bounds)
	r.drawClipMask(mask, r.plan.canvas.ClipPath, r.viewport())
	a := image.NewAlpha(bounds)
	for i := range a.Pix {
		a.Pix[i] = mask.Pix[4*i+3]
	}
	return a
}

// clipCanvas keeps the pixels of dst inside rc in proportion to the clip
// coverage (destination-in over the whole canvas; inverted is ignored
// there).
func clipCanvas(dst *image.RGBA, mask *image.Alpha, rc image.Rectangle) {
	rc = rc.Intersect(dst.Rect).Intersect(mask.Rect)
	for y := rc.Min.Y; y < rc.Max.Y; y++ {
		d := dst.Pix[dst.PixOffset(rc.Min.X, y):dst.PixOffset(rc.Max.X, y)]
		m := mask.Pix[mask.PixOffset(rc.Min.X, y):mask.PixOffset(rc.Max.X, y)]
		for x, a := range m {
			if a == 255 {
				continue
			}
			px := d[4*x : 4*x+4 : 4*x+4]
			for k := range px {
				px[k] = uint8((uint32(px[k])*uint32(a) + 127) / 255)
			}
		}
	}
}

// backgroundOrOverlay fills the whole output with a colour or gradient
// (gradient coordinates in canvas units) and draws an image object.
func (r *renderer) backgroundOrOverlay(dst *image.RGBA, fill fabric.Paint, obj fabric.Object, vpt fabric.Matrix) {
	if !fill.IsNone() {
		if fill.Kind == fabric.PaintGradient && fill.Gradient.Percentage {
			// The canvas background has no percentage units.
			g := *fill.Gradient
			g.Percentage = false
			fill.Gradient = &g
		}
		// Offsets and transforms apply from the canvas origin.
		sh := r.shaderFor(fill, vpt, 0, 0)
		b := dst.Rect
		rp := rectAt(float64(b.Min.X), float64(b.Min.Y), float64(b.Dx()), float64(b.Dy()))
		r.fillPath(dst, rp, fabric.Identity, false, sh, 1, opSourceOver)
	}
	if obj != nil {
		r.drawObject(dst, obj, vpt, drawOpts{})
	}
}

// photos records decoded images that came from JPEG files, so a PDF can
// embed them as JPEG again rather than losslessly. Images are shared
// read-only, so the set is keyed by pointer.
var photos sync.Map

func markPhoto(img *image.RGBA) { photos.Store(img, true) }

// IsPhoto reports whether a decoded image came from a JPEG file.
func IsPhoto(img *image.RGBA) bool {
	_, ok := photos.Load(img)
	return ok
}
