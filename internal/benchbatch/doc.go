// Command benchbatch times the real fabricpress CLI on generated batches:
// it writes N deterministic recipients for the sample 9x6 postcard, runs
// `fabricpress batch` as a child process for each output mode and size,
// and reports wall time, pieces per second, CPU seconds per piece (the
// figure that holds up on a shared, noisy machine), peak RSS and output
// bytes per piece. Every run's output is checked: fewer pieces (PNG files
// or PDF pages) than recipients is a failure.
//
// With -browser it first runs the browser baseline (Puppeteer + Fabric.js,
// tools/fabric-ref/bench.mjs) and prints how the Go renderer compares; the
// stored figures in corpus/bench-browser.json are printed as a dated,
// static reference whenever that file is there.
//
// It builds nothing: `make bench` builds bin/fabricpress and runs
//
//	go run ./internal/benchbatch -bin bin/fabricpress -n 1000,10000
//
// from the repository root (testdata paths are relative to -root).
package main
