// Package stroke turns flattened paths into fill polygons covering exactly
// the area that the HTML canvas 2D stroke() covers, as Chromium (Skia)
// draws it.
//
// The caller flattens curves (FlattenCubic, FlattenQuad, Arc), calls
// Outline and fills every returned polygon together, in one path, with the
// nonzero winding rule.
//
// Semantics follow the HTML "trace a path" algorithm and Skia's
// SkStroke.cpp / SkStrokerPriv.cpp / SkDashPath.cpp where Chromium departs
// from the letter of the spec:
//
//   - joins at every interior vertex and, for closed subpaths, at the
//     closing vertex; caps at both ends of open subpaths;
//   - a miter join becomes a bevel when 1/sin(φ/2) (φ the angle between the
//     segments, i.e. miter length over half the line width) exceeds the
//     miter limit; limits <= 1 always bevel (Skia);
//   - segments shorter than Tolerance/1000 are dropped (Skia drops "teeny"
//     lines); a subpath whose points all coincide draws a circle for round
//     caps, a square for square caps (axis-aligned, as Skia's "upright"
//     default orientation for a direction-less line) and nothing for butt;
//   - dashes follow SkDashPath: see Dash.
package stroke

import "math"

// Point is a 2-D point.
type Point struct{ X, Y float64 }

// Subpath is a polyline; Closed adds the closing segment and a join at the
// first point.
//
// A Subpath with a single point is a zero-length line (canvas moveTo
// followed by lineTo to the same point, or moveTo+closePath): it draws a dot
// for round and square caps. Canvas draws nothing at all for a bare moveTo,
// so callers must not pass such subpaths.
type Subpath struct {
	Points []Point
	Closed bool
}

// Cap is a canvas lineCap.
type Cap int

// Line caps. The zero value is the canvas default, butt.
const (
	Butt Cap = iota
	Round
	Square
)

// Join is a canvas lineJoin.
type Join int

// Line joins. The zero value is the canvas default, miter.
const (
	Miter Join = iota
	RoundJoin
	Bevel
)

// Style holds the canvas line drawing state.
type Style struct {
	// Width is lineWidth; Outline returns nil unless it is finite and > 0.
	Width float64
	Cap   Cap
	Join  Join
	// MiterLimit is the canvas miterLimit (miter length / line width, or
	// equivalently the spec's miter length / half width from the join
	// point). Zero, negative or NaN means the canvas default, 10.
	MiterLimit float64
	// Dash and DashOffset are setLineDash / lineDashOffset; see Dash.
	Dash       []float64
	DashOffset float64
	// Tolerance is the largest distance allowed between a true round shape
	// (round join, round cap, dot) and its polygon, in the units of the
	// points. Zero, negative or NaN means 0.1.
	Tolerance float64
}

const (
	defaultTolerance  = 0.1
	defaultMiterLimit = 10
	// teenyFraction of the tolerance is the length below which a segment
	// counts as zero-length. Skia uses SK_ScalarNearlyZero/(4·resScale)
	// ≈ 6e-5 device px; with the usual 0.1 px tolerance this is 1e-4 px.
	teenyFraction  = 1e-3
	maxArcSegments = 1 << 14
)

// Outline returns closed polygons whose union under the nonzero winding
// rule is the area the canvas stroke() of paths covers with style st.
//
// All polygons must be filled together as one path. Every point gets a
// winding number >= 0 (never a cancelling negative one): the result is the
// sum of positively oriented pieces (segment quads, join wedges, caps),
// merged along shared edges into one contour per open subpath and two per
// closed subpath (the outer one positive, the inner one negative where it
// bounds a hole). Where pieces do not overlap — a stroke that does not
// cross itself, whose segments are at least 3·(Width/2)·tan(turn/2) long
// at each join — the winding is exactly 0 or 1, so area-accumulating
// anti-aliasing rasterisers (freetype's) get exact edge coverage; elsewhere
// overlaps are positively wound, as in Skia's own stroker output.
//
// The returned polygons share one backing array; callers may modify the
// points in place.
func Outline(paths []Subpath, st Style) []Subpath {
	if !(st.Width > 0) || math.IsInf(st.Width, 0) {
		return nil
	}
	s := newStroker(st)
	if len(st.Dash) > 0 {
		paths = Dash(paths, st.Dash, st.DashOffset)
	}
	// Typical output: about four points per input point (inner crossing,
	// outer corners and miter tip) plus caps.
	n := 0
	for i := range paths {
		n += len(paths[i].Points)
	}
	s.out = make([]Point, 0, 4*n+16*len(paths))
	for i := range paths {
		s.subpath(paths[i])
	}
	return s.result()
}

