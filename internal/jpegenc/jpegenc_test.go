package jpegenc

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/fabricpress/fabricpress/internal/imgtest"
)

// postcard draws a print-like image: smooth gradients, flat fills, and
// dark strokes one to three pixels wide (text-like edges), all opaque.
func postcard(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			c := color.RGBA{
				uint8(200 + 55*fx),
				uint8(120 + 100*fy),
				uint8(90 + 80*math.Sin(3*fx+2*fy)),
				255,
			}
			switch {
			case x > w/2 && y > h/2: // a white panel
				c = color.RGBA{255, 255, 255, 255}
			case x < w/4 && y > 3*h/4: // a flat blue fill
				c = color.RGBA{30, 60, 150, 255}
			}
			// "Text" on the panel: dark strokes one to three pixels wide
			// on lines, an underline to each.
			text := x > w/2+4 && y > h/2+4
			if line := y % 24; text && line >= 8 && line < 20 && x%11 < 1+(y/24)%3 {
				c = color.RGBA{20, 20, 30, 255}
			}
			if text && y%24 == 19 && x%7 < 5 {
				c = color.RGBA{20, 20, 30, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encode(t testing.TB, img *image.RGBA, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, img, quality); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decode(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decoding: %v", err)
	}
	return img
}

// psnr is the peak signal-to-noise ratio of got against img over white,
// over the three colour channels, in dB.
func psnr(t testing.TB, got image.Image, img *image.RGBA) float64 {
	t.Helper()
	r := img.Rect
	if got.Bounds().Size() != r.Size() {
		t.Fatalf("decoded %v, want the size of %v", got.Bounds(), r)
	}
	var sum float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.RGBAAt(x, y)
			w := 255 - float64(c.A)
			gr, gg, gb, _ := got.At(x-r.Min.X+got.Bounds().Min.X, y-r.Min.Y+got.Bounds().Min.Y).RGBA()
			for i, g := range [3]uint32{gr, gg, gb} {
				d := float64(g>>8) - (float64([3]uint8{c.R, c.G, c.B}[i]) + w)
				sum += d * d
			}
		}
	}
	mse := sum / float64(3*r.Dx()*r.Dy())
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

func TestEncodeQuality(t *testing.T) {
	img := postcard(600, 400)
	for _, q := range []int{50, 75, 90, 95} {
		ours := psnr(t, decode(t, encode(t, img, q)), img)
		var std bytes.Buffer
		if err := jpeg.Encode(&std, img, &jpeg.Options{Quality: q}); err != nil {
			t.Fatal(err)
		}
		theirs := psnr(t, decode(t, std.Bytes()), img)
		t.Logf("quality %d: %.2f dB (%d bytes), image/jpeg %.2f dB (%d bytes)", q, ours, len(encode(t, img, q)), theirs, std.Len())
		if ours < theirs-1 {
			t.Errorf("quality %d: PSNR %.2f dB, image/jpeg %.2f dB", q, ours, theirs)
		}
		if q == 90 && ours < 35 {
			t.Errorf("quality 90: PSNR %.2f dB, want at least 35", ours)
		}
	}
}

func TestEncodeSizes(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, sz := range []image.Point{{1, 1}, {2, 1}, {1, 2}, {16, 16}, {17, 33}, {33, 17}, {8, 40}, {2700, 1800}} {
		if testing.Short() && sz.X > 1000 {
			continue
		}
		img := postcard(sz.X, sz.Y)
		if sz.X*sz.Y < 10000 {
			img = imgtest.RandomPremultiplied(rnd, sz.X, sz.Y, true)
		}
		got := decode(t, encode(t, img, 90))
		if b := got.Bounds(); b.Dx() != sz.X || b.Dy() != sz.Y {
			t.Fatalf("%v: decoded %v", sz, b)
		}
		// Noise at 4:2:0 loses much of its colour: compare with
		// image/jpeg, which pads partial MCUs the same way.
		var std bytes.Buffer
		if err := jpeg.Encode(&std, img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		p, want := psnr(t, got, img), psnr(t, decode(t, std.Bytes()), img)
		if p < want-1 {
			t.Errorf("%v: PSNR %.2f dB, image/jpeg %.2f dB", sz, p, want)
		}
	}
}

func TestEncodeSubImage(t *testing.T) {
	// Bounds that do not start at 0,0 (and a stride wider than the row).
	full := postcard(300, 200)
	sub := full.SubImage(image.Rect(37, 21, 37+45, 21+70)).(*image.RGBA)
	own := image.NewRGBA(image.Rect(0, 0, 45, 70))
	for y := range 70 {
		copy(own.Pix[own.PixOffset(0, y):own.PixOffset(45, y)], sub.Pix[sub.PixOffset(37, 21+y):sub.PixOffset(37+45, 21+y)])
	}
	if a, b := encode(t, sub, 80), encode(t, own, 80); !bytes.Equal(a, b) {
		t.Error("a sub-image encodes differently from its copy")
	}
}

func TestTransparentIsWhite(t *testing.T) {
	// Left MCU: red at half alpha (premultiplied 128,0,0,128); right MCU:
	// transparent black (0,0,0,0). Whole MCUs, so chroma does not mix.
	img := image.NewRGBA(image.Rect(0, 0, 32, 16))
	for y := range 16 {
		for x := range 16 {
			img.SetRGBA(x, y, color.RGBA{128, 0, 0, 128})
		}
	}
	got := decode(t, encode(t, img, 100))
	check := func(x, y int, want [3]int) {
		r, g, b, _ := got.At(x, y).RGBA()
		for i, v := range [3]uint32{r >> 8, g >> 8, b >> 8} {
			if d := int(v) - want[i]; d < -3 || d > 3 {
				t.Errorf("pixel %d,%d: %d,%d,%d, want about %v", x, y, r>>8, g>>8, b>>8, want)
				return
			}
		}
	}
	check(8, 8, [3]int{255, 127, 127})
	check(24, 8, [3]int{255, 255, 255})
	check(31, 15, [3]int{255, 255, 255})
}

func TestQualityEdges(t *testing.T) {
	img := postcard(200, 120)
	var p [2]float64
	for i, q := range []int{1, 100} {
		p[i] = psnr(t, decode(t, encode(t, img, q)), img)
		var std bytes.Buffer
		if err := jpeg.Encode(&std, img, &jpeg.Options{Quality: q}); err != nil {
			t.Fatal(err)
		}
		want := psnr(t, decode(t, std.Bytes()), img)
		t.Logf("quality %d: %.2f dB, image/jpeg %.2f dB", q, p[i], want)
		if p[i] < want-1 {
			t.Errorf("quality %d: PSNR %.2f dB, image/jpeg %.2f dB", q, p[i], want)
		}
	}
	if p90 := psnr(t, decode(t, encode(t, img, 90)), img); p[0] >= p90 || p[1] <= p90 {
		t.Errorf("PSNR at quality 1, 90, 100: %.2f, %.2f, %.2f dB", p[0], p90, p[1])
	}
	// Out of range: clamped.
	if !bytes.Equal(encode(t, img, 0), encode(t, img, 1)) || !bytes.Equal(encode(t, img, 101), encode(t, img, 100)) {
		t.Error("qualities 0 and 101 are not 1 and 100")
	}
	// Quality 100: every quantiser 1; quality 1: every quantiser at the
	// 8-bit limit or near it.
	q := quantTables(100)
	for i := range q {
		for _, v := range q[i] {
			if v != 1 {
				t.Fatalf("quality 100: quantiser %d", v)
			}
		}
	}
	if q := quantTables(1); q[0][0] != 255 || q[1][63] != 255 {
		t.Errorf("quality 1: quantisers %d, %d", q[0][0], q[1][63])
	}
	if q := quantTables(50); q != baseQuant {
		t.Error("quality 50 is not the Annex K tables")
	}
	if q := quantTables(75); q[0][0] != 8 || q[1][63] != 50 {
		t.Errorf("quality 75: %d, %d, want 8, 50 (libjpeg's)", q[0][0], q[1][63])
	}
}

// TestOutOfRangeSamples encodes pixels that are not premultiplied (a
// channel above alpha): the file must still decode.
func TestOutOfRangeSamples(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 40))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 255, byte(i), 255, byte(i/7)
		if i/4%3 == 0 {
			img.Pix[i+1] = 0
		}
	}
	decode(t, encode(t, img, 100))
}

