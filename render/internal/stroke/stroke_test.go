package stroke

import (
	"math"
	"math/rand"
	"testing"
)

const areaEps = 1e-6

func TestLineCaps(t *testing.T) {
	const L, w = 100.0, 10.0
	r := w / 2
	p := []Subpath{line(0, 0, L, 0)}
	approx(t, "butt", outlineArea(t, p, Style{Width: w}), L*w, areaEps)
	approx(t, "square", outlineArea(t, p, Style{Width: w, Cap: Square}), (L+w)*w, areaEps)
	// Round caps: within tolerance × perimeter of the two half discs (the
	// polygons are area-preserving, so in practice far closer).
	st := Style{Width: w, Cap: Round, Tolerance: 0.05}
	approx(t, "round", outlineArea(t, p, st), L*w+math.Pi*r*r, 0.05*0.3*2*math.Pi*r)

	// Diagonal line: same areas.
	d := []Subpath{line(10, 20, 10+60, 20+80)} // length 100
	approx(t, "diag butt", outlineArea(t, d, Style{Width: w}), L*w, 1e-6)
	approx(t, "diag square", outlineArea(t, d, Style{Width: w, Cap: Square}), (L+w)*w, 1e-6)
}

func TestRoundShapeTolerance(t *testing.T) {
	// Every vertex of a dot lies within [r-tol, r+tol] of the centre and
	// every chord midpoint too.
	for _, tc := range []struct{ w, tol float64 }{{10, 0.1}, {200, 0.1}, {3, 0.01}, {1, 0.25}, {0.2, 0.1}} {
		out := Outline([]Subpath{line(5, 5)}, Style{Width: tc.w, Cap: Round, Tolerance: tc.tol})
		if len(out) != 1 {
			t.Fatalf("dot: %d polygons", len(out))
		}
		r := tc.w / 2
		pts := out[0].Points
		for i := range pts {
			a, b := pts[i], pts[(i+1)%len(pts)]
			for _, q := range []Point{a, {(a.X + b.X) / 2, (a.Y + b.Y) / 2}} {
				d := math.Hypot(q.X-5, q.Y-5)
				if math.Abs(d-r) > tc.tol+1e-12 && !(tc.tol >= r) {
					t.Errorf("w=%g tol=%g: radius %g off by %g", tc.w, tc.tol, d, d-r)
				}
			}
		}
		area, _ := checkValid(t, out)
		approx(t, "dot area", area, math.Pi*r*r, math.Pi*r*r*0.02)
	}
}

func TestRectangleJoins(t *testing.T) {
	const w = 10.0
	r := w / 2
	rect := []Subpath{closedPath(0, 0, 100, 0, 100, 60, 0, 60)}
	ring := (100+w)*(60+w) - (100-w)*(60-w)
	approx(t, "miter", outlineArea(t, rect, Style{Width: w}), ring, areaEps)
	approx(t, "bevel", outlineArea(t, rect, Style{Width: w, Join: Bevel}), ring-4*r*r/2, areaEps)
	approx(t, "round", outlineArea(t, rect, Style{Width: w, Join: RoundJoin, Tolerance: 0.01}),
		ring-4*(r*r-math.Pi*r*r/4), 0.05)
	// Miter limit below √2 bevels right angles (strokeRect does the same).
	approx(t, "miter limit 1.4", outlineArea(t, rect, Style{Width: w, MiterLimit: 1.4}), ring-4*r*r/2, areaEps)
	approx(t, "miter limit 1.5", outlineArea(t, rect, Style{Width: w, MiterLimit: 1.5}), ring, areaEps)
	// Either orientation, and a repeated closing point, give the same.
	rev := []Subpath{closedPath(0, 0, 0, 60, 100, 60, 100, 0)}
	approx(t, "miter reversed", outlineArea(t, rev, Style{Width: w}), ring, areaEps)
	rep := []Subpath{closedPath(0, 0, 100, 0, 100, 60, 0, 60, 0, 0)}
	approx(t, "miter repeated close", outlineArea(t, rep, Style{Width: w}), ring, areaEps)
	// The hole is a hole.
	es := edgesOf(Outline(rect, Style{Width: w}))
	if wn := winding(es, Point{50, 30}); wn != 0 {
		t.Errorf("winding in hole = %d", wn)
	}
	if wn := winding(es, Point{50, 1}); wn != 1 {
		t.Errorf("winding on stroke = %d", wn)
	}
	// Stroke wider than the rectangle: fully filled, no hole.
	small := []Subpath{closedPath(0, 0, 8, 0, 8, 6, 0, 6)}
	approx(t, "wide miter", outlineArea(t, small, Style{Width: w}), (8+w)*(6+w), areaEps)
}

