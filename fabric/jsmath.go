package fabric

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// This file holds the JavaScript number semantics that Fabric.js results
// depend on: Fabric's util cos and sin, V8's Math functions ported bit for
// bit, Math.round, and the number parsing and formatting of the ECMAScript
// specification. The renderer's packages use the exported ones so that
// every part of the program computes them the same way.

const (
	fabricHalfPI  = math.Pi / 2   // Fabric's halfPI (src/constants.ts)
	fabricPiBy180 = math.Pi / 180 // Fabric's PiBy180
)

// Cos is Fabric.js's util cos (src/util/misc/cos.ts, v6.9.1) of an angle
// in radians: exactly 1 for 0, exactly 0 or -1 when |angle| is 1, 3 or 2
// times π/2 (as a float64 quotient), and V8's Math.cos otherwise (ported
// bit for bit below). Other multiples of π/2 (such as 2π) are not snapped.
func Cos(angle float64) float64 {
	if angle == 0 {
		return 1
	}
	switch math.Abs(angle) / fabricHalfPI {
	case 1, 3:
		return 0
	case 2:
		return -1
	}
	return jsCos(angle)
}

// Sin is Fabric.js's util sin (src/util/misc/sin.ts, v6.9.1) of an angle
// in radians: exactly 0 for 0, exactly 1, 0 or -1 when angle is 1, 2 or 3
// times π/2, and V8's Math.sin otherwise. As in Fabric, only these
// positive multiples are snapped: Sin(-π) is Math.sin(-π),
// -1.2246467991473532e-16, not 0 (Sin(-π/2) is -1 anyway).
func Sin(angle float64) float64 {
	if angle == 0 {
		return 0
	}
	sign := 1.0
	if angle < 0 {
		sign = -1
	}
	switch angle / fabricHalfPI {
	case 1:
		return sign
	case 2:
		return 0
	case 3:
		return -sign
	}
	return jsSin(angle)
}

// JSRound is JavaScript's Math.round: the nearest integer, ties toward
// +Infinity (so -0.5 rounds to 0 and 0.49999999999999994 to 0); NaN and
// infinities are returned unchanged.
func JSRound(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	f := math.Floor(x)
	if x-f >= 0.5 {
		f++
	}
	return f
}

// The functions below port V8's fdlibm-derived Math.atan2, Math.sin,
// Math.cos and Math.pow (v8/src/base/ieee754.cc) so results match V8 bit
// for bit (Go's math package differs in the last bit for about one argument
// in five). Products that feed an addition are wrapped in float64() so the
// Go compiler cannot fuse them into FMAs. Recent V8 builds may take sin and
// cos from glibc or LLVM libc instead; those differ from fdlibm in the last
// bit for a few percent of arguments.

func fdHi(x float64) int32  { return int32(math.Float64bits(x) >> 32) }
func fdLo(x float64) uint32 { return uint32(math.Float64bits(x)) }
func fdWords(hi int32, lo uint32) float64 {
	return math.Float64frombits(uint64(uint32(hi))<<32 | uint64(lo))
}
func fdSetLo(x float64, lo uint32) float64 { return fdWords(fdHi(x), lo) }
func fdSetHi(x float64, hi int32) float64  { return fdWords(hi, fdLo(x)) }

// fdPoly evaluates c[0] + x·c[1] + x²·c[2] + … by Horner's rule from the
// highest coefficient down, c[k] + x·(…), as fdlibm writes its
// polynomials out, with no fused multiply-add.
func fdPoly(x float64, c ...float64) float64 {
	r := c[len(c)-1]
	for k := len(c) - 2; k >= 0; k-- {
		r = c[k] + float64(x*r)
	}
	return r
}

var (
	fdAtanHi = [4]float64{4.63647609000806093515e-01, 7.85398163397448278999e-01, 9.82793723247329054082e-01, 1.57079632679489655800e+00}
	fdAtanLo = [4]float64{2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17, 6.12323399573676603587e-17}
	fdAT     = [11]float64{3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01, -1.11111104054623557880e-01, 9.09088713343650656196e-02, -7.69187620504482999495e-02, 6.66107313738753120669e-02, -5.83357013379057348645e-02, 4.97687799461593236017e-02, -3.65315727442169155270e-02, 1.62858201153657823623e-02}
)

