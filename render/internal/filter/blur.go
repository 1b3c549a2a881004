package filter

import (
	"image"
	"math"
)

// Skia's CPU blurs, as Chromium uses them for canvas shadows.
//
// Chromium turns shadowBlur into σ = shadowBlur/2 and hands it to Skia in
// one of two ways:
//
//   - drawImage of a non-opaque image (how Fabric paints every cached
//     object, and so most shadows in Fabric 6) gets a drop-shadow image
//     filter. On the raster backend that is SkBlurEngine's
//     Raster8888BlurAlgorithm (src/core/SkBlurEngine.cpp). Chromium's
//     SkUserConfig.h defines SK_AVOID_SLOW_RASTER_PIPELINE_BLURS, so every
//     σ takes ThreeBoxApproxPass: three stacked box filters evaluated in one
//     integer pass, window w = floor(σ·3·√(2π)/4 + 0.5) in float32, boxes
//     w, w, w (w odd) or w, w, w+1 (w even), reaching
//     3·(w-1)/2 (odd) or 3·w/2-1 (even) pixels, rounded with
//     skvx::ScaledDividerU32. A window of 1 (σ < about 0.8) is no blur at
//     all, and σ <= 0.03 is the identity. X is blurred first, then Y.
//     GaussianBlurAlpha and GaussianBlurRGBA do the same integer arithmetic
//     for σ up to 135; above that Chromium downscales first (FilterResult::
//     rescale) while we keep the three boxes at full size, which is close
//     but not identical.
//
//   - fills and strokes drawn directly with a shadow (objects inside a
//     cached Group, uncached objects) get a blur mask filter:
//     SkMaskBlurFilter (src/core/SkMaskBlurFilter.cpp). For σ >= 2 it is the
//     same three boxes (window computed in double, rounding
//     (weight·sum + 2³¹) >> 32); for 1/3 < σ < 2 it is a true Gaussian
//     kernel of radius <= 4 from SkGaussFilter (Bessel-function
//     coefficients, 16-bit fixed point, Y first, then X); σ <= 1/3 is no
//     blur and σ is capped at 135. MaskBlurAlpha does that.
//
// Which of the two applies is Blink's CanvasRenderingContext2DState::
// GetFlags: a non-opaque image gets the image filter, anything else the
// draw looper and its mask filter.
//
// Not reproduced: Skia's mask-filter shortcuts for rectangles and round
// rectangles (nine-patch, SkBlurMask::BlurRect's analytic profile), which
// can differ from MaskBlurAlpha by a unit or so; and GPU-rasterised
// canvases, which blur with a true Gaussian.
//
// Checked against Chromium: the corpus case public/shadow.json (blurs of
// σ 6 and 10 on cached Rects) matches GaussianBlurAlpha exactly along
// whole profiles; see TestChromiumShadowProfile.

// BlurPad returns how many pixels the blurred result reaches beyond the
// source on each side, for any of this file's blurs. Leave that much
// transparent margin around the content before blurring in place.
func BlurPad(sigma float64) int {
	return max(boxBorder(imageFilterWindow(sigma)), maskPad(sigma))
}

// GaussianBlurAlpha blurs img in place as Skia's raster image-filter blur
// does (the shadow of a drawImage in Chromium), treating everything outside
// img.Rect as transparent. Content within BlurPad(sigma) of the edge loses
// the part of its blur that falls outside.
func GaussianBlurAlpha(img *image.Alpha, sigma float64) {
	w := imageFilterWindow(sigma)
	if w <= 1 || img == nil || img.Rect.Empty() {
		return
	}
	k := newImageFilterBox(w)
	pix, stride := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y):], img.Stride
	boxBlur(pix, img.Rect.Dx(), img.Rect.Dy(), stride, 1, k)
}

// GaussianBlurRGBA blurs the premultiplied img in place, each channel as
// GaussianBlurAlpha blurs alpha (Skia blurs the four channels of an 8888
// image independently).
func GaussianBlurRGBA(img *image.RGBA, sigma float64) {
	w := imageFilterWindow(sigma)
	if w <= 1 || img == nil || img.Rect.Empty() {
		return
	}
	k := newImageFilterBox(w)
	pix, stride := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y):], img.Stride
	boxBlur(pix, img.Rect.Dx(), img.Rect.Dy(), stride, 4, k)
}