func TestRightAngleJoins(t *testing.T) {
	const w = 10.0
	r := w / 2
	p := []Subpath{line(0, 0, 100, 0, 100, 100)}
	base := 100*w + 100*w - r*r // two rectangles overlapping in the inner corner
	approx(t, "miter", outlineArea(t, p, Style{Width: w}), base+r*r, areaEps)
	approx(t, "bevel", outlineArea(t, p, Style{Width: w, Join: Bevel}), base+r*r/2, areaEps)
	approx(t, "round", outlineArea(t, p, Style{Width: w, Join: RoundJoin, Tolerance: 0.01}), base+math.Pi*r*r/4, 0.02)
	approx(t, "limit 1.41", outlineArea(t, p, Style{Width: w, MiterLimit: 1.41}), base+r*r/2, areaEps)
	approx(t, "limit 1.42", outlineArea(t, p, Style{Width: w, MiterLimit: 1.42}), base+r*r, areaEps)
}

func TestMiterLimitSharpAngle(t *testing.T) {
	const w = 10.0
	r := w / 2
	p := []Subpath{line(0, 0, 100, 0, 0, 30)}
	phi := math.Atan2(30, 100) // angle between the two segments
	ratio := 1 / math.Sin(phi/2)
	if ratio < 4 || ratio > 10 {
		t.Fatalf("test geometry: ratio %g", ratio)
	}
	bevel := outlineArea(t, p, Style{Width: w, Join: Bevel})
	approx(t, "limit 4 (Fabric default) = bevel", outlineArea(t, p, Style{Width: w, MiterLimit: 4}), bevel, areaEps)
	approx(t, "limit just below ratio = bevel", outlineArea(t, p, Style{Width: w, MiterLimit: ratio * 0.999}), bevel, areaEps)
	// Within the limit: the miter adds r²·cot(φ/2) - r²·sin(φ)/2 (the
	// miter kite minus the bevel triangle).
	extra := r*r/math.Tan(phi/2) - r*r*math.Sin(phi)/2
	approx(t, "limit 10 (canvas default)", outlineArea(t, p, Style{Width: w}), bevel+extra, 1e-6)
	approx(t, "limit just above ratio", outlineArea(t, p, Style{Width: w, MiterLimit: ratio * 1.001}), bevel+extra, 1e-6)
	// Limit <= 1 always bevels.
	approx(t, "limit 1", outlineArea(t, p, Style{Width: w, MiterLimit: 1}), bevel, areaEps)
	approx(t, "limit 0.5", outlineArea(t, p, Style{Width: w, MiterLimit: 0.5}), bevel, areaEps)
}

