// Command fabricpress renders Fabric.js designs without a browser.
//
//	fabricpress render -template T.json -width W -height H [-scale M] [-data D.json] [-fonts fonts.json] -o out.png
//	fabricpress serve [-addr 127.0.0.1:8080] [-data ./data] [-api-keys key:owner,...] [-fonts fonts.json]
//	fabricpress batch -template T.json -width W -height H -csv people.csv [-mapping M.json] [-fonts fonts.json] -o out.zip|out-dir/
//
// Every error exits non-zero with a one-line reason on stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// The heap is mostly pixel buffers, which hold no pointers: a
		// collection costs little, so collecting at half the usual growth
		// keeps peak memory near the working set (a 300 DPI batch stays
		// well under 300 MB) for a fraction of a percent of CPU.
		debug.SetGCPercent(50)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "fabricpress:", oneLine(err.Error()))
		}
		os.Exit(exitCode(err))
	}
}

// usageError marks bad command-line use (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// interruptedError marks work stopped by SIGINT/SIGTERM (exit status 130,
// as shells report an interrupted command).
type interruptedError struct{ error }

func (e interruptedError) Unwrap() error { return e.error }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	var in interruptedError
	if errors.As(err, &in) {
		return 130
	}
	return 1
}

func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}

const usage = `usage: fabricpress <command> [flags]

commands:
  render   render one Fabric.js canvas JSON to a PNG
  batch    render one piece per CSV recipient into a ZIP, a folder or PDFs, with a
           manifest; with -store the run is resumable after a crash
  serve    run the HTTP API, the dashboard, the job runner and the notifier

run 'fabricpress <command> -h' for the flags of a command`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "render":
		return renderCmd(ctx, args[1:], stdout, stderr)
	case "batch":
		return batchCmd(ctx, args[1:], stdout, stderr)
	case "serve":
		return serveCmd(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}