func jsAtan(x float64) float64 {
	hx := fdHi(x)
	ix := hx & 0x7fffffff
	var id int
	if ix >= 0x44100000 {
		if ix > 0x7ff00000 || (ix == 0x7ff00000 && fdLo(x) != 0) {
			return x + x
		}
		if hx > 0 {
			return fdAtanHi[3] + fdAtanLo[3]
		}
		return -fdAtanHi[3] - fdAtanLo[3]
	}
	if ix < 0x3fdc0000 {
		if ix < 0x3e400000 {
			return x
		}
		id = -1
	} else {
		x = math.Abs(x)
		switch {
		case ix < 0x3fe60000:
			id = 0
			x = (float64(2*x) - 1) / (2 + x)
		case ix < 0x3ff30000:
			id = 1
			x = (x - 1) / (x + 1)
		case ix < 0x40038000:
			id = 2
			x = (x - 1.5) / (1 + float64(1.5*x))
		default:
			id = 3
			x = -1 / x
		}
	}
	z := x * x
	w := z * z
	p1 := fdPoly(w, fdAT[0], fdAT[2], fdAT[4], fdAT[6], fdAT[8], fdAT[10])
	s1 := z * p1
	p2 := fdPoly(w, fdAT[1], fdAT[3], fdAT[5], fdAT[7], fdAT[9])
	s2 := w * p2
	if id < 0 {
		return x - float64(x*(s1+s2))
	}
	z = fdAtanHi[id] - ((float64(x*(s1+s2)) - fdAtanLo[id]) - x)
	if hx < 0 {
		return -z
	}
	return z
}

// jsAtan2 is V8's Math.atan2.
func jsAtan2(y, x float64) float64 {
	const (
		piO4 = 7.8539816339744827900e-01
		piO2 = 1.5707963267948965580e+00
		pi   = 3.1415926535897931160e+00
		piLo = 1.2246467991473531772e-16
	)
	if math.IsNaN(x) || math.IsNaN(y) {
		return x + y
	}
	hx, lx := fdHi(x), fdLo(x)
	hy, ly := fdHi(y), fdLo(y)
	ix, iy := hx&0x7fffffff, hy&0x7fffffff
	if hx == 0x3ff00000 && lx == 0 {
		return jsAtan(y)
	}
	m := ((hy >> 31) & 1) | ((hx >> 30) & 2)
	if iy == 0 && ly == 0 {
		switch m {
		case 0, 1:
			return y
		case 2:
			return pi
		default:
			return -pi
		}
	}
	if ix == 0 && lx == 0 {
		if hy < 0 {
			return -piO2
		}
		return piO2
	}
	if ix == 0x7ff00000 {
		if iy == 0x7ff00000 {
			switch m {
			case 0:
				return piO4
			case 1:
				return -piO4
			case 2:
				return 3 * piO4
			default:
				return -3 * piO4
			}
		}
		switch m {
		case 0:
			return 0
		case 1:
			return math.Copysign(0, -1)
		case 2:
			return pi
		default:
			return -pi
		}
	}
	if iy == 0x7ff00000 {
		if hy < 0 {
			return -piO2
		}
		return piO2
	}
	var z float64
	k := (iy - ix) >> 20
	switch {
	case k > 60:
		z = piO2 + 0.5*piLo
		m &= 1
	case hx < 0 && k < -60:
		z = 0
	default:
		z = jsAtan(math.Abs(y / x))
	}
	switch m {
	case 0:
		return z
	case 1:
		return -z
	case 2:
		return pi - (z - piLo)
	default:
		return (z - piLo) - pi
	}
}

func fdKernelSin(x, y float64, iy int) float64 {
	const (
		half = 5.00000000000000000000e-01
		s1   = -1.66666666666666324348e-01
		s2   = 8.33333333332248946124e-03
		s3   = -1.98412698298579493134e-04
		s4   = 2.75573137070700676789e-06
		s5   = -2.50507602534068634195e-08
		s6   = 1.58969099521155010221e-10
	)
	if fdHi(x)&0x7fffffff < 0x3e400000 && int(x) == 0 {
		return x
	}
	z := x * x
	v := z * x
	r := fdPoly(z, s2, s3, s4, s5, s6)
	if iy == 0 {
		return x + float64(v*(s1+float64(z*r)))
	}
	return x - ((float64(z*(float64(half*y)-float64(v*r))) - y) - float64(v*s1))
}

