package imgtest

import (
	"image"
	"image/color"
)

// Deterministic test images, drawn with integer arithmetic only so that the
// pixels (and therefore the pixelmatch figures recorded from node for them)
// are the same on every platform. Shapes are rasterised with 4x4 supersampling;
// coordinates are in 1/8 pixel units, samples sit at 8*x + 2*i + 1.

type shape interface {
	inside(X, Y int64) bool
	// box returns the bounding box in 1/8 pixel units.
	box() (x0, y0, x1, y1 int64)
}

type circle struct{ cx, cy, r int64 }

func (c circle) inside(X, Y int64) bool {
	dx, dy := X-c.cx, Y-c.cy
	return dx*dx+dy*dy <= c.r*c.r
}

func (c circle) box() (int64, int64, int64, int64) {
	return c.cx - c.r, c.cy - c.r, c.cx + c.r, c.cy + c.r
}

type ellipse struct{ cx, cy, rx, ry int64 }

func (e ellipse) inside(X, Y int64) bool {
	dx, dy := X-e.cx, Y-e.cy
	return dx*dx*e.ry*e.ry+dy*dy*e.rx*e.rx <= e.rx*e.rx*e.ry*e.ry
}

func (e ellipse) box() (int64, int64, int64, int64) {
	return e.cx - e.rx, e.cy - e.ry, e.cx + e.rx, e.cy + e.ry
}

// poly is a convex polygon with vertices in either winding order.
type poly [][2]int64

func (p poly) inside(X, Y int64) bool {
	var pos, neg bool
	for i, a := range p {
		b := p[(i+1)%len(p)]
		c := (b[0]-a[0])*(Y-a[1]) - (b[1]-a[1])*(X-a[0])
		if c > 0 {
			pos = true
		} else if c < 0 {
			neg = true
		}
		if pos && neg {
			return false
		}
	}
	return true
}

func (p poly) box() (x0, y0, x1, y1 int64) {
	x0, y0, x1, y1 = p[0][0], p[0][1], p[0][0], p[0][1]
	for _, q := range p[1:] {
		x0, y0, x1, y1 = min(x0, q[0]), min(y0, q[1]), max(x1, q[0]), max(y1, q[1])
	}
	return x0, y0, x1, y1
}

type layer struct {
	s shape
	c color.NRGBA
}

// render draws layers over bg (premultiplied, per pixel) into an
// *image.RGBA, the renderer's output type.
func render(w, h int, bg func(x, y int) color.RGBA, layers []layer) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, bg(x, y))
		}
	}
	for _, l := range layers {
		bx0, by0, bx1, by1 := l.s.box()
		for y := max(int(by0/8)-1, 0); y < min(int(by1/8)+2, h); y++ {
			for x := max(int(bx0/8)-1, 0); x < min(int(bx1/8)+2, w); x++ {
				n := 0
				for j := range 4 {
					Y := int64(8*y + 2*j + 1)
					for i := range 4 {
						if l.s.inside(int64(8*x+2*i+1), Y) {
							n++
						}
					}
				}
				if n == 0 {
					continue
				}
				a := (int(l.c.A)*n + 8) / 16
				p := img.Pix[img.PixOffset(x, y):]
				over := func(dst *uint8, src int) {
					*dst = uint8(src + (int(*dst)*(255-a)+127)/255)
				}
				over(&p[0], (int(l.c.R)*a+127)/255)
				over(&p[1], (int(l.c.G)*a+127)/255)
				over(&p[2], (int(l.c.B)*a+127)/255)
				over(&p[3], a)
			}
		}
	}
	return img
}

const sceneW, sceneH = 240, 160

// sceneA is an opaque scene: white background with a pixel-aligned
// gradient, anti-aliased shapes, a semi-transparent ellipse, a thin slanted
// line and a row of glyph-like strokes. off shifts the shapes right by
// off/8 px, grow enlarges the circle's radius by grow/8 px.
func sceneA(off, grow int64) *image.RGBA {
	bg := func(x, y int) color.RGBA {
		if x >= 10 && x < 110 && y >= 10 && y < 50 {
			return color.RGBA{uint8(2 * x), uint8(255 - 3*y), 128, 255}
		}
		return color.RGBA{255, 255, 255, 255}
	}
	layers := []layer{
		{circle{8*60 + off, 8 * 100, 8*30 + grow}, color.NRGBA{200, 30, 40, 255}},
		{ellipse{8*110 + off, 8 * 90, 8 * 50, 8 * 25}, color.NRGBA{30, 90, 220, 160}},
		{poly{{8*140 + off, 8 * 20}, {8*230 + off, 8 * 40}, {8*170 + off, 8 * 90}}, color.NRGBA{20, 140, 60, 255}},
		// a 1.25 px wide line from (20,150) to (230,120)
		{poly{{160 + off, 1200}, {1840 + off, 960}, {1841 + off, 970}, {161 + off, 1210}}, color.NRGBA{10, 10, 10, 255}},
	}
	for i := range int64(12) {
		x := 8*(130+8*i) + off + i // drifting subpixel phase
		top := int64(8 * 112)
		if i%3 == 0 {
			top = 8 * 106
		}
		layers = append(layers,
			layer{poly{{x, top}, {x + 20, top}, {x + 20, 8 * 124}, {x, 8 * 124}}, color.NRGBA{40, 40, 40, 255}},
			// slanted stroke, like an italic glyph
			layer{poly{{x + 24, 8 * 124}, {x + 34, 8 * 124}, {x + 58, 8 * 108}, {x + 48, 8 * 108}}, color.NRGBA{40, 40, 40, 255}},
		)
	}
	return render(sceneW, sceneH, bg, layers)
}

