package stroke

import (
	"math"
	"testing"
)

func dashLength(sps []Subpath) float64 {
	l := 0.0
	for _, sp := range sps {
		for i := 1; i < len(sp.Points); i++ {
			a, b := sp.Points[i-1], sp.Points[i]
			l += math.Hypot(b.X-a.X, b.Y-a.Y)
		}
	}
	return l
}

func TestDashLine(t *testing.T) {
	const w = 2.0
	p := []Subpath{line(0, 0, 100, 0)}
	for _, tc := range []struct {
		name   string
		dash   []float64
		offset float64
		n      int
		on     float64
	}{
		{"[10,5]", []float64{10, 5}, 0, 7, 70},                // 0-10 … 90-100
		{"offset 5", []float64{10, 5}, 5, 7, 65},              // 0-5, 10-20 … 85-95
		{"offset -3", []float64{10, 5}, -3, 7, 67},            // 3-13 … 93-100
		{"offset 15", []float64{10, 5}, 15, 7, 70},            // one whole pattern
		{"offset -30", []float64{10, 5}, -30, 7, 70},          // two whole patterns back
		{"offset 10 (boundary)", []float64{10, 5}, 10, 7, 65}, // starts in the gap: 5-15 … 95-100
		{"offset 1e6+10", []float64{10, 5}, 1e6 + 10, 7, 65},  // ≡ 5 (mod 15)
		{"odd [5]", []float64{5}, 0, 10, 50},
		{"odd [10,5,5]", []float64{10, 5, 5}, 0, 8, 55}, // [10,5,5,10,5,5]
		{"[30,10] long", []float64{30, 200}, 0, 1, 30},
		{"longer than line", []float64{300, 10}, 0, 1, 100},
	} {
		d := Dash(p, tc.dash, tc.offset)
		if len(d) != tc.n {
			t.Errorf("%s: %d dashes, want %d: %v", tc.name, len(d), tc.n, d)
		}
		approx(t, tc.name+" length", dashLength(d), tc.on, 1e-9)
		for _, sp := range d {
			if sp.Closed {
				t.Errorf("%s: closed dash", tc.name)
			}
		}
		st := Style{Width: w, Dash: tc.dash, DashOffset: tc.offset}
		approx(t, tc.name+" butt area", outlineArea(t, p, st), tc.on*w, 1e-6)
		st.Cap = Square
		approx(t, tc.name+" square area", outlineArea(t, p, st), (tc.on+float64(tc.n)*w)*w, 1e-6)
	}
	// The partial last dash of [10,5] on 97 px.
	approx(t, "partial", outlineArea(t, []Subpath{line(0, 0, 97, 0)}, Style{Width: w, Dash: []float64{10, 5}}), 67*w, 1e-6)
}

func TestDashIgnored(t *testing.T) {
	p := []Subpath{line(0, 0, 100, 0)}
	for _, dash := range [][]float64{nil, {}, {0}, {0, 0, 0}, {-1, 5}, {5, math.NaN()}, {5, math.Inf(1)}, {math.MaxFloat64, math.MaxFloat64}} {
		d := Dash(p, dash, 3)
		if len(d) != 1 || &d[0] != &p[0] {
			t.Errorf("dash %v: not ignored: %v", dash, d)
		}
		approx(t, "solid", outlineArea(t, p, Style{Width: 2, Dash: dash}), 200, 1e-9)
	}
	// Non-finite offset counts as zero.
	approx(t, "NaN offset", dashLength(Dash(p, []float64{10, 5}, math.NaN())), 70, 1e-9)
	// Too many dashes: Skia gives up and strokes solid.
	long := []Subpath{line(0, 0, 1e7, 0)}
	if d := Dash(long, []float64{1, 1}, 0); len(d) != 1 || &d[0] != &long[0] {
		t.Errorf("5e6 dashes were not refused")
	}
}