// MaskBlurAlpha blurs the coverage mask img in place as Skia's blur mask
// filter (SkMaskBlurFilter) does: the shadow of a fill or stroke drawn
// directly, not through drawImage.
func MaskBlurAlpha(img *image.Alpha, sigma float64) {
	if img == nil || img.Rect.Empty() || !(sigma > 0) {
		return
	}
	sigma = min(sigma, 135)
	if 3*sigma <= 1 {
		return
	}
	pix, stride := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y):], img.Stride
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if sigma < 2 {
		gaussBlur(pix, w, h, stride, gaussFactors(sigma))
		return
	}
	boxBlur(pix, w, h, stride, 1, newMaskBox(maskWindow(sigma)))
}

// imageFilterWindow is SkBlurEngine::BoxBlurWindow in float32, or 1 (no
// blur) for σ <= 0.03 and for NaN.
func imageFilterWindow(sigma float64) int {
	s := float32(sigma)
	if !(s > 0.03) {
		return 1
	}
	if s > 1e6 {
		s = 1e6
	}
	root := float32(math.Sqrt(float64(2 * float32(math.Pi))))
	v := float32(float32(s*3)*root)/4 + 0.5
	return max(1, int(math.Floor(float64(v))))
}

// maskWindow is PlanGauss's window, computed in double.
func maskWindow(sigma float64) int {
	return max(1, int(math.Floor(sigma*3*math.Sqrt(2*math.Pi)/4+0.5)))
}

func maskPad(sigma float64) int {
	if !(sigma > 0) {
		return 0
	}
	sigma = min(sigma, 135)
	if 3*sigma <= 1 {
		return 0
	}
	if sigma < 2 {
		return len(gaussFactors(sigma)) - 1
	}
	return boxBorder(maskWindow(sigma))
}

// boxBorder is the reach of three stacked boxes of window w.
func boxBorder(w int) int {
	if w <= 1 {
		return 0
	}
	if w&1 == 1 {
		return 3 * ((w - 1) / 2)
	}
	return 3*(w/2) - 1
}

// boxKernel is one ThreeBoxApproxPass / PlanGauss configuration. The
// output for a running sum s (three stacked window sums) is
// uint8((s·mul + add) >> 32), or (s + add) / div when div is set (windows
// too large for Skia's 32-bit sums).
type boxKernel struct {
	window, border int
	size2          int // third ring buffer: w-1 (odd) or w (even)
	mul, add       uint64
	div            uint64
}

func boxDivisor(w int) uint64 {
	d := uint64(w) * uint64(w) * uint64(w)
	if w&1 == 0 {
		d += uint64(w) * uint64(w)
	}
	return d
}

func newBox(w int) boxKernel {
	k := boxKernel{window: w, border: boxBorder(w), size2: w - 1}
	if w&1 == 0 {
		k.size2 = w
	}
	return k
}

// newImageFilterBox rounds as skvx::ScaledDividerU32: the sum starts at
// half = (d+1)/2 and is multiplied by round(2³²/d).
func newImageFilterBox(w int) boxKernel {
	k := newBox(w)
	d := boxDivisor(w)
	half := (d + 1) >> 1
	if w >= 255 {
		k.div, k.add = d, half
		return k
	}
	f := uint64(uint32(math.Round(1 / float64(d) * (1 << 32))))
	k.mul, k.add = f, half*f
	return k
}

// newMaskBox rounds as PlanGauss::finalScale: (weight·sum + 2³¹) >> 32
// with weight = round(2³²/d).
func newMaskBox(w int) boxKernel {
	k := newBox(w)
	d := boxDivisor(w)
	k.mul, k.add = uint64(math.Round(1/float64(d)*(1<<32))), 1<<31
	return k
}

// boxBlur blurs a w×h grid of lanes-byte pixels, rows stride bytes apart,
// in place: X then Y. Each byte of a pixel is its own channel.
func boxBlur(pix []uint8, w, h, stride, lanes int, k boxKernel) {
	if k.div != 0 {
		boxBlurWide(pix, w, h, stride, lanes, k)
		return
	}
	// Sequences are run side by side, a band at a time, so that the
	// three-sum recurrences of neighbouring sequences overlap in the CPU
	// and memory is walked in cache-sized strips.
	const bandX, bandY = 32, 256
	buf := newLaneBuf(k, max(bandX, bandY))
	// X: a band of rows; sequence i is row y0+i, step lanes bytes.
	for c := 0; c < lanes; c++ {
		for y0 := 0; y0 < h; y0 += bandX {
			boxLanes32(pix, y0*stride+c, min(bandX, h-y0), stride, w, lanes, &k, &buf)
		}
	}
	// Y: a band of byte columns; sequence i is column x0+i, step a row.
	for x0 := 0; x0 < w*lanes; x0 += bandY {
		boxLanes32(pix, x0, min(bandY, w*lanes-x0), 1, h, stride, &k, &buf)
	}
}