// sceneB has a fully transparent background and semi-transparent shapes, so
// pixelmatch blends over its checkerboard.
func sceneB(off int64) *image.RGBA {
	bg := func(x, y int) color.RGBA { return color.RGBA{} }
	layers := []layer{
		{circle{8*70 + off, 8 * 70, 8 * 45}, color.NRGBA{255, 128, 0, 200}},
		{ellipse{8*150 + off, 8 * 90, 8 * 70, 8 * 40}, color.NRGBA{0, 0, 255, 90}},
		{poly{{8*20 + off, 8 * 150}, {8*120 + off, 8 * 110}, {8*200 + off, 8 * 155}}, color.NRGBA{0, 0, 0, 255}},
		{poly{{8*180 + off, 8 * 10}, {8*230 + off, 8 * 10}, {8*230 + off, 8 * 60}, {8*180 + off, 8 * 60}}, color.NRGBA{20, 200, 120, 30}},
	}
	return render(sceneW, sceneH, bg, layers)
}

// shifted returns img moved by (dx, dy) pixels, repeating the edge pixels.
func shifted(img *image.RGBA, dx, dy int) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := range b.Dy() {
		for x := range b.Dx() {
			sx := min(max(x-dx, 0), b.Dx()-1)
			sy := min(max(y-dy, 0), b.Dy()-1)
			out.SetRGBA(x, y, img.RGBAAt(sx, sy))
		}
	}
	return out
}

// blurred returns a 3x3 box blur of img (premultiplied, edges clamped).
func blurred(img *image.RGBA) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := range b.Dy() {
		for x := range b.Dx() {
			var s [4]int
			for j := -1; j <= 1; j++ {
				for i := -1; i <= 1; i++ {
					p := img.RGBAAt(min(max(x+i, 0), b.Dx()-1), min(max(y+j, 0), b.Dy()-1))
					s[0] += int(p.R)
					s[1] += int(p.G)
					s[2] += int(p.B)
					s[3] += int(p.A)
				}
			}
			out.SetRGBA(x, y, color.RGBA{uint8((s[0] + 4) / 9), uint8((s[1] + 4) / 9), uint8((s[2] + 4) / 9), uint8((s[3] + 4) / 9)})
		}
	}
	return out
}

// mapNRGBA returns ToNRGBA(img) with f applied to every pixel.
func mapNRGBA(img image.Image, f func(x, y int, c color.NRGBA) color.NRGBA) *image.NRGBA {
	n := ToNRGBA(img)
	b := n.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			n.SetNRGBA(x, y, f(x, y, n.NRGBAAt(x, y)))
		}
	}
	return n
}

func clamp8(v int) uint8 { return uint8(min(max(v, 0), 255)) }

// noisy changes about one pixel in 50 by up to ±40 per channel (LCG-driven).
func noisy(img image.Image, seed uint32) *image.NRGBA {
	s := seed
	next := func() uint32 { s = s*1664525 + 1013904223; return s >> 8 }
	return mapNRGBA(img, func(x, y int, c color.NRGBA) color.NRGBA {
		if next()%50 != 0 {
			return c
		}
		d := int(next()%81) - 40
		return color.NRGBA{clamp8(int(c.R) + d), clamp8(int(c.G) - d), clamp8(int(c.B) + d/2), c.A}
	})
}

// aaEdge is an 8x8 image: black on the left, white on the right, and a grey
// column in between (an anti-aliased vertical edge) of the given level.
func aaEdge(grey uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for y := range 8 {
		for x := range 8 {
			v := uint8(255)
			switch {
			case x < 4:
				v = 0
			case x == 4:
				v = grey
			}
			img.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	return img
}

// tiled repeats img to fill w x h.
func tiled(img *image.RGBA, w, h int) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		src := img.Pix[img.PixOffset(0, y%b.Dy()):]
		row := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x := 0; x < w; x += b.Dx() {
			copy(row[4*x:], src[:4*b.Dx()])
		}
	}
	return out
}