type span struct{ a, b int }

type stroker struct {
	r, tol, eps float64
	cap         Cap
	join        Join
	invMiter    float64
	// arcChord is the largest sweep drawn as a single chord; arcStep the
	// largest sweep per segment when interior points sit at the
	// area-preserving radius (see arcInterior).
	arcChord, arcStep float64

	pts   []Point // cleaned current subpath
	left  []Point // left offset chain of the current subpath
	out   []Point // all output points; right chains are built in place
	spans []span
}

func newStroker(st Style) *stroker {
	s := &stroker{r: st.Width / 2, cap: st.Cap, join: st.Join}
	s.tol = st.Tolerance
	if !(s.tol > 0) || math.IsInf(s.tol, 0) {
		s.tol = defaultTolerance
	}
	s.eps = s.tol * teenyFraction
	ml := st.MiterLimit
	if !(ml > 0) {
		ml = defaultMiterLimit
	}
	if s.join == Miter && ml <= 1 {
		s.join = Bevel // SkPathStroker: miterLimit <= 1 means bevel
	}
	s.invMiter = 1 / ml
	s.arcChord, s.arcStep = arcSteps(s.r, s.tol)
	return s
}

// arcSteps returns, for a circle of radius r and tolerance tol, the largest
// sweep drawn as one chord (chord sagitta r(1-cos(a/2)) <= tol) and the
// largest sweep per segment of a polyline whose interior vertices sit at
// radius r·sqrt(φ/sin φ) (the radius at which a full polygon has the
// circle's area): its outward error r(sqrt(φ/sin φ)-1) ≈ rφ²/12 <= tol and
// inward error ≈ rφ²/24. Both are capped at π/2 so a full circle has at
// least four segments.
func arcSteps(r, tol float64) (chord, step float64) {
	chord, step = math.Pi/2, math.Pi/2
	if q := tol / r; q < 1 {
		chord = math.Min(chord, 2*math.Acos(1-q))
	}
	if q := 12 * tol / r; q < step*step {
		step = math.Sqrt(q)
	}
	return chord, step
}

// arcSegments returns how many segments approximate a sweep of |a|.
func arcSegments(a, chord, step float64) int {
	a = math.Abs(a)
	if !(a > chord) { // also NaN
		return 1
	}
	m := math.Ceil(a / step)
	if m < 2 {
		return 2
	}
	if m > maxArcSegments {
		return maxArcSegments
	}
	return int(m)
}

// arcInterior appends the interior points of an arc of radius r around c
// starting at unit vector (ux, uy) and sweeping by sweep radians (positive
// = from +x towards +y), excluding both end points, which lie on the
// circle. With m > 1 steps of φ = sweep/m, the m interior points sit at
// angles (k-½)φ and at the area-preserving radius r·sqrt(φ/sin φ): the
// full-step chords between them dip at most ≈ rφ²/24 inside the circle,
// the half-step chords from the end points ≈ rφ²/72, and the points stick
// out ≈ rφ²/12, so the polygon neither systematically loses nor gains area.
func arcInterior(dst []Point, c Point, ux, uy, r, sweep float64, m int) []Point {
	if m <= 1 {
		return dst
	}
	phi := sweep / float64(m)
	k := r * areaRadius(math.Abs(phi))
	cs, sn := math.Cos(phi), math.Sin(phi)
	ch, sh := math.Cos(phi/2), math.Sin(phi/2)
	vx, vy := ux*ch-uy*sh, ux*sh+uy*ch
	for i := 0; i < m; i++ {
		dst = append(dst, Point{c.X + k*vx, c.Y + k*vy})
		vx, vy = vx*cs-vy*sn, vx*sn+vy*cs
	}
	return dst
}

// areaRadius is sqrt(φ/sin φ): a regular polygon with vertices at this
// multiple of r and step φ has the area of the circle of radius r.
func areaRadius(phi float64) float64 {
	if phi < 1e-4 {
		return 1 + phi*phi/12
	}
	return math.Sqrt(phi / math.Sin(phi))
}

func finite(p Point) bool {
	return !math.IsNaN(p.X) && !math.IsNaN(p.Y) && !math.IsInf(p.X, 0) && !math.IsInf(p.Y, 0)
}

// unit returns the unit vector from a to b and the distance.
func unit(a, b Point) (float64, float64, float64) {
	dx, dy := b.X-a.X, b.Y-a.Y
	l := math.Sqrt(dx*dx + dy*dy)
	if math.IsInf(l, 0) {
		l = math.Hypot(dx, dy)
	}
	return dx / l, dy / l, l
}

