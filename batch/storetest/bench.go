package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
)

// BenchRows is the size of the job the benchmarks work on.
const BenchRows = 100_000

// Benchmark measures the two hot paths of a store on a 100,000-row job:
//
//   - AddRecipients: streaming the rows in as a CSV reader would, 1,000
//     per call (one op = the whole job);
//   - ClaimComplete: a runner's loop, claiming 50 rows and committing them
//     done in one Complete (one op = one chunk of 50).
//
// Both report rows/s. newStore returns an empty store closed at the end of
// the benchmark.
func Benchmark(b *testing.B, newStore func(b *testing.B) batch.Store) {
	b.Run("AddRecipients100k", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		const perCall = 1000
		calls := make([][]batch.Recipient, BenchRows/perCall)
		for i := range calls {
			calls[i] = people(i*perCall+1, perCall)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			j := batch.Job{Name: "bench"}
			if err := s.CreateJob(ctx, &j); err != nil {
				b.Fatal(err)
			}
			for _, rs := range calls {
				if err := s.AddRecipients(ctx, j.ID, rs); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*BenchRows)/b.Elapsed().Seconds(), "rows/s")
	})

	b.Run("ClaimComplete50", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		const chunk = 50
		newJob := func() string {
			b.StopTimer()
			defer b.StartTimer()
			q := batch.Job{Name: "bench"}
			if err := s.CreateJob(ctx, &q); err != nil {
				b.Fatal(err)
			}
			for from := 1; from <= BenchRows; from += 1000 {
				if err := s.AddRecipients(ctx, q.ID, people(from, 1000)); err != nil {
					b.Fatal(err)
				}
			}
			err := s.UpdateJob(ctx, q.ID, func(j *batch.Job) error { j.Sealed = true; j.State = batch.JobRunning; return nil })
			if err != nil {
				b.Fatal(err)
			}
			return q.ID
		}
		id := newJob()
		now := t0
		res := make([]batch.Result, 0, chunk)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			rs, err := s.ClaimRecipients(ctx, id, "bench", chunk, time.Minute, now)
			if err != nil {
				b.Fatal(err)
			}
			if len(rs) == 0 {
				id = newJob()
				if rs, err = s.ClaimRecipients(ctx, id, "bench", chunk, time.Minute, now); err != nil || len(rs) == 0 {
					b.Fatalf("claim from a new job: %d rows, %v", len(rs), err)
				}
			}
			res = res[:0]
			for _, r := range rs {
				res = append(res, batch.Result{Row: r.Row, State: batch.RecipientDone, Output: fmt.Sprintf("%06d.png", r.Row)})
			}
			if err := s.Complete(ctx, id, "bench", res, now); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*chunk)/b.Elapsed().Seconds(), "rows/s")
	})
}
