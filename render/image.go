package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // decoders for image sources
	_ "image/jpeg"
	_ "image/png"
	"math"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/asset"
	"github.com/fabricpress/fabricpress/render/internal/filter"
)

// ImageLoader returns the encoded bytes of an image source (a Fabric
// Image's src or a pattern's source).
type ImageLoader interface {
	Load(ctx context.Context, src string) ([]byte, error)
}

// ImageLoaderFunc adapts a function to ImageLoader.
type ImageLoaderFunc func(ctx context.Context, src string) ([]byte, error)

// Load implements ImageLoader.
func (f ImageLoaderFunc) Load(ctx context.Context, src string) ([]byte, error) { return f(ctx, src) }

// The default loader must satisfy ImageLoader.
var _ ImageLoader = (*asset.Loader)(nil)

// decodeImage decodes an encoded image after checking its dimensions
// against maxPixels, and returns it as premultiplied RGBA.
func decodeImage(b []byte, maxPixels int) (*image.RGBA, string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		if bytes.Contains(b[:min(len(b), 512)], []byte("<svg")) {
			return nil, "", errors.New("SVG images are not supported")
		}
		return nil, "", fmt.Errorf("cannot decode image: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, "", fmt.Errorf("%s image of %dx%d pixels exceeds the limit of %d pixels", format, cfg.Width, cfg.Height, maxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, "", fmt.Errorf("cannot decode %s image: %v", format, err)
	}
	return toRGBA(img), format, nil
}

func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

// filtered applies Fabric filters to a natural-size image the way the 2D
// filter backend does: on unpremultiplied 8-bit pixels.
func filtered(img *image.RGBA, filters []fabric.Filter) (*image.RGBA, error) {
	if len(filters) == 0 {
		return img, nil
	}
	n := image.NewNRGBA(img.Rect)
	draw.Draw(n, n.Rect, img, img.Rect.Min, draw.Src)
	if err := filter.Apply(n, filters); err != nil {
		return nil, err
	}
	return toRGBA(n), nil
}

// drawImage paints a Fabric Image as Image._renderFill does: the crop
// rectangle of the source into the box, never stretched, then the stroke.
func (r *renderer) drawImage(dst *image.RGBA, im *fabric.Image, m fabric.Matrix, w, h float64, opt drawOpts) {
	b := im.Props()
	img := r.plan.image(imageKey(im.Src, im.Filters))
	fill := func() {
		if img == nil {
			return
		}
		srcR, dstR, ok := imagePlacement(im, float64(img.Rect.Dx()), float64(img.Rect.Dy()), w, h)
		if !ok {
			return
		}
		box := rectAt(dstR.x, dstR.y, dstR.w, dstR.h)
		if opt.forClipping {
			r.fillPath(dst, box, m, false, solidShader{rgba{0, 0, 0, 1}}, 1, opSourceOver)
			return
		}
		// local (dstR) -> source pixels (srcR)
		toSrc := fabric.Translate(dstR.x, dstR.y).
			Mul(fabric.Scale(dstR.w/srcR.w, dstR.h/srcR.h)).
			Mul(fabric.Translate(-srcR.x, -srcR.y))
		inv, ok := m.Mul(toSrc).Invert()
		if !ok {
			return
		}
		src := image.Rect(int(math.Floor(srcR.x)), int(math.Floor(srcR.y)),
			int(math.Ceil(srcR.x+srcR.w)), int(math.Ceil(srcR.y+srcR.h))).Intersect(img.Rect)
		sh := &imageShader{img: img, inv: inv, src: src, smooth: im.ImageSmoothing, clampSrc: true}
		r.fillPath(dst, box, m, false, sh, 1, opSourceOver)
	}
	strokeFn := func() {
		if opt.forClipping || b.Stroke.IsNone() || b.StrokeWidth == 0 {
			return
		}
		sm := r.strokeMatrix(b, m)
		r.strokePath(dst, rectPath(w, h), m, sm, b, r.shaderFor(b.Stroke, sm, w, h), 1, opSourceOver)
	}
	inPaintOrder(b.PaintFirst, fill, strokeFn)
}

type rectF struct{ x, y, w, h float64 }

// imagePlacement returns the source rectangle (image pixels) drawn into
// the destination rectangle (local units) for an image of natural size
// elW×elH in a w×h box. Without a Fit it is Fabric's Image._renderFill:
// the crop rectangle at one local unit per pixel, never stretched. With a
// Fit (set by a binding), the image fills the box: stretched, or scaled
// uniformly on screen (the object's own scale counted) to cover or be
// contained, centred.
func imagePlacement(im *fabric.Image, elW, elH, w, h float64) (src, dst rectF, ok bool) {
	switch im.Fit {
	case fabric.FitNone:
		cropX, cropY := math.Max(im.CropX, 0), math.Max(im.CropY, 0)
		sw, sh := math.Min(w, elW-cropX), math.Min(h, elH-cropY)
		src = rectF{cropX, cropY, sw, sh}
		dst = rectF{-w / 2, -h / 2, sw, sh}
	case fabric.FitStretch:
		src = rectF{0, 0, elW, elH}
		dst = rectF{-w / 2, -h / 2, w, h}
	case fabric.FitCover, fabric.FitContain:
		sx, sy := math.Abs(im.ScaleX), math.Abs(im.ScaleY)
		fx, fy := w*sx/elW, h*sy/elH // screen pixels per image pixel
		s := math.Min(fx, fy)
		if im.Fit == fabric.FitCover {
			s = math.Max(fx, fy)
		}
		if s <= 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return src, dst, false
		}
		if im.Fit == fabric.FitContain {
			dw, dh := elW*s/sx, elH*s/sy
			src = rectF{0, 0, elW, elH}
			dst = rectF{-dw / 2, -dh / 2, dw, dh}
		} else {
			vw, vh := w*sx/s, h*sy/s // visible part of the image, in pixels
			src = rectF{(elW - vw) / 2, (elH - vh) / 2, vw, vh}
			dst = rectF{-w / 2, -h / 2, w, h}
		}
	default:
		return src, dst, false
	}
	ok = src.w > 0 && src.h > 0 && dst.w > 0 && dst.h > 0
	return src, dst, ok
}