func TestCollinearAndUTurn(t *testing.T) {
	const w = 10.0
	r := w / 2
	for _, j := range []Join{Miter, RoundJoin, Bevel} {
		st := Style{Width: w, Join: j}
		// Collinear points: no spikes.
		approx(t, "collinear", outlineArea(t, []Subpath{line(0, 0, 30, 0, 31, 0, 100, 0)}, st), 100*w, areaEps)
		out := Outline([]Subpath{line(0, 0, 30, 0, 31, 0, 100, 0)}, st)
		for _, q := range out[0].Points {
			if q.X < -1e-9 || q.X > 100+1e-9 || math.Abs(q.Y) > r+1e-9 {
				t.Errorf("join %d: collinear outline point %v outside the stroke", j, q)
			}
		}
		// 180° turn: the back stroke overlaps; round adds a half disc.
		want := 100 * w
		if j == RoundJoin {
			want += math.Pi * r * r / 2
		}
		st.Tolerance = 0.01
		got := outlineArea(t, []Subpath{line(0, 0, 100, 0, 50, 0)}, st)
		approx(t, "u-turn", got, want, 0.02)
		// Closed two-point subpath: a U-turn at both ends.
		want = 100 * w
		if j == RoundJoin {
			want += math.Pi * r * r
		}
		got = outlineArea(t, []Subpath{closedPath(0, 0, 100, 0)}, st)
		approx(t, "closed segment", got, want, 0.03)
		// Near-U-turn stays bounded.
		out = Outline([]Subpath{line(0, 0, 100, 0, 0, 1e-9)}, Style{Width: w, Join: j, MiterLimit: 1e12})
		for _, q := range out[0].Points {
			if math.Abs(q.X) > 200 || math.Abs(q.Y) > 200 {
				t.Errorf("join %d: near-U-turn point %v", j, q)
			}
		}
	}
}

func TestZeroLength(t *testing.T) {
	const w = 6.0
	r := w / 2
	for _, sp := range []Subpath{
		line(7, 7),
		line(7, 7, 7, 7),
		line(7, 7, 7, 7, 7, 7),
		closedPath(7, 7),
		closedPath(7, 7, 7, 7),
	} {
		approx(t, "round dot", outlineArea(t, []Subpath{sp}, Style{Width: w, Cap: Round}), math.Pi*r*r, 0.01*math.Pi*r*r)
		out := Outline([]Subpath{sp}, Style{Width: w, Cap: Square})
		approx(t, "square dot", outlineArea(t, []Subpath{sp}, Style{Width: w, Cap: Square}), w*w, areaEps)
		for _, q := range out[0].Points { // axis-aligned
			if math.Abs(math.Abs(q.X-7)-r) > 1e-12 || math.Abs(math.Abs(q.Y-7)-r) > 1e-12 {
				t.Errorf("square dot corner %v not axis-aligned", q)
			}
		}
		if out := Outline([]Subpath{sp}, Style{Width: w}); len(out) != 0 {
			t.Errorf("butt zero-length subpath drew %v", out)
		}
		// Joins do not matter.
		if out := Outline([]Subpath{sp}, Style{Width: w, Join: RoundJoin}); len(out) != 0 {
			t.Errorf("butt zero-length subpath drew %v", out)
		}
	}
	// A teeny but non-zero line keeps its direction for square caps (Skia).
	out := Outline([]Subpath{line(0, 0, 1e-7, 1e-7)}, Style{Width: w, Cap: Square})
	area, _ := checkValid(t, out)
	approx(t, "teeny square", area, w*w, 1e-6)
	for _, c := range out[0].Points { // rotated 45°: corners on the axes
		lo, hi := math.Min(math.Abs(c.X), math.Abs(c.Y)), math.Max(math.Abs(c.X), math.Abs(c.Y))
		if lo > 1e-6 || math.Abs(hi-r*math.Sqrt2) > 1e-6 {
			t.Errorf("teeny square corner %v not rotated 45°", c)
		}
	}
	// Zero-length segments inside a longer line change nothing.
	approx(t, "dup points", outlineArea(t, []Subpath{line(0, 0, 0, 0, 50, 0, 50, 0, 50, 0, 100, 0, 100, 0)}, Style{Width: w, Cap: Square}),
		(100+w)*w, areaEps)
}

