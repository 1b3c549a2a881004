package render

import (
	"context"
	"image"
	"math"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/layout"
)

// This file is the plan's interface for other backends (the PDF writer):
// sizes, layouts, decoded images, outlines and single-object rasters, all
// from the same compiled plan the raster painter uses.

// Size returns the unstroked width and height Fabric uses for o (text
// measured, images at their natural size when the JSON has none).
func (p *Plan) Size(o fabric.Object) (float64, float64) {
	r := &renderer{plan: p, scale: p.opts.Scale}
	return r.objectSize(o)
}

// Layout returns the text layout of t the raster painter draws.
func (p *Plan) Layout(t *fabric.Text) (*layout.Block, error) { return p.layout(t) }

// Image returns the decoded (and filtered) bitmap of an image object, or
// nil if it was skipped. It is shared: do not modify it.
func (p *Plan) Image(im *fabric.Image) *image.RGBA { return p.image(imageKey(im.Src, im.Filters)) }

// ImagePlacement returns, for an image object of the plan, the source
// rectangle in image pixels and the local destination rectangle it is
// drawn into (crop, or a binding's fit).
func (p *Plan) ImagePlacement(im *fabric.Image) (src, dst [4]float64, ok bool) {
	img := p.Image(im)
	if img == nil {
		return src, dst, false
	}
	w, h := p.Size(im)
	s, d, ok := imagePlacement(im, float64(img.Rect.Dx()), float64(img.Rect.Dy()), w, h)
	return [4]float64{s.x, s.y, s.w, s.h}, [4]float64{d.x, d.y, d.w, d.h}, ok
}

// Code returns a barcode's dark rectangles in module units and the
// symbol's size in modules (quiet zone included).
func (p *Plan) Code(b *fabric.Barcode) (rects [][4]float64, cols, rows int, square bool) {
	g := p.code(b)
	if g == nil {
		return nil, 0, 0, false
	}
	for _, r := range g.rects {
		rects = append(rects, [4]float64{r.X, r.Y, r.W, r.H})
	}
	return rects, g.cols, g.rows, g.square
}

// Outline returns the local-space path Fabric traces for a primitive
// shape (Rect, Circle, Ellipse, Triangle, Line, Polyline, Polygon, Path)
// as absolute M, L, C, Q and Z commands; arcs become cubic Béziers (one
// per quarter turn or less). ok is false for other objects.
func Outline(o fabric.Object) (cmds []fabric.PathCommand, ok bool) {
	p := shapePath(o)
	if p == nil {
		return nil, false
	}
	return p.commands(), true
}

// commands converts the recorded path to absolute commands.
func (p *path) commands() []fabric.PathCommand {
	var out []fabric.PathCommand
	a := p.args
	have := false
	for _, op := range p.ops {
		switch op {
		case opMove:
			out = append(out, fabric.PathCommand{Op: 'M', Args: []float64{a[0], a[1]}})
			have = true
			a = a[2:]
		case opLine:
			out = append(out, fabric.PathCommand{Op: 'L', Args: []float64{a[0], a[1]}})
			have = true
			a = a[2:]
		case opQuad:
			out = append(out, fabric.PathCommand{Op: 'Q', Args: append([]float64(nil), a[:4]...)})
			have = true
			a = a[4:]
		case opCubic:
			out = append(out, fabric.PathCommand{Op: 'C', Args: append([]float64(nil), a[:6]...)})
			have = true
			a = a[6:]
		case opArc, opEllipse:
			var ccx, ccy, rx, ry, a0, a1 float64
			ccw := false
			if op == opArc {
				ccx, ccy, rx, a0, a1, ccw = a[0], a[1], a[2], a[3], a[4], a[5] != 0
				ry = rx
				a = a[6:]
			} else {
				rx, ry, a0, a1 = a[0], a[1], 0, 2*math.Pi
				a = a[2:]
			}
			out = appendArc(out, have, ccx, ccy, rx, ry, a0, a1, ccw)
			have = true
		case opClose:
			out = append(out, fabric.PathCommand{Op: 'Z'})
		}
	}
	return out
}

// appendArc adds an elliptical arc as cubics, joined to the current point
// by a line as canvas arc() does.
func appendArc(out []fabric.PathCommand, have bool, cx, cy, rx, ry, a0, a1 float64, ccw bool) []fabric.PathCommand {
	sweep := a1 - a0
	full := 2 * math.Pi
	if !ccw {
		if sweep >= full {
			sweep = full
		} else {
			sweep = math.Mod(sweep, full)
			if sweep < 0 {
				sweep += full
			}
		}
	} else {
		sweep = -sweep
		if sweep >= full {
			sweep = full
		} else {
			sweep = math.Mod(sweep, full)
			if sweep < 0 {
				sweep += full
			}
		}
		sweep = -sweep
	}
	pt := func(t float64) (float64, float64) { return cx + rx*math.Cos(t), cy + ry*math.Sin(t) }
	x0, y0 := pt(a0)
	op := byte('M')
	if have {
		op = 'L'
	}
	out = append(out, fabric.PathCommand{Op: op, Args: []float64{x0, y0}})
	n := int(math.Ceil(math.Abs(sweep) / (math.Pi / 2)))
	if n == 0 {
		return out
	}
	step := sweep / float64(n)
	k := 4.0 / 3 * math.Tan(step/4)
	t := a0
	for i := 0; i < n; i++ {
		t1 := t + step
		c0, s0 := math.Cos(t), math.Sin(t)
		c1, s1 := math.Cos(t1), math.Sin(t1)
		out = append(out, fabric.PathCommand{Op: 'C', Args: []float64{
			cx + rx*(c0-k*s0), cy + ry*(s0+k*c0),
			cx + rx*(c1+k*s1), cy + ry*(s1-k*c1),
			cx + rx*c1, cy + ry*s1,
		}})
		t = t1
	}
	return out
}

// DrawObject paints one object of the plan, with the transform of the
// plane it lives in (parent, in canvas px), into dst at the plan's scale.
// dst keeps what is already there; use a transparent dst for a layer.
func (p *Plan) DrawObject(ctx context.Context, dst *image.RGBA, o fabric.Object, parent fabric.Matrix) error {
	r := p.newRenderer(ctx, dst)
	defer r.release()
	r.drawObject(dst, o, fabric.Scale(p.opts.Scale, p.opts.Scale).Mul(parent), drawOpts{})
	return r.err
}

// ObjectBounds returns the device pixels (at the plan's scale) object o
// may paint under parent, shadows included.
func (p *Plan) ObjectBounds(o fabric.Object, parent fabric.Matrix) image.Rectangle {
	r := &renderer{plan: p, scale: p.opts.Scale}
	b := o.Props()
	w, h := r.objectSize(o)
	m := fabric.Scale(p.opts.Scale, p.opts.Scale).Mul(parent).Mul(b.Matrix(w, h))
	bounds := r.layerBounds(o, m, w, h)
	if sh := b.Shadow; sh != nil && sh.Color.A != 0 {
		bounds = bounds.Union(r.shadowBounds(bounds, sh, m).Inset(-2))
	}
	return bounds
}
