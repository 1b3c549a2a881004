package render

import (
	"image"
	"image/color"
	"math"

	"github.com/golang/freetype/raster"
)

// rgba is a premultiplied colour with components in [0, 1].
type rgba struct{ r, g, b, a float32 }

func premul(c color.NRGBA) rgba {
	a := float32(c.A) / 255
	return rgba{float32(c.R) / 255 * a, float32(c.G) / 255 * a, float32(c.B) / 255 * a, a}
}

func (c rgba) scale(k float32) rgba { return rgba{c.r * k, c.g * k, c.b * k, c.a * k} }

// shader produces the source colour of the pixels of one row.
type shader interface {
	// row writes the premultiplied colour of pixels (x0+i, y) to out[i].
	row(y, x0 int, out []rgba)
}

type solidShader struct{ c rgba }

func (s solidShader) row(_, _ int, out []rgba) {
	for i := range out {
		out[i] = s.c
	}
}

// blendMode is a canvas globalCompositeOperation.
type blendMode int

const (
	opSourceOver blendMode = iota
	opSourceAtop
	opDestinationOver
	opDestinationOut
	opDestinationIn
	opSourceIn
	opSourceOut
	opDestinationAtop
	opXor
	opLighter
	opCopy
	// separable blend modes from here on
	opMultiply
	opScreen
	opOverlay
	opDarken
	opLighten
	opColorDodge
	opColorBurn
	opHardLight
	opSoftLight
	opDifference
	opExclusion
	// non-separable
	opHue
	opSaturation
	opColor
	opLuminosity
)

var blendModes = map[string]blendMode{
	"source-over": opSourceOver, "source-atop": opSourceAtop, "destination-over": opDestinationOver,
	"destination-out": opDestinationOut, "destination-in": opDestinationIn, "source-in": opSourceIn,
	"source-out": opSourceOut, "destination-atop": opDestinationAtop, "xor": opXor, "lighter": opLighter,
	"copy": opCopy, "multiply": opMultiply, "screen": opScreen, "overlay": opOverlay, "darken": opDarken,
	"lighten": opLighten, "color-dodge": opColorDodge, "color-burn": opColorBurn, "hard-light": opHardLight,
	"soft-light": opSoftLight, "difference": opDifference, "exclusion": opExclusion, "hue": opHue,
	"saturation": opSaturation, "color": opColor, "luminosity": opLuminosity,
}

// parseBlend maps a globalCompositeOperation; the canvas ignores unknown
// values, keeping source-over.
func parseBlend(s string) blendMode {
	if m, ok := blendModes[s]; ok {
		return m
	}
	return opSourceOver
}

// painter composites a shader through coverage spans onto dst.
type painter struct {
	dst   *image.RGBA
	clip  image.Rectangle // the pixels of dst it may write
	sh    shader
	alpha float32      // global alpha
	mask  *image.Alpha // optional extra coverage (absolute coordinates)
	op    blendMode
	buf   []rgba
}

// Paint implements raster.Painter.
func (p *painter) Paint(ss []raster.Span, _ bool) {
	for _, s := range ss {
		if s.Alpha == 0 || s.X1 <= s.X0 {
			continue
		}
		cov := float32(s.Alpha) / 0xffff
		p.span(s.Y, s.X0, s.X1, cov)
	}
}

