package filter

import (
	"math"
	"runtime"
	"sync"

	"github.com/fabricpress/fabricpress/fabric"
)

// Each op transcribes the applyTo2d method of the Fabric 6.9.1 class named
// in its comment; expressions keep V8's evaluation order.

// grayscale is src/filters/Grayscale.ts. An unknown mode leaves value
// undefined, which stores as 0.
type grayscale struct{ mode string }

func (grayscale) neutral() bool { return false }

func (f *grayscale) apply(s *state) {
	d := s.data
	for i := 0; i+3 < len(d); i += 4 {
		r, g, b := float64(d[i]), float64(d[i+1]), float64(d[i+2])
		var v float64
		switch f.mode {
		case "average":
			v = (r + g + b) / 3
		case "lightness":
			v = (min(r, g, b) + max(r, g, b)) / 2
		case "luminosity":
			v = float64(0.21*r) + float64(0.72*g)
			v += float64(0.07 * b)
		default:
			v = math.NaN()
		}
		c := clampU8(v)
		d[i], d[i+1], d[i+2] = c, c, c
	}
}

// Colour matrices of src/filters/ColorMatrixFilters.ts (identical in v5).
var presets = map[string][20]float64{
	"brownie": {
		0.5997, 0.34553, -0.27082, 0, 0.186, -0.0377, 0.86095, 0.15059, 0, -0.1449,
		0.24113, -0.07441, 0.44972, 0, -0.02965, 0, 0, 0, 1, 0,
	},
	"vintage": {
		0.62793, 0.32021, -0.03965, 0, 0.03784, 0.02578, 0.64411, 0.03259, 0,
		0.02926, 0.0466, -0.08512, 0.52416, 0, 0.02023, 0, 0, 0, 1, 0,
	},
	"kodachrome": {
		1.12855, -0.39673, -0.03992, 0, 0.24991, -0.16404, 1.08352, -0.05498, 0,
		0.09698, -0.16786, -0.56034, 1.60148, 0, 0.13972, 0, 0, 0, 1, 0,
	},
	"technicolor": {
		1.91252, -0.85453, -0.09155, 0, 0.04624, -0.30878, 1.76589, -0.10601, 0,
		-0.27589, -0.2311, -0.75018, 1.84759, 0, 0.12137, 0, 0, 0, 1, 0,
	},
	"polaroid": {
		1.438, -0.062, -0.062, 0, 0, -0.122, 1.378, -0.122, 0, 0, -0.016, -0.016,
		1.483, 0, 0, 0, 0, 0, 1, 0,
	},
	"sepia": {
		0.393, 0.769, 0.189, 0, 0, 0.349, 0.686, 0.168, 0, 0, 0.272, 0.534, 0.131,
		0, 0, 0, 0, 0, 1, 0,
	},
	"blackwhite": {
		1.5, 1.5, 1.5, 0, -1, 1.5, 1.5, 1.5, 0, -1, 1.5, 1.5, 1.5, 0, -1, 0, 0, 0,
		1, 0,
	},
}

var identityMatrix = [20]float64{1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0}

// hueMatrix is HueRotation.calculateMatrix (src/filters/HueRotation.ts).
func hueMatrix(rotation float64) [20]float64 {
	rad := rotation * math.Pi
	cosine := fabric.Cos(rad)
	sine := fabric.Sin(rad)
	aThird := 1.0 / 3
	aThirdSqtSin := float64(math.Sqrt(aThird) * sine)
	oneMinusCos := 1 - cosine
	t := float64(aThird * oneMinusCos)
	return [20]float64{
		cosine + oneMinusCos/3, t - aThirdSqtSin, t + aThirdSqtSin, 0, 0,
		t + aThirdSqtSin, cosine + t, t - aThirdSqtSin, 0, 0,
		t - aThirdSqtSin, t + aThirdSqtSin, cosine + t, 0, 0,
		0, 0, 0, 1, 0,
	}
}

// colorMatrix is src/filters/ColorMatrix.ts, which also serves the presets
// (Sepia, Brownie, …, colorsOnly false by default) and HueRotation.
type colorMatrix struct {
	m          [20]float64
	colorsOnly bool
	hue        bool // HueRotation: neutral when rotation is 0
	rotation   float64
}