// laneBuf holds, per sequence, the three running sums and the three ring
// buffers of trailing edges (rings 0 and 1 have the same length, so they
// share a cursor).
type laneBuf struct{ s0, s1, s2, r0, r1, r2 []uint32 }

func newLaneBuf(k boxKernel, lanes int) laneBuf {
	return laneBuf{
		s0: make([]uint32, lanes), s1: make([]uint32, lanes), s2: make([]uint32, lanes),
		r0: make([]uint32, (k.window-1)*lanes),
		r1: make([]uint32, (k.window-1)*lanes),
		r2: make([]uint32, k.size2*lanes),
	}
}

// boxLanes32 runs the three stacked box sums (Skia's ThreeBoxApproxPass /
// PlanGauss, 32-bit sums) along nl sequences at once, in place. Element t
// of sequence i is pix[base + i·laneStep + t·step], t < n; output t takes
// the sums whose leading edge is input t+border, and inputs past n are 0.
func boxLanes32(pix []uint8, base, nl, laneStep, n, step int, k *boxKernel, buf *laneBuf) {
	n0, n2, border := k.window-1, k.size2, k.border
	s0, s1, s2 := buf.s0[:nl], buf.s1[:nl], buf.s2[:nl]
	clear(s0)
	clear(s1)
	clear(s2)
	clear(buf.r0[:n0*nl])
	clear(buf.r1[:n0*nl])
	clear(buf.r2[:n2*nl])
	mul, add := k.mul, k.add
	c01, c2 := 0, 0
	var zero [256]uint8
	for t := 0; t < n+border; t++ {
		r0 := buf.r0[c01*nl : (c01+1)*nl]
		r1 := buf.r1[c01*nl : (c01+1)*nl]
		r2 := buf.r2[c2*nl : (c2+1)*nl]
		p, q := base+t*step, base+(t-border)*step
		if laneStep == 1 && nl <= len(zero) {
			// Contiguous lanes: slices, so bounds checks are hoisted.
			src := zero[:nl]
			if t < n {
				src = pix[p : p+nl]
			}
			var dst []uint8
			if t >= border {
				dst = pix[q : q+nl]
			}
			lanes32(src, dst, s0, s1, s2, r0, r1, r2, mul, add)
		} else {
			for i := range s0 {
				var v uint32
				if t < n {
					v = uint32(pix[p])
				}
				a := s0[i] + v
				b := s1[i] + a
				c := s2[i] + b
				if t >= border {
					pix[q] = uint8((uint64(c)*mul + add) >> 32)
				}
				s2[i] = c - r2[i]
				r2[i] = b
				s1[i] = b - r1[i]
				r1[i] = a
				s0[i] = a - r0[i]
				r0[i] = v
				p += laneStep
				q += laneStep
			}
		}
		if c01++; c01 == n0 {
			c01 = 0
		}
		if c2++; c2 == n2 {
			c2 = 0
		}
	}
}

// lanes32 advances every sequence by one input (src) and writes one output
// each to dst unless dst is nil.
func lanes32(src, dst []uint8, s0, s1, s2, r0, r1, r2 []uint32, mul, add uint64) {
	s1, s2 = s1[:len(s0)], s2[:len(s0)]
	r0, r1, r2 = r0[:len(s0)], r1[:len(s0)], r2[:len(s0)]
	src = src[:len(s0)]
	if dst == nil {
		for i, v8 := range src {
			v := uint32(v8)
			a := s0[i] + v
			b := s1[i] + a
			c := s2[i] + b
			s2[i] = c - r2[i]
			r2[i] = b
			s1[i] = b - r1[i]
			r1[i] = a
			s0[i] = a - r0[i]
			r0[i] = v
		}
		return
	}
	dst = dst[:len(s0)]
	for i, v8 := range src {
		v := uint32(v8)
		a := s0[i] + v
		b := s1[i] + a
		c := s2[i] + b
		dst[i] = uint8((uint64(c)*mul + add) >> 32)
		s2[i] = c - r2[i]
		r2[i] = b
		s1[i] = b - r1[i]
		r1[i] = a
		s0[i] = a - r0[i]
		r0[i] = v
	}
}

// boxBlurWide handles windows of 255 and more (σ > 135), whose sums do not
// fit in 32 bits: a line at a time, 64-bit sums, exact division.
func boxBlurWide(pix []uint8, w, h, stride, lanes int, k boxKernel) {
	ring := make([]uint64, 2*(k.window-1)+k.size2)
	for y := 0; y < h; y++ {
		for c := 0; c < lanes; c++ {
			boxLine64(pix[y*stride+c:], w, lanes, k, ring)
		}
	}
	for x := 0; x < w*lanes; x++ {
		boxLine64(pix[x:], h, stride, k, ring)
	}
}