// subpath strokes one subpath.
func (s *stroker) subpath(sp Subpath) {
	if n := len(sp.Points); cap(s.pts) < n {
		s.pts = make([]Point, 0, n)
		s.left = make([]Point, 0, 3*n)
	}
	pts := s.pts[:0]
	eps2 := s.eps * s.eps
	for _, p := range sp.Points {
		if !finite(p) {
			continue // canvas ignores non-finite path coordinates
		}
		if n := len(pts); n > 0 {
			q := pts[n-1]
			if dx, dy := p.X-q.X, p.Y-q.Y; dx*dx+dy*dy <= eps2 {
				continue
			}
		}
		pts = append(pts, p)
	}
	if n := len(pts); sp.Closed && n >= 2 {
		q := pts[0]
		if dx, dy := pts[n-1].X-q.X, pts[n-1].Y-q.Y; dx*dx+dy*dy <= eps2 {
			pts = pts[:n-1]
		}
	}
	s.pts = pts
	switch {
	case len(pts) == 0:
	case len(pts) == 1:
		s.dot(pts[0], sp.Points)
	case sp.Closed:
		s.closed(pts)
	default:
		s.open(pts)
	}
}

// dot draws a zero-length subpath at p. raw are the subpath's points:
// like SkPathStroker, a line that is merely teeny (not exactly zero) keeps
// its direction for a square cap; an exactly zero-length one is upright.
func (s *stroker) dot(p Point, raw []Point) {
	r := s.r
	start := len(s.out)
	switch s.cap {
	case Round:
		m := arcSegments(2*math.Pi, 0, s.arcStep)
		if m < 4 {
			m = 4
		}
		phi := 2 * math.Pi / float64(m)
		k := r * areaRadius(phi)
		cs, sn := math.Cos(phi), math.Sin(phi)
		vx, vy := 1.0, 0.0
		for i := 0; i < m; i++ {
			s.out = append(s.out, Point{p.X + k*vx, p.Y + k*vy})
			vx, vy = vx*cs-vy*sn, vx*sn+vy*cs
		}
	case Square:
		tx, ty := 1.0, 0.0
		for i := len(raw) - 1; i >= 0; i-- {
			q := raw[i]
			if finite(q) && q != p {
				if ux, uy, l := unit(p, q); l > 0 && !math.IsInf(l, 0) {
					tx, ty = ux, uy
				}
				break
			}
		}
		nx, ny := -ty, tx
		s.out = append(s.out,
			Point{p.X - r*tx - r*nx, p.Y - r*ty - r*ny},
			Point{p.X + r*tx - r*nx, p.Y + r*ty - r*ny},
			Point{p.X + r*tx + r*nx, p.Y + r*ty + r*ny},
			Point{p.X - r*tx + r*nx, p.Y - r*ty + r*ny})
	default:
		return
	}
	s.emit(start)
}

// The offset chains: for a segment with unit direction t, n = (-t.Y, t.X)
// is its left normal; the right chain runs at -r·n, the left chain at +r·n.
// An open subpath becomes: right chain forward, end cap, left chain
// backward, start cap — a positively oriented (shoelace area > 0) contour.

func (s *stroker) open(pts []Point) {
	r := s.r
	n := len(pts)
	start := len(s.out)
	s.left = s.left[:0]
	tx0, ty0, l := unit(pts[0], pts[1])
	p0 := pts[0]
	s.out = append(s.out, Point{p0.X + r*ty0, p0.Y - r*tx0})
	s.left = append(s.left, Point{p0.X - r*ty0, p0.Y + r*tx0})
	tx, ty := tx0, ty0
	for j := 1; j < n-1; j++ {
		ux, uy, l2 := unit(pts[j], pts[j+1])
		s.joinAt(pts[j], tx, ty, l, ux, uy, l2)
		tx, ty, l = ux, uy, l2
	}
	pe := pts[n-1]
	s.out = append(s.out, Point{pe.X + r*ty, pe.Y - r*tx})
	s.left = append(s.left, Point{pe.X - r*ty, pe.Y + r*tx})
	s.capInterior(pe, tx, ty)
	for i := len(s.left) - 1; i >= 0; i-- {
		s.out = append(s.out, s.left[i])
	}
	s.capInterior(p0, -tx0, -ty0)
	s.emit(start)
}