func (f *colorMatrix) neutral() bool { return f.hue && f.rotation == 0 }

// row is r·m[k] + g·m[k+1] + b·m[k+2] + m[k+4]·255, left to right.
func row(m *[20]float64, k int, r, g, b float64) float64 {
	v := float64(r*m[k]) + float64(g*m[k+1])
	v += float64(b * m[k+2])
	return v + float64(m[k+4]*255)
}

func (f *colorMatrix) apply(s *state) {
	d, m := s.data, &f.m
	for i := 0; i+3 < len(d); i += 4 {
		r, g, b := float64(d[i]), float64(d[i+1]), float64(d[i+2])
		nr := clampU8(row(m, 0, r, g, b))
		ng := clampU8(row(m, 5, r, g, b))
		nb := clampU8(row(m, 10, r, g, b))
		if !f.colorsOnly {
			a := float64(d[i+3])
			nr = clampU8(float64(nr) + float64(a*m[3]))
			ng = clampU8(float64(ng) + float64(a*m[8]))
			nb = clampU8(float64(nb) + float64(a*m[13]))
			v := float64(r*m[15]) + float64(g*m[16])
			v += float64(b * m[17])
			v += float64(a * m[18])
			d[i+3] = clampU8(v + float64(m[19]*255))
		}
		d[i], d[i+1], d[i+2] = nr, ng, nb
	}
}

// brightness is src/filters/Brightness.ts.
type brightness struct{ v float64 }

func (f *brightness) neutral() bool { return f.v == 0 }

func (f *brightness) apply(s *state) {
	b := fabric.JSRound(f.v * 255)
	d := s.data
	for i := 0; i+3 < len(d); i += 4 {
		d[i] = clampU8(float64(d[i]) + b)
		d[i+1] = clampU8(float64(d[i+1]) + b)
		d[i+2] = clampU8(float64(d[i+2]) + b)
	}
}

// contrast is src/filters/Contrast.ts.
type contrast struct{ v float64 }

func (f *contrast) neutral() bool { return f.v == 0 }

func (f *contrast) apply(s *state) {
	c := math.Floor(f.v * 255)
	k := float64(259*(c+255)) / float64(255*(259-c))
	var lut [256]uint8
	for x := range lut {
		lut[x] = clampU8(float64(k*(float64(x)-128)) + 128)
	}
	d := s.data
	for i := 0; i+3 < len(d); i += 4 {
		d[i], d[i+1], d[i+2] = lut[d[i]], lut[d[i+1]], lut[d[i+2]]
	}
}

// saturation is src/filters/Saturation.ts.
type saturation struct{ v float64 }

func (f *saturation) neutral() bool { return f.v == 0 }

func (f *saturation) apply(s *state) {
	adjust := -f.v
	d := s.data
	for i := 0; i+3 < len(d); i += 4 {
		r, g, b := float64(d[i]), float64(d[i+1]), float64(d[i+2])
		mx := max(r, g, b)
		d[i] = clampU8(r + towardMax(mx, r, adjust))
		d[i+1] = clampU8(g + towardMax(mx, g, adjust))
		d[i+2] = clampU8(b + towardMax(mx, b, adjust))
	}
}

// towardMax is `max !== c ? (max - c) * k : 0`.
func towardMax(mx, c, k float64) float64 {
	if mx == c {
		return 0
	}
	return float64((mx - c) * k)
}

// vibrance is src/filters/Vibrance.ts.
type vibrance struct{ v float64 }

func (f *vibrance) neutral() bool { return f.v == 0 }

func (f *vibrance) apply(s *state) {
	adjust := -f.v
	d := s.data
	for i := 0; i+3 < len(d); i += 4 {
		r, g, b := float64(d[i]), float64(d[i+1]), float64(d[i+2])
		mx := max(r, g, b)
		avg := (r + g + b) / 3
		amt := float64(float64(math.Abs(mx-avg)*2)/255) * adjust
		d[i] = clampU8(r + towardMax(mx, r, amt))
		d[i+1] = clampU8(g + towardMax(mx, g, amt))
		d[i+2] = clampU8(b + towardMax(mx, b, amt))
	}
}

// invert is src/filters/Invert.ts. applyTo2d ignores `invert`; only
// isNeutralState reads it (so inside Composed, invert:false still inverts).
type invert struct{ invert, alpha bool }

