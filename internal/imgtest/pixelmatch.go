package imgtest

import (
	"encoding/binary"
	"math"
)

// This file is a port of pixelmatch 8.0.0 (index.js) restricted to the options
// compare.mjs uses: threshold, includeAA, and defaults for everything else
// (alpha 0.1, aaColor yellow, diffColor = diffColorAlt red, diffMask false,
// checkerboard true, windowSize Infinity, no ignoreMask).
//
// Floating-point expressions are evaluated in the same order as in the
// JavaScript, and every product that is added to something is wrapped in an
// explicit float64 conversion: the Go spec lets the compiler fuse x*y+z into
// one FMA instruction (it does, e.g., on arm64 and on amd64 with
// GOAMD64=v3), which would round differently from V8. A difference in the
// last bit can flip a pixel that sits exactly at the threshold.

// Diff image colours and ghost opacity (pixelmatch defaults).
const (
	ghostAlpha = 0.1 // options.alpha
)

var (
	aaColor   = [3]uint8{255, 255, 0}
	diffColor = [3]uint8{255, 0, 0}
)

// pixelmatchRows compares two straight-alpha RGBA buffers of w*h pixels (stride
// 4*w) pixel by pixel for the rows [y0, y1). It returns the number of pixels
// that differ by more than maxDelta and are not excluded as anti-aliasing, and
// the number excluded as anti-aliasing. If out is not nil, it receives the
// diff image for those rows. img1 is the reference (pixelmatch's first
// argument): the diff image shows it as a faint grey ghost.
func pixelmatchRows(img1, img2, out []byte, w, h, y0, y1 int, maxDelta float64, includeAA bool, cache *oklabCache) (diff, aa int) {
	// The grey ghost of the previous reference pixel, reused for runs of
	// one colour; primed with the ghost of the zero pixel.
	lastPix, lastGrey := uint32(0), greyGhost([]byte{0, 0, 0, 0})
	for y := y0; y < y1; y++ {
		i := y * w
		for x := 0; x < w; x, i = x+1, i+1 {
			pos := i * 4
			p1 := img1[pos : pos+4 : pos+4]
			p2 := img2[pos : pos+4 : pos+4]
			v1, v2 := binary.LittleEndian.Uint32(p1), binary.LittleEndian.Uint32(p2)
			if v1 == v2 || !cache.colorDiffers(v1, v2, i, maxDelta) {
				if out != nil {
					if v1 != lastPix {
						lastPix, lastGrey = v1, greyGhost(p1)
					}
					o := out[pos : pos+4 : pos+4]
					o[0], o[1], o[2], o[3] = lastGrey, lastGrey, lastGrey, 255
				}
				continue
			}
			// The colour difference is above the threshold: is it a real
			// rendering difference or just anti-aliasing?
			if !includeAA && (antialiased(img1, x, y, w, h, img1, img2) || antialiased(img2, x, y, w, h, img2, img1)) {
				if out != nil {
					drawPixel(out[pos:pos+4:pos+4], aaColor)
				}
				aa++
				continue
			}
			if out != nil {
				drawPixel(out[pos:pos+4:pos+4], diffColor)
			}
			diff++
		}
	}
	return diff, aa
}

func drawPixel(out []byte, c [3]uint8) {
	out[0], out[1], out[2], out[3] = c[0], c[1], c[2], 255
}

// greyGhost is the grey level pixelmatch's drawGrayPixel draws for the
// reference pixel p: its luma blended with white at ghostAlpha opacity. The
// JavaScript stores the float into a Uint8Array (Buffer), which truncates
// toward zero; the value is always within 0..255.
func greyGhost(p []byte) uint8 {
	y := float64(float64(p[0])*0.29889531) + float64(float64(p[1])*0.58662247)
	y += float64(float64(p[2]) * 0.11448223)
	return uint8(255 + (y-255)*ghostAlpha*float64(p[3])/255)
}

