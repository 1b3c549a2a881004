package jpegenc

import (
	"encoding/binary"
	"image"
)

// Colour conversion of JFIF (ITU-T T.871 §7), level-shifted by 128 for
// the DCT (T.81 A.3.1), in float32 straight into the transform's input:
// no rounding to 8 bits in between.
//
// Compositing premultiplied c over white gives c + (255 − a) in each
// channel. Luminance weights sum to 1, so that adds 255 − a to Y; the
// chrominance weights sum to 0, so Cb and Cr do not see it at all.
const (
	cbR, cbG, cbB = -0.168736 / 4, -0.331264 / 4, 0.5 / 4 // of a sum of 4 pixels
	crR, crG, crB = 0.5 / 4, -0.418688 / 4, -0.081312 / 4
)

// lumR[v] is the luminance v adds in the red channel, and so on; lumW[a]
// is the white under alpha a, less the level shift.
var lumR, lumG, lumB, lumW = func() (r, g, b, w [256]float32) {
	for i := range 256 {
		v := float32(i)
		r[i], g[i], b[i], w[i] = 0.299*v, 0.587*v, 0.114*v, float32(255-i)-128
	}
	return
}()

// lum is the level-shifted luminance of the RGBA pixel p over white.
func lum(p []byte) float32 {
	p = p[:4:4]
	return lumR[p[0]] + lumG[p[1]] + lumB[p[2]] + lumW[p[3]]
}

// chroma is Cb and Cr, level-shifted, of the mean of four pixels whose
// channels sum to r, g and b.
func chroma(r, g, b int32) (cb, cr float32) {
	fr, fg, fb := float32(r), float32(g), float32(b)
	return cbR*fr + cbG*fg + cbB*fb, crR*fr + crG*fg + crB*fb
}

// flatMCU is an MCU of one colour: its Y, Cb and Cr, level-shifted.
type flatMCU struct {
	ok        bool
	y, cb, cr float32
}

// convert prepares MCUs m0 to m1 of the MCU row of pixel rows y0 to y0+16
// of img for coding: each MCU of one colour (paper, a fill) is noted in
// e.flat, the others' samples are converted into e's planes.
func (e *encoder) convert(img *image.RGBA, y0, m0, m1 int) {
	r := img.Rect
	whole := y0+mcu <= r.Max.Y // MCUs with no pixels to repeat
	for m := m0; m < m1; m++ {
		x0 := r.Min.X + mcu*m
		e.flat[m].ok = false
		if whole && x0+mcu <= r.Max.X {
			if p, ok := flat(img, x0, y0); ok {
				// The values the planes would hold: lum of each pixel,
				// chroma of the sums of four.
				cb, cr := chroma(4*int32(p[0]), 4*int32(p[1]), 4*int32(p[2]))
				e.flat[m] = flatMCU{true, lum(p[:]), cb, cr}
			}
		}
	}
	for m := m0; m < m1; {
		end := m + 1
		if !e.flat[m].ok {
			for end < m1 && !e.flat[end].ok {
				end++
			}
			e.convertRange(img, y0, m, end)
		}
		m = end
	}
}

// flat returns the colour of the 16x16 pixels at x0, y0 of img when they
// are all the same.
func flat(img *image.RGBA, x0, y0 int) ([4]byte, bool) {
	o := img.PixOffset(x0, y0)
	p := [4]byte(img.Pix[o : o+4])
	two := uint64(binary.LittleEndian.Uint32(p[:])) * (1<<32 + 1)
	for y := range mcu {
		row := img.Pix[o+y*img.Stride:][:4*mcu]
		for i := 0; i < len(row); i += 8 {
			if binary.LittleEndian.Uint64(row[i:]) != two {
				return p, false
			}
		}
	}
	return p, true
}

// convertRange fills e's planes with MCUs m0 to m1 of the MCU row of pixel
// rows y0 to y0+16 of img: Y at full resolution, Cb and Cr averaged over
// 2x2 pixels. Past the right and bottom edges the last column and row are
// repeated, so every sample of an MCU comes from the MCU's own pixels:
// what makes MCUs, and so MCU rows, independent of one another.
func (e *encoder) convertRange(img *image.RGBA, y0, m0, m1 int) {
	r := img.Rect
	w := r.Dx()
	pw, cw := e.pw, e.pw/2
	c0, c1 := m0*mcu/2, m1*mcu/2 // chroma columns, pixel pairs
	for i := range mcu / 2 {
		ya, yb := min(y0+2*i, r.Max.Y-1), min(y0+2*i+1, r.Max.Y-1)
		pa := img.Pix[img.PixOffset(r.Min.X, ya):][:4*w]
		pb := img.Pix[img.PixOffset(r.Min.X, yb):][:4*w]
		la, lb := e.y[2*i*pw:][:pw], e.y[(2*i+1)*pw:][:pw]
		cb, cr := e.cb[i*cw:][:cw], e.cr[i*cw:][:cw]
		n := min(c1, w/2) // whole pairs
		for x := c0; x < n; x++ {
			a, b := pa[8*x:8*x+8:8*x+8], pb[8*x:8*x+8:8*x+8]
			l0, l1 := la[2*x:2*x+2:2*x+2], lb[2*x:2*x+2:2*x+2]
			l0[0], l0[1] = lum(a[0:4]), lum(a[4:8])
			l1[0], l1[1] = lum(b[0:4]), lum(b[4:8])
			cb[x], cr[x] = chroma(
				int32(a[0])+int32(a[4])+int32(b[0])+int32(b[4]),
				int32(a[1])+int32(a[5])+int32(b[1])+int32(b[5]),
				int32(a[2])+int32(a[6])+int32(b[2])+int32(b[6]))
		}
		// An odd last column and the padding: the last pixel repeated.
		for x := max(n, c0); x < c1; x++ {
			x0, x1 := 4*min(2*x, w-1), 4*min(2*x+1, w-1)
			a0, a1, b0, b1 := pa[x0:x0+4], pa[x1:x1+4], pb[x0:x0+4], pb[x1:x1+4]
			la[2*x], la[2*x+1] = lum(a0), lum(a1)
			lb[2*x], lb[2*x+1] = lum(b0), lum(b1)
			cb[x], cr[x] = chroma(
				int32(a0[0])+int32(a1[0])+int32(b0[0])+int32(b1[0]),
				int32(a0[1])+int32(a1[1])+int32(b0[1])+int32(b1[1]),
				int32(a0[2])+int32(a1[2])+int32(b0[2])+int32(b1[2]))
		}
	}
}
