package stroke

import "math"

// maxFlattenSegments bounds the segments of one curve.
const maxFlattenSegments = 1 << 16

// curveSegments returns ceil(sqrt(x)) clamped to [1, maxFlattenSegments].
func curveSegments(x float64) int {
	if !(x > 1) { // also NaN
		return 1
	}
	n := math.Ceil(math.Sqrt(x))
	if n > maxFlattenSegments {
		return maxFlattenSegments
	}
	return int(n)
}

func normTol(tol float64) float64 {
	if !(tol > 0) || math.IsInf(tol, 0) {
		return defaultTolerance
	}
	return tol
}

// FlattenCubic appends to dst the points of a polyline approximating the
// cubic Bézier p0 p1 p2 p3 within tol, excluding p0 and ending exactly at
// p3.
//
// It uses n uniform parameter steps with Wang's bound: a degree-d Bézier
// lies within d(d-1)/8 · M / n² of its n-segment chord polyline, where M is
// the largest norm of its control polygon's second differences; for a cubic
// n = ceil(sqrt(3M / (4·tol))).
func FlattenCubic(dst []Point, p0, p1, p2, p3 Point, tol float64) []Point {
	tol = normTol(tol)
	m := math.Max(
		math.Hypot(p0.X-2*p1.X+p2.X, p0.Y-2*p1.Y+p2.Y),
		math.Hypot(p1.X-2*p2.X+p3.X, p1.Y-2*p2.Y+p3.Y))
	n := curveSegments(0.75 * m / tol)
	inv := 1 / float64(n)
	for i := 1; i < n; i++ {
		t := float64(i) * inv
		mt := 1 - t
		a, b, c, d := mt*mt*mt, 3*mt*mt*t, 3*mt*t*t, t*t*t
		dst = append(dst, Point{
			a*p0.X + b*p1.X + c*p2.X + d*p3.X,
			a*p0.Y + b*p1.Y + c*p2.Y + d*p3.Y,
		})
	}
	return append(dst, p3)
}

// FlattenQuad appends to dst the points of a polyline approximating the
// quadratic Bézier p0 p1 p2 within tol, excluding p0 and ending exactly at
// p2. By Wang's bound (see FlattenCubic) n = ceil(sqrt(M / (4·tol))) with
// M = |p0 - 2p1 + p2|.
func FlattenQuad(dst []Point, p0, p1, p2 Point, tol float64) []Point {
	tol = normTol(tol)
	m := math.Hypot(p0.X-2*p1.X+p2.X, p0.Y-2*p1.Y+p2.Y)
	n := curveSegments(0.25 * m / tol)
	inv := 1 / float64(n)
	for i := 1; i < n; i++ {
		t := float64(i) * inv
		mt := 1 - t
		a, b, c := mt*mt, 2*mt*t, t*t
		dst = append(dst, Point{a*p0.X + b*p1.X + c*p2.X, a*p0.Y + b*p1.Y + c*p2.Y})
	}
	return append(dst, p2)
}

// Arc appends to dst the canvas arc(cx, cy, r, a0, a1, ccw): first its
// start point (always, so that with a nil dst the result starts with the
// point a canvas path would lineTo/moveTo), then points along the arc,
// ending at its end point. Angles are in radians from +x towards +y
// (clockwise on a y-down canvas); ccw is the anticlockwise flag.
//
// The sweep is normalised as Blink's CanvasPath::arc does
// (CanonicalizeAngle + AdjustEndAngle): a full circle when the sweep in
// the drawing direction is >= 2π, and also when the opposite sweep is a
// whole multiple of 2π (arc(x, y, r, 0, 2π, true) draws a circle, for web
// compatibility); otherwise the sweep is reduced into (0, 2π) in the
// drawing direction. A full circle ends exactly on its start point; the
// subpath is not closed.
//
// Non-finite arguments or r < 0 append nothing (canvas ignores the call
// or throws); r == 0 or a0 == a1 append just the start point.
// Interior points lie at the area-preserving radius r·sqrt(φ/sin φ), φ
// the step angle, so the polygon is within tol of the circle on both sides
// and has nearly its area.
func Arc(dst []Point, cx, cy, r, a0, a1 float64, ccw bool, tol float64) []Point {
	for _, v := range [...]float64{cx, cy, r, a0, a1} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return dst
		}
	}
	if r < 0 {
		return dst
	}
	start := Point{cx + r*math.Cos(a0), cy + r*math.Sin(a0)}
	if r == 0 || a0 == a1 {
		return append(dst, start)
	}
	const twoPi = 2 * math.Pi
	// CanonicalizeAngle: 0 <= a0 < 2π, a1 shifted alike.
	ns := math.Mod(a0, twoPi)
	if ns < 0 {
		ns += twoPi
		if ns >= twoPi {
			ns -= twoPi
		}
	}
	a1 += ns - a0
	a0 = ns
	// AdjustEndAngle.
	switch {
	case !ccw && a1-a0 >= twoPi:
		a1 = a0 + twoPi
	case ccw && a0-a1 >= twoPi:
		a1 = a0 - twoPi
	case !ccw && a0 > a1:
		a1 = a0 + (twoPi - math.Mod(a0-a1, twoPi))
	case ccw && a0 < a1:
		a1 = a0 - (twoPi - math.Mod(a1-a0, twoPi))
	}
	sweep := a1 - a0
	full := math.Abs(sweep) >= twoPi
	start = Point{cx + r*math.Cos(a0), cy + r*math.Sin(a0)}
	dst = append(dst, start)
	tol = normTol(tol)
	chord, step := arcSteps(r, tol)
	m := arcSegments(sweep, chord, step)
	dst = arcInterior(dst, Point{cx, cy}, math.Cos(a0), math.Sin(a0), r, sweep, m)
	if full {
		return append(dst, start)
	}
	return append(dst, Point{cx + r*math.Cos(a1), cy + r*math.Sin(a1)})
}