func (f *invert) neutral() bool { return !f.invert }

func (f *invert) apply(s *state) {
	d := s.data
	for i := 0; i+3 < len(d); i += 4 {
		d[i], d[i+1], d[i+2] = 255-d[i], 255-d[i+1], 255-d[i+2]
		if f.alpha {
			d[i+3] = 255 - d[i+3]
		}
	}
}

// gamma is src/filters/Gamma.ts. Its lookup tables are Uint8Arrays, which
// truncate (and wrap) instead of rounding and clamping.
type gamma struct{ g [3]float64 }

func (f *gamma) neutral() bool { return f.g[0] == 1 && f.g[1] == 1 && f.g[2] == 1 }

func (f *gamma) apply(s *state) {
	var lut [3][256]uint8
	for c := range lut {
		inv := 1 / f.g[c]
		for i := range lut[c] {
			lut[c][i] = toU8(float64(fabric.JSPow(float64(i)/255, inv) * 255))
		}
	}
	d := s.data
	for i := 0; i+3 < len(d); i += 4 {
		d[i], d[i+1], d[i+2] = lut[0][d[i]], lut[1][d[i+1]], lut[2][d[i+2]]
	}
}

// noise is src/filters/Noise.ts, with a seeded generator for Math.random.
type noise struct{ v float64 }

func (f *noise) neutral() bool { return f.v == 0 }

func (f *noise) apply(s *state) {
	if s.rng == nil {
		s.rng = &noiseRand{s: 0x9E3779B97F4A7C15}
	}
	d := s.data
	for i := 0; i+3 < len(d); i += 4 {
		rand := float64(0.5-s.rng.float64()) * f.v
		d[i] = clampU8(float64(d[i]) + rand)
		d[i+1] = clampU8(float64(d[i+1]) + rand)
		d[i+2] = clampU8(float64(d[i+2]) + rand)
	}
}

// pixelate is src/filters/Pixelate.ts. With a fractional blocksize the
// JavaScript indexes the typed array with fractional numbers: reads give
// undefined and writes are dropped. The float loop below keeps that.
type pixelate struct{ bs float64 }

func (f *pixelate) neutral() bool { return f.bs == 1 }

func (f *pixelate) apply(s *state) {
	d := s.data
	w, h := float64(s.w), float64(s.h)
	if f.bs == math.Trunc(f.bs) {
		pixelateInt(d, s.w, s.h, int(math.Min(f.bs, 1<<30)))
		return
	}
	get := func(idx float64) float64 {
		if idx >= 0 && idx < float64(len(d)) && idx == math.Trunc(idx) {
			return float64(d[int(idx)])
		}
		return math.NaN()
	}
	set := func(idx, v float64) {
		if idx >= 0 && idx < float64(len(d)) && idx == math.Trunc(idx) {
			d[int(idx)] = clampU8(v)
		}
	}
	bs := f.bs
	for i := 0.0; i < h; i += bs {
		for j := 0.0; j < w; j += bs {
			index := float64(i*4*w) + j*4
			r, g, b, a := get(index), get(index+1), get(index+2), get(index+3)
			for ii := i; ii < math.Min(i+bs, h); ii++ {
				for jj := j; jj < math.Min(j+bs, w); jj++ {
					idx := float64(ii*4*w) + jj*4
					set(idx, r)
					set(idx+1, g)
					set(idx+2, b)
					set(idx+3, a)
				}
			}
		}
	}
}

func pixelateInt(d []uint8, w, h, bs int) {
	for i := 0; i < h; i += bs {
		for j := 0; j < w; j += bs {
			k := (i*w + j) * 4
			px := [4]uint8{d[k], d[k+1], d[k+2], d[k+3]}
			for ii := i; ii < min(i+bs, h); ii++ {
				for jj := j; jj < min(j+bs, w); jj++ {
					copy(d[(ii*w+jj)*4:], px[:])
				}
			}
		}
	}
}

// removeColor is src/filters/RemoveColor.ts (the 2D code ignores useAlpha).
type removeColor struct {
	src      [4]float64
	distance float64
}

func (removeColor) neutral() bool { return false }

