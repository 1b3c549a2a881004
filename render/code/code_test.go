package code

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// paint draws rects (module units) into a white image.Gray of size
// wMod×hMod modules at px pixels per module, the way the raster painter
// does: whole-pixel rectangles, no scaling of a bitmap.
func paint(rects []Rect, wMod, hMod float64, px int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, int(wMod)*px, int(hMod*float64(px))))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, r := range rects {
		x0, y0 := int(r.X)*px, int(r.Y*float64(px))
		x1, y1 := int(r.X+r.W)*px, int((r.Y+r.H)*float64(px))
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.SetGray(x, y, color.Gray{})
			}
		}
	}
	return img
}

func decodeQR(t testing.TB, m *Matrix, hints map[gozxing.DecodeHintType]any) (*gozxing.Result, error) {
	t.Helper()
	const quiet, px = 4, 4
	n := float64(m.Size + 2*quiet)
	img := paint(m.Rects(quiet), n, n, px)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	return gzqr.NewQRCodeReader().Decode(bmp, hints)
}

func decode128(t testing.TB, b *Bars) (string, error) {
	t.Helper()
	const quiet, px = 10, 2
	n := float64(len(b.Modules) + 2*quiet)
	img := paint(b.Rects(quiet, 20), n, 20, px)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := oned.NewCode128Reader().Decode(bmp, nil)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// text returns an n-byte string that go-qrcode can only put in byte mode
// (lower-case letters and punctuation), deterministic for a seed.
func text(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	const alphabet = "abcdefghijklmnopqrstuvwxyz .,;-_/?=&"
	var sb strings.Builder
	for range n {
		sb.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return sb.String()
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]Level{
		"L": Low, "m": Medium, "Q": Quartile, "h": High,
		"low": Low, "Medium": Medium, " QUARTILE ": Quartile, "high": High,
	} {
		got, err := ParseLevel(in)
		if err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "lowest", "30%", "HH"} {
		if _, err := ParseLevel(in); err == nil {
			t.Errorf("ParseLevel(%q) succeeded", in)
		}
	}
	for l, s := range []string{"L", "M", "Q", "H"} {
		if got := Level(l).String(); got != s {
			t.Errorf("Level(%d).String() = %q, want %q", l, got, s)
		}
	}
	if got := Level(7).String(); got != "Level(7)" {
		t.Errorf("Level(7).String() = %q", got)
	}
}

func TestQRDecodes(t *testing.T) {
	contents := []string{
		"https://example.com/p/12345?utm_source=mail&utm_campaign=spring",
		"José Müller-Łukasiewicz",
		"東京都千代田区 — 日本",
		"x",
		"7",
		"HELLO WORLD 123",
		"0123456789012345678901234567890",
		"BEGIN:VCARD\nVERSION:3.0\nN:Müller;José\nTEL:+49 30 1234567\nEND:VCARD",
		text(400, 1),
	}
	for _, level := range []Level{Low, Medium, Quartile, High} {
		for _, c := range contents {
			name := fmt.Sprintf("%s/%.20q", level, c)
			t.Run(name, func(t *testing.T) {
				m, err := QR(c, level)
				if err != nil {
					t.Fatal(err)
				}
				checkMatrix(t, m)
				res, err := decodeQR(t, m, nil)
				if err != nil {
					t.Fatalf("gozxing: %v", err)
				}
				if res.GetText() != c {
					t.Fatalf("decoded %q, want %q", res.GetText(), c)
				}
				if ec := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL]; ec != level.String() {
					t.Errorf("decoded level %v, want %v", ec, level)
				}
			})
		}
	}
}