func (p *painter) span(y, x0, x1 int, cov float32) {
	r := p.clip
	if y < r.Min.Y || y >= r.Max.Y {
		return
	}
	if x0 < r.Min.X {
		x0 = r.Min.X
	}
	if x1 > r.Max.X {
		x1 = r.Max.X
	}
	if x0 >= x1 {
		return
	}
	n := x1 - x0
	off := p.dst.PixOffset(x0, y)
	if c, ok := p.sh.(solidShader); ok && cov == 1 && p.alpha == 1 && p.op == opSourceOver && p.mask == nil && c.c.a == 1 {
		// An opaque colour over whole pixels replaces them: the general
		// path below computes exactly these bytes (the destination's
		// weight is 0).
		px := [4]uint8{to8(c.c.r * 255), to8(c.c.g * 255), to8(c.c.b * 255), to8(c.c.a * 255)}
		pix := p.dst.Pix[off : off+4*n]
		for i := 0; i < len(pix); i += 4 {
			copy(pix[i:i+4], px[:])
		}
		return
	}
	if cap(p.buf) < n {
		p.buf = make([]rgba, n)
	}
	src := p.buf[:n]
	p.sh.row(y, x0, src)
	pix := p.dst.Pix[off : off+4*n]
	var mrow []uint8
	if p.mask != nil {
		if !(image.Point{x0, y}.In(p.mask.Rect)) || !(image.Point{x1 - 1, y}.In(p.mask.Rect)) {
			mrow = nil
			// partial overlap: handle per pixel below
		} else {
			mo := p.mask.PixOffset(x0, y)
			mrow = p.mask.Pix[mo : mo+n]
		}
	}
	ga := p.alpha
	for i := 0; i < n; i++ {
		c := cov
		if p.mask != nil {
			if mrow != nil {
				c *= float32(mrow[i]) / 255
			} else {
				c *= float32(p.mask.AlphaAt(x0+i, y).A) / 255
			}
			if c == 0 {
				continue
			}
		}
		s := src[i]
		if ga != 1 {
			s = s.scale(ga)
		}
		d := pix[4*i : 4*i+4 : 4*i+4]
		if p.op == opSourceOver {
			s = s.scale(c)
			if s.a <= 0 {
				continue
			}
			k := 1 - s.a
			d[0] = to8(s.r*255 + float32(d[0])*k)
			d[1] = to8(s.g*255 + float32(d[1])*k)
			d[2] = to8(s.b*255 + float32(d[2])*k)
			d[3] = to8(s.a*255 + float32(d[3])*k)
			continue
		}
		dc := rgba{float32(d[0]) / 255, float32(d[1]) / 255, float32(d[2]) / 255, float32(d[3]) / 255}
		o := blend(p.op, s, dc)
		if c != 1 {
			o = rgba{dc.r + (o.r-dc.r)*c, dc.g + (o.g-dc.g)*c, dc.b + (o.b-dc.b)*c, dc.a + (o.a-dc.a)*c}
		}
		d[0], d[1], d[2], d[3] = to8(o.r*255), to8(o.g*255), to8(o.b*255), to8(o.a*255)
	}
}

func to8(v float32) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// blend composites premultiplied s over d with mode op (W3C Compositing
// and Blending, the model the canvas uses).
func blend(op blendMode, s, d rgba) rgba {
	switch op {
	case opSourceOver:
		return rgba{s.r + d.r*(1-s.a), s.g + d.g*(1-s.a), s.b + d.b*(1-s.a), s.a + d.a*(1-s.a)}
	case opSourceAtop:
		return rgba{s.r*d.a + d.r*(1-s.a), s.g*d.a + d.g*(1-s.a), s.b*d.a + d.b*(1-s.a), d.a}
	case opDestinationOver:
		return rgba{s.r*(1-d.a) + d.r, s.g*(1-d.a) + d.g, s.b*(1-d.a) + d.b, s.a*(1-d.a) + d.a}
	case opDestinationOut:
		return d.scale(1 - s.a)
	case opDestinationIn:
		return d.scale(s.a)
	case opSourceIn:
		return s.scale(d.a)
	case opSourceOut:
		return s.scale(1 - d.a)
	case opDestinationAtop:
		return rgba{s.r*(1-d.a) + d.r*s.a, s.g*(1-d.a) + d.g*s.a, s.b*(1-d.a) + d.b*s.a, s.a}
	case opXor:
		return rgba{s.r*(1-d.a) + d.r*(1-s.a), s.g*(1-d.a) + d.g*(1-s.a), s.b*(1-d.a) + d.b*(1-s.a), s.a*(1-d.a) + d.a*(1-s.a)}
	case opLighter:
		return rgba{min32(s.r+d.r, 1), min32(s.g+d.g, 1), min32(s.b+d.b, 1), min32(s.a+d.a, 1)}
	case opCopy:
		return s
	}
	// Blend modes: co = cs(1-ab) + cb(1-as) + as·ab·B(Cb, Cs).
	var cs, cb [3]float32
	if s.a > 0 {
		cs = [3]float32{s.r / s.a, s.g / s.a, s.b / s.a}
	}
	if d.a > 0 {
		cb = [3]float32{d.r / d.a, d.g / d.a, d.b / d.a}
	}
	var b [3]float32
	if op >= opHue {
		b = nonSeparable(op, cb, cs)
	} else {
		for i := 0; i < 3; i++ {
			b[i] = separable(op, cb[i], cs[i])
		}
	}
	sa, da := s.a, d.a
	sp := [3]float32{s.r, s.g, s.b}
	dp := [3]float32{d.r, d.g, d.b}
	var o [3]float32
	for i := 0; i < 3; i++ {
		o[i] = sp[i]*(1-da) + dp[i]*(1-sa) + sa*da*b[i]
	}
	return rgba{o[0], o[1], o[2], sa + da - sa*da}
}