func (f *removeColor) apply(s *state) {
	dist := f.distance * 255
	var lo, hi [3]float64
	for c := range lo {
		lo[c] = f.src[c] - dist
		hi[c] = f.src[c] + dist
	}
	d := s.data
	for i := 0; i+3 < len(d); i += 4 {
		r, g, b := float64(d[i]), float64(d[i+1]), float64(d[i+2])
		if r > lo[0] && g > lo[1] && b > lo[2] && r < hi[0] && g < hi[1] && b < hi[2] {
			d[i+3] = 0
		}
	}
}

// blendColor is src/filters/BlendColor.ts. An unknown mode leaves the
// outputs undefined, which store as 0; Fabric 5's alias "diff" is read as
// "difference".
type blendColor struct {
	src   [4]float64
	mode  string
	alpha float64
}

func (blendColor) neutral() bool { return false }

func (f *blendColor) apply(s *state) {
	alpha := f.alpha
	t := [3]float64{f.src[0] * alpha, f.src[1] * alpha, f.src[2] * alpha}
	alpha1 := 1 - alpha
	mode := f.mode
	if mode == "diff" {
		mode = "difference"
	}
	blend := func(c, t float64) float64 {
		switch mode {
		case "multiply":
			return float64(c*t) / 255
		case "screen":
			return 255 - float64((255-c)*(255-t))/255
		case "add":
			return c + t
		case "difference":
			return math.Abs(c - t)
		case "subtract":
			return c - t
		case "darken":
			return math.Min(c, t)
		case "lighten":
			return math.Max(c, t)
		case "overlay":
			if t < 128 {
				return float64(2*c*t) / 255
			}
			return 255 - float64(2*(255-c)*(255-t))/255
		case "exclusion":
			return (t + c) - float64(2*t*c)/255
		case "tint":
			return t + float64(c*alpha1)
		}
		return math.NaN()
	}
	// Output depends on one channel value at a time: tabulate.
	var lut [3][256]uint8
	for ch := range lut {
		for c := range lut[ch] {
			lut[ch][c] = clampU8(blend(float64(c), t[ch]))
		}
	}
	d := s.data
	for i := 0; i+3 < len(d); i += 4 {
		d[i], d[i+1], d[i+2] = lut[0][d[i]], lut[1][d[i+1]], lut[2][d[i+2]]
	}
}

// blur is the 2D path of src/filters/Blur.ts (6.9.1): a horizontal then a
// vertical pass of 29 alpha-weighted samples with tent weights 1-|j|/15,
// spread over ±0.12·blur of the shorter side (scaled on the longer one).
// Two quirks are kept: a horizontal sample past the end of a row clamps to
// the first pixel of the next row, and on the last row it reads past the
// array, so that pixel becomes (0,0,0,0).
type blur struct{ v float64 }

func (f *blur) neutral() bool { return f.v == 0 }

const blurSamples = 15

// blurTaps returns Math.floor(blurValue·j/15) for j = -14..14, the sample
// weights 1-|j/15| and their sum (totalA, the same for every pixel).
func blurTaps(blurValue float64) (dist [2*blurSamples - 1]int, weight [2*blurSamples - 1]float64, total float64) {
	for k := range dist {
		j := k - (blurSamples - 1)
		percent := float64(j) / blurSamples
		dist[k] = int(math.Floor(blurValue * percent))
		weight[k] = 1 - math.Abs(percent)
		total += weight[k]
	}
	return
}

// blurValue is getBlurValue()·size.
func (f *blur) blurValue(horizontal bool, w, h int) float64 {
	aspect := float64(w) / float64(h)
	scale := 1.0
	if horizontal && aspect > 1 {
		scale = 1 / aspect
	}
	if !horizontal && aspect < 1 {
		scale = aspect
	}
	size := h
	if horizontal {
		size = w
	}
	return float64(float64(scale*f.v)*0.12) * float64(size)
}