func fdKernelCos(x, y float64) float64 {
	const (
		c1 = 4.16666666666666019037e-02
		c2 = -1.38888888888741095749e-03
		c3 = 2.48015872894767294178e-05
		c4 = -2.75573143513906633035e-07
		c5 = 2.08757232129817482790e-09
		c6 = -1.13596475577881948265e-11
	)
	ix := fdHi(x) & 0x7fffffff
	if ix < 0x3e400000 && int(x) == 0 {
		return 1
	}
	z := x * x
	r := z * fdPoly(z, c1, c2, c3, c4, c5, c6)
	if ix < 0x3fd33333 {
		return 1 - (float64(0.5*z) - (float64(z*r) - float64(x*y)))
	}
	var qx float64
	if ix > 0x3fe90000 {
		qx = 0.28125
	} else {
		qx = fdWords(ix-0x00200000, 0)
	}
	iz := float64(0.5*z) - qx
	a := 1 - qx
	return a - (iz - (float64(z*r) - float64(x*y)))
}

var fdNpio2Hw = [32]int32{
	0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C,
	0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C,
	0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A,
	0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C,
	0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB,
	0x404858EB, 0x404921FB,
}

// fdRemPio2 is __ieee754_rem_pio2 for finite |x| <= 2^19*(pi/2); ok is
// false for larger arguments (which Fabric paths never produce in practice).
func fdRemPio2(x float64) (n int32, y0, y1 float64, ok bool) {
	const (
		invpio2 = 6.36619772367581382433e-01
		pio2_1  = 1.57079632673412561417e+00
		pio2_1t = 6.07710050650619224932e-11
		pio2_2  = 6.07710050630396597660e-11
		pio2_2t = 2.02226624879595063154e-21
		pio2_3  = 2.02226624871116645580e-21
		pio2_3t = 8.47842766036889956997e-32
	)
	hx := fdHi(x)
	ix := hx & 0x7fffffff
	if ix <= 0x3fe921fb {
		return 0, x, 0, true
	}
	if ix < 0x4002d97c {
		if hx > 0 {
			z := x - pio2_1
			if ix != 0x3ff921fb {
				y0 = z - pio2_1t
				y1 = (z - y0) - pio2_1t
			} else {
				z -= pio2_2
				y0 = z - pio2_2t
				y1 = (z - y0) - pio2_2t
			}
			return 1, y0, y1, true
		}
		z := x + pio2_1
		if ix != 0x3ff921fb {
			y0 = z + pio2_1t
			y1 = (z - y0) + pio2_1t
		} else {
			z += pio2_2
			y0 = z + pio2_2t
			y1 = (z - y0) + pio2_2t
		}
		return -1, y0, y1, true
	}
	if ix > 0x413921fb {
		return 0, 0, 0, false
	}
	t := math.Abs(x)
	n = int32(float64(t*invpio2) + 0.5)
	fn := float64(n)
	r := t - float64(fn*pio2_1)
	w := fn * pio2_1t
	if n < 32 && ix != fdNpio2Hw[n-1] {
		y0 = r - w
	} else {
		j := ix >> 20
		y0 = r - w
		i := j - ((fdHi(y0) >> 20) & 0x7ff)
		if i > 16 {
			t = r
			w = fn * pio2_2
			r = t - w
			w = float64(fn*pio2_2t) - ((t - r) - w)
			y0 = r - w
			i = j - ((fdHi(y0) >> 20) & 0x7ff)
			if i > 49 {
				t = r
				w = fn * pio2_3
				r = t - w
				w = float64(fn*pio2_3t) - ((t - r) - w)
				y0 = r - w
			}
		}
	}
	y1 = (r - y0) - w
	if hx < 0 {
		return -n, -y0, -y1, true
	}
	return n, y0, y1, true
}

// jsSin is V8's fdlibm Math.sin.
func jsSin(x float64) float64 { return fdSinCos(x, 0) }

