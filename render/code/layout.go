package code

import "math"

// Rect is an axis-aligned rectangle: top-left corner X, Y, width W and
// height H. Rects returns them in module units.
type Rect struct{ X, Y, W, H float64 }

// Rects returns the dark modules as rectangles in module units, one per
// horizontal run of dark modules in a row (1 module tall), row by row from
// the top, left to right. The origin is the top-left corner of a quiet
// zone quiet modules wide on every side, so the whole code, quiet zone
// included, is Size+2*quiet modules square. A negative quiet counts as 0.
func (m *Matrix) Rects(quiet int) []Rect {
	quiet = max(quiet, 0)
	runs := 0
	for y := 0; y < m.Size; y++ {
		runs += countRuns(m.Modules[y*m.Size : (y+1)*m.Size])
	}
	rects := make([]Rect, 0, runs)
	q := float64(quiet)
	for y := 0; y < m.Size; y++ {
		row := m.Modules[y*m.Size : (y+1)*m.Size]
		rects = appendRuns(rects, row, q, q+float64(y), 1)
	}
	return rects
}

// Rects returns the bars as rectangles in module units, one per run of bar
// modules, left to right, each height tall from Y = 0. The origin is the
// left edge of a quiet zone quiet modules wide on each side, so the whole
// code is len(Modules)+2*quiet modules wide. A negative quiet counts as 0.
func (b *Bars) Rects(quiet int, height float64) []Rect {
	quiet = max(quiet, 0)
	rects := make([]Rect, 0, countRuns(b.Modules))
	return appendRuns(rects, b.Modules, float64(quiet), 0, height)
}

func countRuns(row []bool) int {
	n := 0
	prev := false
	for _, v := range row {
		if v && !prev {
			n++
		}
		prev = v
	}
	return n
}

func appendRuns(rects []Rect, row []bool, x0, y, h float64) []Rect {
	for x := 0; x < len(row); {
		if !row[x] {
			x++
			continue
		}
		start := x
		for x < len(row) && row[x] {
			x++
		}
		rects = append(rects, Rect{X: x0 + float64(start), Y: y, W: float64(x - start), H: h})
	}
	return rects
}

// PixelGrid places a square code n modules wide (quiet zone included) in
// the device box x, y, w, h for raster output. The module size is a whole
// number of pixels, floor(min(w, h)/n) and at least 1, and the code is
// centred in the box at integer offsets x0, y0, so that every module edge
// falls on a pixel boundary: module (i, j) covers pixels
// [x0+i*module, x0+(i+1)*module) × [y0+j*module, y0+(j+1)*module).
//
// When the box is smaller than n pixels the code (with 1-pixel modules)
// overflows it, still centred. n < 1 counts as 1; a box side that is
// negative or not finite counts as 0, a coordinate that is not finite as 0.
func PixelGrid(x, y, w, h float64, n int) (x0, y0 int, module int) {
	n = min(max(n, 1), pixelLimit)
	w, h = finiteOr0(w), finiteOr0(h)
	module = clampModule(math.Floor(max(min(w, h), 0)/float64(n)), n)
	x0 = centre(x, w, module*n)
	y0 = centre(y, h, module*n)
	return x0, y0, module
}

// PixelSpan is PixelGrid along one axis, for one-dimensional codes such as
// Code 128: a module size of floor(w/n) pixels, at least 1, and the code,
// n modules wide (quiet zone included), centred in [x, x+w) at the integer
// offset x0.
func PixelSpan(x, w float64, n int) (x0 int, module int) {
	n = min(max(n, 1), pixelLimit)
	w = finiteOr0(w)
	module = clampModule(math.Floor(max(w, 0)/float64(n)), n)
	return centre(x, w, module*n), module
}

// centre returns the integer start of a span total pixels long centred in
// [x, x+w), rounding half-way positions up.
func centre(x, w float64, total int) int {
	return toInt(math.Floor(finiteOr0(x) + (max(w, 0)-float64(total))/2 + 0.5))
}

func finiteOr0(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// pixelLimit bounds device coordinates and sizes so that float to int
// conversions (and module*n) never overflow on absurd input.
const pixelLimit = 1 << 30

// clampModule converts a module size to int: at least 1, and small enough
// that the code (n modules) stays within pixelLimit.
func clampModule(m float64, n int) int {
	return max(min(toInt(m), pixelLimit/n), 1)
}

func toInt(v float64) int {
	return int(min(max(v, -pixelLimit), pixelLimit))
}
