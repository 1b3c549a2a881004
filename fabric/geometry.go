package fabric

import "math"

// Matrix is a 2-D affine transform [a b c d e f] mapping (x, y) to
// (a·x + c·y + e, b·x + d·y + f), the order canvas transform() takes.
type Matrix [6]float64

// Identity is the identity transform.
var Identity = Matrix{1, 0, 0, 1, 0, 0}

// Mul returns m·n: n is applied first, then m.
func (m Matrix) Mul(n Matrix) Matrix {
	return Matrix{
		m[0]*n[0] + m[2]*n[1],
		m[1]*n[0] + m[3]*n[1],
		m[0]*n[2] + m[2]*n[3],
		m[1]*n[2] + m[3]*n[3],
		m[0]*n[4] + m[2]*n[5] + m[4],
		m[1]*n[4] + m[3]*n[5] + m[5],
	}
}

// Apply maps a point.
func (m Matrix) Apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

// ApplyVector maps a direction (no translation).
func (m Matrix) ApplyVector(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y, m[1]*x + m[3]*y
}

// Invert returns the inverse and false if m is singular.
func (m Matrix) Invert() (Matrix, bool) {
	det := m[0]*m[3] - m[1]*m[2]
	if det == 0 || math.IsNaN(det) || math.IsInf(det, 0) {
		return Matrix{}, false
	}
	return Matrix{
		m[3] / det, -m[1] / det, -m[2] / det, m[0] / det,
		(m[2]*m[5] - m[3]*m[4]) / det,
		(m[1]*m[4] - m[0]*m[5]) / det,
	}, true
}

// Translate returns a translation.
func Translate(x, y float64) Matrix { return Matrix{1, 0, 0, 1, x, y} }

// Scale returns a scaling.
func Scale(x, y float64) Matrix { return Matrix{x, 0, 0, y, 0, 0} }

// Rotate returns a clockwise rotation by deg degrees, as Fabric's
// createRotateMatrix computes it (see cosSinDeg).
func Rotate(deg float64) Matrix {
	c, s := cosSinDeg(deg)
	return Matrix{c, s, -s, c, 0, 0}
}

// cosSinDeg is Fabric's cos(degreesToRadians(deg)) and
// sin(degreesToRadians(deg)): exact at 90°, 180° and 270° and at -90° and
// -270°, but not at -180° or at multiples of 90° beyond ±270° (see Cos and
// Sin).
func cosSinDeg(deg float64) (float64, float64) {
	r := deg * fabricPiBy180
	return Cos(r), Sin(r)
}

// Scaling returns the x and y scale factors of m (lengths of its columns).
func (m Matrix) Scaling() (float64, float64) {
	return math.Hypot(m[0], m[1]), math.Hypot(m[2], m[3])
}

// StrokeBox reports the width and height that Fabric uses for an object's
// unscaled box including the stroke (fabric-model.md §2.1).
func (b *Base) StrokeBox(w, h float64) (float64, float64) {
	sw := b.StrokeWidth
	if b.StrokeUniform {
		return w, h
	}
	return w + sw, h + sw
}

// TransformedSize is Fabric's _getTransformedDimensions for an object of
// width w and height h (stroke included, skew applied, flips excluded).
func (b *Base) TransformedSize(w, h float64) (float64, float64) {
	bw, bh := b.StrokeBox(w, h)
	if b.SkewX == 0 && b.SkewY == 0 {
		tw, th := bw*b.ScaleX, bh*b.ScaleY
		if b.StrokeUniform {
			tw += b.StrokeWidth
			th += b.StrokeWidth
		}
		return tw, th
	}
	m := Scale(b.ScaleX, b.ScaleY).Mul(skewMatrix(b.SkewX, b.SkewY))
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, p := range [4]Point{{-bw / 2, -bh / 2}, {bw / 2, -bh / 2}, {bw / 2, bh / 2}, {-bw / 2, bh / 2}} {
		x, y := m.Apply(p.X, p.Y)
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	tw, th := maxX-minX, maxY-minY
	if b.StrokeUniform {
		tw += b.StrokeWidth
		th += b.StrokeWidth
	}
	return tw, th
}

func skewMatrix(skewX, skewY float64) Matrix {
	m := Identity
	if skewX != 0 {
		m = m.Mul(Matrix{1, 0, math.Tan(skewX * math.Pi / 180), 1, 0, 0})
	}
	if skewY != 0 {
		m = m.Mul(Matrix{1, math.Tan(skewY * math.Pi / 180), 0, 1, 0, 0})
	}
	return m
}

// Center returns the object's centre in its parent's plane for an object
// whose unstroked size is w×h (fabric-model.md §2.2).
func (b *Base) Center(w, h float64) Point {
	tw, th := b.TransformedSize(w, h)
	ox, oy := b.OriginX-0.5, b.OriginY-0.5
	dx, dy := -ox*tw, -oy*th
	c, s := cosSinDeg(b.Angle)
	return Point{b.Left + c*dx - s*dy, b.Top + s*dx + c*dy}
}

// Matrix returns the object's own transform (centre, rotation, scale and
// flip, skew) for an unstroked size w×h; local (0,0) is the object centre.
func (b *Base) Matrix(w, h float64) Matrix {
	c := b.Center(w, h)
	sx, sy := b.ScaleX, b.ScaleY
	if b.FlipX {
		sx = -sx
	}
	if b.FlipY {
		sy = -sy
	}
	m := Translate(c.X, c.Y)
	if b.Angle != 0 {
		m = m.Mul(Rotate(b.Angle))
	}
	m = m.Mul(Scale(sx, sy))
	if b.SkewX != 0 || b.SkewY != 0 {
		m = m.Mul(skewMatrix(b.SkewX, b.SkewY))
	}
	return m
}