func TestEncodeErrors(t *testing.T) {
	if err := Encode(new(bytes.Buffer), image.NewRGBA(image.Rect(0, 0, 0, 5)), 90); err == nil {
		t.Error("empty image: no error")
	}
	if err := Encode(new(bytes.Buffer), &image.RGBA{Rect: image.Rect(0, 0, 70000, 1)}, 90); err == nil {
		t.Error("70000 wide: no error")
	}
	boom := errors.New("boom")
	if err := Encode(failWriter{boom}, postcard(40, 40), 90); !errors.Is(err, boom) {
		t.Errorf("failing writer: %v", err)
	}
	s := NewStatic(postcard(40, 40), 90)
	if err := s.Encode(failWriter{boom}, postcard(40, 40), nil); !errors.Is(err, boom) {
		t.Errorf("static, failing writer: %v", err)
	}
	if err := s.Encode(new(bytes.Buffer), postcard(40, 41), nil); err == nil {
		t.Error("static, other size: no error")
	}
	if err := NewStatic(image.NewRGBA(image.Rectangle{}), 90).Encode(new(bytes.Buffer), image.NewRGBA(image.Rectangle{}), nil); err == nil {
		t.Error("static, empty: no error")
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

// TestStaticMatchesEncode changes random rectangles of a layer and checks
// the file from the layer's rows is the very file Encode writes.
func TestStaticMatchesEncode(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name          string
		w, h, quality int
		opaque, alpha bool // layer opaque; changes bring transparency
	}{
		{"postcard", 403, 517, 90, true, false},
		{"transparent layer", 120, 300, 75, false, false},
		{"alpha in an opaque layer", 200, 130, 100, true, true},
		{"one MCU row", 700, 9, 90, true, false},
		{"one pixel", 1, 1, 50, true, false},
		{"17x33", 17, 33, 90, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var layer *image.RGBA
			if tc.opaque && tc.w > 100 {
				layer = postcard(tc.w, tc.h)
			} else {
				layer = imgtest.RandomPremultiplied(rnd, tc.w, tc.h, tc.opaque)
			}
			s := NewStatic(layer, tc.quality)
			if got, want := encodeStatic(t, s, layer, nil), encode(t, layer, tc.quality); !bytes.Equal(got, want) {
				t.Fatal("the layer itself: static and whole encodings differ")
			}
			for trial := range 24 {
				img := image.NewRGBA(layer.Rect)
				copy(img.Pix, layer.Pix)
				var dirty []image.Rectangle
				for range 1 + trial%4 + trial/12*6 {
					x, y := rnd.IntN(tc.w), rnd.IntN(tc.h)
					d := image.Rect(x, y, x+1+rnd.IntN(tc.w/2+1), y+1+rnd.IntN(tc.h/4+1))
					switch trial {
					case 5: // ends on an MCU row boundary
						d.Max.Y = (d.Max.Y + 15) / 16 * 16
					case 6: // starts on one
						d.Min.Y = d.Min.Y / 16 * 16
					case 7: // one pixel row
						d.Max.Y = d.Min.Y + 1
					case 8: // sticking out of the image
						d = d.Add(image.Pt(tc.w/2, tc.h/2))
					case 9, 21: // one pixel
						d.Max = d.Min.Add(image.Pt(1, 1))
					case 10: // at the right edge
						d.Max.X = tc.w
					case 11: // at the left edge
						d.Min.X = 0
					case 12: // one MCU column
						d.Min.X, d.Max.X = d.Min.X/16*16, d.Min.X/16*16+16
					}
					paint(rnd, img, d, !tc.alpha)
					dirty = append(dirty, d)
				}
				got, want := encodeStatic(t, s, img, dirty), encode(t, img, tc.quality)
				if !bytes.Equal(got, want) {
					t.Fatalf("trial %d, dirty %v: static and whole encodings differ", trial, dirty)
				}
			}
		})
	}
}

