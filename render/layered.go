package render

import (
	"context"
	"fmt"
	"image"

	"github.com/fabricpress/fabricpress/fabric"
)

// Layered is a template compiled for many records. The objects no record
// changes are painted once: the base layer holds the background and the
// static objects below the first variable one, the static layer every
// static object (and the canvas clip and overlay). A record's piece is the
// static layer with, where its variable objects paint, the base layer and
// everything from the first variable object up painted again. Painting is
// per pixel and coverage never depends on what lies below, so the pieces
// are exactly those Compile and Render would make.
//
// A Layered is safe for concurrent use; its layers are read-only.
type Layered struct {
	plan     *Plan
	variable []bool // per top-level object
	first    int    // index of the first variable object
	base     *image.RGBA
	static   *image.RGBA
	// bounds are the pixels each static object (from first up) may
	// change; overlay those of the canvas overlay.
	bounds  []image.Rectangle
	overlay image.Rectangle
	clip    *image.Alpha // canvas clip coverage; nil without one
}

// NewLayered compiles c, a template, for records that change only the
// top-level objects marked in variable (one flag per object; missing flags
// are false; fabric.Mapping.Variable gives them), and paints its static
// layers. Variable objects are not prepared here: a record's copies are,
// by RenderTo.
func NewLayered(ctx context.Context, c *fabric.Canvas, variable []bool, opts Options) (*Layered, error) {
	p, err := compile(ctx, c, opts, variable)
	if err != nil {
		return nil, err
	}
	objs := p.canvas.Objects
	l := &Layered{plan: p, variable: make([]bool, len(objs)), first: len(objs), bounds: make([]image.Rectangle, len(objs))}
	copy(l.variable, variable)
	for i, v := range l.variable {
		if v {
			l.first = i
			break
		}
	}
	l.base = image.NewRGBA(p.Bounds())
	r := p.newRenderer(ctx, l.base)
	defer r.release()
	vpt := r.viewport()
	r.backgroundOrOverlay(l.base, c.Background, c.BackgroundImage, vpt)
	for _, o := range objs[:l.first] {
		r.drawObject(l.base, o, vpt, drawOpts{})
	}
	l.static = image.NewRGBA(p.Bounds())
	copy(l.static.Pix, l.base.Pix)
	r.target = l.static
	for i := l.first; i < len(objs); i++ {
		if l.variable[i] {
			continue
		}
		l.bounds[i] = r.measure(l.static, func() { r.drawObject(l.static, objs[i], vpt, drawOpts{}) })
		r.drawObject(l.static, objs[i], vpt, drawOpts{})
	}
	if c.ClipPath != nil && r.err == nil {
		l.clip = r.canvasClip(l.static.Rect)
		clipCanvas(l.static, l.clip, l.static.Rect)
	}
	l.overlay = r.measure(l.static, func() { r.backgroundOrOverlay(l.static, c.Overlay, c.OverlayImage, vpt) })
	r.backgroundOrOverlay(l.static, c.Overlay, c.OverlayImage, vpt)
	if r.err != nil {
		return nil, r.err
	}
	return l, nil
}

// Bounds is the output raster's rectangle.
func (l *Layered) Bounds() image.Rectangle { return l.plan.Bounds() }

// Warnings lists what compiling the template substituted or dropped.
func (l *Layered) Warnings() []string { return l.plan.Warnings() }

// measure returns the pixels of target that draw would change.
func (r *renderer) measure(target *image.RGBA, draw func()) image.Rectangle {
	saved := r.target
	r.target, r.measuring, r.touched = target, true, image.Rectangle{}
	draw()
	r.target, r.measuring = saved, false
	return r.touched
}

// Static is the layer of every static object: each record's frame equals
// it outside the frame's Dirty rectangles. It is shared: do not modify it.
func (l *Layered) Static() *image.RGBA { return l.static }

// Frame is one record's render.
type Frame struct {
	// Plan is the plan derived for the record; its Warnings are the
	// record's.
	Plan *Plan
	// Dirty are the rectangles outside which the frame equals Static.
	Dirty []image.Rectangle
}

