package render

import (
	"image"
	"math"
	"sort"

	"github.com/fabricpress/fabricpress/fabric"
)

// gradientShader paints a canvas linear or two-point conical (radial)
// gradient. inv maps device pixel centres into gradient space.
type gradientShader struct {
	inv    fabric.Matrix
	radial bool
	x0, y0 float64
	x1, y1 float64
	r0, r1 float64
	lut    [lutSize]rgba
	none   bool // degenerate: paints nothing
	// A linear gradient whose colour depends on the device x only (or y
	// only) is computed once per column (or row): yFree rows are read
	// from cache, which holds columns cacheX0 on; xFree rows are one
	// colour. The terms dropped are exactly zero, so nothing changes.
	yFree, xFree bool
	cache        []rgba
	cacheX0      int
}

const lutSize = 4096

// newGradientShader returns a shader for g drawn under m (gradient space to
// device), or nil if m is singular.
func newGradientShader(g *fabric.Gradient, m fabric.Matrix) *gradientShader {
	inv, ok := m.Invert()
	if !ok {
		return nil
	}
	s := &gradientShader{inv: inv, radial: g.Type == "radial", x0: g.X1, y0: g.Y1, x1: g.X2, y1: g.Y2, r0: g.R1, r1: g.R2}
	if s.radial {
		s.none = (s.x0 == s.x1 && s.y0 == s.y1 && s.r0 == s.r1) || s.r0 < 0 || s.r1 < 0
	} else {
		s.none = s.x0 == s.x1 && s.y0 == s.y1
	}
	if len(g.Stops) == 0 {
		s.none = true
	}
	s.buildLUT(g.Stops)
	if !s.radial {
		dx, dy := s.x1-s.x0, s.y1-s.y0
		s.yFree = (inv[2] == 0 || dx == 0) && (inv[3] == 0 || dy == 0)
		s.xFree = (inv[0] == 0 || dx == 0) && (inv[1] == 0 || dy == 0)
	}
	return s
}

func (s *gradientShader) buildLUT(stops []fabric.ColorStop) {
	if len(stops) == 0 {
		return
	}
	// addColorStop order is kept for equal offsets (a hard edge).
	st := make([]fabric.ColorStop, len(stops))
	copy(st, stops)
	for i := range st {
		st[i].Offset = math.Max(0, math.Min(1, st[i].Offset))
	}
	sort.SliceStable(st, func(i, j int) bool { return st[i].Offset < st[j].Offset })
	for i := 0; i < lutSize; i++ {
		t := (float64(i) + 0.5) / lutSize
		s.lut[i] = stopColor(st, t)
	}
}

// stopColor interpolates unpremultiplied colours between stops, as
// Chromium's canvas gradients do, and returns the premultiplied result.
func stopColor(st []fabric.ColorStop, t float64) rgba {
	if t <= st[0].Offset {
		return premul(st[0].Color)
	}
	for i := 1; i < len(st); i++ {
		if t < st[i].Offset || (t == st[i].Offset && i == len(st)-1) {
			a, b := st[i-1], st[i]
			span := b.Offset - a.Offset
			if span <= 0 {
				return premul(b.Color)
			}
			k := (t - a.Offset) / span
			lerp := func(x, y uint8) float64 { return float64(x) + (float64(y)-float64(x))*k }
			al := lerp(a.Color.A, b.Color.A) / 255
			return rgba{
				float32(lerp(a.Color.R, b.Color.R) / 255 * al),
				float32(lerp(a.Color.G, b.Color.G) / 255 * al),
				float32(lerp(a.Color.B, b.Color.B) / 255 * al),
				float32(al),
			}
		}
	}
	return premul(st[len(st)-1].Color)
}

func (s *gradientShader) at(t float64) rgba {
	i := int(t * lutSize)
	if i < 0 {
		i = 0
	} else if i >= lutSize {
		i = lutSize - 1
	}
	return s.lut[i]
}

func (s *gradientShader) row(y, x0 int, out []rgba) {
	if s.none {
		for i := range out {
			out[i] = rgba{}
		}
		return
	}
	switch {
	case s.yFree:
		x1 := x0 + len(out)
		if n := len(s.cache); n == 0 || x0 < s.cacheX0 || x1 > s.cacheX0+n {
			lo, hi := x0, x1
			if n > 0 {
				lo, hi = min(lo, s.cacheX0), max(hi, s.cacheX0+n)
			}
			s.cache = append(s.cache[:0], make([]rgba, hi-lo)...)
			s.cacheX0 = lo
			s.pixels(y, lo, s.cache)
		}
		copy(out, s.cache[x0-s.cacheX0:])
		return
	case s.xFree && len(out) > 0:
		s.pixels(y, x0, out[:1])
		for i := 1; i < len(out); i++ {
			out[i] = out[0]
		}
		return
	}
	s.pixels(y, x0, out)
}

