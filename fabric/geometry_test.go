package fabric

import "testing"

// TestRotateMatchesFabric checks Rotate against createRotateMatrix({angle})
// of Fabric 6.9.1 (util cos and sin of angle*PiBy180), values printed by
// Node 20 (V8 11.3).
func TestRotateMatchesFabric(t *testing.T) {
	tests := []struct {
		deg  float64
		want Matrix
	}{
		{0, Matrix{1, 0, 0, 1, 0, 0}},
		{90, Matrix{0, 1, -1, 0, 0, 0}},
		{180, Matrix{-1, 0, 0, -1, 0, 0}},
		{270, Matrix{0, -1, 1, 0, 0, 0}},
		{-90, Matrix{0, -1, 1, 0, 0, 0}},
		{-270, Matrix{0, 1, -1, 0, 0, 0}},
		// Fabric's sin snaps only positive quarter turns, and neither
		// snaps beyond three.
		{-180, Matrix{-1, -1.2246467991473532e-16, 1.2246467991473532e-16, -1, 0, 0}},
		{360, Matrix{1, -2.4492935982947064e-16, 2.4492935982947064e-16, 1, 0, 0}},
		{-360, Matrix{1, 2.4492935982947064e-16, -2.4492935982947064e-16, 1, 0, 0}},
		{450, Matrix{3.061616997868383e-16, 1, -1, 3.061616997868383e-16, 0, 0}},
		{30, Matrix{0.8660254037844387, 0.49999999999999994, -0.49999999999999994, 0.8660254037844387, 0, 0}},
		{45, Matrix{0.7071067811865476, 0.7071067811865475, -0.7071067811865475, 0.7071067811865476, 0, 0}},
		{-30, Matrix{0.8660254037844387, -0.49999999999999994, 0.49999999999999994, 0.8660254037844387, 0, 0}},
		{123.4, Matrix{-0.5504807400849956, 0.8348478632634065, -0.8348478632634065, -0.5504807400849956, 0, 0}},
	}
	for _, tt := range tests {
		if got := Rotate(tt.deg); got != tt.want {
			t.Errorf("Rotate(%v) = %v, want %v", tt.deg, got, tt.want)
		}
	}
}
