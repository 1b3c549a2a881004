//go:build race

package batch_test

// raceEnabled: the race detector makes rendering about ten times slower,
// so the largest tests render stand-in pieces (see quickPiece).
const raceEnabled = true
