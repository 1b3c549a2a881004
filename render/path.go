package render

import (
	"math"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/internal/stroke"
)

// pathOp is one drawing command of a path in an object's local space.
type pathOp uint8

const (
	opMove pathOp = iota
	opLine
	opQuad
	opCubic
	opArc
	opEllipse
	opClose
)

// path records canvas path commands in local coordinates, to be flattened
// under the current transform when painted.
type path struct {
	ops  []pathOp
	args []float64
}

func (p *path) moveTo(x, y float64) { p.ops = append(p.ops, opMove); p.args = append(p.args, x, y) }
func (p *path) lineTo(x, y float64) { p.ops = append(p.ops, opLine); p.args = append(p.args, x, y) }
func (p *path) quadTo(x1, y1, x, y float64) {
	p.ops = append(p.ops, opQuad)
	p.args = append(p.args, x1, y1, x, y)
}
func (p *path) cubicTo(x1, y1, x2, y2, x, y float64) {
	p.ops = append(p.ops, opCubic)
	p.args = append(p.args, x1, y1, x2, y2, x, y)
}
func (p *path) close() { p.ops = append(p.ops, opClose) }

// arc appends a canvas arc(): a line to the arc start, then the arc.
// Angles in radians.
func (p *path) arc(cx, cy, r, a0, a1 float64, ccw bool) {
	p.ops = append(p.ops, opArc)
	c := 0.0
	if ccw {
		c = 1
	}
	p.args = append(p.args, cx, cy, r, a0, a1, c)
}

// ellipse appends a full ellipse centred on the origin, traced as Fabric
// does: arc(0, 0, rx, 0, 2π) under a (1, ry/rx) scale.
func (p *path) ellipse(rx, ry float64) {
	p.ops = append(p.ops, opEllipse)
	p.args = append(p.args, rx, ry)
}

func (p *path) empty() bool { return len(p.ops) == 0 }

// flatten returns the path's subpaths as polylines mapped by m, with curves
// approximated to within tol device pixels.
func (p *path) flatten(m fabric.Matrix, tol float64) []stroke.Subpath {
	var out []stroke.Subpath
	var cur *stroke.Subpath
	var curX, curY float64 // current point, local
	var startX, startY float64
	have := false
	sx, sy := m.Scaling()
	scale := math.Max(sx, sy)
	if scale <= 0 || math.IsNaN(scale) {
		return nil
	}
	ap := func(x, y float64) stroke.Point {
		tx, ty := m.Apply(x, y)
		return stroke.Point{X: tx, Y: ty}
	}
	begin := func(x, y float64) {
		out = append(out, stroke.Subpath{Points: []stroke.Point{ap(x, y)}})
		cur = &out[len(out)-1]
		startX, startY = x, y
		curX, curY = x, y
		have = true
	}
	ensure := func(x, y float64) {
		if !have {
			begin(x, y)
		}
	}
	a := p.args
	for _, op := range p.ops {
		switch op {
		case opMove:
			begin(a[0], a[1])
			a = a[2:]
		case opLine:
			ensure(a[0], a[1])
			cur.Points = append(cur.Points, ap(a[0], a[1]))
			curX, curY = a[0], a[1]
			a = a[2:]
		case opQuad:
			ensure(a[0], a[1])
			p0 := ap(curX, curY)
			cur.Points = stroke.FlattenQuad(cur.Points, p0, ap(a[0], a[1]), ap(a[2], a[3]), tol)
			curX, curY = a[2], a[3]
			a = a[4:]
		case opCubic:
			ensure(a[0], a[1])
			p0 := ap(curX, curY)
			cur.Points = stroke.FlattenCubic(cur.Points, p0, ap(a[0], a[1]), ap(a[2], a[3]), ap(a[4], a[5]), tol)
			curX, curY = a[4], a[5]
			a = a[6:]
		case opArc:
			cx, cy, r, a0, a1, ccw := a[0], a[1], a[2], a[3], a[4], a[5] != 0
			a = a[6:]
			if r < 0 || math.IsNaN(r) {
				continue
			}
			pts := stroke.Arc(nil, cx, cy, r, a0, a1, ccw, tol/scale)
			if len(pts) == 0 {
				continue
			}
			if !have {
				begin(pts[0].X, pts[0].Y)
			} else {
				cur.Points = append(cur.Points, ap(pts[0].X, pts[0].Y))
			}
			for _, q := range pts[1:] {
				cur.Points = append(cur.Points, ap(q.X, q.Y))
			}
			last := pts[len(pts)-1]
			curX, curY = last.X, last.Y
		case opEllipse:
			rx, ry := a[0], a[1]
			a = a[2:]
			pts := stroke.Arc(nil, 0, 0, rx, 0, 2*math.Pi, false, tol/(scale*math.Max(1, ry/rx)))
			if len(pts) == 0 {
				continue
			}
			k := ry / rx
			if !have {
				begin(pts[0].X, pts[0].Y*k)
			} else {
				cur.Points = append(cur.Points, ap(pts[0].X, pts[0].Y*k))
			}
			for _, q := range pts[1:] {
				cur.Points = append(cur.Points, ap(q.X, q.Y*k))
			}
			last := pts[len(pts)-1]
			curX, curY = last.X, last.Y*k
		case opClose:
			if have {
				cur.Closed = true
				// A new subpath starts at the start of the closed one.
				begin(startX, startY)
				cur.Points = cur.Points[:1]
			}
		}
	}
	// Drop trailing lone points made by close.
	res := out[:0]
	for _, s := range out {
		if len(s.Points) > 1 || s.Closed {
			res = append(res, s)
		} else if len(s.Points) == 1 {
			// A lone moveTo still matters for round/square caps of a
			// zero-length subpath only when followed by a lineTo, which
			// would have added a point; so it draws nothing.
			continue
		}
	}
	return res
}

// toPolygon converts device-space subpaths into a fillable polygon.
func toPolygon(subs []stroke.Subpath, evenOdd bool) *polygon {
	poly := &polygon{evenOdd: evenOdd}
	for _, s := range subs {
		if len(s.Points) < 2 {
			continue
		}
		c := make([]pt, len(s.Points))
		for i, q := range s.Points {
			c[i] = pt{q.X, q.Y}
		}
		poly.contours = append(poly.contours, c)
	}
	return poly
}

// rectPath is a w×h rectangle centred on the origin.
func rectPath(w, h float64) *path { return rectAt(-w/2, -h/2, w, h) }

// rectAt is the rectangle (x, y)-(x+w, y+h), traced clockwise.
func rectAt(x, y, w, h float64) *path {
	p := &path{}
	p.moveTo(x, y)
	p.lineTo(x+w, y)
	p.lineTo(x+w, y+h)
	p.lineTo(x, y+h)
	p.close()
	return p
}

// inPaintOrder runs fill then stroke, or stroke first when paintFirst is
// "stroke" (Object._renderPaintInOrder).
func inPaintOrder(paintFirst string, fill, stroke func()) {
	if paintFirst == "stroke" {
		stroke()
		fill()
		return
	}
	fill()
	stroke()
}