// pixels computes the gradient's colour pixel by pixel.
func (s *gradientShader) pixels(y, x0 int, out []rgba) {
	fy := float64(y) + 0.5
	for i := range out {
		fx := float64(x0+i) + 0.5
		gx, gy := s.inv.Apply(fx, fy)
		if !s.radial {
			dx, dy := s.x1-s.x0, s.y1-s.y0
			t := ((gx-s.x0)*dx + (gy-s.y0)*dy) / (dx*dx + dy*dy)
			out[i] = s.at(t)
			continue
		}
		t, ok := s.conical(gx, gy)
		if !ok {
			out[i] = rgba{}
			continue
		}
		out[i] = s.at(t)
	}
}

// conical solves the canvas two-point conical gradient for point (px, py):
// the largest ω with r(ω) >= 0 whose circle passes through the point.
func (s *gradientShader) conical(px, py float64) (float64, bool) {
	cdx, cdy := s.x1-s.x0, s.y1-s.y0
	dr := s.r1 - s.r0
	pdx, pdy := px-s.x0, py-s.y0
	a := cdx*cdx + cdy*cdy - dr*dr
	b := pdx*cdx + pdy*cdy + s.r0*dr
	c := pdx*pdx + pdy*pdy - s.r0*s.r0
	if math.Abs(a) < 1e-12 {
		if b == 0 {
			return 0, false
		}
		w := c / (2 * b)
		if s.r0+w*dr < 0 {
			return 0, false
		}
		return w, true
	}
	disc := b*b - a*c
	if disc < 0 {
		return 0, false
	}
	sq := math.Sqrt(disc)
	w1, w2 := (b+sq)/a, (b-sq)/a
	if w1 < w2 {
		w1, w2 = w2, w1
	}
	if s.r0+w1*dr >= 0 {
		return w1, true
	}
	if s.r0+w2*dr >= 0 {
		return w2, true
	}
	return 0, false
}

// imageShader samples a premultiplied bitmap under an affine map, with
// bilinear filtering (canvas imageSmoothingEnabled) or nearest neighbour.
type imageShader struct {
	img      *image.RGBA
	inv      fabric.Matrix // device pixel centre -> source pixel coordinates
	src      image.Rectangle
	smooth   bool
	repeatX  bool
	repeatY  bool
	clampSrc bool // sample only inside src (drawImage); else transparent outside for patterns
}

func (s *imageShader) row(y, x0 int, out []rgba) {
	if dx, dy, ok := s.whole(); ok {
		// Pixel centres fall on texel centres: bilinear weights are all
		// zero, so the texels themselves are the answer.
		for i := range out {
			out[i] = s.texel(x0+i+dx, y+dy)
		}
		return
	}
	fy := float64(y) + 0.5
	for i := range out {
		fx := float64(x0+i) + 0.5
		u, v := s.inv.Apply(fx, fy)
		if s.smooth {
			out[i] = s.bilinear(u-0.5, v-0.5)
		} else {
			out[i] = s.texel(int(math.Floor(u)), int(math.Floor(v)))
		}
	}
}

// whole reports whether the shader maps device pixels onto source pixels
// one to one, shifted by whole pixels (an image drawn unscaled, unrotated
// and pixel-aligned), and by how much.
func (s *imageShader) whole() (dx, dy int, ok bool) {
	m := s.inv
	if m[0] != 1 || m[1] != 0 || m[2] != 0 || m[3] != 1 || m[4] != math.Trunc(m[4]) || m[5] != math.Trunc(m[5]) {
		return 0, 0, false
	}
	if math.Abs(m[4]) > 1<<30 || math.Abs(m[5]) > 1<<30 {
		return 0, 0, false
	}
	return int(m[4]), int(m[5]), true
}

func (s *imageShader) texel(x, y int) rgba {
	r := s.src
	if s.repeatX {
		x = r.Min.X + mod(x-r.Min.X, r.Dx())
	} else if s.clampSrc {
		x = clampI(x, r.Min.X, r.Max.X-1)
	} else if x < r.Min.X || x >= r.Max.X {
		return rgba{}
	}
	if s.repeatY {
		y = r.Min.Y + mod(y-r.Min.Y, r.Dy())
	} else if s.clampSrc {
		y = clampI(y, r.Min.Y, r.Max.Y-1)
	} else if y < r.Min.Y || y >= r.Max.Y {
		return rgba{}
	}
	o := s.img.PixOffset(x, y)
	p := s.img.Pix[o : o+4 : o+4]
	return rgba{float32(p[0]) / 255, float32(p[1]) / 255, float32(p[2]) / 255, float32(p[3]) / 255}
}

func (s *imageShader) bilinear(u, v float64) rgba {
	x0, y0 := math.Floor(u), math.Floor(v)
	fx, fy := float32(u-x0), float32(v-y0)
	ix, iy := int(x0), int(y0)
	a, b := s.texel(ix, iy), s.texel(ix+1, iy)
	c, d := s.texel(ix, iy+1), s.texel(ix+1, iy+1)
	lerp := func(p, q rgba, t float32) rgba {
		return rgba{p.r + (q.r-p.r)*t, p.g + (q.g-p.g)*t, p.b + (q.b-p.b)*t, p.a + (q.a-p.a)*t}
	}
	return lerp(lerp(a, b, fx), lerp(c, d, fx), fy)
}

func mod(a, n int) int {
	if n <= 0 {
		return 0
	}
	a %= n
	if a < 0 {
		a += n
	}
	return a
}

func clampI(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