func min32(a, b float32) float32 {
	if a < b {
		return a
	}
	return b
}

func separable(op blendMode, cb, cs float32) float32 {
	switch op {
	case opMultiply:
		return cb * cs
	case opScreen:
		return cb + cs - cb*cs
	case opOverlay:
		return separable(opHardLight, cs, cb)
	case opDarken:
		return min32(cb, cs)
	case opLighten:
		if cb > cs {
			return cb
		}
		return cs
	case opColorDodge:
		if cb == 0 {
			return 0
		}
		if cs >= 1 {
			return 1
		}
		return min32(1, cb/(1-cs))
	case opColorBurn:
		if cb >= 1 {
			return 1
		}
		if cs <= 0 {
			return 0
		}
		return 1 - min32(1, (1-cb)/cs)
	case opHardLight:
		if cs <= 0.5 {
			return cb * 2 * cs
		}
		return separable(opScreen, cb, 2*cs-1)
	case opSoftLight:
		if cs <= 0.5 {
			return cb - (1-2*cs)*cb*(1-cb)
		}
		var dd float32
		if cb <= 0.25 {
			dd = ((16*cb-12)*cb + 4) * cb
		} else {
			dd = float32(math.Sqrt(float64(cb)))
		}
		return cb + (2*cs-1)*(dd-cb)
	case opDifference:
		if cb > cs {
			return cb - cs
		}
		return cs - cb
	case opExclusion:
		return cb + cs - 2*cb*cs
	}
	return cs
}

func lum(c [3]float32) float32 { return 0.3*c[0] + 0.59*c[1] + 0.11*c[2] }

func clipColor(c [3]float32) [3]float32 {
	l := lum(c)
	n := min32(c[0], min32(c[1], c[2]))
	x := c[0]
	if c[1] > x {
		x = c[1]
	}
	if c[2] > x {
		x = c[2]
	}
	if n < 0 && l != n {
		for i := range c {
			c[i] = l + (c[i]-l)*l/(l-n)
		}
	}
	if x > 1 && x != l {
		for i := range c {
			c[i] = l + (c[i]-l)*(1-l)/(x-l)
		}
	}
	return c
}

func setLum(c [3]float32, l float32) [3]float32 {
	d := l - lum(c)
	return clipColor([3]float32{c[0] + d, c[1] + d, c[2] + d})
}

func sat(c [3]float32) float32 {
	mx, mn := c[0], c[0]
	for _, v := range c[1:] {
		if v > mx {
			mx = v
		}
		if v < mn {
			mn = v
		}
	}
	return mx - mn
}

func setSat(c [3]float32, s float32) [3]float32 {
	imax, imin := 0, 0
	for i := 1; i < 3; i++ {
		if c[i] > c[imax] {
			imax = i
		}
		if c[i] < c[imin] {
			imin = i
		}
	}
	if imax == imin {
		return [3]float32{}
	}
	imid := 3 - imax - imin
	var o [3]float32
	o[imid] = (c[imid] - c[imin]) * s / (c[imax] - c[imin])
	o[imax] = s
	return o
}

func nonSeparable(op blendMode, cb, cs [3]float32) [3]float32 {
	switch op {
	case opHue:
		return setLum(setSat(cs, sat(cb)), lum(cb))
	case opSaturation:
		return setLum(setSat(cb, sat(cs)), lum(cb))
	case opColor:
		return setLum(cs, lum(cb))
	}
	return setLum(cb, lum(cs))
}
