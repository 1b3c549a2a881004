package pngenc

import (
	"bytes"
	"hash/adler32"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/fabricpress/fabricpress/internal/imgtest"
)

// checkDecodes decodes data and compares it with img as image/png's own
// encoding of img decodes.
func checkDecodes(t *testing.T, data []byte, img *image.RGBA) {
	t.Helper()
	got, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var std bytes.Buffer
	if err := png.Encode(&std, img); err != nil {
		t.Fatal(err)
	}
	want, _ := png.Decode(&std)
	if got.Bounds() != img.Rect {
		t.Fatalf("bounds %v, want %v", got.Bounds(), img.Rect)
	}
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			r1, g1, b1, a1 := got.At(x, y).RGBA()
			r2, g2, b2, a2 := want.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("pixel %d,%d: %v, want %v", x, y, got.At(x, y), want.At(x, y))
			}
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name   string
		w, h   int
		opaque bool
	}{
		{"opaque", 97, 31, true},
		{"one pixel", 1, 1, true},
		{"wide", 3000, 2, true},
		{"transparent", 40, 20, false},
		{"tall", 5, 900, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := imgtest.RandomPremultiplied(rnd, tc.w, tc.h, tc.opaque)
			var buf bytes.Buffer
			if err := Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			checkDecodes(t, buf.Bytes(), img)
			cfg, _ := png.DecodeConfig(bytes.NewReader(buf.Bytes()))
			if rgb := cfg.ColorModel != nil && tc.opaque; rgb != (buf.Bytes()[25] == 2) {
				t.Errorf("colour type %d for opaque=%v", buf.Bytes()[25], tc.opaque)
			}
		})
	}
}

// TestStaticEncode changes random rectangles of a static layer and checks
// that the piece encoded from the layer's bands decodes to the piece.
func TestStaticEncode(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name          string
		w, h          int
		opaque, alpha bool // layer opaque; changes bring transparency
	}{
		{"opaque", 301, 517, true, false},
		{"transparent layer", 120, 700, false, false},
		{"alpha in an opaque layer", 200, 300, true, true},
		{"one row", 700, 1, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			layer := imgtest.RandomPremultiplied(rnd, tc.w, tc.h, tc.opaque)
			s := NewStatic(layer)
			for trial := range 12 {
				img := image.NewRGBA(layer.Rect)
				copy(img.Pix, layer.Pix)
				var dirty []image.Rectangle
				for range trial % 4 {
					x, y := rnd.IntN(tc.w), rnd.IntN(tc.h)
					d := image.Rect(x, y, x+1+rnd.IntN(tc.w/2+1), y+1+rnd.IntN(tc.h/3+1)).Intersect(layer.Rect)
					patch := imgtest.RandomPremultiplied(rnd, d.Dx(), d.Dy(), !tc.alpha)
					for yy := d.Min.Y; yy < d.Max.Y; yy++ {
						copy(img.Pix[img.PixOffset(d.Min.X, yy):img.PixOffset(d.Max.X, yy)], patch.Pix[patch.PixOffset(0, yy-d.Min.Y):])
					}
					dirty = append(dirty, d)
				}
				if trial == 8 && tc.h > s.band {
					// A change ending where a band ends: the next band's
					// first row is filtered against it.
					d := image.Rect(0, s.band-2, tc.w/3, s.band)
					for i := img.PixOffset(0, d.Min.Y); i < img.PixOffset(0, d.Max.Y); i += 4 {
						img.Pix[i] ^= 0x55
					}
					dirty = append(dirty, d)
				}
				var buf bytes.Buffer
				if err := s.Encode(&buf, img, dirty); err != nil {
					t.Fatal(err)
				}
				checkDecodes(t, buf.Bytes(), img)
			}
		})
	}
}

func TestAdlerCombine(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 100, 70000, 200000} {
		a, b := make([]byte, rnd.IntN(90000)), make([]byte, n)
		for i := range a {
			a[i] = byte(rnd.IntN(256))
		}
		for i := range b {
			b[i] = 255
		}
		want := adler32.Checksum(append(append([]byte(nil), a...), b...))
		if got := adlerCombine(adler32.Checksum(a), adler32.Checksum(b), len(b)); got != want {
			t.Errorf("n=%d: %08x, want %08x", n, got, want)
		}
	}
}

// BenchmarkEncode encodes 300 DPI noise: the worst case for deflate (a
// rendered piece: BenchmarkEncodePNG in batch).
func BenchmarkEncode(b *testing.B) {
	img := imgtest.RandomPremultiplied(rand.New(rand.NewPCG(7, 8)), 2700, 1800, true)
	var buf bytes.Buffer
	b.ReportAllocs()
	b.SetBytes(int64(len(img.Pix)))
	for b.Loop() {
		buf.Reset()
		if err := Encode(&buf, img); err != nil {
			b.Fatal(err)
		}
	}
}