func checkMatrix(t *testing.T, m *Matrix) {
	t.Helper()
	if m.Size < 21 || m.Size > 177 || (m.Size-17)%4 != 0 {
		t.Fatalf("size %d is not a QR version size", m.Size)
	}
	if len(m.Modules) != m.Size*m.Size {
		t.Fatalf("%d modules for size %d", len(m.Modules), m.Size)
	}
	// Finder patterns: the 7×7 corners have a dark ring and a light ring.
	for _, c := range [][2]int{{0, 0}, {m.Size - 7, 0}, {0, m.Size - 7}} {
		for i := range 7 {
			if !m.At(c[0]+i, c[1]) || !m.At(c[0]+i, c[1]+6) || !m.At(c[0], c[1]+i) || !m.At(c[0]+6, c[1]+i) {
				t.Fatalf("finder pattern at %v lacks its dark ring", c)
			}
		}
		for i := 1; i < 6; i++ {
			if m.At(c[0]+i, c[1]+1) || m.At(c[0]+1, c[1]+i) {
				t.Fatalf("finder pattern at %v lacks its light ring", c)
			}
		}
	}
}

func TestQRNearCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("version 40 symbols are slow to decode")
	}
	for level := Low; level <= High; level++ {
		t.Run(level.String(), func(t *testing.T) {
			c := text(byteCapacity[level], uint64(level))
			m, err := QR(c, level)
			if err != nil {
				t.Fatal(err)
			}
			if m.Size != 177 {
				t.Errorf("size %d, want 177 (version 40)", m.Size)
			}
			res, err := decodeQR(t, m, nil)
			if err != nil {
				t.Fatalf("gozxing: %v", err)
			}
			if res.GetText() != c {
				t.Fatalf("decoded text differs (%d bytes, want %d)", len(res.GetText()), len(c))
			}
			// Digits only go further (numeric mode).
			digits := strings.Repeat("1234567890", numericCapacity[level]/10+1)[:numericCapacity[level]]
			if _, err := QR(digits, level); err != nil {
				t.Errorf("%d digits: %v", len(digits), err)
			}
		})
	}
}

func TestQRCapacityErrors(t *testing.T) {
	for level := Low; level <= High; level++ {
		for _, c := range []string{
			text(byteCapacity[level]+1, 9),
			strings.Repeat("9", numericCapacity[level]+1),
			strings.Repeat("ü", 4000),
			strings.Repeat("a", 1<<20),
		} {
			m, err := QR(c, level)
			if m != nil || !errors.Is(err, ErrCapacity) {
				t.Fatalf("level %s, %d bytes: got %v, %v; want ErrCapacity", level, len(c), m, err)
			}
			msg := err.Error()
			for _, want := range []string{fmt.Sprint(len(c)), fmt.Sprint(byteCapacity[level]), "level " + level.String()} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
		}
	}
}

func TestQROtherErrors(t *testing.T) {
	if _, err := QR("", Medium); err == nil || errors.Is(err, ErrCapacity) {
		t.Errorf("empty content: %v", err)
	}
	for _, l := range []Level{-1, 4} {
		if _, err := QR("x", l); err == nil {
			t.Errorf("level %d accepted", l)
		}
	}
}

func TestQRDeterministic(t *testing.T) {
	const c = "https://example.com/r/ABCDEF?n=José"
	first, err := QR(c, Quartile)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				m, err := QR(c, Quartile)
				if err != nil {
					t.Error(err)
					return
				}
				if m.Size != first.Size || !slices.Equal(m.Modules, first.Modules) {
					t.Error("QR gave different modules for the same content")
					return
				}
			}
		})
	}
	wg.Wait()
	// More redundancy never makes the symbol smaller.
	prev := 0
	for level := Low; level <= High; level++ {
		m, err := QR(c, level)
		if err != nil {
			t.Fatal(err)
		}
		if m.Size < prev {
			t.Errorf("level %s: size %d < %d of the level below", level, m.Size, prev)
		}
		prev = m.Size
	}
}

func TestMatrixAt(t *testing.T) {
	m := &Matrix{Size: 2, Modules: []bool{true, false, false, true}}
	for _, c := range []struct {
		x, y int
		want bool
	}{{0, 0, true}, {1, 0, false}, {0, 1, false}, {1, 1, true}, {-1, 0, false}, {2, 1, false}, {0, 2, false}, {0, -1, false}} {
		if got := m.At(c.x, c.y); got != c.want {
			t.Errorf("At(%d, %d) = %v", c.x, c.y, got)
		}
	}
}

