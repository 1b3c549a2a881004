package fabric

import (
	"image/color"
	"math"
	"strings"
	"testing"
)

func nrgba(r, g, b, a uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: a} }

func TestParseCSSColor(t *testing.T) {
	tests := []struct {
		in   string
		want color.NRGBA
		ok   bool
	}{
		// Names, keywords and whitespace.
		{"red", nrgba(255, 0, 0, 255), true},
		{"RED", nrgba(255, 0, 0, 255), true},
		{" \t\n\f\rRed\r\n ", nrgba(255, 0, 0, 255), true},
		{"rebeccapurple", nrgba(102, 51, 153, 255), true},
		{"gray", nrgba(128, 128, 128, 255), true},
		{"grey", nrgba(128, 128, 128, 255), true},
		{"LightGoldenRodYellow", nrgba(250, 250, 210, 255), true},
		{"transparent", nrgba(0, 0, 0, 0), true},
		{"TRANSPARENT", nrgba(0, 0, 0, 0), true},
		{"currentColor", nrgba(0, 0, 0, 255), true},
		{"", color.NRGBA{}, false},
		{"   ", color.NRGBA{}, false},
		{"reds", color.NRGBA{}, false},
		{"red\u00a0", color.NRGBA{}, false}, // NBSP is not HTML whitespace
		{"re d", color.NRGBA{}, false},
		{"inherit", color.NRGBA{}, false},
		{"none", color.NRGBA{}, false},
		{"red /**/", color.NRGBA{}, false},   // names only as the whole string
		{"blac\u212a", color.NRGBA{}, false}, // Kelvin sign: Blink's name lookup is ASCII-only
		// Hex.
		{"#f00", nrgba(255, 0, 0, 255), true},
		{"#F008", nrgba(255, 0, 0, 0x88), true},
		{"#ff000080", nrgba(255, 0, 0, 128), true},
		{"#12Ab9F", nrgba(0x12, 0xab, 0x9f, 255), true},
		{"#fff/**/", nrgba(255, 255, 255, 255), true},
		{"f00", color.NRGBA{}, false}, // the # is required
		{"#ff", color.NRGBA{}, false},
		{"#12345", color.NRGBA{}, false},
		{"#1234567", color.NRGBA{}, false},
		{"#ggg", color.NRGBA{}, false},
		{"# fff", color.NRGBA{}, false},
		// rgb() fast path: lround, clamping, percentages.
		{"rgb(255,0,0)", nrgba(255, 0, 0, 255), true},
		{"rgb( 1 , 2 , 3 )", nrgba(1, 2, 3, 255), true},
		{"rgb(12.5,0,0)", nrgba(13, 0, 0, 255), true},
		{"rgb(12.4999,0,0)", nrgba(12, 0, 0, 255), true},
		{"rgb(50%,0%,100%)", nrgba(128, 0, 255, 255), true}, // 127.5 rounds half away from zero
		{"rgb(300,-5,0)", nrgba(255, 0, 0, 255), true},
		{"rgb(255.5,0,0)", nrgba(255, 0, 0, 255), true},
		{"rgb(150%,0%,0%)", nrgba(255, 0, 0, 255), true},
		{"rgb(1 2 3)", nrgba(1, 2, 3, 255), true},
		{"rgb(1 2 3/0.5)", nrgba(1, 2, 3, 128), true},
		{"rgba(1 2 3)", nrgba(1, 2, 3, 255), true},
		{"rgb(0,0,0,0.5)", nrgba(0, 0, 0, 128), true},
		// Alpha: the 0.X table, lround(a*255), clamping.
		{"rgba(0,0,0,0.1)", nrgba(0, 0, 0, 26), true},
		{"rgba(0,0,0,.3)", nrgba(0, 0, 0, 77), true},
		{"rgba(0,0,0,0.5)", nrgba(0, 0, 0, 128), true},
		{"rgba(0,0,0,0.25)", nrgba(0, 0, 0, 64), true},  // 63.75
		{"rgba(0,0,0,0.002)", nrgba(0, 0, 0, 1), true},  // 0.51
		{"rgba(0,0,0,0.0019)", nrgba(0, 0, 0, 0), true}, // 0.4845
		{"rgba(0,0,0,1)", nrgba(0, 0, 0, 255), true},
		{"rgba(0,0,0,0)", nrgba(0, 0, 0, 0), true},
		{"rgba(0,0,0,1.5)", nrgba(0, 0, 0, 255), true},
		{"rgba(0,0,0,2)", nrgba(0, 0, 0, 255), true},
		{"rgba(0,0,0,-1)", nrgba(0, 0, 0, 0), true},
		{"rgba(0,0,0,-0.5)", nrgba(0, 0, 0, 0), true},
		// Only 7 decimals are read: exact rounding would give 1 (0.50000145).
		{"rgba(0,0,0,0.00196079)", nrgba(0, 0, 0, 0), true},
		{"rgba(0,0,0,0.5019607843137255)", nrgba(0, 0, 0, 128), true},
		// General parser: exponents, signs, leading dots, percent alpha.
		{"rgb(1e2, 0, 0)", nrgba(100, 0, 0, 255), true},
		{"rgb(+5, 0, 0)", nrgba(5, 0, 0, 255), true},
		{"rgb(1e999, 0, 0)", nrgba(255, 0, 0, 255), true},
		{"RGB(1,2,3)", nrgba(1, 2, 3, 255), true},
		{"Rgba(1,2,3,.5)", nrgba(1, 2, 3, 128), true},
		{"rgba(0,0,0,50%)", nrgba(0, 0, 0, 128), true},
		{"rgba(0,0,0,0.5 )", nrgba(0, 0, 0, 128), true},
		{"rgba(0, 0, 0, 1e-7)", nrgba(0, 0, 0, 0), true},
		{"rgba(0,0,0,.5e1)", nrgba(0, 0, 0, 255), true},
		{"rgb(10% 20 30)", nrgba(26, 20, 30, 255), true}, // modern syntax may mix
		{"rgb(none 0 0)", nrgba(0, 0, 0, 255), true},
		{"rgb(0 0 0 / none)", nrgba(0, 0, 0, 0), true},
		{"rgb(0 0 0 / 25%)", nrgba(0, 0, 0, 64), true},
		{"rgb(1,/**/2,3)", nrgba(1, 2, 3, 255), true},
		{"rgb(1+2+3)", nrgba(1, 2, 3, 255), true},
		{"rgb(1 2, 3)", nrgba(1, 2, 3, 255), true}, // Blink turns legacy on at the second comma
		{"rgb(1,2,3", nrgba(1, 2, 3, 255), true},   // CSS closes the function at EOF
		{"rgb(10%, 20, 30)", color.NRGBA{}, false},
		{"rgb(1, 2 3)", color.NRGBA{}, false},
		{"rgb(1,2,3,)", color.NRGBA{}, false},
		{"rgb(1,2,3,0.5,1)", color.NRGBA{}, false},
		{"rgb(1,2)", color.NRGBA{}, false},
		{"rgb(1,2,3/0.5)", color.NRGBA{}, false},
		{"rgb(1 2 3, 0.5)", color.NRGBA{}, false},
		{"rgb(none, 0, 0)", color.NRGBA{}, false},
		{"rgb(1,2,3) x", color.NRGBA{}, false},
		{"rgb(1,2,3))", color.NRGBA{}, false},
		{"rgb (1,2,3)", color.NRGBA{}, false},
		{"rgb(5.,0,0)", color.NRGBA{}, false},
		{"rgb(1px,2,3)", color.NRGBA{}, false},
		{"rgb(1,2,3,0.5px)", color.NRGBA{}, false},
		{"rgb(a,b,c)", color.NRGBA{}, false},
		// hsl(): float32 conversion, Skia rounding (half up).
		{"hsl(0, 100%, 50%)", nrgba(255, 0, 0, 255), true},
		{"hsl(120, 100%, 25%)", nrgba(0, 128, 0, 255), true},
		{"hsl(120deg 100% 50%)", nrgba(0, 255, 0, 255), true},
		{"hsl(0.5turn 100% 50%)", nrgba(0, 255, 255, 255), true},
		{"hsl(200grad 100% 50%)", nrgba(0, 255, 255, 255), true},
		{"hsl(3.14159rad 100% 50%)", nrgba(0, 255, 255, 255), true},
		{"hsl(-120, 100%, 50%)", nrgba(0, 0, 255, 255), true},
		{"hsl(480, 100%, 50%)", nrgba(0, 255, 0, 255), true},
		{"hsla(240,100%,50%,0.5)", nrgba(0, 0, 255, 128), true},
		{"hsl(0 100% 50% / 0.25)", nrgba(255, 0, 0, 64), true},
		{"hsl(0 0% 0% / 50%)", nrgba(0, 0, 0, 128), true},
		{"hsl(120 150% 50%)", nrgba(0, 255, 0, 255), true},
		{"hsl(0, 0%, 50%)", nrgba(128, 128, 128, 255), true},
		{"HSL(120, 100%, 50%)", nrgba(0, 255, 0, 255), true},
		{"hsl(120 100 50)", nrgba(0, 255, 0, 255), true}, // modern syntax: numbers are percentages
		{"hsl(1e999, 100%, 50%)", nrgba(255, 0, 0, 255), true},
		{"hsl(none 100% 50%)", nrgba(255, 0, 0, 255), true},
		{"hsl(120, 100, 50)", color.NRGBA{}, false}, // legacy syntax needs percentages
		{"hsl(120%, 100%, 50%)", color.NRGBA{}, false},
		{"hsl(120px, 100%, 50%)", color.NRGBA{}, false},
		{"hsl(120, 100%)", color.NRGBA{}, false},
		// hwb(): modern syntax only.
		{"hwb(0 0% 0%)", nrgba(255, 0, 0, 255), true},
		{"hwb(120 20% 30%)", nrgba(51, 179, 51, 255), true},
		{"hwb(0 60% 60%)", nrgba(128, 128, 128, 255), true},
		{"hwb(240 0% 0% / 0.5)", nrgba(0, 0, 255, 128), true},
		{"hwb(0, 0%, 0%)", color.NRGBA{}, false},
		// Valid CSS this parser does not support.
		{"rgb(calc(1), 2, 3)", color.NRGBA{}, false},
		{"lab(50% 0 0)", color.NRGBA{}, false},
		{"color(srgb 1 0 0)", color.NRGBA{}, false},
		{"rgb(from red r g b)", color.NRGBA{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseCSSColor(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseCSSColor(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseCSSColorAllNames(t *testing.T) {
	if len(cssNamedColors) != 148 {
		t.Fatalf("%d named colours, want 148", len(cssNamedColors))
	}
	for name, v := range cssNamedColors {
		got, ok := ParseCSSColor(strings.ToUpper(name))
		if !ok || got != rgbNRGBA(v, 255) {
			t.Errorf("%s: %v %v", name, got, ok)
		}
	}
}

// Every alpha written with up to 3 decimals reaches 8 bits as round(a*255),
// half away from zero, both through the fast path and the general parser.
func TestParseCSSColorAlphaRounding(t *testing.T) {
	for i := 0; i <= 1000; i++ {
		a := float64(i) / 1000
		want := uint8(math.Round(a * 255))
		s := jsNumberString(a)
		for _, in := range []string{"rgba(0,0,0," + s + ")", "rgb(0 0 0 / " + s + " )", "hsl(0 0% 0% / " + s + ")"} {
			c, ok := ParseCSSColor(in)
			if !ok || c.A != want {
				t.Errorf("%s: alpha %d %v, want %d", in, c.A, ok, want)
			}
		}
	}
	// Every integer percentage of an rgb channel.
	for p := 0; p <= 100; p++ {
		want := uint8(math.Round(float64(p) / 100 * 255))
		c, ok := ParseCSSColor("rgb(" + jsNumberString(float64(p)) + "%,0%,0%)")
		if !ok || c.R != want {
			t.Errorf("%d%%: %d, want %d", p, c.R, want)
		}
	}
}

func TestColorSkQuantize(t *testing.T) {
	tests := []struct {
		in   float32
		want uint8
	}{
		{0, 0}, {1, 255}, {0.5, 128}, {-1, 0}, {2, 255}, {float32(math.NaN()), 0},
		{127.49 / 255, 127}, {127.5 / 255, 128}, {0.25, 64},
	}
	for _, tt := range tests {
		if got := skQuantize(tt.in); got != tt.want {
			t.Errorf("skQuantize(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestParseFabricColorSource(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		in           string
		r, g, b, a   float64
		unrecognised bool
	}{
		{"", 0, 0, 0, 1, false},
		{"red", 255, 0, 0, 1, false},
		{"RED", 255, 0, 0, 1, false},
		{"aqua", 0, 255, 255, 1, false},
		{"transparent", 255, 255, 255, 0, false},
		{"Transparent", 255, 255, 255, 0, false},
		{"fff", 255, 255, 255, 1, false},
		{"#fff8", 255, 255, 255, 136.0 / 255, false},
		{"FF000080", 255, 0, 0, 128.0 / 255, false},
		{"#12345678", 0x12, 0x34, 0x56, 0x78 / 255.0, false},
		{"#1234567", 0, 0, 0, 1, true},
		{" red", 0, 0, 0, 1, true},
		{"red ", 0, 0, 0, 1, true},
		{"constructor", 0, 0, 0, 1, true},
		{"rgb(1,2,3)", 1, 2, 3, 1, false},
		{"RGB(1,2,3)", 1, 2, 3, 1, false},
		{"rgb( 1 , 2 , 3 )", 1, 2, 3, 1, false},
		{"rgb(1\t,\n2,3)", 1, 2, 3, 1, false},
		{"rgb(1\u00a0,\u00a02,3)", 1, 2, 3, 1, false},
		{"rgb(1|2|3)", 1, 2, 3, 1, false},
		{"rgb(1 2 3 / 0.5)", 1, 2, 3, 0.5, false},
		{"rgb(12.5,300,999)", 12.5, 300, 999, 1, false},
		{"rgb(50%,12.5%,100%)", 127, 32, 255, 1, false},
		{"rgba(1,2,3,50%)", 1, 2, 3, 0.5, false},
		{"rgba(1,2,3,.25)", 1, 2, 3, 0.25, false},
		{"rgb(,,)", nan, nan, nan, 1, false},
		{"rgb(1,2,3,)", 1, 2, 3, nan, false},
		{"rgb(1234,0,0)", 0, 0, 0, 1, true},
		{"rgb(-1,0,0)", 0, 0, 0, 1, true},
		{"rgb(1e2,0,0)", 0, 0, 0, 1, true},
		{" rgb(1,2,3)", 0, 0, 0, 1, true},
		{"hsl(0,100%,50%)", 255, 0, 0, 1, false},
		{"hsl(120, 100%, 25%)", 0, 128, 0, 1, false},
		{"hsla(240,100%,50%,0.5)", 0, 0, 255, 0.5, false},
		{"hsl(0 0% 0% / 50%)", 0, 0, 0, 0.5, false},
		{"hsl(30,200%,50%)", 383, 128, -127, 1, false},
		{"hsl(1.5rad,50%,50%)", 136, 191, 64, 1, false},
		{"hsl(0.25turn 50% 50%)", 128, 191, 64, 1, false},
		{"hsl(-90,100,50)", 127, 0, 255, 1, false}, // (0.75+1/3-1)*6*255 = 127.4999…
		{"hsl(100grad,50%,50%)", 0, 0, 0, 1, true},
		{"whİte", 0, 0, 0, 1, true},       // JS lower-cases İ to "i̇"
		{"blac\u212a", 0, 0, 0, 1, false}, // the Kelvin sign lower-cases to k
	}
	for _, tt := range tests {
		got := ParseFabricSource(tt.in)
		want := [4]float64{tt.r, tt.g, tt.b, tt.a}
		g := [4]float64{got.R, got.G, got.B, got.A}
		same := got.Unrecognised == tt.unrecognised
		for i := range g {
			same = same && sameOrNaN(g[i], want[i])
		}
		if !same {
			t.Errorf("ParseFabricSource(%q) = %v unrecognised=%v, want %v %v", tt.in, g, got.Unrecognised, want, tt.unrecognised)
		}
	}
}

func TestParseFabricColor(t *testing.T) {
	tests := []struct {
		in   string
		want color.NRGBA
	}{
		{"", nrgba(0, 0, 0, 255)},
		{"red", nrgba(255, 0, 0, 255)},
		{"nonsense", nrgba(0, 0, 0, 255)},
		{"transparent", nrgba(255, 255, 255, 0)}, // not the canvas's (0,0,0,0)
		{"rgb(12.5,0,0)", nrgba(13, 0, 0, 255)},
		{"rgb(50%,50%,50%)", nrgba(127, 127, 127, 255)}, // Chromium would give 128
		{"rgba(255,0,0,50%)", nrgba(255, 0, 0, 128)},
		{"#ff000080", nrgba(255, 0, 0, 128)},
		{"ff000040", nrgba(255, 0, 0, 64)},
		{"hsl(30,200%,50%)", nrgba(255, 128, 0, 255)},
		{"rgb(,,)", nrgba(0, 0, 0, 255)},
		{"rgb(1,2,3,)", nrgba(1, 2, 3, 0)},
		{"rgb(999,0,0)", nrgba(255, 0, 0, 255)},
	}
	for _, tt := range tests {
		if got := ParseFabricColor(tt.in); got != tt.want {
			t.Errorf("ParseFabricColor(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseFabricColorSourceV5(t *testing.T) {
	tests := []struct {
		in         string
		r, g, b, a float64
		unrec      bool
	}{
		{"red", 255, 0, 0, 1, false},
		{"RED", 0, 0, 0, 1, true}, // names are case-sensitive in v5
		{"transparent", 255, 255, 255, 0, false},
		{"#ff000080", 255, 0, 0, 0.5, false},
		{"#ff000040", 255, 0, 0, 0.25, false},
		{"#ABCD", 0xaa, 0xbb, 0xcc, 0.87, false},
		{"rgb(12.7,0,0)", 12, 0, 0, 1, false},
		{"RGBA(1 , 2 , 3 , .5)", 1, 2, 3, 0.5, false},
		{"rgb(50%,100%,1%)", 127, 255, 2, 1, false},
		{"rgba(1,2,3,0)", 1, 2, 3, 0, false},
		{"rgba(1,2,3,)", 1, 2, 3, 1, false},
		{"rgb(1 2 3)", 0, 0, 0, 1, true},
		{"rgb(1,2,3,50%)", 0, 0, 0, 1, true},
		{"hsl(120,100%,25%)", 0, 128, 0, 1, false},
		{"hsla(240, 100%, 50%, 0.5)", 0, 0, 255, 0.5, false},
		{"hsl(120.5,100%,25%)", 0, 0, 0, 1, true},
		{"hsl(120,100,25)", 0, 0, 0, 1, true},
		{"toString", 0, 0, 0, 1, true},
	}
	for _, tt := range tests {
		got := ParseFabricSourceV5(tt.in)
		if got.R != tt.r || got.G != tt.g || got.B != tt.b || got.A != tt.a || got.Unrecognised != tt.unrec {
			t.Errorf("ParseFabricSourceV5(%q) = %+v, want %v %v %v %v %v", tt.in, got, tt.r, tt.g, tt.b, tt.a, tt.unrec)
		}
	}
	if got := ParseFabricColorV5("rgba(0,0,255,.5)"); got != nrgba(0, 0, 255, 128) {
		t.Errorf("ParseFabricColorV5 = %v", got)
	}
}

func TestFabricColorStrings(t *testing.T) {
	c := ParseFabricSource("#ff000080")
	if got := c.ToRgba(); got != "rgba(255,0,0,0.5019607843137255)" {
		t.Errorf("ToRgba = %q", got)
	}
	if got := c.ToRgb(); got != "rgb(255,0,0)" {
		t.Errorf("ToRgb = %q", got)
	}
	if got := c.WithAlpha(1e-7).ToRgba(); got != "rgba(255,0,0,1e-7)" {
		t.Errorf("ToRgba = %q", got)
	}
	if got := ParseFabricSource("rgb(,,)").ToRgba(); got != "rgba(NaN,NaN,NaN,1)" {
		t.Errorf("ToRgba = %q", got)
	}
	if _, ok := ParseFabricSource("rgb(,,)").CanvasColor(); ok {
		t.Error("the canvas accepted rgba(NaN,...)")
	}
	if got, ok := ParseFabricSource("rgb(12.5, 0, 0)").WithAlpha(0.3).CanvasColor(); !ok || got != nrgba(13, 0, 0, 77) {
		t.Errorf("CanvasColor = %v %v", got, ok)
	}
}

func TestColorWithAlpha(t *testing.T) {
	red := nrgba(255, 0, 0, 255)
	tests := []struct {
		a    float64
		want uint8
	}{
		{1, 255}, {0, 0}, {0.5, 128}, {0.3, 77}, {0.25, 64}, {point3, 77},
		{2, 255}, {-1, 0}, {1e-7, 0}, {0.002, 1}, {0.00196079, 0}, {math.NaN(), 0},
		{math.Inf(1), 255}, {128.0 / 255, 128},
	}
	for _, tt := range tests {
		if got := WithAlpha(red, tt.a); got != nrgba(255, 0, 0, tt.want) {
			t.Errorf("WithAlpha(red, %v) = %v, want alpha %d", tt.a, got, tt.want)
		}
	}
	if got := WithAlpha(nrgba(1, 2, 3, 0), 1); got != nrgba(1, 2, 3, 255) {
		t.Errorf("WithAlpha keeps channels: %v", got)
	}
}

// point3 is 0.1+0.2 computed in float64 (a Go constant would be exact).
var point3 = func() float64 { a, b := 0.1, 0.2; return a + b }()

func FuzzParseCSSColor(f *testing.F) {
	for _, s := range []string{"red", "#fff", "rgb(1,2,3)", "rgba(1 2 3 / 50%)", "hsl(1rad 2% 3%)", "hwb(1 2% 3%)", "rgb(1e999,+.5,-0)", "rgb(/*", "#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseCSSColor(s)
		src := ParseFabricSource(s)
		src.NRGBA()
		ParseFabricSourceV5(s).NRGBA()
		if c, ok := src.CanvasColor(); ok && c != src.NRGBA() {
			t.Fatalf("%q: CanvasColor %v != NRGBA %v", s, c, src.NRGBA())
		}
	})
}