func TestDegenerateInputs(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	paths := [][]Subpath{
		nil,
		{},
		{{}},
		{{Closed: true}},
		{line(0, 0)},
		{line(nan, nan)},
		{line(nan, 0, 10, 10)},
		{line(0, 0, nan, 5, 10, 0)},
		{line(0, 0, inf, 5, 10, 0)},
		{closedPath(0, 0, nan, nan)},
		{line(0, 0, 10, 0, 10, 0, 0, 0)},
		{line(0, 0, 1e300, 1e300)},
		{line(-1e300, 0, 1e300, 0)},
		{line(0, 0, 1e-300, 0, 2e-300, 1e-300)},
		{closedPath(0, 0, 1, 0, 1, 0, 0, 0)},
	}
	styles := []Style{
		{Width: 4},
		{Width: 4, Cap: Round, Join: RoundJoin},
		{Width: 4, Cap: Square, Join: Bevel},
		{Width: nan},
		{Width: -1},
		{Width: 0},
		{Width: inf},
		{Width: 4, Tolerance: nan},
		{Width: 4, Tolerance: -3, Cap: Round},
		{Width: 4, Tolerance: 1e-300, Cap: Round, Join: RoundJoin},
		{Width: 4, Tolerance: 1e300, Cap: Round, Join: RoundJoin},
		{Width: 4, MiterLimit: nan},
		{Width: 4, MiterLimit: inf},
		{Width: 4, Dash: []float64{nan}},
		{Width: 4, Dash: []float64{1, -1}},
		{Width: 4, Dash: []float64{0, 0}},
		{Width: 4, Dash: []float64{1e-300, 1e-300}},
		{Width: 4, Dash: []float64{1, 2}, DashOffset: nan},
		{Width: 4, Dash: []float64{1, 2}, DashOffset: -inf},
		{Width: 4, Dash: []float64{math.MaxFloat64, math.MaxFloat64}},
		{Width: 1e-300, Cap: Round},
		{Width: 1e300, Cap: Round, Join: RoundJoin},
	}
	for _, p := range paths {
		for _, st := range styles {
			out := Outline(p, st)
			for _, sp := range out {
				if len(sp.Points) < 3 {
					t.Errorf("short polygon for %v %+v", p, st)
				}
				for _, q := range sp.Points {
					if !finite(q) {
						t.Errorf("non-finite output for %v %+v", p, st)
					}
				}
			}
			if !(st.Width > 0) || math.IsInf(st.Width, 0) {
				if out != nil {
					t.Errorf("width %g drew", st.Width)
				}
			}
		}
	}
}

// TestOracle compares point membership with a direct evaluation of the
// spec's union of segment rectangles, join shapes and caps on random
// polylines, including sharp turns, short segments and self-crossings.
var oracleIters = 400

func TestOracle(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	joins := []Join{Miter, RoundJoin, Bevel}
	caps := []Cap{Butt, Round, Square}
	for iter := 0; iter < oracleIters; iter++ {
		n := 2 + rng.Intn(7)
		var sp Subpath
		for i := 0; i < n; i++ {
			sp.Points = append(sp.Points, Point{rng.Float64() * 40, rng.Float64() * 40})
		}
		if rng.Intn(5) == 0 { // short segments
			for i := range sp.Points {
				sp.Points[i].X = 20 + (sp.Points[i].X-20)/8
				sp.Points[i].Y = 20 + (sp.Points[i].Y-20)/8
			}
		}
		if rng.Intn(4) == 0 { // grid points: collinear runs, U-turns, repeats
			for i := range sp.Points {
				sp.Points[i] = Point{10 * float64(rng.Intn(4)), 10 * float64(rng.Intn(4))}
			}
		}
		sp.Closed = rng.Intn(3) == 0
		// The oracle needs distinct consecutive points.
		var clean []Point
		for _, q := range sp.Points {
			if len(clean) == 0 || clean[len(clean)-1] != q {
				clean = append(clean, q)
			}
		}
		if sp.Closed && len(clean) > 1 && clean[len(clean)-1] == clean[0] {
			clean = clean[:len(clean)-1]
		}
		if len(clean) < 2 {
			continue
		}
		st := Style{
			Width:      0.5 + rng.Float64()*12,
			Join:       joins[rng.Intn(3)],
			Cap:        caps[rng.Intn(3)],
			MiterLimit: []float64{0, 1, 2, 4, 30}[rng.Intn(5)],
			Tolerance:  0.05,
		}
		out := Outline([]Subpath{sp}, st)
		if _, minW, _ := nonzeroArea(out); minW < 0 {
			t.Errorf("iter %d: negative winding; path %+v style %+v", iter, sp, st)
		}
		es := edgesOf(out)
		o := oracle{pts: clean, closed: sp.Closed, r: st.Width / 2, st: st}
		margin := st.Tolerance + 1e-7
		bad := 0
		for k := 0; k < 3000; k++ {
			q := Point{-15 + rng.Float64()*70, -15 + rng.Float64()*70}
			in := winding(es, q) != 0
			if in && !o.inside(q, o.r+margin) || !in && o.inside(q, o.r-margin) {
				bad++
				if bad < 3 {
					t.Errorf("iter %d: point %v covered=%v; path %+v style %+v", iter, q, in, sp, st)
				}
			}
		}
	}
}