// jsCos is V8's fdlibm Math.cos.
func jsCos(x float64) float64 { return fdSinCos(x, 1) }

// fdSinCos is the common body of fdlibm's sin (shift 0) and cos (shift 1):
// the argument is reduced to y0+y1 in [-π/4, π/4] and n quarter turns, and
// cos(x) is sin(x + π/2), one quarter turn further.
func fdSinCos(x float64, shift int32) float64 {
	ix := fdHi(x) & 0x7fffffff
	if ix <= 0x3fe921fb {
		if shift == 0 {
			return fdKernelSin(x, 0, 0)
		}
		return fdKernelCos(x, 0)
	}
	if ix >= 0x7ff00000 {
		return math.NaN()
	}
	n, y0, y1, ok := fdRemPio2(x)
	if !ok {
		if shift == 0 {
			return math.Sin(x)
		}
		return math.Cos(x)
	}
	switch (n + shift) & 3 {
	case 0:
		return fdKernelSin(y0, y1, 1)
	case 1:
		return fdKernelCos(y0, y1)
	case 2:
		return -fdKernelSin(y0, y1, 1)
	default:
		return -fdKernelCos(y0, y1)
	}
}

// JSPow is V8's Math.pow and ** operator (fdlibm pow,
// ieee754::legacy::pow), bit for bit: pow(t, 3) is not always t*t*t, and
// unlike math.Pow, (±1)**±Infinity and 1**NaN are NaN.
func JSPow(x, y float64) float64 {
	const (
		two53  = 9007199254740992.0
		l1     = 5.99999999999994648725e-01
		l2     = 4.28571428578550184252e-01
		l3     = 3.33333329818377432918e-01
		l4     = 2.72728123808534006489e-01
		l5     = 2.30660745775561754067e-01
		l6     = 2.06975017800338417784e-01
		p1     = 1.66666666666666019037e-01
		p2     = -2.77777777770155933842e-03
		p3     = 6.61375632143793436117e-05
		p4     = -1.65339022054652515390e-06
		p5     = 4.13813679705723846039e-08
		lg2    = 6.93147180559945286227e-01
		lg2H   = 6.93147182464599609375e-01
		lg2L   = -1.90465429995776804525e-09
		ovt    = 8.0085662595372944372e-0017
		cp     = 9.61796693925975554329e-01
		cpH    = 9.61796700954437255859e-01
		cpL    = -7.02846165095275826516e-09
		ivln2  = 1.44269504088896338700e+00
		ivln2H = 1.44269502162933349609e+00
		ivln2L = 1.92596299112661746887e-08
	)
	bp := [2]float64{1.0, 1.5}
	dpH := [2]float64{0.0, 5.84962487220764160156e-01}
	dpL := [2]float64{0.0, 1.35003920212974897128e-08}
	inf := math.Inf(1)

	hx, lx := fdHi(x), fdLo(x)
	hy, ly := fdHi(y), fdLo(y)
	ix, iy := hx&0x7fffffff, hy&0x7fffffff

	if iy == 0 && ly == 0 {
		return 1
	}
	if ix > 0x7ff00000 || (ix == 0x7ff00000 && lx != 0) || iy > 0x7ff00000 || (iy == 0x7ff00000 && ly != 0) {
		return x + y
	}
	yisint := int32(0)
	if hx < 0 {
		if iy >= 0x43400000 {
			yisint = 2
		} else if iy >= 0x3ff00000 {
			k := (iy >> 20) - 0x3ff
			if k > 20 {
				j := ly >> uint(52-k)
				if j<<uint(52-k) == ly {
					yisint = 2 - int32(j&1)
				}
			} else if ly == 0 {
				j := iy >> uint(20-k)
				if j<<uint(20-k) == iy {
					yisint = 2 - (j & 1)
				}
			}
		}
	}
	if ly == 0 {
		if iy == 0x7ff00000 {
			switch {
			case ix == 0x3ff00000 && lx == 0:
				return math.NaN()
			case ix >= 0x3ff00000:
				if hy >= 0 {
					return y
				}
				return 0
			}
			if hy < 0 {
				return -y
			}
			return 0
		}
		if iy == 0x3ff00000 {
			if hy < 0 {
				return 1 / x
			}
			return x
		}
		if hy == 0x40000000 {
			return x * x
		}
		if hy == 0x3fe00000 && hx >= 0 {
			return math.Sqrt(x)
		}
	}
	ax := math.Abs(x)
	if lx == 0 && (ix == 0x7ff00000 || ix == 0 || ix == 0x3ff00000) {
		z := ax
		if hy < 0 {
			z = 1 / z
		}
		if hx < 0 {
			if (ix-0x3ff00000)|yisint == 0 {
				z = math.NaN()
			} else if yisint == 1 {
				z = -z
			}
		}
		return z
	}
	n := (hx >> 31) + 1
	if n|yisint == 0 {
		return math.NaN()
	}
	s := 1.0
	if n|(yisint-1) == 0 {
		s = -1
	}
	var t1, t2 float64
	if iy > 0x41e00000 {
		if iy > 0x43f00000 {
			if ix <= 0x3fefffff {
				if hy < 0 {
					return inf
				}
				return 0
			}
			if ix >= 0x3ff00000 {
				if hy > 0 {
					return inf
				}
				return 0
			}
		}
		if ix < 0x3fefffff {
			if hy < 0 {
				return s * inf
			}
			return s * 0
		}
		if ix > 0x3ff00000 {
			if hy > 0 {
				return s * inf
			}
			return s * 0
		}
		t := ax - 1
		w := float64(t*t) * (0.5 - float64(t*(0.3333333333333333333333-float64(t*0.25))))
		u := ivln2H * t
		v := float64(t*ivln2L) - float64(w*ivln2)
		t1 = fdSetLo(u+v, 0)
		t2 = v - (t1 - u)
	} else {
		n = 0
		if ix < 0x00100000 {
			ax *= two53
			n -= 53
			ix = fdHi(ax)
		}
		n += (ix >> 20) - 0x3ff
		j := ix & 0x000fffff
		ix = j | 0x3ff00000
		k := 0
		switch {
		case j <= 0x3988e:
		case j < 0xbb67a:
			k = 1
		default:
			n++
			ix -= 0x00100000
		}
		ax = fdSetHi(ax, ix)
		u := ax - bp[k]
		v := 1 / (ax + bp[k])
		ss := u * v
		sH := fdSetLo(ss, 0)
		tH := fdWords(((ix>>1)|0x20000000)+0x00080000+int32(k<<18), 0)
		tL := ax - (tH - bp[k])
		sL := v * ((u - float64(sH*tH)) - float64(sH*tL))
		s2 := ss * ss
		r := float64(s2*s2) * fdPoly(s2, l1, l2, l3, l4, l5, l6)
		r += float64(sL * (sH + ss))
		s2 = sH * sH
		tH = fdSetLo((3.0+s2)+r, 0)
		tL = r - ((tH - 3.0) - s2)
		u = sH * tH
		v = float64(sL*tH) + float64(tL*ss)
		pH := fdSetLo(u+v, 0)
		pL := v - (pH - u)
		zH := cpH * pH
		zL := (float64(cpL*pH) + float64(pL*cp)) + dpL[k]
		t := float64(n)
		t1 = fdSetLo(((zH+zL)+dpH[k])+t, 0)
		t2 = zL - (((t1 - t) - dpH[k]) - zH)
	}
	y1 := fdSetLo(y, 0)
	pL := float64((y-y1)*t1) + float64(y*t2)
	pH := y1 * t1
	z := pL + pH
	j, i := fdHi(z), fdLo(z)
	if j >= 0x40900000 {
		if (j-0x40900000)|int32(i) != 0 {
			return s * inf
		}
		if pL+ovt > z-pH {
			return s * inf
		}
	} else if j&0x7fffffff >= 0x4090cc00 {
		if (uint32(j)-0xc090cc00)|i != 0 {
			return s * 0
		}
		if pL <= z-pH {
			return s * 0
		}
	}
	ii := j & 0x7fffffff
	k := (ii >> 20) - 0x3ff
	n = 0
	if ii > 0x3fe00000 {
		n = j + (0x00100000 >> uint(k+1))
		k = ((n & 0x7fffffff) >> 20) - 0x3ff
		t := fdWords(n&^(0x000fffff>>uint(k)), 0)
		n = ((n & 0x000fffff) | 0x00100000) >> uint(20-k)
		if j < 0 {
			n = -n
		}
		pH -= t
	}
	t := fdSetLo(pL+pH, 0)
	u := t * lg2H
	v := float64((pL-(t-pH))*lg2) + float64(t*lg2L)
	z = u + v
	w := v - (z - u)
	t = z * z
	q := fdPoly(t, p1, p2, p3, p4, p5)
	t1 = z - float64(t*q)
	r := float64(z*t1) / ((t1 - 2) - (w + float64(z*w)))
	z = 1 - (r - z)
	if (fdHi(z)+(n<<20))>>20 <= 0 {
		z = math.Ldexp(z, int(n))
	} else {
		z = fdSetHi(z, fdHi(z)+(n<<20))
	}
	return s * z
}

