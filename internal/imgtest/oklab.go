package imgtest

import "math"

// OKLab conversion as pixelmatch 8.0.0 does it (Björn Ottosson's OKLab with
// the toe-corrected lightness Lr), including its lookup tables with linear
// interpolation: the port has to reproduce pixelmatch's approximations, not
// the exact colour science, to agree at the threshold.

const (
	cbrtN     = 4096 // CBRT_N: samples of the cube-root table over [0, 1]
	cbrtExact = 8    // CBRT_EXACT: below cbrtExact/cbrtN the exact cube root is used

	toeK1 = 0.206
	// toeK3 is (1 + K1) / (1 + K2) = 1.206 / 1.03 rounded to float64 as V8
	// computes it (two rounded operations; a Go constant expression would be
	// rounded once and could differ). TestDerivedConstants checks it.
	toeK3 = 0x1.2bbe626c5d73dp+0
	// toe4K2K3 is 4 * K2 * K3 evaluated left to right in float64 as in
	// pixelmatch's lightness(): (4 * 0.03) * toeK3.
	toe4K2K3 = 0x1.1fc102538cea1p-3
)

// cbrtTable is pixelmatch's CBRT table: cbrtV8(i/cbrtN) for i = 0..cbrtN+1.
var cbrtTable = func() (t [cbrtN + 2]float64) {
	for i := range t {
		t[i] = cbrtV8(float64(i) / cbrtN)
	}
	return t
}()

// linLUT converts a fractional sRGB channel value in [0, 255] to linear light
// by interpolating linTable (pixelmatch's linLUT).
func linLUT(x float64) float64 {
	i := int(x)
	return linTable[i] + float64((linTable[i+1]-linTable[i])*(x-float64(i)))
}

// cbrtLUT is pixelmatch's interpolated cube root over [0, 1], exact near 0.
func cbrtLUT(x float64) float64 {
	t := x * cbrtN
	i := int(t)
	if i < cbrtExact {
		return cbrtV8(x)
	}
	return cbrtTable[i] + float64((cbrtTable[i+1]-cbrtTable[i])*(t-float64(i)))
}

// oklabLinear converts linear RGB to pixelmatch's intermediate OKLab values:
// the cube-rooted LMS responses l, m, s and the toe-corrected lightness lr.
func oklabLinear(lr, lg, lb float64) (l, m, s, lightness float64) {
	l = cbrtLUT(float64(float64(0.4122214708*lr)+float64(0.5363325363*lg)) + float64(0.0514459929*lb))
	m = cbrtLUT(float64(float64(0.2119034982*lr)+float64(0.6806995451*lg)) + float64(0.1073969566*lb))
	s = cbrtLUT(float64(float64(0.0883024619*lr)+float64(0.2817188376*lg)) + float64(0.6299787005*lb))
	return l, m, s, toeLightness(l, m, s)
}

// oklabOpaque is oklabLinear for an opaque sRGB byte triple. pixelmatch's
// per-byte premultiplied matrix tables hold exactly the products computed
// here, so the results are the same.
func oklabOpaque(r, g, b uint8) (l, m, s, lightness float64) {
	return oklabLinear(linTable[r], linTable[g], linTable[b])
}

// toeLightness is Ottosson's toe-corrected OKLab lightness Lr from the
// cube-rooted LMS values.
func toeLightness(l, m, s float64) float64 {
	L := float64(float64(0.2104542553*l)+float64(0.7936177850*m)) - float64(0.0040720468*s)
	x := float64(toeK3*L) - toeK1
	return 0.5 * (x + math.Sqrt(float64(x*x)+float64(toe4K2K3*L)))
}

// cbrtV8 is the cube root exactly as V8's Math.cbrt computes it (V8's
// ieee754::cbrt, a port of FreeBSD msun's s_cbrt.c). Go's math.Cbrt uses an
// older fdlibm algorithm that differs in the last bit for about 8% of the
// inputs pixelmatch feeds it.
func cbrtV8(x float64) float64 {
	const (
		b1 = 715094163 // (1023-1023/3-0.03306235651)*2**20
		b2 = 696219795 // (1023-1023/3-54/3-0.03306235651)*2**20
		// |1/cbrt(x) - p(x)| < 2**-23.5
		p0 = 1.87595182427177009643
		p1 = -1.88497979543377169875
		p2 = 1.621429720105354466140
		p3 = -0.758397934778766047437
		p4 = 0.145996192886612446982
	)
	bits := math.Float64bits(x)
	hx := uint32(bits >> 32)
	lo := uint32(bits)
	sign := hx & 0x80000000
	hx ^= sign
	if hx >= 0x7ff00000 { // NaN, ±Inf
		return x + x
	}
	// Rough cube root to 5 bits from the exponent.
	var t float64
	if hx < 0x00100000 { // zero or subnormal
		if hx|lo == 0 {
			return x
		}
		t = math.Float64frombits(0x43500000<<32) * x // x * 2**54
		high := uint32(math.Float64bits(t) >> 32)
		t = math.Float64frombits(uint64(sign|((high&0x7fffffff)/3+b2)) << 32)
	} else {
		t = math.Float64frombits(uint64(sign|(hx/3+b1)) << 32)
	}
	// New cube root to 23 bits: cbrt(x) = t*cbrt(x/t**3) ~= t*P(t**3/x).
	r := float64(t*t) * float64(t/x)
	t = t * (float64(p0+float64(r*float64(p1+float64(r*p2)))) + float64(float64(float64(r*r)*r)*float64(p3+float64(r*p4))))
	// Round t away from zero to 23 bits.
	t = math.Float64frombits((math.Float64bits(t) + 0x80000000) & 0xffffffffc0000000)
	// One Newton step to 53 bits.
	s := t * t
	r = x / s
	w := t + t
	r = (r - t) / (w + r)
	return t + float64(t*r)
}