// TestNoOverlapOnSmoothStroke: a stroke that does not cross itself, with
// segments long enough, has winding exactly 0 or 1 everywhere, so an
// area-accumulating AA rasteriser computes exact edge coverage.
func TestNoOverlapOnSmoothStroke(t *testing.T) {
	arc := Arc(nil, 0, 0, 50, 0, 3, false, 0.1)
	wave := line(0, 0, 20, 10, 40, 0, 60, 10, 80, 0)
	for _, tc := range []struct {
		name string
		sp   Subpath
		st   Style
	}{
		{"arc miter", Subpath{Points: arc}, Style{Width: 10}},
		{"arc round", Subpath{Points: arc}, Style{Width: 10, Join: RoundJoin, Cap: Round}},
		{"arc bevel", Subpath{Points: arc}, Style{Width: 10, Join: Bevel, Cap: Square}},
		{"circle", Subpath{Points: Arc(nil, 0, 0, 50, 0, 7, false, 0.1), Closed: true}, Style{Width: 20}},
		{"wave", wave, Style{Width: 6, Join: RoundJoin, Cap: Round}},
		{"rect", closedPath(0, 0, 100, 0, 100, 60, 0, 60), Style{Width: 10}},
	} {
		_, maxW := checkValid(t, Outline([]Subpath{tc.sp}, tc.st))
		if maxW != 1 {
			t.Errorf("%s: max winding %d, want 1", tc.name, maxW)
		}
	}
}

func TestOrientation(t *testing.T) {
	// Open subpaths give one positively oriented contour each, whatever
	// their direction.
	for _, sp := range []Subpath{line(0, 0, 10, 0, 10, 10), line(10, 10, 10, 0, 0, 0), line(0, 0, 10, 0, 0, 10)} {
		for _, j := range []Join{Miter, RoundJoin, Bevel} {
			out := Outline([]Subpath{sp}, Style{Width: 2, Join: j, Cap: Round})
			if len(out) != 1 || signedArea(out[0].Points) <= 0 {
				t.Errorf("open subpath %v join %d: %d polygons, area %g", sp, j, len(out), signedArea(out[0].Points))
			}
		}
	}
}

func BenchmarkOutline(b *testing.B) {
	pts := make([]Point, 10000)
	for i := range pts {
		x := float64(i) * 0.5
		pts[i] = Point{x, 40 * math.Sin(x/15)}
	}
	paths := []Subpath{{Points: pts}}
	for _, bc := range []struct {
		name string
		st   Style
	}{
		{"miter", Style{Width: 4, MiterLimit: 4}},
		{"round", Style{Width: 4, Join: RoundJoin, Cap: Round}},
		{"dashed", Style{Width: 4, Dash: []float64{6, 3}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				Outline(paths, bc.st)
			}
		})
	}
}