// TestStaticConcurrent encodes pieces of one layer from several goroutines
// (run with -race).
func TestStaticConcurrent(t *testing.T) {
	layer := postcard(300, 200)
	s := NewStatic(layer, 85)
	var wg sync.WaitGroup
	for g := range 4 {
		rnd := rand.New(rand.NewPCG(uint64(g), 9))
		img := image.NewRGBA(layer.Rect)
		copy(img.Pix, layer.Pix)
		d := image.Rect(10*g, 20*g, 10*g+50, 20*g+30)
		paint(rnd, img, d, true)
		want := encode(t, img, 85)
		wg.Go(func() {
			for range 20 {
				var buf bytes.Buffer
				if err := s.Encode(&buf, img, []image.Rectangle{d}); err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Error("a concurrent encoding differs")
					return
				}
			}
		})
	}
	wg.Wait()
}

// paint fills the part of d inside img with noise.
func paint(rnd *rand.Rand, img *image.RGBA, d image.Rectangle, opaque bool) {
	d = d.Intersect(img.Rect)
	if d.Empty() {
		return
	}
	patch := imgtest.RandomPremultiplied(rnd, d.Dx(), d.Dy(), opaque)
	for y := d.Min.Y; y < d.Max.Y; y++ {
		copy(img.Pix[img.PixOffset(d.Min.X, y):img.PixOffset(d.Max.X, y)], patch.Pix[patch.PixOffset(0, y-d.Min.Y):])
	}
}

