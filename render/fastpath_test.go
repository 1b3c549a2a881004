package render

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
)

// The fast paths must give exactly what the general code gives.

func TestGradientRowCacheExact(t *testing.T) {
	g := &fabric.Gradient{Type: "linear", X1: 0, Y1: 0, X2: 300, Y2: 0, Stops: []fabric.ColorStop{
		{Offset: 0, Color: color.NRGBA{255, 0, 0, 255}}, {Offset: 0.4, Color: color.NRGBA{0, 128, 255, 128}}, {Offset: 1, Color: color.NRGBA{0, 255, 0, 255}}}}
	for _, tc := range []struct {
		name   string
		m      fabric.Matrix
		x1, y1 float64
		yFree  bool
		xFree  bool
	}{
		{"horizontal", fabric.Scale(3.125, 3.125).Mul(fabric.Translate(12.3, 40)), 300, 0, true, false},
		{"vertical", fabric.Scale(3.125, 3.125).Mul(fabric.Translate(12.3, 40)), 0, 300, false, true},
		{"diagonal", fabric.Scale(2, 2), 300, 100, false, false},
		{"rotated", fabric.Rotate(30), 300, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gg := *g
			gg.X2, gg.Y2 = tc.x1, tc.y1
			fast := newGradientShader(&gg, tc.m)
			if fast.yFree != tc.yFree || fast.xFree != tc.xFree {
				t.Fatalf("yFree %v xFree %v", fast.yFree, fast.xFree)
			}
			slow := newGradientShader(&gg, tc.m)
			rnd := rand.New(rand.NewPCG(1, 2))
			for range 200 {
				y, x0, n := rnd.IntN(900), rnd.IntN(900)-100, 1+rnd.IntN(400)
				got, want := make([]rgba, n), make([]rgba, n)
				fast.row(y, x0, got)
				slow.pixels(y, x0, want)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("row %d x %d: %v, want %v", y, x0+i, got[i], want[i])
					}
				}
			}
		})
	}
}

func TestImageWholePixelsExact(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(rnd.IntN(256))
	}
	for i := 0; i < len(img.Pix); i += 4 {
		for c := range 3 {
			img.Pix[i+c] = min(img.Pix[i+c], img.Pix[i+3])
		}
	}
	inv := fabric.Translate(-7, 5)
	fast := &imageShader{img: img, inv: inv, src: img.Rect, smooth: true, clampSrc: true}
	if _, _, ok := fast.whole(); !ok {
		t.Fatal("a whole-pixel shift is not recognised")
	}
	for y := -3; y < 35; y++ {
		got := make([]rgba, 60)
		fast.row(y, -5, got)
		for i := range got {
			fx, fy := float64(-5+i)+0.5, float64(y)+0.5
			u, v := inv.Apply(fx, fy)
			if want := fast.bilinear(u-0.5, v-0.5); got[i] != want {
				t.Fatalf("pixel %d,%d: %v, want %v", -5+i, y, got[i], want)
			}
		}
	}
	if _, _, ok := (&imageShader{inv: fabric.Translate(0.5, 0)}).whole(); ok {
		t.Error("a half-pixel shift taken as whole")
	}
}

func TestSolidSpanExact(t *testing.T) {
	for _, c := range []rgba{{0.2, 0.4, 0.6, 1}, {1, 1, 1, 1}, {0.001, 0.5, 0.999, 1}} {
		a := image.NewRGBA(image.Rect(0, 0, 8, 1))
		b := image.NewRGBA(image.Rect(0, 0, 8, 1))
		for i := range a.Pix {
			a.Pix[i], b.Pix[i] = uint8(i*31), uint8(i*31)
		}
		(&painter{dst: a, clip: a.Rect, sh: solidShader{c}, alpha: 1}).span(0, 1, 7, 1)
		// The general path: the same colour through a shader that is not
		// a solidShader.
		(&painter{dst: b, clip: b.Rect, sh: plainShader{c}, alpha: 1}).span(0, 1, 7, 1)
		if string(a.Pix) != string(b.Pix) {
			t.Errorf("colour %v: %v, want %v", c, a.Pix, b.Pix)
		}
	}
}

// plainShader paints one colour without being a solidShader.
type plainShader struct{ c rgba }

func (s plainShader) row(_, _ int, out []rgba) {
	for i := range out {
		out[i] = s.c
	}
}