func (f *blur) apply(s *state) {
	w, h := s.w, s.h
	src := s.data
	tmp := make([]uint8, len(src))

	dist, weight, total := blurTaps(f.blurValue(true, w, h))
	parallelRows(h, w, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			rowStart := y * w
			for x := 0; x < w; x++ {
				var r, g, b, a float64
				nan := false
				for k, dx := range dist {
					sx := x + dx
					if sx < 0 {
						sx = 0
					} else if sx > w {
						sx = w // the first pixel of the next row
					}
					p := (rowStart + sx) * 4
					if p+3 >= len(src) {
						nan = true // past the end: undefined
						break
					}
					la := float64(src[p+3]) * weight[k]
					r += float64(float64(src[p]) * la)
					g += float64(float64(src[p+1]) * la)
					b += float64(float64(src[p+2]) * la)
					a += la
				}
				o := (rowStart + x) * 4
				if nan {
					tmp[o], tmp[o+1], tmp[o+2], tmp[o+3] = 0, 0, 0, 0
					continue
				}
				tmp[o] = clampU8(r / a)
				tmp[o+1] = clampU8(g / a)
				tmp[o+2] = clampU8(b / a)
				tmp[o+3] = clampU8(a / total)
			}
		}
	})

	dist, weight, total = blurTaps(f.blurValue(false, w, h))
	parallelRows(h, w, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			for x := 0; x < w; x++ {
				var r, g, b, a float64
				for k, dy := range dist {
					sy := min(max(y+dy, 0), h-1)
					p := (sy*w + x) * 4
					la := float64(tmp[p+3]) * weight[k]
					r += float64(float64(tmp[p]) * la)
					g += float64(float64(tmp[p+1]) * la)
					b += float64(float64(tmp[p+2]) * la)
					a += la
				}
				o := (y*w + x) * 4
				src[o] = clampU8(r / a)
				src[o+1] = clampU8(g / a)
				src[o+2] = clampU8(b / a)
				src[o+3] = clampU8(a / total)
			}
		}
	})
}

// convolute is src/filters/Convolute.ts: a side×side kernel (side =
// round(√len)) over the image with no edge extension; weights past the end
// of a non-square matrix are undefined (NaN, storing 0). With opaque the
// alpha channel is copied instead of convolved.
type convolute struct {
	m      []float64
	opaque bool
}

func (convolute) neutral() bool { return false }

func (f *convolute) apply(s *state) {
	side := int(fabric.JSRound(math.Sqrt(float64(len(f.m)))))
	half := side / 2
	weights := make([]float64, side*side)
	for i := range weights {
		if i < len(f.m) {
			weights[i] = f.m[i]
		} else {
			weights[i] = math.NaN()
		}
	}
	w, h, src := s.w, s.h, s.data
	dst := make([]uint8, len(src))
	parallelRows(h, w*side*side/9+1, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			for x := 0; x < w; x++ {
				var r, g, b, a float64
				for cy := 0; cy < side; cy++ {
					scy := y + cy - half
					if scy < 0 || scy >= h {
						continue
					}
					for cx := 0; cx < side; cx++ {
						scx := x + cx - half
						if scx < 0 || scx >= w {
							continue
						}
						p := (scy*w + scx) * 4
						wt := weights[cy*side+cx]
						r += float64(float64(src[p]) * wt)
						g += float64(float64(src[p+1]) * wt)
						b += float64(float64(src[p+2]) * wt)
						if !f.opaque {
							a += float64(float64(src[p+3]) * wt)
						}
					}
				}
				o := (y*w + x) * 4
				dst[o], dst[o+1], dst[o+2] = clampU8(r), clampU8(g), clampU8(b)
				if f.opaque {
					dst[o+3] = src[o+3]
				} else {
					dst[o+3] = clampU8(a)
				}
			}
		}
	})
	s.data = dst
}

// composed is src/filters/Composed.ts: every sub-filter is applied, the
// neutral ones included; it is neutral when they all are.
type composed struct{ subs []op }

func (f *composed) neutral() bool {
	for _, o := range f.subs {
		if !o.neutral() {
			return false
		}
	}
	return true
}

func (f *composed) apply(s *state) {
	for _, o := range f.subs {
		o.apply(s)
	}
}

// parallelRows splits rows [0,h) among goroutines when the work (h rows of
// about cost units each) is worth it. Rows are independent, so the result
// does not depend on the split.
func parallelRows(h, cost int, fn func(y0, y1 int)) {
	n := runtime.GOMAXPROCS(0)
	if n <= 1 || h*cost < 1<<16 {
		fn(0, h)
		return
	}
	n = min(n, h)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		y0, y1 := h*i/n, h*(i+1)/n
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(y0, y1)
		}()
	}
	wg.Wait()
}