// RenderTo draws c, the layers' template bound to one record (as
// fabric.Bind returns it: unchanged objects shared), into dst, which must
// have the plan's Bounds. A c that changes objects not marked variable is
// rendered whole, correctly but without the layers' help.
func (l *Layered) RenderTo(ctx context.Context, c *fabric.Canvas, dst *image.RGBA) (Frame, error) {
	return l.RenderOver(ctx, c, dst, []image.Rectangle{dst.Rect})
}

// RenderOver is RenderTo for a dst that holds a frame of these layers
// whose Dirty rectangles were prev: only those are reset to the static
// layer, not the whole of dst. After an error dst holds no frame.
func (l *Layered) RenderOver(ctx context.Context, c *fabric.Canvas, dst *image.RGBA, prev []image.Rectangle) (Frame, error) {
	if dst.Rect != l.plan.Bounds() {
		return Frame{}, fmt.Errorf("%w: destination %v, plan %v", ErrSize, dst.Rect, l.plan.Bounds())
	}
	d, err := l.plan.Derive(ctx, c)
	if err != nil {
		return Frame{}, err
	}
	if !l.fits(c) {
		return Frame{Plan: d, Dirty: []image.Rectangle{dst.Rect}}, d.RenderTo(ctx, dst)
	}
	for _, p := range prev {
		copyRect(dst, l.static, p)
	}
	r := d.newRenderer(ctx, dst)
	defer r.release()
	vpt := r.viewport()
	objs := c.Objects
	// Where the record's objects paint: elsewhere the static layer is
	// already the answer.
	var dirty []image.Rectangle
	vb := make([]image.Rectangle, len(objs))
	for i := l.first; i < len(objs); i++ {
		if l.variable[i] {
			vb[i] = r.measure(dst, func() { r.drawObject(dst, objs[i], vpt, drawOpts{}) })
			if !vb[i].Empty() {
				dirty = append(dirty, vb[i])
			}
		} else {
			vb[i] = l.bounds[i]
		}
	}
	dirty = mergeRects(dirty)
	for _, w := range dirty {
		copyRect(dst, l.base, w)
		r.window = w
		for i := l.first; i < len(objs); i++ {
			if vb[i].Overlaps(w) {
				r.drawObject(dst, objs[i], vpt, drawOpts{})
			}
		}
		if l.clip != nil {
			clipCanvas(dst, l.clip, w)
		}
		if l.overlay.Overlaps(w) {
			r.backgroundOrOverlay(dst, c.Overlay, c.OverlayImage, vpt)
		}
	}
	return Frame{Plan: d, Dirty: dirty}, r.err
}

// fits reports whether c differs from the template only in its variable
// objects.
func (l *Layered) fits(c *fabric.Canvas) bool {
	tpl := l.plan.canvas
	if len(c.Objects) != len(tpl.Objects) {
		return false
	}
	for i, o := range c.Objects {
		if !l.variable[i] && o != tpl.Objects[i] {
			return false
		}
	}
	return c.Version == tpl.Version && c.Width == tpl.Width && c.Height == tpl.Height &&
		c.Background == tpl.Background && c.Overlay == tpl.Overlay &&
		c.BackgroundImage == tpl.BackgroundImage && c.OverlayImage == tpl.OverlayImage && c.ClipPath == tpl.ClipPath
}

// copyRect copies the pixels of src inside rc to dst (same bounds).
func copyRect(dst, src *image.RGBA, rc image.Rectangle) {
	rc = rc.Intersect(dst.Rect).Intersect(src.Rect)
	if rc.Empty() {
		return
	}
	if rc == dst.Rect && dst.Stride == src.Stride && len(dst.Pix) == len(src.Pix) {
		copy(dst.Pix, src.Pix)
		return
	}
	n := 4 * rc.Dx()
	for y := rc.Min.Y; y < rc.Max.Y; y++ {
		do, so := dst.PixOffset(rc.Min.X, y), src.PixOffset(rc.Min.X, y)
		copy(dst.Pix[do:do+n], src.Pix[so:so+n])
	}
}

// mergeRects replaces overlapping rectangles by their union until none
// overlap, so no pixel is painted twice.
func mergeRects(rs []image.Rectangle) []image.Rectangle {
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(rs) && !merged; i++ {
			for j := i + 1; j < len(rs); j++ {
				if rs[i].Overlaps(rs[j]) {
					rs[i] = rs[i].Union(rs[j])
					rs = append(rs[:j], rs[j+1:]...)
					merged = true
					break
				}
			}
		}
	}
	return rs
}
