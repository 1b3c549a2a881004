package filter

import (
	"math"
	"sync"
)

// This file holds the typed-array and browser arithmetic the 2D filters
// rely on; JavaScript's Math functions and Fabric's cos and sin come from
// package fabric (fabric.JSRound, fabric.JSPow, fabric.Cos, fabric.Sin).
// Floating-point products that feed an addition are written as
// float64(x*y): the explicit conversion stops the Go compiler from fusing
// them into an FMA, which V8 never does.

// clampU8 stores v into a Uint8ClampedArray element (ECMAScript
// ToUint8Clamp): NaN and v <= 0 give 0, v >= 255 gives 255, anything else
// rounds to the nearest integer with ties to even.
func clampU8(v float64) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(math.RoundToEven(v))
}

// toU8 stores v into a (non-clamped) Uint8Array element (ECMAScript
// ToUint8): NaN and infinities give 0, anything else is truncated toward
// zero and taken modulo 256.
func toU8(v float64) uint8 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	m := math.Mod(math.Trunc(v), 256)
	if m < 0 {
		m += 256
	}
	return uint8(m)
}

// Browser read-back.
//
// Fabric's Canvas2dFilterBackend draws the decoded image onto a canvas and
// reads it back with getImageData. Chromium stores canvas pixels
// premultiplied, so a pixel with 0 < alpha < 255 comes back changed:
//
//   - decoding premultiplies with exact rounding, c' = round(c·a/255)
//     (Skia SkOpts::RGBA_to_rgbA: (c·a+127)/255);
//   - getImageData unpremultiplies through Skia's raster-pipeline arithmetic
//     in float32 (load_8888 · unpremul · store_8888, reproduced by
//     SkSwizzler_opts.inc unpremul_simulating_RP): n = c'·(1/255f),
//     na = a·(1/255f), u = n·(1/na), then round-half-even(min(255, u·255))
//     on x86 and arm64 (_mm_cvtps_epi32 / vcvtnq);
//   - alpha 0 reads back as (0, 0, 0, 0).

var (
	readBackOnce  sync.Once
	readBackTable []uint8 // [a<<8|c]
)

// readBack returns the table mapping (alpha, straight colour) to the value
// getImageData returns.
func readBack() []uint8 {
	readBackOnce.Do(func() {
		t := make([]uint8, 256*256)
		const k = float32(1.0 / 255.0)
		for a := 1; a < 256; a++ {
			na := float32(a) * k
			inv := 1 / na
			for c := 0; c < 256; c++ {
				p := (c*a + 127) / 255 // premultiplied, exact rounding
				u := float32(float32(p)*k) * inv
				s := u * 255
				if s > 255 {
					s = 255
				}
				t[a<<8|c] = uint8(math.RoundToEven(float64(s)))
			}
		}
		readBackTable = t
	})
	return readBackTable
}

// emulateReadBack applies the premultiply/unpremultiply round trip to a
// straight-alpha RGBA buffer in place.
func emulateReadBack(data []uint8) {
	t := readBack()
	for i := 0; i+3 < len(data); i += 4 {
		a := int(data[i+3])
		row := t[a<<8 : (a+1)<<8] // all zero for a == 0
		data[i] = row[data[i]]
		data[i+1] = row[data[i+1]]
		data[i+2] = row[data[i+2]]
	}
}
