package batch_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
	"github.com/fabricpress/fabricpress/render"
)

// BenchmarkDurability renders the sample batch (500 rows, 6 bad) at
// preview scale both ways in every iteration, so that both figures come
// from the same run under the same load: "plain" as the batch command
// without a store does it (a pool of runtime.NumCPU workers calling
// Template.Piece, pieces streamed into a ZIP), and "runner" through a
// Runner over a bbolt store with fsync on (ingest, claims under leases, a
// temporary file + fsync + rename per piece, one commit per chunk, then the
// job's ZIP). It reports pieces/s of each and their ratio, the cost of
// durability, and the CPU time per piece of each (on shared machines the
// wall-clock figures move with the neighbours' load; CPU time much less);
// allocations are those of both together.
func BenchmarkDurability(b *testing.B) {
	const scale = 0.694
	spec := sampleSpec(b, scale, nil)
	csvText := sampleRows(b, 0)
	fonts := sampleFonts(b)
	workers := runtime.NumCPU()
	c, err := spec.Compile(nil, 0)
	if err != nil {
		b.Fatal(err)
	}
	var plainTime, runnerTime, plainCPU, runnerCPU time.Duration
	var plainPieces, runnerPieces int
	b.ReportAllocs()
	for b.Loop() {
		dir := b.TempDir()

		t0, c0 := time.Now(), cpuTime()
		tpl := c.Template(render.Options{Fonts: fonts, Cache: render.NewImageCache(0)})
		plainPieces += plainBatch(b, c, tpl, csvText, filepath.Join(dir, "plain.zip"), workers)
		plainTime += time.Since(t0)
		plainCPU += cpuTime() - c0

		t0, c0 = time.Now(), cpuTime()
		st, err := bolt.Open(filepath.Join(dir, "state.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		j := newJob(b, st, "bench", spec, csvText, nil)
		r := &batch.Runner{Store: st, Render: render.Options{Fonts: fonts}, OutputDir: filepath.Join(dir, "out"), Workers: workers,
			Logger: slog.New(slog.DiscardHandler)}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		for {
			got, err := st.GetJob(ctx, j.ID)
			if err != nil {
				b.Fatal(err)
			}
			if got.State.Terminal() {
				if got.State != batch.JobCompletedWithErrors || got.Done+got.Failed != 500 {
					b.Fatalf("job %s: %d done %d failed", got.State, got.Done, got.Failed)
				}
				runnerPieces += got.Done + got.Failed
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		runnerTime += time.Since(t0)
		runnerCPU += cpuTime() - c0
		cancel()
		<-done
		st.Close()
	}
	plain := float64(plainPieces) / plainTime.Seconds()
	runner := float64(runnerPieces) / runnerTime.Seconds()
	b.ReportMetric(plain, "plain-pieces/s")
	b.ReportMetric(runner, "runner-pieces/s")
	b.ReportMetric(runner/plain, "runner/plain")
	if plainCPU > 0 {
		b.ReportMetric(float64(plainCPU.Milliseconds())/float64(plainPieces), "plain-cpu-ms/piece")
		b.ReportMetric(float64(runnerCPU.Milliseconds())/float64(runnerPieces), "runner-cpu-ms/piece")
	}
	b.ReportMetric(float64(workers), "workers")
}

// plainBatch renders every row of csvText with a pool of workers into a
// ZIP at dest, as the batch command without -store does, and returns the
// number of rows (done or failed).
func plainBatch(tb testing.TB, c *batch.Compiled, tpl *batch.Template, csvText []byte, dest string, workers int) int {
	tb.Helper()
	rd, err := batch.NewReader(bytes.NewReader(csvText), batch.ReaderOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	names := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		names[i] = f.Name
	}
	cols, err := batch.MatchColumns(names, rd.Header(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := batch.NewZipOutput(dest)
	if err != nil {
		tb.Fatal(err)
	}
	type job struct {
		row, line int
		name      string
		rec       map[string]string
	}
	type result struct {
		job
		piece *batch.Piece
		err   error
	}
	jobs := make(chan job, workers)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				p, err := tpl.Piece(context.Background(), j.rec)
				results <- result{j, p, err}
			}
		})
	}
	var manifest []batch.ManifestRow
	written := make(chan struct{})
	go func() {
		defer close(written)
		for r := range results {
			if r.err != nil {
				manifest = append(manifest, batch.ManifestRow{Row: r.row, Line: r.line, Status: batch.StatusFailed, Error: r.err.Error()})
				continue
			}
			name := batch.PieceName(r.row, 4, r.name, r.piece.Ext)
			if err := out.Add(name, r.piece.Data); err != nil {
				tb.Error(err)
			}
			manifest = append(manifest, batch.ManifestRow{Row: r.row, Line: r.line, Status: batch.StatusDone, File: name})
		}
	}()
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		var re *batch.RowError
		if errors.As(err, &re) {
			results <- result{job: job{row: re.Row, line: re.Line}, err: re.Err}
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		fields := cols.Apply(rec)
		jobs <- job{rec.Row, rec.Line, batch.DisplayName(c.Spec.Options.NameFields, fields, rec.Fields), fields}
	}
	close(jobs)
	wg.Wait()
	close(results)
	<-written
	if err := out.Close(manifest); err != nil {
		tb.Fatal(err)
	}
	return len(manifest)
}
