package stroke

import (
	"math"
	"math/rand"
	"testing"
)

func distToSegment(p, a, b Point) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l2))
	}
	return math.Hypot(p.X-a.X-t*dx, p.Y-a.Y-t*dy)
}

func distToPolyline(p Point, pts []Point) float64 {
	d := math.Inf(1)
	for i := 1; i < len(pts); i++ {
		d = math.Min(d, distToSegment(p, pts[i-1], pts[i]))
	}
	return d
}

func TestFlattenCurves(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	rp := func() Point { return Point{rng.Float64()*200 - 100, rng.Float64()*200 - 100} }
	for iter := 0; iter < 200; iter++ {
		tol := []float64{0.01, 0.1, 0.5}[iter%3]
		p0, p1, p2, p3 := rp(), rp(), rp(), rp()
		cubic := func(t float64) Point {
			mt := 1 - t
			return Point{
				mt*mt*mt*p0.X + 3*mt*mt*t*p1.X + 3*mt*t*t*p2.X + t*t*t*p3.X,
				mt*mt*mt*p0.Y + 3*mt*mt*t*p1.Y + 3*mt*t*t*p2.Y + t*t*t*p3.Y,
			}
		}
		quad := func(t float64) Point {
			mt := 1 - t
			return Point{mt*mt*p0.X + 2*mt*t*p1.X + t*t*p2.X, mt*mt*p0.Y + 2*mt*t*p1.Y + t*t*p2.Y}
		}
		for _, c := range []struct {
			name string
			pts  []Point
			f    func(float64) Point
			end  Point
		}{
			{"cubic", FlattenCubic(nil, p0, p1, p2, p3, tol), cubic, p3},
			{"quad", FlattenQuad(nil, p0, p1, p2, tol), quad, p2},
		} {
			if c.pts[len(c.pts)-1] != c.end || c.pts[0] == p0 {
				t.Fatalf("%s: must exclude p0 and end exactly at the end point", c.name)
			}
			poly := append([]Point{p0}, c.pts...)
			for k := 0; k <= 1000; k++ {
				if d := distToPolyline(c.f(float64(k)/1000), poly); d > tol*1.0001 {
					t.Fatalf("%s tol %g: curve point %d is %g from the polyline", c.name, tol, k, d)
				}
			}
		}
	}
	// Straight and degenerate curves need one segment.
	if pts := FlattenCubic(nil, Point{0, 0}, Point{1, 1}, Point{2, 2}, Point{3, 3}, 0.1); len(pts) != 1 {
		t.Errorf("straight cubic: %d points", len(pts))
	}
	if pts := FlattenQuad([]Point{{9, 9}}, Point{0, 0}, Point{0, 0}, Point{0, 0}, 0); len(pts) != 2 {
		t.Errorf("point quad appended %d points", len(pts)-1)
	}
	nan := math.NaN()
	if pts := FlattenCubic(nil, Point{nan, 0}, Point{1, 1}, Point{2, 2}, Point{3, nan}, 0.1); len(pts) != 1 {
		t.Errorf("NaN cubic: %d points", len(pts))
	}
	if pts := FlattenCubic(nil, Point{0, 0}, Point{1e300, 0}, Point{-1e300, 0}, Point{3, 0}, 1e-300); len(pts) != maxFlattenSegments {
		t.Errorf("huge cubic: %d points", len(pts))
	}
}

