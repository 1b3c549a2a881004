package render

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
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

	mu       sync.Mutex
	layouts  map[*fabric.Text]*layout.Block
	engine   *layout.Engine // used under mu
	warnings []string
}

// Compile prepares c for rendering with opts.
func Compile(ctx context.Context, c *fabric.Canvas, opts Options) (*Plan, error) {
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
	if err := p.prepare(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Bounds is the output raster's rectangle.
func (p *Plan) Bounds() image.Rectangle { return image.Rect(0, 0, p.width, p.height) }

// Warnings lists what Compile substituted or dropped (fallback fonts,
// skipped images), one line each.
func (p *Plan) Warnings() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append(append([]string(nil), p.warnings...), p.fonts.Warnings()...)
}

func (p *Plan) warnf(format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

// prepare loads every image and lays out every text object, so errors
// surface here with their JSON path and rendering does no I/O.
func (p *Plan) prepare(ctx context.Context) error {
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
	c := p.canvas
	for _, o := range c.Objects {
		if err := visit(o); err != nil {
			return err
		}
	}
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
	r := &renderer{ctx: ctx, plan: p, rz: newRasterizer(), scale: p.opts.Scale, faces: newFaceCache()}
	r.renderCanvas(dst)
	return r.err
}

// renderCanvas follows StaticCanvas.renderCanvas (fabric-model.md §7).
func (r *renderer) renderCanvas(dst *image.RGBA) {
	c := r.plan.canvas
	vpt := fabric.Scale(r.scale, r.scale)
	r.backgroundOrOverlay(dst, c.Background, c.BackgroundImage, vpt)
	for _, o := range c.Objects {
		r.drawObject(dst, o, vpt, drawOpts{})
	}
	if c.ClipPath != nil && r.err == nil {
		mask := image.NewRGBA(dst.Rect)
		r.drawClipMask(mask, c.ClipPath, vpt)
		// destination-in over the whole canvas; inverted is ignored here.
		for i := 3; i < len(dst.Pix); i += 4 {
			a := uint32(mask.Pix[i])
			if a == 255 {
				continue
			}
			for k := i - 3; k <= i; k++ {
				dst.Pix[k] = uint8((uint32(dst.Pix[k])*a + 127) / 255)
			}
		}
	}
	r.backgroundOrOverlay(dst, c.Overlay, c.OverlayImage, vpt)
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