// boxLine64 blurs n values p[0], p[step], … in place. Output d takes the
// three box sums whose leading edge is input d+border; inputs past the end
// are zero.
func boxLine64(p []uint8, n, step int, k boxKernel, ring []uint64) {
	n0, n2 := k.window-1, k.size2
	clear(ring)
	b0, b1, b2 := ring[:n0], ring[n0:2*n0], ring[2*n0:2*n0+n2]
	c0, c2 := 0, 0
	var s0, s1, s2 uint64
	for t := 0; t < n+k.border; t++ {
		var in uint64
		if t < n {
			in = uint64(p[t*step])
		}
		s0 += in
		s1 += s0
		s2 += s1
		if d := t - k.border; d >= 0 {
			p[d*step] = uint8((s2 + k.add) / k.div)
		}
		s2 -= b2[c2]
		b2[c2] = s1
		s1 -= b1[c0]
		b1[c0] = s0
		s0 -= b0[c0]
		b0[c0] = in
		if c0++; c0 == n0 {
			c0 = 0
		}
		if c2++; c2 == n2 {
			c2 = 0
		}
	}
}

// gaussFactors is SkGaussFilter(σ) for 0 < σ < 2 turned into the 16-bit
// factors small_blur uses: factors[i] weighs the pixel i away, i <= 4.
func gaussFactors(sigma float64) []uint16 {
	const goodEnough = 1.0 / 100
	variance := sigma * sigma
	besselI0 := func(t float64) float64 {
		q := t * t / 4
		sum, factor := 1.0, 1.0
		for k := 1; factor > 1.0/1000000; k++ {
			factor *= q / float64(k*k)
			sum += factor
		}
		return sum
	}
	besselI1 := func(t float64) float64 {
		q := t * t / 4
		sum := t / 2
		factor := sum
		for k := 1; factor > 1.0/1000000; k++ {
			factor *= q / float64(k*(k+1))
			sum += factor
		}
		return sum
	}
	var b, g [8]float64
	e := math.Exp(variance)
	b[0], b[1] = besselI0(variance), besselI1(variance)
	g[0], g[1] = b[0]/e, b[1]/e
	n := 1
	for g[n] > goodEnough && n+1 < len(g) {
		b[n+1] = float64(-(2*float64(n)/variance)*b[n]) + b[n-1]
		g[n+1] = b[n+1] / e
		n++
	}
	// normalize(n, g)
	sum := 0.0
	for i := n - 1; i >= 1; i-- {
		sum += 2 * g[i]
	}
	sum += g[0]
	for i := 0; i < n; i++ {
		g[i] /= sum
	}
	sum = 0
	for i := n - 1; i >= 1; i-- {
		sum += 2 * g[i]
	}
	g[0] = 1 - sum

	out := make([]uint16, n)
	for i := range out {
		out[i] = uint16(math.Round(g[i] * (1 << 16)))
	}
	return out
}

// gaussBlur is SkMaskBlurFilter's small_blur in place: each output is
// (0x80 + Σ mulhi(in<<8, factor)) >> 8 in 16-bit arithmetic, products
// truncated one by one, first down the columns, then along the rows.
func gaussBlur(pix []uint8, w, h, stride int, g []uint16) {
	r := len(g) - 1
	weight := func(k int) uint32 { return uint32(g[abs(k)]) }
	tmp := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		copy(tmp[y*w:(y+1)*w], pix[y*stride:y*stride+w])
	}
	// Y: tmp -> pix
	for y := 0; y < h; y++ {
		out := pix[y*stride : y*stride+w]
		for x := 0; x < w; x++ {
			acc := uint16(0x80)
			for k := -r; k <= r; k++ {
				if sy := y + k; sy >= 0 && sy < h {
					acc += uint16(((uint32(tmp[sy*w+x]) << 8) * weight(k)) >> 16)
				}
			}
			out[x] = uint8(acc >> 8)
		}
	}
	// X: pix -> pix, through a copy of each row
	line := make([]uint8, w)
	for y := 0; y < h; y++ {
		row := pix[y*stride : y*stride+w]
		copy(line, row)
		for x := 0; x < w; x++ {
			acc := uint16(0x80)
			for k := -r; k <= r; k++ {
				if sx := x + k; sx >= 0 && sx < w {
					acc += uint16(((uint32(line[sx]) << 8) * weight(k)) >> 16)
				}
			}
			row[x] = uint8(acc >> 8)
		}
	}
}

func abs(k int) int {
	if k < 0 {
		return -k
	}
	return k
}
