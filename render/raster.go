package render

import (
	"image"
	"math"

	"github.com/golang/freetype/raster"
	"golang.org/x/image/math/fixed"
)

// pt is a device-space point.
type pt struct{ X, Y float64 }

// polygon is a set of closed contours in device space, filled by a rule.
type polygon struct {
	contours [][]pt
	evenOdd  bool
}

// rasterizer turns device-space polygons into coverage spans with
// freetype's anti-aliasing rasterizer (exact area coverage, 12-bit).
type rasterizer struct {
	r      *raster.Rasterizer
	bounds image.Rectangle
	clipA  []pt
	clipB  []pt
	// w, h are the size last given to SetBounds: the raster only grows,
	// because SetBounds drops the cell buffers grown so far. Contours are
	// clipped to each fill's bounds, so a larger raster changes no span.
	w, h int
}

func newRasterizer() *rasterizer { return &rasterizer{r: raster.NewRasterizer(0, 0)} }

// fill rasterises poly within bounds and hands the spans (in absolute
// device coordinates) to p.
func (rz *rasterizer) fill(poly *polygon, bounds image.Rectangle, p raster.Painter) {
	if bounds.Empty() {
		return
	}
	rz.bounds = bounds
	if bounds.Dx() > rz.w || bounds.Dy() > rz.h {
		rz.w, rz.h = max(rz.w, bounds.Dx()), max(rz.h, bounds.Dy())
		rz.r.SetBounds(rz.w, rz.h)
	} else {
		rz.r.Clear()
	}
	rz.r.Dx, rz.r.Dy = bounds.Min.X, bounds.Min.Y
	rz.r.UseNonZeroWinding = !poly.evenOdd
	w, h := float64(bounds.Dx()), float64(bounds.Dy())
	ox, oy := float64(bounds.Min.X), float64(bounds.Min.Y)
	any := false
	for _, c := range poly.contours {
		if len(c) < 3 {
			continue
		}
		// freetype's rasterizer truncates negative coordinates toward
		// zero, so contours are clipped to the raster first; clipping a
		// contour to a convex box keeps every winding number inside it.
		clipped := rz.clip(c, ox, oy, w, h)
		if len(clipped) < 3 {
			continue
		}
		rz.r.Start(fix(clipped[0]))
		for _, q := range clipped[1:] {
			rz.r.Add1(fix(q))
		}
		rz.r.Add1(fix(clipped[0]))
		any = true
	}
	if any {
		rz.r.Rasterize(p)
	}
}

func fix(p pt) fixed.Point26_6 {
	return fixed.Point26_6{X: fixed.Int26_6(math.Round(p.X * 64)), Y: fixed.Int26_6(math.Round(p.Y * 64))}
}

// clip translates c by (-ox, -oy) and clips it to [0,w]×[0,h]
// (Sutherland–Hodgman against each edge).
func (rz *rasterizer) clip(c []pt, ox, oy, w, h float64) []pt {
	in := rz.clipA[:0]
	inside := true
	for _, p := range c {
		q := pt{p.X - ox, p.Y - oy}
		if math.IsNaN(q.X) || math.IsNaN(q.Y) {
			return nil
		}
		if q.X < 0 || q.Y < 0 || q.X > w || q.Y > h {
			inside = false
		}
		in = append(in, q)
	}
	rz.clipA = in
	if inside {
		return in
	}
	out := rz.clipB[:0]
	for edge := 0; edge < 4; edge++ {
		out = out[:0]
		n := len(in)
		if n == 0 {
			break
		}
		for i := 0; i < n; i++ {
			a, b := in[(i+n-1)%n], in[i]
			ain, bin := insideEdge(a, edge, w, h), insideEdge(b, edge, w, h)
			if bin {
				if !ain {
					out = append(out, intersectEdge(a, b, edge, w, h))
				}
				out = append(out, b)
			} else if ain {
				out = append(out, intersectEdge(a, b, edge, w, h))
			}
		}
		in, out = out, in
	}
	rz.clipA, rz.clipB = in, out
	return in
}

func insideEdge(p pt, edge int, w, h float64) bool {
	switch edge {
	case 0:
		return p.X >= 0
	case 1:
		return p.X <= w
	case 2:
		return p.Y >= 0
	}
	return p.Y <= h
}

func intersectEdge(a, b pt, edge int, w, h float64) pt {
	var t float64
	switch edge {
	case 0:
		t = (0 - a.X) / (b.X - a.X)
		return pt{0, a.Y + t*(b.Y-a.Y)}
	case 1:
		t = (w - a.X) / (b.X - a.X)
		return pt{w, a.Y + t*(b.Y-a.Y)}
	case 2:
		t = (0 - a.Y) / (b.Y - a.Y)
		return pt{a.X + t*(b.X-a.X), 0}
	}
	t = (h - a.Y) / (b.Y - a.Y)
	return pt{a.X + t*(b.X-a.X), h}
}

// polyBounds returns the device pixels a polygon can touch.
func polyBounds(poly *polygon) image.Rectangle {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, c := range poly.contours {
		for _, p := range c {
			minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
			minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
		}
	}
	if minX > maxX || math.IsNaN(minX) || math.IsNaN(maxX) || math.IsNaN(minY) || math.IsNaN(maxY) {
		return image.Rectangle{}
	}
	return image.Rect(clampInt(math.Floor(minX)), clampInt(math.Floor(minY)), clampInt(math.Ceil(maxX)), clampInt(math.Ceil(maxY)))
}

func clampInt(f float64) int {
	const lim = 1 << 24
	if f < -lim {
		return -lim
	}
	if f > lim {
		return lim
	}
	return int(f)
}