func TestCode128Decodes(t *testing.T) {
	for _, c := range []string{
		"1234567890",        // all digits, even: set C throughout
		"12345",             // odd digits
		"0",                 //
		"PJJ123C",           // Wikipedia's example
		"AB123456CD",        // a run of digits in the middle
		"ORDER 2024-000017", // mixed
		"Invoice 0042/7 for Jose? no: J.M.",
		"abcdefghijklmnopqrstuvwxyz",
		"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
		"A\tB",            // control character: shift to A
		"\x01\x02\x03ABC", // control characters: start A
		"tab\there\nnewline\x7f",
		"98765432109876543210x",
		" ",
	} {
		t.Run(fmt.Sprintf("%q", c), func(t *testing.T) {
			b, err := Code128(c)
			if err != nil {
				t.Fatal(err)
			}
			checkBars(t, b)
			got, err := decode128(t, b)
			if err != nil {
				t.Fatalf("gozxing: %v", err)
			}
			if got != c {
				t.Fatalf("decoded %q, want %q", got, c)
			}
		})
	}
}

func checkBars(t *testing.T, b *Bars) {
	t.Helper()
	n := len(b.Modules)
	if n < 3*11+13 || (n-13)%11 != 0 {
		t.Fatalf("%d modules: not start + data + check + stop", n)
	}
	if !b.Modules[0] || !b.Modules[n-1] || !b.Modules[n-2] || b.Modules[n-3] {
		t.Fatalf("code does not begin with a bar and end with the stop's 2-module bar")
	}
}

func TestCode128Random(t *testing.T) {
	// Random mixes of digit runs, text and control characters exercise
	// every set change; each must decode back.
	r := rand.New(rand.NewPCG(128, 128))
	pieces := []string{"0", "12", "345", "6789", "012345", "a", "Z", "x y", "\t", "\x00", "\x1f", "~", "\x7f", "."}
	for i := range 300 {
		var sb strings.Builder
		for range 1 + r.IntN(8) {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		c := sb.String()
		b, err := Code128(c)
		if err != nil {
			t.Fatalf("%d %q: %v", i, c, err)
		}
		got, err := decode128(t, b)
		if err != nil || got != c {
			t.Fatalf("%d %q: decoded %q, %v", i, c, got, err)
		}
		// Never wider than ZXing's own writer (which looks ahead
		// greedily); ours is a shortest-symbol search.
		if len(c) <= 80 && !strings.ContainsAny(c, "\x00") {
			zx, err := oned.NewCode128Writer().Encode(c, gozxing.BarcodeFormat_CODE_128, 0, 1,
				map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_MARGIN: 0})
			if err == nil && len(b.Modules) > zx.GetWidth() {
				t.Errorf("%q: %d modules, ZXing's writer needs %d", c, len(b.Modules), zx.GetWidth())
			}
		}
	}
}

func TestCode128Checksum(t *testing.T) {
	// "PJJ123C" in set B (3 digits do not pay for a switch to C):
	//   Start B                       104
	//   P = 80-32 = 48   × 1 =  48
	//   J = 74-32 = 42   × 2 =  84
	//   J                × 3 = 126
	//   1 = 49-32 = 17   × 4 =  68
	//   2 = 18           × 5 =  90
	//   3 = 19           × 6 = 114
	//   C = 67-32 = 35   × 7 = 245
	//   sum = 104 + 775 = 879; 879 mod 103 = 879 - 8×103 = 55 ('W' in set B)
	v, err := code128Values("PJJ123C")
	if err != nil {
		t.Fatal(err)
	}
	want := []int{104, 48, 42, 42, 17, 18, 19, 35, 55, 106}
	if !slices.Equal(v, want) {
		t.Fatalf("values %v, want %v", v, want)
	}
	b, _ := Code128("PJJ123C")
	if len(b.Modules) != 9*11+13 {
		t.Errorf("%d modules, want %d", len(b.Modules), 9*11+13)
	}
}