// jsNumberString is Number.prototype.toString() (ECMAScript
// Number::toString with radix 10).
func jsNumberString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	sign := ""
	if f < 0 {
		sign = "-"
		f = -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	ei := strings.IndexByte(e, 'e')
	digits := strings.Replace(e[:ei], ".", "", 1)
	exp, _ := strconv.Atoi(e[ei+1:])
	n := exp + 1 // decimal point position
	k := len(digits)
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits
	}
	es := "+"
	if n-1 < 0 {
		es = "-"
	}
	ev := strconv.Itoa(absInt(n - 1))
	if k == 1 {
		return sign + digits + "e" + es + ev
	}
	return sign + digits[:1] + "." + digits[1:] + "e" + es + ev
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// scanDecimal reads an unsigned decimal literal at s[i:] (after any sign),
// as JavaScript's parseFloat and SVG path data both read it: digits, then
// a '.' and digits (one side may be empty, not both), then an exponent,
// which is taken only when it has at least one digit. It returns the index
// after the literal, and ok false (with nothing read) when there is no
// digit before the exponent.
func scanDecimal(s string, i int) (end int, ok bool) {
	start := i
	for i < len(s) && isASCIIDigit(s[i]) {
		i++
	}
	intDigits := i - start
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isASCIIDigit(s[j]) {
			j++
		}
		fracDigits = j - i - 1
		if intDigits > 0 || fracDigits > 0 {
			i = j
		}
	}
	if intDigits == 0 && fracDigits == 0 {
		return start, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isASCIIDigit(s[j]) {
			for j < len(s) && isASCIIDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	return i, true
}

// jsSignLen is 1 if s starts with '+' or '-', else 0.
func jsSignLen(s string) int {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		return 1
	}
	return 0
}

