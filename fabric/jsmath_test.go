package fabric

import (
	"math"
	"testing"
)

func TestJSMathMatchesV8(t *testing.T) {
	// Values printed by Node 20 (V8 11.3).
	tests := []struct {
		got, want float64
	}{
		{JSPow(0.3, 3), 0.026999999999999996}, // not 0.3*0.3*0.3 = 0.027
		{JSPow(2, 0.5), math.Sqrt2},
		{JSPow(1.1, 3), 1.3310000000000004},
		{jsAtan2(1, 3), 0.3217505543966422},
		{jsAtan2(-1, -1), -2.356194490192345},
		{jsAtan2(0, -1), math.Pi},
		{jsSin(1000), 0.8268795405320025},
		{jsCos(12345.678), 0.7101193587160628},
		{jsSin(100), -0.5063656411097588},
		{jsCos(0.7), 0.7648421872844885},
		{jsSin(math.Pi), 1.2246467991473532e-16},
		{jsCos(math.Pi / 2), 6.123233995736766e-17},
		{Cos(math.Pi / 2), 0},
		{Sin(3 * math.Pi / 2), -1},
		{Sin(-math.Pi / 2), -1},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %v, want %v", i, tt.got, tt.want)
		}
	}
}

func TestJSNumberString(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {1, "1"}, {-1.5, "-1.5"}, {point3, "0.30000000000000004"},
		{1e21, "1e+21"}, {1e20, "100000000000000000000"}, {123456789012345680000, "123456789012345680000"},
		{1e-6, "0.000001"}, {1e-7, "1e-7"}, {1.5e-7, "1.5e-7"}, {0.000001234, "0.000001234"},
		{5e-324, "5e-324"}, {math.MaxFloat64, "1.7976931348623157e+308"}, {128.0 / 255, "0.5019607843137255"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"}, {255, "255"},
	}
	for _, tt := range tests {
		if got := jsNumberString(tt.in); got != tt.want {
			t.Errorf("jsNumberString(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJSParseFloatAndInt(t *testing.T) {
	tests := []struct {
		in     string
		pf, pi string
	}{
		{"1", "1", "1"}, {"1.", "1", "1"}, {".5", "0.5", "NaN"}, {"1.e5", "100000", "1"}, {"  12abc", "12", "12"},
		{"+.5e-3", "0.0005", "NaN"}, {"-Infinity", "-Infinity", "NaN"}, {"1e", "1", "1"}, {"e5", "NaN", "NaN"},
		{"", "NaN", "NaN"}, {".", "NaN", "NaN"}, {"0x10", "0", "0"}, {"12.5%", "12.5", "12"}, {"007", "7", "7"},
		{"1.2.3", "1.2", "1"}, {"\u00a0 7", "7", "7"},
	}
	for _, tt := range tests {
		if got := jsNumberString(jsParseFloat(tt.in)); got != tt.pf {
			t.Errorf("parseFloat(%q) = %s, want %s", tt.in, got, tt.pf)
		}
		if got := jsNumberString(jsParseIntString(tt.in)); got != tt.pi {
			t.Errorf("parseInt(%q) = %s, want %s", tt.in, got, tt.pi)
		}
	}
	for _, tt := range []struct{ in, want float64 }{{0.5, 1}, {-0.5, 0}, {2.5, 3}, {-2.5, -2}, {0.49999999999999994, 0}, {127.49999999999999, 127}} {
		if got := JSRound(tt.in); got != tt.want {
			t.Errorf("JSRound(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestJSRound(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{0.5, 1}, {-0.5, 0}, {2.5, 3}, {-127.5, -127}, {0.49999999999999994, 0}, {25.5, 26},
	} {
		if got := JSRound(tc.in); got != tc.want {
			t.Errorf("JSRound(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