func TestCode128Sets(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int // without checksum and stop
	}{
		{"1234567890", []int{105, 12, 34, 56, 78, 90}},
		{"12", []int{105, 12}},
		{"1", []int{104, 17}},
		{"AB1234", []int{104, 33, 34, c128CodeC, 12, 34}},
		{"1234AB", []int{105, 12, 34, c128CodeB, 33, 34}},
		{"AB1234CD", []int{104, 33, 34, 17, 18, 19, 20, 35, 36}}, // 4 in the middle: a tie, no switch
		{"AB123456CD", []int{104, 33, 34, c128CodeC, 12, 34, 56, c128CodeB, 35, 36}},
		{"a\tb", []int{104, 65, c128Shift, 73, 66}},
		{"\t\n", []int{103, 73, 74}},
		{"ab\x7f", []int{104, 65, 66, 95}},
	} {
		v, err := code128Values(c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if got := v[:len(v)-2]; !slices.Equal(got, c.want) {
			t.Errorf("%q: values %v, want %v", c.in, got, c.want)
		}
	}
}

func TestCode128Errors(t *testing.T) {
	if _, err := Code128(""); err == nil {
		t.Error("empty content accepted")
	}
	for _, c := range []struct{ in, want string }{
		{"José", `'é' (U+00E9) at position 4`},
		{"€5", `'€' (U+20AC) at position 1`},
		{"ab\xffc", "0xFF at position 3"},
	} {
		_, err := Code128(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one mentioning %s", c.in, err, c.want)
		}
	}
}

func TestCode128Patterns(t *testing.T) {
	seen := map[string]bool{}
	for v, p := range c128Patterns {
		sum := 0
		for _, w := range p {
			sum += int(w - '0')
		}
		if sum != c128Width(v) || (len(p)%2 != 0) != (v == c128Stop) {
			t.Errorf("value %d: pattern %s is %d modules", v, p, sum)
		}
		if seen[p] {
			t.Errorf("value %d: pattern %s repeated", v, p)
		}
		seen[p] = true
	}
}

func FuzzCode128(f *testing.F) {
	for _, s := range []string{"PJJ123C", "1234", "a\tb", "\x00\x7f", "12a34567b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Code128(s)
		if err != nil {
			return
		}
		checkBars(t, b)
	})
}

func TestRectsCoverDarkModules(t *testing.T) {
	m, err := QR("https://example.com/rects", Medium)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Code128("Rects 0123456789")
	if err != nil {
		t.Fatal(err)
	}
	for _, quiet := range []int{0, 4, -2} {
		q := max(quiet, 0)
		// Matrix: area equals the dark module count, every rect lies on
		// dark modules of one row, and runs are maximal (no two touch).
		dark := 0
		for _, v := range m.Modules {
			if v {
				dark++
			}
		}
		rects := m.Rects(quiet)
		area := 0.0
		covered := make([]bool, len(m.Modules))
		for i, r := range rects {
			area += r.W * r.H
			if r.H != 1 || r.W < 1 {
				t.Fatalf("rect %v is not a 1-module-tall run", r)
			}
			y := int(r.Y) - q
			for x := int(r.X) - q; x < int(r.X+r.W)-q; x++ {
				if !m.At(x, y) || covered[y*m.Size+x] {
					t.Fatalf("rect %v covers light or covered module (%d, %d)", r, x, y)
				}
				covered[y*m.Size+x] = true
			}
			if i > 0 && rects[i-1].Y == r.Y && rects[i-1].X+rects[i-1].W >= r.X {
				t.Fatalf("rects %v and %v touch: runs not merged", rects[i-1], r)
			}
		}
		if int(area) != dark {
			t.Errorf("quiet %d: QR rect area %v, %d dark modules", quiet, area, dark)
		}
		// Bars.
		bars := 0
		for _, v := range b.Modules {
			if v {
				bars++
			}
		}
		const h = 30.0
		area = 0
		for _, r := range b.Rects(quiet, h) {
			area += r.W * r.H
			if r.Y != 0 || r.H != h {
				t.Fatalf("bar rect %v", r)
			}
			for x := int(r.X) - q; x < int(r.X+r.W)-q; x++ {
				if !b.Modules[x] {
					t.Fatalf("bar rect %v covers a space", r)
				}
			}
		}
		if area != float64(bars)*h {
			t.Errorf("quiet %d: bar area %v, want %v", quiet, area, float64(bars)*h)
		}
	}
	// A hand-made grid, exactly.
	g := &Matrix{Size: 3, Modules: []bool{
		true, true, false,
		false, false, false,
		true, false, true,
	}}
	want := []Rect{{1, 1, 2, 1}, {1, 3, 1, 1}, {3, 3, 1, 1}}
	if got := g.Rects(1); !slices.Equal(got, want) {
		t.Errorf("Rects(1) = %v, want %v", got, want)
	}
	bars := &Bars{Modules: []bool{true, true, false, true, false, false, true, true, true}}
	wantB := []Rect{{10, 0, 2, 5}, {13, 0, 1, 5}, {16, 0, 3, 5}}
	if got := bars.Rects(10, 5); !slices.Equal(got, wantB) {
		t.Errorf("Bars.Rects = %v, want %v", got, wantB)
	}
}