// antialiased reports whether the pixel (x1, y1) of img is likely part of
// anti-aliasing; after "Anti-aliased Pixel and Intensity Slope Detector" by V.
// Vysniauskas, 2009, exactly as pixelmatch 8.0.0 implements it. a and b are
// the two images whose pixels hasManySiblings inspects (pixelmatch's a32 and
// b32).
func antialiased(img []byte, x1, y1, w, h int, a, b []byte) bool {
	x0 := max(x1-1, 0)
	y0 := max(y1-1, 0)
	x2 := min(x1+1, w-1)
	y2 := min(y1+1, h-1)
	pos := (y1*w + x1) * 4
	cr, cg, cb, ca := int(img[pos]), int(img[pos+1]), int(img[pos+2]), int(img[pos+3])
	zeroes := 0
	if x1 == x0 || x1 == x2 || y1 == y0 || y1 == y2 {
		zeroes = 1
	}
	var minD, maxD float64
	var minX, minY, maxX, maxY int

	// Go through the adjacent pixels, column by column like pixelmatch (the
	// order decides which of equally dark/bright pixels is remembered).
	for x := x0; x <= x2; x++ {
		for y := y0; y <= y2; y++ {
			if x == x1 && y == y1 {
				continue
			}
			delta := brightnessDelta(img[(y*w+x)*4:], cr, cg, cb, ca)
			switch {
			case delta == 0:
				zeroes++
				// More than 2 equal siblings: definitely not anti-aliasing.
				if zeroes > 2 {
					return false
				}
			case delta < minD:
				minD, minX, minY = delta, x, y
			case delta > maxD:
				maxD, maxX, maxY = delta, x, y
			}
		}
	}

	// Without both darker and brighter siblings it is not anti-aliasing.
	if minD == 0 || maxD == 0 {
		return false
	}

	// If the darkest or the brightest sibling has 3+ equal siblings in both
	// images (definitely not anti-aliased), this pixel is anti-aliased.
	return (hasManySiblings(a, minX, minY, w, h) && hasManySiblings(b, minX, minY, w, h)) ||
		(hasManySiblings(a, maxX, maxY, w, h) && hasManySiblings(b, maxX, maxY, w, h))
}

func pixelAt(img []byte, i int) uint32 {
	return binary.LittleEndian.Uint32(img[i*4 : i*4+4])
}

// hasManySiblings reports whether pixel (x1, y1) has 3+ adjacent pixels of
// exactly the same RGBA value; pixels outside the image count as one equal
// sibling for border pixels.
func hasManySiblings(img []byte, x1, y1, w, h int) bool {
	pos := y1*w + x1
	val := pixelAt(img, pos)
	if x1 > 0 && x1 < w-1 && y1 > 0 && y1 < h-1 {
		n := 0
		for _, p := range [8]int{pos - w - 1, pos - 1, pos + w - 1, pos - w, pos + w, pos - w + 1, pos + 1, pos + w + 1} {
			if pixelAt(img, p) == val {
				n++
			}
		}
		return n > 2
	}
	x0 := max(x1-1, 0)
	y0 := max(y1-1, 0)
	x2 := min(x1+1, w-1)
	y2 := min(y1+1, h-1)
	zeroes := 0
	if x1 == x0 || x1 == x2 || y1 == y0 || y1 == y2 {
		zeroes = 1
	}
	for x := x0; x <= x2; x++ {
		for y := y0; y <= y2; y++ {
			if x == x1 && y == y1 {
				continue
			}
			if pixelAt(img, y*w+x) == val {
				zeroes++
			}
			if zeroes > 2 {
				return true
			}
		}
	}
	return false
}

// brightnessDelta is pixelmatch's brightness-only delta for the
// anti-aliasing detector: gamma-space Rec.601 luma of the centre pixel
// (r1, g1, b1, a1) minus that of the neighbour p, with semi-transparent pixels
// composited over white; when that cancels out but alpha differs, half the
// alpha difference gives the direction.
func brightnessDelta(p []byte, r1, g1, b1, a1 int) float64 {
	r2, g2, b2, a2 := int(p[0]), int(p[1]), int(p[2]), int(p[3])
	dr, dg, db, da := r1-r2, g1-g2, b1-b2, a1-a2
	if dr == 0 && dg == 0 && db == 0 && da == 0 {
		return 0
	}
	if a1 < 255 || a2 < 255 {
		// The numerators are exact integers; the divisions round as in JS.
		fr := float64(r1*a1-r2*a2-255*da) / 255
		fg := float64(g1*a1-g2*a2-255*da) / 255
		fb := float64(b1*a1-b2*a2-255*da) / 255
		d := float64(float64(fr*0.29889531)+float64(fg*0.58662247)) + float64(fb*0.11448223)
		if d == 0 && da != 0 {
			return float64(da) / 2
		}
		return d
	}
	return float64(float64(float64(dr)*0.29889531)+float64(float64(dg)*0.58662247)) + float64(float64(db)*0.11448223)
}