func encodeStatic(t testing.TB, s *Static, img *image.RGBA, dirty []image.Rectangle) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Encode(&buf, img, dirty); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMarkers walks the segments of a file: the restart interval is one
// MCU row, and RST0 to RST7 follow each other between MCU rows, one fewer
// than there are rows.
func TestMarkers(t *testing.T) {
	const w, h = 100, 16*20 - 5 // 7 MCUs a row, 20 rows
	data := encode(t, postcard(w, h), 90)
	if data[0] != 0xff || data[1] != soi || data[len(data)-2] != 0xff || data[len(data)-1] != eoi {
		t.Fatal("no SOI or EOI")
	}
	i := 2
	var seen []byte
	for i < len(data)-2 {
		if data[i] != 0xff {
			t.Fatalf("offset %d: %#x, want a marker", i, data[i])
		}
		m := data[i+1]
		n := int(data[i+2])<<8 | int(data[i+3])
		seen = append(seen, m)
		switch m {
		case app0:
			if string(data[i+4:i+9]) != "JFIF\x00" {
				t.Error("APP0 is not JFIF")
			}
		case dri:
			if ri := int(data[i+4])<<8 | int(data[i+5]); ri != 7 {
				t.Errorf("restart interval %d, want 7", ri)
			}
		case sof0:
			if data[i+4] != 8 || int(data[i+5])<<8|int(data[i+6]) != h || int(data[i+7])<<8|int(data[i+8]) != w {
				t.Error("SOF0: wrong precision or size")
			}
		}
		i += 2 + n
		if m != sos {
			continue
		}
		// The entropy-coded data: only stuffed 0xFF00 and RSTn.
		next := 0
		for ; i < len(data)-2; i++ {
			if data[i] != 0xff {
				continue
			}
			switch c := data[i+1]; {
			case c == 0:
			case c == 0xd0+byte(next%8):
				next++
			default:
				t.Fatalf("offset %d: marker %#x in the scan, want RST%d", i, c, next%8)
			}
			i++
		}
		if next != 19 {
			t.Errorf("%d restart markers, want 19", next)
		}
	}
	if want := []byte{app0, dqt, sof0, dht, dri, sos}; !bytes.Equal(seen, want) {
		t.Errorf("markers % x, want % x", seen, want)
	}
}

