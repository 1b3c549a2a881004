package imgtest

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
)

// pairCase is a deterministic (want, got) image pair whose pixelmatch figures
// were recorded from node; see expectedFigures.
type pairCase struct {
	name string
	make func() (want, got image.Image)
}

func pairCases() []pairCase {
	a := func() *image.RGBA { return sceneA(0, 0) }
	b := func() *image.RGBA { return sceneB(0) }
	return []pairCase{
		{"a-identical", func() (image.Image, image.Image) { return a(), a() }},
		{"a-rgba-vs-nrgba", func() (image.Image, image.Image) { return ToNRGBA(a()), a() }},
		{"a-one-pixel", func() (image.Image, image.Image) {
			g := a()
			g.SetRGBA(200, 140, color.RGBA{0, 0, 0, 255})
			return a(), g
		}},
		{"a-shift-1px", func() (image.Image, image.Image) { return a(), shifted(a(), 1, 0) }},
		{"a-shift-3x2", func() (image.Image, image.Image) { return a(), shifted(a(), 3, 2) }},
		{"a-subpixel-3of8", func() (image.Image, image.Image) { return a(), sceneA(3, 0) }},
		{"a-subpixel-1of8-grow", func() (image.Image, image.Image) { return a(), sceneA(1, 2) }},
		{"a-blur", func() (image.Image, image.Image) { return a(), blurred(a()) }},
		{"a-recolour-mild", func() (image.Image, image.Image) {
			return a(), mapNRGBA(a(), func(_, _ int, c color.NRGBA) color.NRGBA {
				return color.NRGBA{clamp8(int(c.R) + 6), c.G, clamp8(int(c.B) - 4), c.A}
			})
		}},
		{"a-recolour-strong", func() (image.Image, image.Image) {
			return a(), mapNRGBA(a(), func(_, _ int, c color.NRGBA) color.NRGBA {
				return color.NRGBA{c.G, c.B, c.R, c.A}
			})
		}},
		{"a-noise", func() (image.Image, image.Image) { return a(), noisy(a(), 1) }},
		{"b-identical-rgb-under-alpha0", func() (image.Image, image.Image) {
			return b(), mapNRGBA(b(), func(x, y int, c color.NRGBA) color.NRGBA {
				if c.A == 0 {
					return color.NRGBA{uint8(x), uint8(y), 200, 0}
				}
				return c
			})
		}},
		{"b-alpha-90", func() (image.Image, image.Image) {
			return b(), mapNRGBA(b(), func(_, _ int, c color.NRGBA) color.NRGBA {
				c.A = uint8(int(c.A) * 9 / 10)
				return c
			})
		}},
		{"b-shift-1px", func() (image.Image, image.Image) { return b(), shifted(b(), 1, 0) }},
		{"b-subpixel-5of8", func() (image.Image, image.Image) { return b(), sceneB(5) }},
		{"b-blur", func() (image.Image, image.Image) { return b(), blurred(b()) }},
		{"b-noise", func() (image.Image, image.Image) { return b(), noisy(b(), 7) }},
		{"a-vs-b", func() (image.Image, image.Image) { return a(), b() }},
		{"b-vs-a", func() (image.Image, image.Image) { return b(), a() }},
		{"aa-edge", func() (image.Image, image.Image) { return aaEdge(100), aaEdge(180) }},
	}
}

// TestWriteFixtures writes every pair as NAME.want.png / NAME.got.png (with
// WritePNG) into $IMGTEST_FIXTURES, for recording expectedFigures with node.
// It is skipped unless that variable is set.
func TestWriteFixtures(t *testing.T) {
	dir := os.Getenv("IMGTEST_FIXTURES")
	if dir == "" {
		t.Skip("set IMGTEST_FIXTURES=DIR to write the test pairs as PNG files")
	}
	for _, pc := range pairCases() {
		want, got := pc.make()
		if err := WritePNG(filepath.Join(dir, pc.name+".want.png"), want); err != nil {
			t.Fatal(err)
		}
		if err := WritePNG(filepath.Join(dir, pc.name+".got.png"), got); err != nil {
			t.Fatal(err)
		}
	}
}