// jsParseFloat is the global parseFloat: the longest decimal prefix after
// leading whitespace, NaN if there is none.
func jsParseFloat(s string) float64 {
	s = strings.TrimLeftFunc(s, isJSSpace)
	i := jsSignLen(s)
	if strings.HasPrefix(s[i:], "Infinity") {
		if s[0] == '-' {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	i, ok := scanDecimal(s, i)
	if !ok {
		return math.NaN()
	}
	num := s[:i]
	if strings.HasSuffix(num, ".") {
		num = num[:len(num)-1]
	}
	num = strings.Replace(num, ".e", "e", 1)
	num = strings.Replace(num, ".E", "E", 1)
	f, _ := strconv.ParseFloat(num, 64)
	return f
}

// jsParseIntString is parseInt(s, 10): leading whitespace, sign, decimal
// digits; NaN without digits.
func jsParseIntString(s string) float64 {
	s = strings.TrimLeftFunc(s, isJSSpace)
	i := jsSignLen(s)
	start := i
	for i < len(s) && isASCIIDigit(s[i]) {
		i++
	}
	if i == start {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(s[:i], 64)
	return f
}

// jsToFixed2 is parseFloat(x.toFixed(2)) for finite x: the exact value
// rounded to two decimals, ties away from zero.
func jsToFixed2(x float64) float64 {
	r := new(big.Rat).SetFloat64(math.Abs(x))
	if r == nil {
		return x
	}
	r.Mul(r, big.NewRat(100, 1))
	r.Add(r, big.NewRat(1, 2))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	f, _ := new(big.Float).SetInt(n).Float64()
	f /= 100
	if x < 0 {
		f = -f
	}
	return f
}
