package stroke

import (
	"math"
	"sort"
	"testing"
)

// Test helpers: exact area of the nonzero-winding region of a set of
// polygons, winding numbers, and an independent oracle for the spec's
// stroke area.

type tedge struct {
	x0, y0, x1, y1 float64 // y0 < y1
	dir            int     // +1 if the polygon edge goes towards +y
}

func edgesOf(polys []Subpath) []tedge {
	var es []tedge
	for _, sp := range polys {
		n := len(sp.Points)
		for i := 0; i < n; i++ {
			a, b := sp.Points[i], sp.Points[(i+1)%n]
			switch {
			case a.Y < b.Y:
				es = append(es, tedge{a.X, a.Y, b.X, b.Y, 1})
			case a.Y > b.Y:
				es = append(es, tedge{b.X, b.Y, a.X, a.Y, -1})
			}
		}
	}
	return es
}

func (e tedge) xAt(y float64) float64 {
	return e.x0 + (e.x1-e.x0)*(y-e.y0)/(e.y1-e.y0)
}

type crossing struct {
	x float64
	w int
}

// scan returns the crossings of the horizontal line y, sorted by x, with
// the winding change (for a left-to-right sweep) of each.
func scan(es []tedge, y float64, buf []crossing) []crossing {
	buf = buf[:0]
	for _, e := range es {
		if e.y0 <= y && y < e.y1 {
			buf = append(buf, crossing{e.xAt(y), -e.dir})
		}
	}
	sort.Slice(buf, func(i, j int) bool { return buf[i].x < buf[j].x })
	return buf
}

// nonzeroArea is the exact area where the winding number is non-zero.
// Between consecutive event ordinates (vertices and edge intersections)
// the covered length is linear in y, so the midpoint rule is exact.
// It also reports the smallest and largest winding numbers met.
func nonzeroArea(polys []Subpath) (area float64, minW, maxW int) {
	es := edgesOf(polys)
	ys := make([]float64, 0, 2*len(es))
	for _, e := range es {
		ys = append(ys, e.y0, e.y1)
	}
	for i := range es {
		for j := i + 1; j < len(es); j++ {
			if y, ok := intersectY(es[i], es[j]); ok {
				ys = append(ys, y)
			}
		}
	}
	sort.Float64s(ys)
	var buf []crossing
	for i := 0; i+1 < len(ys); i++ {
		ya, yb := ys[i], ys[i+1]
		if !(yb > ya) {
			continue
		}
		buf = scan(es, (ya+yb)/2, buf)
		w := 0
		l := 0.0
		for k, c := range buf {
			if k > 0 && w != 0 {
				l += c.x - buf[k-1].x
			}
			// Only intervals of positive length have a meaningful winding
			// (crossings at one x, e.g. from coincident edges, come in
			// arbitrary order).
			if k > 0 && c.x-buf[k-1].x > 1e-9 {
				minW, maxW = min(minW, w), max(maxW, w)
			}
			w += c.w
		}
		area += l * (yb - ya)
	}
	return area, minW, maxW
}

func intersectY(a, b tedge) (float64, bool) {
	lo, hi := math.Max(a.y0, b.y0), math.Min(a.y1, b.y1)
	if !(hi > lo) {
		return 0, false
	}
	da0, da1 := a.xAt(lo)-b.xAt(lo), a.xAt(hi)-b.xAt(hi)
	if da0 == 0 || da1 == 0 || (da0 < 0) == (da1 < 0) {
		return 0, false
	}
	t := da0 / (da0 - da1)
	return lo + t*(hi-lo), true
}

// winding returns the nonzero winding number of polys at p.
func winding(es []tedge, p Point) int {
	w := 0
	for _, e := range es {
		if e.y0 <= p.Y && p.Y < e.y1 && e.xAt(p.Y) > p.X {
			w += e.dir
		}
	}
	// Same sign as the left-to-right sweep in nonzeroArea: the crossings
	// on a line sum to zero, so those right of p give minus those left.
	return w
}

func signedArea(pts []Point) float64 {
	a := 0.0
	for i := range pts {
		p, q := pts[i], pts[(i+1)%len(pts)]
		a += p.X*q.Y - q.X*p.Y
	}
	return a / 2
}

// checkValid fails on non-finite points, open polygons or negative
// winding anywhere (which would cancel other pieces under nonzero).
func checkValid(t *testing.T, polys []Subpath) (area float64, maxW int) {
	t.Helper()
	for _, sp := range polys {
		if !sp.Closed || len(sp.Points) < 3 {
			t.Fatalf("polygon not closed or too short: %+v", sp)
		}
		for _, p := range sp.Points {
			if !finite(p) {
				t.Fatalf("non-finite point %v", p)
			}
		}
	}
	area, minW, maxW := nonzeroArea(polys)
	if minW < 0 {
		t.Fatalf("negative winding number %d", minW)
	}
	return area, maxW
}