func TestArc(t *testing.T) {
	const r, tol = 10.0, 0.1
	angle := func(p Point) float64 { return math.Atan2(p.Y-2, p.X-1) }
	near := func(p, q Point) bool { return math.Hypot(p.X-q.X, p.Y-q.Y) < 1e-9 }
	checkRadius := func(name string, pts []Point) {
		for i, p := range pts {
			if d := math.Abs(math.Hypot(p.X-1, p.Y-2) - r); d > tol {
				t.Errorf("%s: point %d off the circle by %g", name, i, d)
			}
			if i > 0 {
				q := pts[i-1]
				m := Point{(p.X + q.X) / 2, (p.Y + q.Y) / 2}
				if d := math.Abs(math.Hypot(m.X-1, m.Y-2) - r); d > tol {
					t.Errorf("%s: chord %d off the circle by %g", name, i, d)
				}
			}
		}
	}
	// sweep returns the signed angle travelled.
	sweep := func(pts []Point) float64 {
		s := 0.0
		for i := 1; i < len(pts); i++ {
			d := angle(pts[i]) - angle(pts[i-1])
			d = math.Remainder(d, 2*math.Pi)
			s += d
		}
		return s
	}
	for _, tc := range []struct {
		name       string
		a0, a1     float64
		ccw        bool
		wantSweep  float64
		wantEndAng float64
	}{
		{"quarter cw", 0, math.Pi / 2, false, math.Pi / 2, math.Pi / 2},
		{"quarter ccw = 3/4 back", 0, math.Pi / 2, true, -3 * math.Pi / 2, math.Pi / 2},
		{"full", 0, 2 * math.Pi, false, 2 * math.Pi, 0},
		{"over full", 1, 20, false, 2 * math.Pi, 1},
		{"full ccw", 2 * math.Pi, 0, true, -2 * math.Pi, 0},
		{"0..2π ccw draws a circle (Blink compat)", 0, 2 * math.Pi, true, -2 * math.Pi, 0},
		{"0..4π ccw", 0, 4 * math.Pi, true, -2 * math.Pi, 0},
		{"0..-3π cw reduces to π", 0, -3 * math.Pi, false, math.Pi, math.Pi},
		{"negative start", -math.Pi / 2, 0, false, math.Pi / 2, 0},
		{"start > end cw wraps", 3, 1, false, 2*math.Pi - 2, 1},
		{"start < end ccw wraps", 1, 3, true, -(2*math.Pi - 2), 3},
	} {
		pts := Arc(nil, 1, 2, r, tc.a0, tc.a1, tc.ccw, tol)
		if len(pts) < 2 {
			t.Fatalf("%s: %d points", tc.name, len(pts))
		}
		if !near(pts[0], Point{1 + r*math.Cos(tc.a0), 2 + r*math.Sin(tc.a0)}) {
			t.Errorf("%s: start %v", tc.name, pts[0])
		}
		end := Point{1 + r*math.Cos(tc.wantEndAng), 2 + r*math.Sin(tc.wantEndAng)}
		if !near(pts[len(pts)-1], end) {
			t.Errorf("%s: end %v, want %v", tc.name, pts[len(pts)-1], end)
		}
		approx(t, tc.name+" sweep", sweep(pts), tc.wantSweep, 1e-9)
		checkRadius(tc.name, pts)
		if math.Abs(tc.wantSweep) == 2*math.Pi {
			if pts[0] != pts[len(pts)-1] {
				t.Errorf("%s: full circle must end on its start", tc.name)
			}
			// The polygon keeps the circle's area.
			approx(t, tc.name+" area", math.Abs(signedArea(pts)), math.Pi*r*r, 0.002*math.Pi*r*r)
		}
	}
	dst := []Point{{7, 7}}
	if pts := Arc(dst, 1, 2, 0, 1, 2, false, tol); len(pts) != 2 || pts[1] != (Point{1, 2}) {
		t.Errorf("r=0: %v", pts)
	}
	if pts := Arc(nil, 1, 2, r, 1, 1, false, tol); len(pts) != 1 {
		t.Errorf("empty sweep: %v", pts)
	}
	for _, bad := range [][5]float64{{1, 2, -1, 0, 1}, {math.NaN(), 2, 1, 0, 1}, {1, 2, 1, math.Inf(1), 1}, {1, 2, math.NaN(), 0, 1}} {
		if pts := Arc(dst, bad[0], bad[1], bad[2], bad[3], bad[4], false, tol); len(pts) != 1 {
			t.Errorf("Arc%v appended %v", bad, pts[1:])
		}
	}
	// Tolerance drives the segment count.
	coarse := len(Arc(nil, 0, 0, 100, 0, math.Pi, false, 1))
	fine := len(Arc(nil, 0, 0, 100, 0, math.Pi, false, 0.01))
	if !(fine > 5*coarse) {
		t.Errorf("segments: tol 1 → %d, tol 0.01 → %d", coarse, fine)
	}
}