func (s *stroker) closed(pts []Point) {
	n := len(pts)
	start := len(s.out)
	s.left = s.left[:0]
	tx, ty, l := unit(pts[n-1], pts[0])
	for j := 0; j < n; j++ {
		next := pts[0]
		if j+1 < n {
			next = pts[j+1]
		}
		ux, uy, l2 := unit(pts[j], next)
		s.joinAt(pts[j], tx, ty, l, ux, uy, l2)
		tx, ty, l = ux, uy, l2
	}
	s.emit(start)
	start = len(s.out)
	for i := len(s.left) - 1; i >= 0; i-- {
		s.out = append(s.out, s.left[i])
	}
	s.emit(start)
}

// capInterior appends the points of the cap at p, where the stroke ends
// travelling in direction t, between p - r·n (already emitted) and p + r·n
// (emitted next).
func (s *stroker) capInterior(p Point, tx, ty float64) {
	r := s.r
	nx, ny := -ty, tx
	switch s.cap {
	case Square:
		s.out = append(s.out,
			Point{p.X - r*nx + r*tx, p.Y - r*ny + r*ty},
			Point{p.X + r*nx + r*tx, p.Y + r*ny + r*ty})
	case Round:
		m := arcSegments(math.Pi, s.arcChord, s.arcStep)
		s.out = arcInterior(s.out, p, -nx, -ny, r, math.Pi, m)
	}
}

// joinAt appends the join at vertex p between an incoming segment (unit
// direction t1, length l1) and an outgoing one (t2, l2) to both chains.
//
// Outer side (away from the turn): the offset corner of the incoming
// segment, the join shape (miter tip or arc), the offset corner of the
// outgoing one. Inner side: when both segments are long enough, the single
// point where the two inner offset lines cross (the exact boundary, so the
// pieces tile without overlap); otherwise, like Skia's HandleInnerJoin, the
// two offset corners with the pivot between them (overlapping but
// positively wound, hence still an exact nonzero union).
func (s *stroker) joinAt(p Point, t1x, t1y, l1, t2x, t2y, l2 float64) {
	r := s.r
	n1x, n1y := -t1y, t1x
	n2x, n2y := -t2y, t2x
	c := t1x*t2x + t1y*t2y
	cr := t1x*t2y - t1y*t2x
	// sg: +1 when the outer side is the left one (turning right or U-turn).
	sg := 1.0
	outer, inner := &s.left, &s.out
	if cr > 0 {
		sg = -1
		outer, inner = &s.out, &s.left
	}
	opc := 1 + c
	const tiny = 1e-12
	// Inner side.
	cut := false
	if opc > tiny {
		d := r * math.Abs(cr) / opc // distance of the crossing from p along each segment
		cut = d <= l1/3 && d <= l2/3
	}
	if cut {
		k := -sg * r / opc
		*inner = append(*inner, Point{p.X + k*(n1x+n2x), p.Y + k*(n1y+n2y)})
	} else {
		*inner = append(*inner,
			Point{p.X - sg*r*n1x, p.Y - sg*r*n1y},
			p,
			Point{p.X - sg*r*n2x, p.Y - sg*r*n2y})
	}
	// Outer side.
	e1 := Point{p.X + sg*r*n1x, p.Y + sg*r*n1y}
	e2 := Point{p.X + sg*r*n2x, p.Y + sg*r*n2y}
	o := append(*outer, e1)
	switch s.join {
	case Miter:
		// Skia: sinHalfAngle = sqrt((1+dot)/2) < 1/miterLimit => bevel.
		if opc > tiny && math.Sqrt(opc/2) >= s.invMiter {
			k := sg * r / opc
			if m := (Point{p.X + k*(n1x+n2x), p.Y + k*(n1y+n2y)}); m != e1 && m != e2 {
				o = append(o, m)
			}
		}
	case RoundJoin:
		theta := math.Atan2(math.Abs(cr), c)
		m := arcSegments(theta, s.arcChord, s.arcStep)
		o = arcInterior(o, p, sg*n1x, sg*n1y, r, -sg*theta, m)
	}
	if e2 != e1 {
		o = append(o, e2)
	}
	*outer = o
}

// emit closes the polygon made of s.out[start:], dropping it when it is
// degenerate or not finite.
func (s *stroker) emit(start int) {
	pts := s.out[start:]
	ok := len(pts) >= 3
	for _, p := range pts {
		if !ok {
			break
		}
		ok = finite(p)
	}
	if !ok {
		s.out = s.out[:start]
		return
	}
	s.spans = append(s.spans, span{start, len(s.out)})
}

func (s *stroker) result() []Subpath {
	if len(s.spans) == 0 {
		return nil
	}
	res := make([]Subpath, len(s.spans))
	for i, sp := range s.spans {
		res[i] = Subpath{Points: s.out[sp.a:sp.b:sp.b], Closed: true}
	}
	return res
}