func TestTables(t *testing.T) {
	// Figure A.6, as printed.
	want := [64]uint8{
		0, 1, 8, 16, 9, 2, 3, 10,
		17, 24, 32, 25, 18, 11, 4, 5,
		12, 19, 26, 33, 40, 48, 41, 34,
		27, 20, 13, 6, 7, 14, 21, 28,
		35, 42, 49, 56, 57, 50, 43, 36,
		29, 22, 15, 23, 30, 37, 44, 51,
		58, 59, 52, 45, 38, 31, 39, 46,
		53, 60, 61, 54, 47, 55, 62, 63,
	}
	if zigzag != want {
		t.Errorf("zigzag %v", zigzag)
	}
	for name, s := range map[string]*huffSpec{"DC luma": &dcLumaSpec, "AC luma": &acLumaSpec, "DC chroma": &dcChromaSpec, "AC chroma": &acChromaSpec} {
		n := 0
		for _, c := range s.counts {
			n += int(c)
		}
		if n != len(s.values) {
			t.Errorf("%s: %d counted, %d values", name, n, len(s.values))
		}
		// Every symbol a coder may need, once: categories 0-11 for DC;
		// EOB, ZRL and every run 0-15 with size 1-10 for AC.
		want := map[uint8]bool{}
		if name[:2] == "DC" {
			for s := range 12 {
				want[uint8(s)] = true
			}
		} else {
			want[0x00], want[0xf0] = true, true
			for r := range 16 {
				for s := 1; s <= 10; s++ {
					want[uint8(r<<4|s)] = true
				}
			}
		}
		seen := map[uint8]bool{}
		for _, v := range s.values {
			if seen[v] || !want[v] {
				t.Errorf("%s: symbol %#x repeated or unexpected", name, v)
			}
			seen[v] = true
		}
		if len(seen) != len(want) {
			t.Errorf("%s: %d symbols, want %d", name, len(seen), len(want))
		}
		// The codes are a prefix code: no code starts another.
		codes := s.codes()
		for _, a := range s.values {
			for _, b := range s.values {
				la, lb := codes[a]>>16, codes[b]>>16
				if a != b && la <= lb && codes[b]&0xffff>>(lb-la) == codes[a]&0xffff {
					t.Fatalf("%s: code of %#x starts that of %#x", name, a, b)
				}
			}
		}
	}
	// No AC code is all ones at 16 bits (reserved, C.2 / F.1.2.3).
	if acLuma[0xfa] == 16<<16|0xffff || acChroma[0xfa] == 16<<16|0xffff {
		t.Error("an all-ones code")
	}
}

// TestFDCT compares the AAN transform, its factors divided out, with the
// DCT of T.81 A.3.3 computed from the definition.
func TestFDCT(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	var ones [64]uint8
	for i := range ones {
		ones[i] = 1
	}
	q := newQuantizer(&ones)
	for range 50 {
		var src [64]float32
		for i := range src {
			src[i] = float32(rnd.IntN(256) - 128)
		}
		var d [64]float32
		fdct(&d, src[:], 8)
		for k, i := range zigzag {
			u, v := int(i/8), int(i%8)
			var sum float64
			for y := range 8 {
				for x := range 8 {
					sum += float64(src[8*y+x]) * math.Cos(float64(2*y+1)*float64(u)*math.Pi/16) * math.Cos(float64(2*x+1)*float64(v)*math.Pi/16)
				}
			}
			cu, cv := 1.0, 1.0
			if u == 0 {
				cu = math.Sqrt2 / 2
			}
			if v == 0 {
				cv = math.Sqrt2 / 2
			}
			want := sum * cu * cv / 4
			if got := float64(d[i] * q.recip[k]); math.Abs(got-want) > 1e-3*(1+math.Abs(want)) {
				t.Fatalf("F(%d,%d) = %g, want %g", u, v, got, want)
			}
		}
	}
}

// BenchmarkEncode encodes a 300 DPI 9x6 inch synthetic postcard (a
// rendered one: BenchmarkEncodeJPEG in batch).
func BenchmarkEncode(b *testing.B) {
	img := postcard(2700, 1800)
	b.Run("jpegenc", func(b *testing.B) {
		var buf bytes.Buffer
		b.ReportAllocs()
		b.SetBytes(int64(len(img.Pix)))
		for b.Loop() {
			buf.Reset()
			if err := Encode(&buf, img, 90); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "B/file")
	})
	b.Run("image-jpeg", func(b *testing.B) {
		var buf bytes.Buffer
		b.ReportAllocs()
		b.SetBytes(int64(len(img.Pix)))
		for b.Loop() {
			buf.Reset()
			if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "B/file")
	})
}
