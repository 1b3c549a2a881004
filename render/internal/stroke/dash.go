package stroke

import "math"

// maxDashCount is SkDashPath::kMaxDashCount: beyond this many dashes Skia
// gives up on the dash effect and the path is stroked solid.
const maxDashCount = 1000000

// Dash splits paths into dashes following canvas setLineDash /
// lineDashOffset as Chromium implements them (Blink's
// CanvasRenderingContext2DState::UpdateLineDash plus Skia's SkDashPath):
//
//   - a pattern with a negative or non-finite value is ignored (setLineDash
//     returns without effect), as is an empty or all-zero one: Dash then
//     returns paths itself, undashed; an odd-length pattern is repeated
//     once; a non-finite offset counts as 0;
//   - the pattern runs along each subpath's length continuously across its
//     vertices and restarts, with the offset, at every subpath; the offset
//     is reduced modulo the pattern length (negative offsets wrap), and an
//     offset landing exactly on an interval boundary starts the next
//     interval;
//   - every "on" interval becomes an open subpath, including zero-length
//     ones (two equal points), which get caps when stroked; a dash starting
//     at distance == subpath length is not emitted;
//   - on a closed subpath the first dash is emitted last: if the pattern is
//     "on" at the end of the contour, the last dash continues through the
//     start point into the first one (one subpath, with a join there);
//     otherwise it is a separate subpath;
//   - zero-length subpaths are dropped, except when paths is a single open
//     zero-length line (Skia lengthens it by a hair so that it can show
//     caps): it yields one zero-length dash when the pattern starts "on";
//   - more than 1,000,000 dashes in total: paths is returned undashed.
func Dash(paths []Subpath, dash []float64, offset float64) []Subpath {
	intervals, total, ok := dashIntervals(dash)
	if !ok {
		return paths
	}
	if math.IsNaN(offset) || math.IsInf(offset, 0) {
		offset = 0
	}
	initIndex, initLen := dashStart(intervals, total, offset)

	if len(paths) == 1 && !paths[0].Closed && len(paths[0].Points) > 0 && len(paths[0].Points) <= 2 {
		p := paths[0].Points
		if q := p[len(p)-1]; p[0] == q && finite(q) {
			if initIndex%2 != 0 {
				return nil
			}
			return []Subpath{{Points: []Point{q, q}}}
		}
	}

	d := &dasher{intervals: intervals}
	dashCount := 0.0
	pairs := float64(len(intervals) / 2)
	for _, sp := range paths {
		if !d.measure(sp) {
			continue
		}
		dashCount += d.length * pairs / total
		if dashCount > maxDashCount {
			return paths
		}
		d.run(sp.Closed, initIndex, initLen)
	}
	if len(d.spans) == 0 {
		return nil
	}
	res := make([]Subpath, len(d.spans))
	for i, s := range d.spans {
		res[i] = Subpath{Points: d.out[s.a:s.b:s.b]}
	}
	return res
}

// dashIntervals validates and normalises a canvas dash list.
func dashIntervals(dash []float64) ([]float64, float64, bool) {
	if len(dash) == 0 {
		return nil, 0, false
	}
	nonZero := false
	for _, v := range dash {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, 0, false
		}
		if v != 0 {
			nonZero = true
		}
	}
	if !nonZero {
		return nil, 0, false
	}
	n := len(dash)
	if n%2 != 0 {
		n *= 2
	}
	iv := make([]float64, n)
	total := 0.0
	for i := range iv {
		iv[i] = dash[i%len(dash)]
		total += iv[i]
	}
	if math.IsInf(total, 0) || !(total > 0) {
		return nil, 0, false
	}
	return iv, total, true
}

