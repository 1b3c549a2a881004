//go:build !race

package batch_test

// raceEnabled: see race_test.go.
const raceEnabled = false