// oklabCache is a direct-mapped cache of pixelmatch's per-pixel OKLab values
// (l, m, s, Lr), keyed by the RGBA value and, for semi-transparent pixels,
// the checkerboard colour index. pixelmatch keeps a similar cache for opaque
// colours; like it, this only saves time: a hit returns exactly the values a
// computation would. Each worker has its own.
type oklabCache struct {
	keys [oklabCacheSize]uint64
	vals [oklabCacheSize][4]float64
}

const (
	oklabCacheBits = 12
	oklabCacheSize = 1 << oklabCacheBits
	oklabKeyValid  = 1 << 40 // set in every stored key, so the zero key is never a hit
)

// oklab returns the OKLab values of pixel p (RGBA packed little-endian) with
// checkerboard colour index chk (0..7, ignored when p is opaque).
func (c *oklabCache) oklab(p uint32, chk uint32) (l, m, s, lr float64) {
	a := p >> 24
	if a == 255 {
		chk = 0
	}
	key := uint64(p) | uint64(chk)<<32 | oklabKeyValid
	slot := uint32(key*0x9e3779b97f4a7c15>>(64-oklabCacheBits)) & (oklabCacheSize - 1)
	if c.keys[slot] == key {
		v := &c.vals[slot]
		return v[0], v[1], v[2], v[3]
	}
	r, g, b := p&0xff, p>>8&0xff, p>>16&0xff
	if a == 255 {
		l, m, s, lr = oklabOpaque(uint8(r), uint8(g), uint8(b))
	} else {
		// Blend with the background colour; the numerators are exact
		// integers and the division rounds as in JS.
		rb, gb, bb := 48+159*(chk>>2), 48+159*(chk>>1&1), 48+159*(chk&1)
		fr := float64(r*a+rb*(255-a)) / 255
		fg := float64(g*a+gb*(255-a)) / 255
		fb := float64(b*a+bb*(255-a)) / 255
		l, m, s, lr = oklabLinear(linLUT(fr), linLUT(fg), linLUT(fb))
	}
	c.keys[slot] = key
	c.vals[slot] = [4]float64{l, m, s, lr}
	return l, m, s, lr
}

// colorDiffers reports whether pixelmatch's OKLab HyAB distance between the
// pixels v1 and v2 (RGBA packed little-endian) at pixel index i exceeds
// maxDelta. If either is not opaque, both are blended over one of 8 dark/light
// background colours picked from the top 3 bits of a Fibonacci hash of i.
// The caller guarantees v1 != v2.
func (c *oklabCache) colorDiffers(v1, v2 uint32, i int, maxDelta float64) bool {
	chk := uint32(i) * 0x9e3779b1 >> 29 // bit 2: red, bit 1: green, bit 0: blue background
	if v1>>24 == 255 && v2>>24 == 255 {
		chk = 0
	}
	l1, m1, s1, lr1 := c.oklab(v1, chk)
	l2, m2, s2, lr2 := c.oklab(v2, chk)
	return hyabExceeds(lr1-lr2, l1-l2, m1-m2, s1-s2, maxDelta)
}

// hyabExceeds reports whether the HyAB distance |dLr| + sqrt(da² + db²)
// exceeds maxDelta, evaluated without the square root like pixelmatch: the
// distance stays within maxDelta iff |dLr| <= maxDelta and
// da² + db² <= (maxDelta - |dLr|)². dl, dm, ds are differences of the
// cube-rooted LMS values, turned into da, db by OKLab's second matrix.
func hyabExceeds(dLr, dl, dm, ds, maxDelta float64) bool {
	rest := maxDelta - math.Abs(dLr)
	if rest >= 0 {
		da := float64(float64(1.9779984951*dl)-float64(2.4285922050*dm)) + float64(0.4505937099*ds)
		db := float64(float64(0.0259040371*dl)+float64(0.7827717662*dm)) - float64(0.8086757660*ds)
		if float64(da*da)+float64(db*db) <= float64(rest*rest) {
			return false
		}
	}
	return true
}