func TestPixelGrid(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		x, y, w, h  float64
		n           int
		x0, y0, mod int
	}{
		{0, 0, 100, 100, 25, 0, 0, 4},                // exact fit
		{0, 0, 110, 100, 25, 5, 0, 4},                // wider box: centred horizontally
		{10, 20, 103, 103, 25, 12, 22, 4},            // 3 px spare: 1.5 rounds up to 2
		{10.4, 20.6, 100, 100, 25, 10, 21, 4},        // fractional origin rounds
		{0, 0, 99.9, 200, 25, 12, 63, 3},             // floor(99.9/25) = 3; 75 px centred
		{0, 0, 10, 10, 29, -9, -9, 1},                // too small: 1 px modules, overflow centred
		{5, 5, 0, 0, 21, -5, -5, 1},                  // empty box
		{0, 0, 100, 100, 0, 0, 0, 100},               // n < 1 counts as 1
		{0, 0, -50, 40, 10, -5, 15, 1},               // negative width counts as 0
		{math.NaN(), 0, inf, 50, 10, -5, 20, 1},      // NaN origin and infinite width count as 0
		{-30.5, -7, 64, 64, 33, -15, 9, 1},           // 64/33 < 2
		{0, 0, 1e300, 1e300, 10, 0, 0, 1 << 30 / 10}, // absurd sizes stay finite
	} {
		x0, y0, mod := PixelGrid(c.x, c.y, c.w, c.h, c.n)
		if c.w == 1e300 {
			if mod < 1 || mod*c.n > pixelLimit || x0 > pixelLimit || y0 > pixelLimit {
				t.Errorf("PixelGrid(%v, %v, %v, %v, %d) module = %d", c.x, c.y, c.w, c.h, c.n, mod)
			}
			continue
		}
		if x0 != c.x0 || y0 != c.y0 || mod != c.mod {
			t.Errorf("PixelGrid(%v, %v, %v, %v, %d) = %d, %d, %d; want %d, %d, %d",
				c.x, c.y, c.w, c.h, c.n, x0, y0, mod, c.x0, c.y0, c.mod)
		}
	}
	for _, c := range []struct {
		x, w       float64
		n, x0, mod int
	}{
		{0, 300, 100, 0, 3},
		{0, 350, 100, 25, 3},
		{12.2, 99, 100, 12, 1},
		{0, 50, 100, -25, 1},
	} {
		x0, mod := PixelSpan(c.x, c.w, c.n)
		if x0 != c.x0 || mod != c.mod {
			t.Errorf("PixelSpan(%v, %v, %d) = %d, %d; want %d, %d", c.x, c.w, c.n, x0, mod, c.x0, c.mod)
		}
	}
}

func BenchmarkQR(b *testing.B) {
	const c = "https://example.com/r/0123456789abcdef?campaign=spring&name=Jos%C3%A9"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := QR(c, Medium); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatrixRects(b *testing.B) {
	m, err := QR("https://example.com/r/0123456789abcdef?campaign=spring", Medium)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Rects(4)
	}
}

func BenchmarkCode128(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Code128("ORDER-2024-000017/ab 12345678"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBarsRects(b *testing.B) {
	bars, err := Code128("ORDER-2024-000017/ab 12345678")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = bars.Rects(10, 50)
	}
}