func approx(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (±%g)", name, got, want, tol)
	}
}

func outlineArea(t *testing.T, paths []Subpath, st Style) float64 {
	t.Helper()
	a, _ := checkValid(t, Outline(paths, st))
	return a
}

func line(pts ...float64) Subpath {
	var sp Subpath
	for i := 0; i+1 < len(pts); i += 2 {
		sp.Points = append(sp.Points, Point{pts[i], pts[i+1]})
	}
	return sp
}

func closedPath(pts ...float64) Subpath {
	sp := line(pts...)
	sp.Closed = true
	return sp
}

// oracle decides membership in the spec's stroke area directly: the union
// of one rectangle per segment, the outer join shape at every join and the
// caps, for a subpath without zero-length segments.
type oracle struct {
	pts    []Point
	closed bool
	r      float64
	st     Style
}

func (o oracle) inside(p Point, r float64) bool {
	pts := o.pts
	n := len(pts)
	nseg := n - 1
	if o.closed {
		nseg = n
	}
	seg := func(i int) (Point, Point) { return pts[i%n], pts[(i+1)%n] }
	dir := func(i int) (float64, float64, float64) {
		a, b := seg(i)
		return unit(a, b)
	}
	for i := 0; i < nseg; i++ {
		a, _ := seg(i)
		tx, ty, l := dir(i)
		u := (p.X-a.X)*tx + (p.Y-a.Y)*ty
		v := -(p.X-a.X)*ty + (p.Y-a.Y)*tx
		if u >= 0 && u <= l && math.Abs(v) <= r {
			return true
		}
	}
	// caps
	if !o.closed {
		t0x, t0y, _ := dir(0)
		t1x, t1y, _ := dir(nseg - 1)
		if o.capHit(p, pts[0], -t0x, -t0y, r) || o.capHit(p, pts[n-1], t1x, t1y, r) {
			return true
		}
	}
	// joins
	first, last := 1, n-1
	if o.closed {
		first, last = 0, n
	}
	for j := first; j < last; j++ {
		t1x, t1y, _ := dir((j - 1 + nseg) % nseg)
		t2x, t2y, _ := dir(j % nseg)
		if o.joinHit(p, pts[j%n], t1x, t1y, t2x, t2y, r) {
			return true
		}
	}
	return false
}

func (o oracle) capHit(p, c Point, tx, ty, r float64) bool {
	dx, dy := p.X-c.X, p.Y-c.Y
	u := dx*tx + dy*ty
	v := -dx*ty + dy*tx
	switch o.st.Cap {
	case Square:
		return u >= 0 && u <= r && math.Abs(v) <= r
	case Round:
		return u >= 0 && dx*dx+dy*dy <= r*r
	}
	return false
}

func inTriangle(p, a, b, c Point) bool {
	if math.Abs((b.X-a.X)*(c.Y-a.Y)-(b.Y-a.Y)*(c.X-a.X)) < 1e-9 {
		return false // degenerate: no area
	}
	d1 := (b.X-a.X)*(p.Y-a.Y) - (b.Y-a.Y)*(p.X-a.X)
	d2 := (c.X-b.X)*(p.Y-b.Y) - (c.Y-b.Y)*(p.X-b.X)
	d3 := (a.X-c.X)*(p.Y-c.Y) - (a.Y-c.Y)*(p.X-c.X)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

func (o oracle) joinHit(p, c Point, t1x, t1y, t2x, t2y, r float64) bool {
	cr := t1x*t2y - t1y*t2x
	dot := t1x*t2x + t1y*t2y
	sg := 1.0
	if cr > 0 {
		sg = -1
	}
	e1 := Point{c.X - sg*r*t1y, c.Y + sg*r*t1x}
	e2 := Point{c.X - sg*r*t2y, c.Y + sg*r*t2x}
	if inTriangle(p, c, e1, e2) {
		return true
	}
	dx, dy := p.X-c.X, p.Y-c.Y
	switch o.st.Join {
	case RoundJoin:
		if dx*dx+dy*dy > r*r {
			return false
		}
		// within the sector swept from the first outer normal by -sg·θ
		n1x, n1y := -sg*t1y, sg*t1x
		theta := math.Atan2(math.Abs(cr), dot)
		a1 := math.Atan2(n1x*dy-n1y*dx, n1x*dx+n1y*dy) // angle from n1 to p-c
		return -sg*a1 >= -1e-12 && math.Abs(a1) <= theta+1e-12
	case Miter:
		ml := o.st.MiterLimit
		if ml == 0 {
			ml = 10
		}
		if 1+dot <= 1e-12 || 1/math.Sqrt((1+dot)/2) > ml {
			return false
		}
		k := sg * r / (1 + dot)
		m := Point{c.X + k*(-t1y-t2y), c.Y + k*(t1x+t2x)}
		return inTriangle(p, e1, m, e2)
	}
	return false
}