// dashStart is SkDashPath::CalcDashParameters: the interval the pattern
// starts in and how much of it remains.
func dashStart(iv []float64, total, phase float64) (int, float64) {
	if phase < 0 {
		phase = -phase
		if phase > total {
			phase = math.Mod(phase, total)
		}
		phase = total - phase
		if phase == total {
			phase = 0
		}
	} else if phase >= total {
		phase = math.Mod(phase, total)
	}
	for i, gap := range iv {
		if phase > gap || (phase == gap && gap != 0) {
			phase -= gap
		} else {
			return i, gap - phase
		}
	}
	// Rounding made phase look longer than the pattern.
	return 0, iv[0]
}

type dasher struct {
	intervals []float64
	pts       []Point   // current contour, closing point appended if closed
	cum       []float64 // cum[i]: distance of pts[i] from pts[0]
	length    float64
	cur       int // segment cursor: cum[cur] <= position
	out       []Point
	spans     []span
}

// measure loads sp; false if it has no length.
func (d *dasher) measure(sp Subpath) bool {
	d.pts, d.cum = d.pts[:0], d.cum[:0]
	for _, p := range sp.Points {
		if !finite(p) {
			continue
		}
		if n := len(d.pts); n > 0 && d.pts[n-1] == p {
			continue
		}
		d.pts = append(d.pts, p)
	}
	if len(d.pts) < 2 {
		return false
	}
	if sp.Closed && d.pts[len(d.pts)-1] != d.pts[0] {
		d.pts = append(d.pts, d.pts[0])
	}
	acc := 0.0
	d.cum = append(d.cum, 0)
	for i := 1; i < len(d.pts); i++ {
		a, b := d.pts[i-1], d.pts[i]
		acc += math.Hypot(b.X-a.X, b.Y-a.Y)
		d.cum = append(d.cum, acc)
	}
	d.length = acc
	return acc > 0 && !math.IsInf(acc, 0)
}

// run is the loop of SkDashPath::InternalFilter for one contour.
func (d *dasher) run(closed bool, index int, dlen float64) {
	initIndex, initLen := index, dlen
	skipFirst := closed
	added := false
	distance := 0.0
	d.cur = 0
	for distance < d.length {
		added = false
		if index%2 == 0 && !skipFirst {
			added = true
			d.segment(distance, distance+dlen, true)
		}
		distance += dlen
		skipFirst = false
		index++
		if index == len(d.intervals) {
			index = 0
		}
		dlen = d.intervals[index]
	}
	// The first dash of a closed contour, skipped above, joins the last
	// one when that one ran up to the end.
	if closed && initIndex%2 == 0 && initLen >= 0 {
		d.cur = 0
		d.segment(0, initLen, !added)
	}
}

// segment appends the part of the contour between distances start and
// stop (SkContourMeasure::getSegment): as a new subpath, or continuing the
// last one (its first point is then the last one's end).
func (d *dasher) segment(start, stop float64, newSubpath bool) {
	if start < 0 {
		start = 0
	}
	if stop > d.length {
		stop = d.length
	}
	if !(start <= stop) {
		return
	}
	if newSubpath {
		d.spans = append(d.spans, span{len(d.out), len(d.out)})
		d.out = append(d.out, d.pointAt(start))
	}
	last := len(d.cum) - 1
	for j := d.cur + 1; j < last && d.cum[j] < stop; j++ {
		if d.cum[j] > start {
			d.out = append(d.out, d.pts[j])
		}
	}
	d.out = append(d.out, d.pointAt(stop))
	d.spans[len(d.spans)-1].b = len(d.out)
}

// pointAt returns the point at distance s >= cum[cur], advancing cur.
func (d *dasher) pointAt(s float64) Point {
	last := len(d.cum) - 1
	for d.cur+1 < last && d.cum[d.cur+1] < s {
		d.cur++
	}
	i := d.cur
	a, b := d.cum[i], d.cum[i+1]
	switch {
	case s <= a:
		return d.pts[i]
	case s >= b:
		return d.pts[i+1]
	}
	t := (s - a) / (b - a)
	p, q := d.pts[i], d.pts[i+1]
	return Point{p.X + t*(q.X-p.X), p.Y + t*(q.Y-p.Y)}
}
