//go:build race

package render_test

// raceEnabled: the race detector slows rendering tenfold, so the widest
// tests check a representative subset.
const raceEnabled = true
