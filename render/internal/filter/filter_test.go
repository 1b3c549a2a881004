package filter

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/fabricpress/fabricpress/fabric"
)

func TestClampU8(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want uint8
	}{
		{70.0 / 3, 23}, // grayscale average of (10,20,40)
		{0.5, 0},
		{1.5, 2},
		{2.5, 2},
		{254.5, 254},
		{254.500001, 255},
		{-3, 0},
		{300, 255},
		{math.NaN(), 0},
		{math.Inf(1), 255},
	} {
		if got := clampU8(tc.in); got != tc.want {
			t.Errorf("clampU8(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestToU8(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want uint8
	}{
		{99.99999999999999, 99}, {255.9, 255}, {256, 0}, {-1, 255}, {-0.5, 0},
		{math.NaN(), 0}, {math.Inf(1), 0}, {513.7, 1},
	} {
		if got := toU8(tc.in); got != tc.want {
			t.Errorf("toU8(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// px builds a w×h NRGBA image from RGBA quadruples.
func px(w, h int, v ...uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	copy(img.Pix, v)
	return img
}

func f(typ string, kv ...any) fabric.Filter {
	p := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return fabric.Filter{Type: typ, Params: p}
}

func arr(v ...float64) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}

// TestFilters checks a few opaque pixels per filter against values worked
// out by hand from the formulas in Fabric 6.9.1's src/filters/*.ts.
func TestFilters(t *testing.T) {
	for _, tc := range []struct {
		name    string
		filters []fabric.Filter
		w, h    int
		in      []uint8
		want    []uint8
	}{
		{
			// (10+20+40)/3 = 23.33 → 23; (1+1+2)/3 = 1.33 → 1
			name: "grayscale average", filters: []fabric.Filter{f("Grayscale", "mode", "average")},
			w: 2, h: 1, in: []uint8{10, 20, 40, 255, 1, 1, 2, 255},
			want: []uint8{23, 23, 23, 255, 1, 1, 1, 255},
		},
		{
			// (2+3)/2 = 2.5 → 2 and (1+2)/2 = 1.5 → 2: Uint8ClampedArray ties to even
			name: "grayscale lightness", filters: []fabric.Filter{f("Grayscale", "mode", "lightness")},
			w: 2, h: 1, in: []uint8{2, 2, 3, 255, 1, 1, 2, 255},
			want: []uint8{2, 2, 2, 255, 2, 2, 2, 255},
		},
		{
			// 0.21·10 + 0.72·20 + 0.07·40 = 19.3 → 19
			name: "grayscale luminosity", filters: []fabric.Filter{f("Grayscale", "mode", "luminosity")},
			w: 1, h: 1, in: []uint8{10, 20, 40, 255}, want: []uint8{19, 19, 19, 255},
		},
		{
			name: "grayscale default mode", filters: []fabric.Filter{f("Grayscale")},
			w: 1, h: 1, in: []uint8{10, 20, 40, 255}, want: []uint8{23, 23, 23, 255},
		},
		{
			// an unknown mode leaves `value` undefined: stored as 0
			name: "grayscale unknown mode", filters: []fabric.Filter{f("Grayscale", "mode", "sepia")},
			w: 1, h: 1, in: []uint8{10, 20, 40, 255}, want: []uint8{0, 0, 0, 255},
		},
		{
			// r = .393·100 + .769·150 + .189·200 = 192.45, g = 171.4, b = 133.5 → 134
			name: "sepia", filters: []fabric.Filter{f("Sepia")},
			w: 1, h: 1, in: []uint8{100, 150, 200, 255}, want: []uint8{192, 171, 134, 255},
		},
		{
			// 1.5·(90+90+91) − 255 = 151.5 → 152; 1.5·269 − 255 = 148.5 → 148;
			// 1.5·150 − 255 < 0 → 0
			name: "blackwhite", filters: []fabric.Filter{f("BlackWhite")},
			w: 3, h: 1, in: []uint8{90, 90, 91, 255, 90, 90, 89, 255, 50, 50, 50, 255},
			want: []uint8{152, 152, 152, 255, 148, 148, 148, 255, 0, 0, 0, 255},
		},
		{
			// Polaroid r = 1.438·100 − .062·150 − .062·200 = 122.1 → 122,
			// g = −12.2 + 206.7 − 24.4 = 170.1, b = −1.6 − 2.4 + 296.6 = 292.6 → 255
			name: "polaroid", filters: []fabric.Filter{f("Polaroid")},
			w: 1, h: 1, in: []uint8{100, 150, 200, 255}, want: []uint8{122, 170, 255, 255},
		},
		{
			// swap r and b, add 0.1·255 = 25.5 to g: 150 + 25.5 = 175.5 → 176;
			// colorsOnly false: a' = 0.5·a = 127.5 → 128
			name: "colormatrix", filters: []fabric.Filter{f("ColorMatrix", "colorsOnly", false, "matrix",
				arr(0, 0, 1, 0, 0, 0, 1, 0, 0, 0.1, 1, 0, 0, 0, 0, 0, 0, 0, 0.5, 0))},
			w: 1, h: 1, in: []uint8{100, 150, 200, 255}, want: []uint8{200, 176, 100, 128},
		},
		{
			// round(0.1·255) = round(25.5) = 26
			name: "brightness up", filters: []fabric.Filter{f("Brightness", "brightness", 0.1)},
			w: 1, h: 1, in: []uint8{10, 20, 250, 255}, want: []uint8{36, 46, 255, 255},
		},
		{
			// Math.round(−127.5) = −127 (ties toward +∞)
			name: "brightness down", filters: []fabric.Filter{f("Brightness", "brightness", -0.5)},
			w: 1, h: 1, in: []uint8{200, 127, 128, 255}, want: []uint8{73, 0, 1, 255},
		},
		{
			// C = floor(127.5) = 127, F = 259·382/(255·132) = 2.93934;
			// F·(100−128)+128 = 45.7 → 46, F·(200−128)+128 > 255, 128 stays
			name: "contrast", filters: []fabric.Filter{f("Contrast", "contrast", 0.5)},
			w: 1, h: 1, in: []uint8{100, 200, 128, 255}, want: []uint8{46, 255, 128, 255},
		},
		{
			// every channel but the max moves by (max−c)·(−s)
			name: "saturation", filters: []fabric.Filter{f("Saturation", "saturation", 1)},
			w: 1, h: 1, in: []uint8{100, 150, 200, 255}, want: []uint8{0, 100, 200, 255},
		},
		{
			name: "desaturation", filters: []fabric.Filter{f("Saturation", "saturation", -0.5)},
			w: 1, h: 1, in: []uint8{100, 150, 200, 255}, want: []uint8{150, 175, 200, 255},
		},
		{
			// amt = (|200−150|·2/255)·(−1) = −0.392157; 100 − 39.2 = 60.8 → 61,
			// 150 − 19.6 = 130.4 → 130
			name: "vibrance", filters: []fabric.Filter{f("Vibrance", "vibrance", 1)},
			w: 1, h: 1, in: []uint8{100, 150, 200, 255}, want: []uint8{61, 130, 200, 255},
		},
		{
			name: "invert", filters: []fabric.Filter{f("Invert")},
			w: 1, h: 1, in: []uint8{10, 20, 30, 255}, want: []uint8{245, 235, 225, 255},
		},
		{
			name: "invert alpha", filters: []fabric.Filter{f("Invert", "alpha", true)},
			w: 1, h: 1, in: []uint8{10, 20, 30, 255}, want: []uint8{245, 235, 225, 0},
		},
		{
			// rotation 1 = π: cos −1, sin 0 exactly; r' = (−r + 2g + 2b)/3 …
			name: "hue rotation 180°", filters: []fabric.Filter{f("HueRotation", "rotation", 1)},
			w: 1, h: 1, in: []uint8{100, 150, 200, 255}, want: []uint8{200, 150, 100, 255},
		},
		{
			// r: (100/255)^(1/2)·255 = √25500 = 159.69 → 159 (Uint8Array
			// truncates); g: (100/255)·255 = 100; b: 100²/255 = 39.2 → 39
			name: "gamma", filters: []fabric.Filter{f("Gamma", "gamma", arr(2, 1, 0.5))},
			w: 1, h: 1, in: []uint8{100, 100, 100, 255}, want: []uint8{159, 100, 39, 255},
		},
		{
			name: "pixelate", filters: []fabric.Filter{f("Pixelate", "blocksize", 2.0)},
			w: 3, h: 2,
			in: []uint8{1, 1, 1, 255, 2, 2, 2, 255, 3, 3, 3, 255,
				4, 4, 4, 255, 5, 5, 5, 255, 6, 6, 6, 255},
			want: []uint8{1, 1, 1, 255, 1, 1, 1, 255, 3, 3, 3, 255,
				1, 1, 1, 255, 1, 1, 1, 255, 3, 3, 3, 255},
		},
		{
			// white ± 0.02·255 = ±5.1, strict comparisons
			name: "remove color", filters: []fabric.Filter{f("RemoveColor")},
			w: 2, h: 1, in: []uint8{252, 253, 254, 255, 249, 255, 255, 255},
			want: []uint8{252, 253, 254, 0, 249, 255, 255, 255},
		},
		{
			// #F95C63 = (249,92,99): 249·100/255 = 97.6 → 98, 36.1 → 36, 38.8 → 39
			name: "blend multiply", filters: []fabric.Filter{f("BlendColor")},
			w: 1, h: 1, in: []uint8{100, 100, 100, 255}, want: []uint8{98, 36, 39, 255},
		},
		{
			name: "blend screen", filters: []fabric.Filter{f("BlendColor", "color", "red", "mode", "screen")},
			w: 1, h: 1, in: []uint8{0, 100, 200, 255}, want: []uint8{255, 100, 200, 255},
		},
		{
			// tint with black at 0.5: c·0.5, so 101 → 50.5 → 50 and 3 → 1.5 → 2
			name: "blend tint", filters: []fabric.Filter{f("BlendColor", "color", "#000", "mode", "tint", "alpha", 0.5)},
			w: 1, h: 1, in: []uint8{101, 100, 3, 255}, want: []uint8{50, 50, 2, 255},
		},
		{
			// rgb(50%,…) is Math.round(50·2.55) = Math.round(127.49999999999999)
			// = 127: |100 − 127| = 27
			name: "blend difference", filters: []fabric.Filter{f("BlendColor", "color", "rgb(50%, 0%, 100%)", "mode", "difference")},
			w: 1, h: 1, in: []uint8{100, 100, 100, 255}, want: []uint8{27, 100, 155, 255},
		},
		{
			name: "blend v5 diff", filters: []fabric.Filter{f("blendcolor", "color", "#808080", "mode", "diff")},
			w: 1, h: 1, in: []uint8{100, 100, 100, 255}, want: []uint8{28, 28, 28, 255},
		},
		{
			name: "blend unknown mode", filters: []fabric.Filter{f("BlendColor", "mode", "hue")},
			w: 1, h: 1, in: []uint8{100, 100, 100, 255}, want: []uint8{0, 0, 0, 255},
		},
		{
			// sharpen, opaque: centre 5·100 − 4·50 = 300 → 255; corner 5·50 − 2·50
			// = 150 (no edge extension); edge 5·50 − 50 − 50 − 100 = 50
			name: "convolute sharpen opaque",
			filters: []fabric.Filter{f("Convolute", "opaque", true,
				"matrix", arr(0, -1, 0, -1, 5, -1, 0, -1, 0))},
			w: 3, h: 3,
			in: []uint8{50, 50, 50, 200, 50, 50, 50, 200, 50, 50, 50, 200,
				50, 50, 50, 200, 100, 100, 100, 255, 50, 50, 50, 200,
				50, 50, 50, 200, 50, 50, 50, 200, 50, 50, 50, 200},
			// The 200-alpha pixels go through the read-back first: 50 → 50.
			want: []uint8{150, 150, 150, 200, 50, 50, 50, 200, 150, 150, 150, 200,
				50, 50, 50, 200, 255, 255, 255, 255, 50, 50, 50, 200,
				150, 150, 150, 200, 50, 50, 50, 200, 150, 150, 150, 200},
		},
		{
			// 90/9 = 10, alpha 255/9 = 28.3 → 28
			name: "convolute box", filters: []fabric.Filter{f("Convolute", "matrix",
				arr(1.0/9, 1.0/9, 1.0/9, 1.0/9, 1.0/9, 1.0/9, 1.0/9, 1.0/9, 1.0/9))},
			w: 1, h: 1, in: []uint8{90, 90, 90, 255}, want: []uint8{10, 10, 10, 28},
		},
		{
			name: "composed", filters: []fabric.Filter{f("Composed", "subFilters", []any{
				map[string]any{"type": "Invert"},
				map[string]any{"type": "Grayscale", "mode": "lightness"},
			})},
			w: 1, h: 1, in: []uint8{10, 20, 40, 255}, want: []uint8{230, 230, 230, 255},
		},
		{
			// inside Composed neutral filters still run, and Invert's 2D code
			// ignores `invert`
			name: "composed runs neutral invert", filters: []fabric.Filter{f("Composed", "subFilters", []any{
				map[string]any{"type": "Invert", "invert": false},
				map[string]any{"type": "Brightness", "brightness": 0.1},
			})},
			w: 1, h: 1, in: []uint8{10, 20, 40, 255}, want: []uint8{255, 255, 241, 255},
		},
		{
			name: "order matters", filters: []fabric.Filter{
				f("Brightness", "brightness", 0.5), f("Invert"),
			},
			w: 1, h: 1, in: []uint8{200, 10, 0, 255}, want: []uint8{0, 117, 127, 255},
		},
		{
			name: "v5 lower-case type and mainParameter", filters: []fabric.Filter{
				f("brightness", "mainParameter", 0.1), f("grayscale", "mainParameter", "lightness"),
			},
			w: 1, h: 1, in: []uint8{10, 20, 250, 255}, want: []uint8{146, 146, 146, 255},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := px(tc.w, tc.h, tc.in...)
			if err := Apply(img, tc.filters); err != nil {
				t.Fatal(err)
			}
			if !equalBytes(img.Pix, tc.want) {
				t.Errorf("got  %v\nwant %v", img.Pix, tc.want)
			}
		})
	}
}

func equalBytes(a, b []uint8) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBlurFilter checks the 2D Blur on a uniform opaque 10×10 image with
// blur 1 (spread 1.2 px). Uniform colour stays uniform, except for the
// quirk of Fabric's horizontal pass: on the last row, the taps with
// floor(1.2·j/15) = 1 (j = 13, 14) of the last pixel read past the array,
// which makes that pixel transparent black. The vertical pass then mixes
// it in: pixel (9,9) has all taps with j >= 0 on row 9 (weight 8 of 15),
// so alpha = 255·7/15 = 119; pixel (9,8) has taps j = 13, 14 (weight 0.2)
// there: alpha = 255·14.8/15 = 251.6 → 252. Colour is alpha-weighted, so
// it stays.
func TestBlurFilter(t *testing.T) {
	const n = 10
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []uint8{50, 100, 150, 255})
	}
	if err := Apply(img, []fabric.Filter{f("Blur", "blur", 1.0)}); err != nil {
		t.Fatal(err)
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			want := [4]uint8{50, 100, 150, 255}
			switch {
			case x == 9 && y == 9:
				want[3] = 119
			case x == 9 && y == 8:
				want[3] = 252
			}
			o := img.PixOffset(x, y)
			if got := [4]uint8(img.Pix[o : o+4]); got != want {
				t.Errorf("(%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

// TestReadBack checks the getImageData round trip emulated before the
// first filter. (200,100,50) at alpha 128 premultiplies to
// (round(100.39), round(50.2), round(25.1)) = (100, 50, 25) and reads back
// as 100·255/128 = 199.2 → 199, 99.6 → 100, 49.8 → 50.
func TestReadBack(t *testing.T) {
	identity := []fabric.Filter{f("ColorMatrix")} // not neutral, changes nothing
	img := px(3, 1, 200, 100, 50, 128, 10, 20, 30, 0, 7, 8, 9, 255)
	if err := Apply(img, identity); err != nil {
		t.Fatal(err)
	}
	want := []uint8{199, 100, 50, 128, 0, 0, 0, 0, 7, 8, 9, 255}
	if !equalBytes(img.Pix, want) {
		t.Errorf("got %v, want %v", img.Pix, want)
	}

	// Opaque pixels come back unchanged.
	t255 := readBack()[255<<8 : 256<<8]
	for c := range 256 {
		if int(t255[c]) != c {
			t.Errorf("read-back of %d at alpha 255 = %d", c, t255[c])
		}
	}
	// Spot checks against exact rounding for a few alphas.
	for _, tc := range []struct{ a, c, want int }{
		{1, 255, 255}, {1, 100, 0}, {1, 128, 255}, {254, 100, 100},
		// (100·2+127)/255 = 1, then 1/255 · 1/(2/255) · 255 = 127.5 exactly in
		// float32: ties to even
		{2, 100, 128},
	} {
		if got := readBack()[tc.a<<8|tc.c]; int(got) != tc.want {
			t.Errorf("read-back of %d at alpha %d = %d, want %d", tc.c, tc.a, got, tc.want)
		}
	}
}

// TestNeutral: with only neutral filters nothing happens, not even the
// read-back.
func TestNeutral(t *testing.T) {
	neutral := []fabric.Filter{
		f("Brightness"), f("Contrast", "contrast", 0.0), f("Saturation"), f("Vibrance"),
		f("Noise"), f("Blur"), f("HueRotation"), f("Gamma"), f("Pixelate", "blocksize", 1.0),
		f("Invert", "invert", false),
		f("Composed", "subFilters", []any{map[string]any{"type": "Brightness"}}),
	}
	img := px(1, 1, 200, 100, 50, 128)
	if err := Apply(img, neutral); err != nil {
		t.Fatal(err)
	}
	if want := []uint8{200, 100, 50, 128}; !equalBytes(img.Pix, want) {
		t.Errorf("got %v, want %v", img.Pix, want)
	}
	if ok, err := Neutral(neutral); !ok || err != nil {
		t.Errorf("Neutral = %v, %v", ok, err)
	}
	if ok, _ := Neutral([]fabric.Filter{f("Grayscale")}); ok {
		t.Error("Grayscale reported neutral")
	}
}

func TestApplySubImage(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	sub := img.SubImage(image.Rect(1, 1, 3, 3)).(*image.NRGBA)
	if err := Apply(sub, []fabric.Filter{f("Invert")}); err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			want := uint8(255)
			if x >= 1 && x < 3 && y >= 1 && y < 3 {
				want = 0
			}
			if got := img.NRGBAAt(x, y).R; got != want {
				t.Errorf("(%d,%d) R = %d, want %d", x, y, got, want)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		filters []fabric.Filter
		is      error
		msg     string
	}{
		{"unknown type", []fabric.Filter{f("Grayscale"), f("Sharpen")}, ErrUnknownType,
			`[1].type: unknown filter type "Sharpen"`},
		{"unsupported", []fabric.Filter{f("BlendImage")}, ErrUnsupported,
			`[0].type: BlendImage: filter type not supported`},
		{"number as string", []fabric.Filter{f("Brightness", "brightness", "0.5")}, ErrBadParam,
			`[0].brightness: Brightness: bad filter parameter: want a number, got string "0.5"`},
		{"bool", []fabric.Filter{f("Invert", "alpha", 1.0)}, ErrBadParam,
			`[0].alpha: Invert: bad filter parameter: want a boolean, got number 1`},
		{"mode", []fabric.Filter{f("Grayscale", "mode", 2.0)}, ErrBadParam,
			`[0].mode: Grayscale: bad filter parameter: want a string, got number 2`},
		{"gamma length", []fabric.Filter{f("Gamma", "gamma", arr(1, 2))}, ErrBadParam,
			`[0].gamma: Gamma: bad filter parameter: want 3 numbers, got 2`},
		{"gamma element", []fabric.Filter{f("Gamma", "gamma", []any{1.0, "x", 1.0})}, ErrBadParam,
			`[0].gamma[1]: Gamma: bad filter parameter: want a number, got string "x"`},
		{"matrix length", []fabric.Filter{f("ColorMatrix", "matrix", arr(1, 0, 0))}, ErrBadParam,
			`[0].matrix: ColorMatrix: bad filter parameter: want 20 numbers, got 3`},
		{"blocksize", []fabric.Filter{f("Pixelate", "blocksize", 0.0)}, ErrBadParam,
			`[0].blocksize: Pixelate: bad filter parameter: want a positive number, got 0`},
		{"color", []fabric.Filter{f("BlendColor", "color", 3.0)}, ErrBadParam,
			`[0].color: BlendColor: bad filter parameter: want a string, got number 3`},
		{"nested", []fabric.Filter{f("Composed", "subFilters", []any{
			map[string]any{"type": "Invert"}, map[string]any{"type": "Nope"}})}, ErrUnknownType,
			`[0].subFilters[1].type: unknown filter type "Nope"`},
		{"nested param", []fabric.Filter{f("Composed", "subFilters", []any{
			map[string]any{"type": "Blur", "blur": true}})}, ErrBadParam,
			`[0].subFilters[0].blur: Blur: bad filter parameter: want a number, got boolean true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := px(1, 1, 1, 2, 3, 4)
			err := Apply(img, tc.filters)
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("err %T is not *Error", err)
			}
			if err.Error() != tc.msg {
				t.Errorf("message %q\n       want %q", err.Error(), tc.msg)
			}
			if !equalBytes(img.Pix, []uint8{1, 2, 3, 4}) {
				t.Errorf("image changed on error: %v", img.Pix)
			}
			if got := fmt.Errorf("objects[3].filters%w", err).Error(); !strings.HasPrefix(got, "objects[3].filters[") {
				t.Errorf("prefixed: %q", got)
			}
		})
	}
}

func TestParseColor(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		in   string
		want [4]float64
	}{
		{"#F95C63", [4]float64{249, 92, 99, 1}},
		{"fff", [4]float64{255, 255, 255, 1}},
		{"#11223380", [4]float64{17, 34, 51, 128.0 / 255}},
		{"SteelBlue", [4]float64{70, 130, 180, 1}},
		{"transparent", [4]float64{255, 255, 255, 0}},
		{"rgb(10, 200, 30)", [4]float64{10, 200, 30, 1}},
		{"rgba(300,0,0,0.5)", [4]float64{300, 0, 0, 0.5}},
		{"rgb(50%, 20%, 0%)", [4]float64{127, 51, 0, 1}}, // 50·2.55 = 127.49999999999999
		{"rgb(1 2 3 / 40%)", [4]float64{1, 2, 3, 0.4}},
		{"hsl(120, 50%, 50%)", [4]float64{64, 191, 64, 1}},
		{"hsl(0.5turn, 100%, 50%)", [4]float64{0, 255, 255, 1}},
		{"hsl(-120deg, 100%, 50%)", [4]float64{0, 0, 255, 1}},
		{"hsla(0, 0%, 50%, 0.3)", [4]float64{128, 128, 128, 0.3}},
		{"bogus", [4]float64{0, 0, 0, 1}},
		{"", [4]float64{0, 0, 0, 1}},
		{"rgb(,1,2)", [4]float64{nan, 1, 2, 1}},
	} {
		got := parseColor(tc.in)
		for i := range got {
			if got[i] != tc.want[i] && !(math.IsNaN(got[i]) && math.IsNaN(tc.want[i])) &&
				math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("parseColor(%q) = %v, want %v", tc.in, got, tc.want)
				break
			}
		}
	}
}

// TestFabricVectors replays filter runs recorded from Fabric 6.9.1 itself
// (testdata/gen_vectors.mjs): random small images, random parameters,
// every filter but Noise. The read-back round trip is not part of them.
func TestFabricVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/fabric691_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Filters []map[string]any
			W, H    int
			In, Out string
		}
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 100 {
		t.Fatalf("only %d cases", len(file.Cases))
	}
	for n, c := range file.Cases {
		var filters []fabric.Filter
		var names []string
		for _, m := range c.Filters {
			ff := fabric.Filter{Params: map[string]any{}}
			for k, v := range m {
				if k == "type" {
					ff.Type = v.(string)
				} else {
					ff.Params[k] = v
				}
			}
			filters = append(filters, ff)
			names = append(names, ff.Type)
		}
		in, _ := base64.StdEncoding.DecodeString(c.In)
		want, _ := base64.StdEncoding.DecodeString(c.Out)
		ops, err := compileList(filters, "")
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		st := &state{data: in, w: c.W, h: c.H}
		for _, o := range ops {
			if !o.neutral() {
				o.apply(st)
			}
		}
		if !equalBytes(st.data, want) {
			bad := 0
			for i := range want {
				if st.data[i] != want[i] {
					bad = i
					break
				}
			}
			t.Errorf("case %d %v %dx%d %v: first difference at byte %d: got %d, want %d",
				n, names, c.W, c.H, c.Filters, bad, st.data[bad], want[bad])
		}
	}
}

func benchImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*7 + i/4096)
	}
	return img
}

func BenchmarkApply(b *testing.B) {
	for _, bc := range []struct {
		name   string
		filter fabric.Filter
	}{
		{"Grayscale", f("Grayscale")},
		{"Sepia", f("Sepia")},
		{"Brightness", f("Brightness", "brightness", 0.2)},
		{"BlendColor", f("BlendColor")},
		{"Convolute3x3", f("Convolute", "matrix", arr(0, -1, 0, -1, 5, -1, 0, -1, 0))},
		{"Blur", f("Blur", "blur", 0.3)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			src := benchImage(1000, 700)
			img := image.NewNRGBA(src.Rect)
			b.ReportAllocs()
			b.SetBytes(int64(len(src.Pix)))
			for b.Loop() {
				copy(img.Pix, src.Pix)
				if err := Apply(img, []fabric.Filter{bc.filter}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