func TestZeroLengthDashes(t *testing.T) {
	const w = 4.0
	r := w / 2
	p := []Subpath{line(0, 0, 100, 0)}
	d := Dash(p, []float64{0, 10}, 0)
	if len(d) != 10 { // 0, 10, … 90; none at 100 (Skia: distance < length)
		t.Fatalf("%d zero-length dashes, want 10", len(d))
	}
	for i, sp := range d {
		if len(sp.Points) != 2 || sp.Points[0] != sp.Points[1] || sp.Points[0].X != float64(10*i) {
			t.Errorf("dash %d = %v", i, sp.Points)
		}
	}
	st := Style{Width: w, Dash: []float64{0, 10}, Cap: Round}
	approx(t, "dotted round", outlineArea(t, p, st), 10*math.Pi*r*r, 10*0.01*math.Pi*r*r)
	st.Cap = Square
	approx(t, "dotted square", outlineArea(t, p, st), 10*w*w, 1e-9)
	// Upright even on a diagonal (Skia orients direction-less lines
	// upright).
	diag := []Subpath{line(0, 0, 60, 80)}
	approx(t, "dotted square diagonal", outlineArea(t, diag, st), 10*w*w, 1e-9)
	st.Cap = Butt
	if out := Outline(p, st); out != nil {
		t.Errorf("butt zero-length dashes drew %v", out)
	}
	// A whole path that is one zero-length line shows one dot when the
	// pattern starts on, none when it starts in a gap.
	dot := []Subpath{line(5, 5, 5, 5)}
	if d := Dash(dot, []float64{5, 5}, 0); len(d) != 1 {
		t.Errorf("zero-length line, pattern on: %v", d)
	}
	if d := Dash(dot, []float64{5, 5}, 5); len(d) != 0 {
		t.Errorf("zero-length line, pattern off: %v", d)
	}
	approx(t, "dashed dot", outlineArea(t, dot, Style{Width: w, Cap: Square, Dash: []float64{5, 5}}), w*w, 1e-9)
	// …but a zero-length subpath among others vanishes.
	if d := Dash([]Subpath{line(5, 5, 5, 5), line(0, 0, 3, 0)}, []float64{5, 5}, 0); len(d) != 1 {
		t.Errorf("zero-length subpath among others: %v", d)
	}
}

func TestDashAcrossVerticesAndSubpaths(t *testing.T) {
	d := Dash([]Subpath{line(0, 0, 10, 0, 10, 10)}, []float64{15, 100}, 0)
	if len(d) != 1 || len(d[0].Points) != 3 || d[0].Points[1] != (Point{10, 0}) || d[0].Points[2] != (Point{10, 5}) {
		t.Errorf("dash across a vertex: %v", d)
	}
	// The pattern restarts, with the offset, at each subpath.
	d = Dash([]Subpath{line(0, 0, 20, 0), line(0, 10, 20, 10)}, []float64{15, 10}, 5)
	if len(d) != 2 || d[0].Points[0] != (Point{0, 0}) || d[1].Points[0] != (Point{0, 10}) ||
		d[0].Points[1] != (Point{10, 0}) || d[1].Points[1] != (Point{10, 10}) {
		t.Errorf("restart per subpath: %v", d)
	}
}

func TestDashClosed(t *testing.T) {
	const w = 2.0
	sq := []Subpath{closedPath(0, 0, 100, 0, 100, 100, 0, 100)}
	// Offset 20: "on" at both ends, so the last dash runs through the start
	// corner into the first: 10 dashes, one with (0,0) inside.
	d := Dash(sq, []float64{30, 10}, 20)
	if len(d) != 10 {
		t.Fatalf("%d dashes, want 10", len(d))
	}
	last := d[len(d)-1].Points
	if len(last) != 3 || last[0] != (Point{0, 20}) || last[1] != (Point{0, 0}) || last[2] != (Point{10, 0}) {
		t.Errorf("joined dash = %v", last)
	}
	approx(t, "dash length", dashLength(d), 300, 1e-9)
	// With miter joins a corner inside a dash costs nothing: area = length·w.
	// Corners inside dashes: 200 and the start; a bevel cuts r²/2 at each.
	st := Style{Width: w, Dash: []float64{30, 10}, DashOffset: 20}
	approx(t, "miter", outlineArea(t, sq, st), 300*w, 1e-6)
	st.Join = Bevel
	approx(t, "bevel", outlineArea(t, sq, st), 300*w-2*0.5, 1e-6)

	// Offset 0: "off" at the end, so the first dash stays separate.
	d = Dash(sq, []float64{30, 10}, 0)
	if len(d) != 10 || d[len(d)-1].Points[0] != (Point{0, 0}) || len(d[len(d)-1].Points) != 2 {
		t.Errorf("separate first dash: %v", d)
	}
	approx(t, "offset 0 miter", outlineArea(t, sq, Style{Width: w, Dash: []float64{30, 10}}), 300*w, 1e-6)

	// A dash longer than the contour: one open subpath around it, butt
	// ends meeting at the start corner without a join.
	d = Dash(sq, []float64{500, 10}, 0)
	if len(d) != 1 || len(d[0].Points) != 5 || d[0].Points[0] != d[0].Points[4] {
		t.Errorf("whole-contour dash: %v", d)
	}
	approx(t, "whole-contour dash", outlineArea(t, sq, Style{Width: w, Dash: []float64{500, 10}}), 4*100*w-1, 1e-6)
	approx(t, "solid", outlineArea(t, sq, Style{Width: w}), 4*100*w, 1e-6)

	// Zero-length start dash of a closed contour: one dot at the start.
	d = Dash(sq, []float64{0, 50}, 0)
	if len(d) != 8 {
		t.Errorf("%d dots on the square, want 8", len(d))
	}
	// Closed zero-length contour: nothing.
	if d := Dash([]Subpath{closedPath(3, 3, 3, 3)}, []float64{1, 1}, 0); len(d) != 0 {
		t.Errorf("closed zero-length contour dashed: %v", d)
	}
}
