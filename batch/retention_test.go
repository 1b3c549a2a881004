package batch_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
)

// TestRetention: the runner's cleaner removes terminal jobs that finished
// longer ago than Retention, with their files, and keeps the others.
func TestRetention(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	ctx := context.Background()
	spec := sampleSpec(t, 0.05, nil)
	day := 24 * time.Hour

	// finished moves a job to state, finished at the given time, with a
	// file in its folder.
	finished := func(state batch.JobState, at time.Time) batch.Job {
		input := filepath.Join(t.TempDir(), "input.csv") // kept outside the job folder, as the service does
		os.WriteFile(input, goodRows(t, 2), 0o644)
		j := newJob(t, st, "", spec, goodRows(t, 2), func(j *batch.Job) { j.Input = input })
		err := st.UpdateJob(ctx, j.ID, func(j *batch.Job) error {
			if state != batch.JobCancelled {
				j.State = batch.JobRunning
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = st.UpdateJob(ctx, j.ID, func(j *batch.Job) error {
			j.State = state
			if state == batch.JobCancelled {
				j.CancelRequested = true
			}
			j.FinishedAt = at
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		dir := batch.JobDir(out, j.ID)
		os.MkdirAll(filepath.Join(dir, "pieces"), 0o755)
		os.WriteFile(filepath.Join(dir, "pieces", "0001.png"), []byte("x"), 0o644)
		j, _ = st.GetJob(ctx, j.ID)
		return j
	}
	now := time.Now()
	old1 := finished(batch.JobCompleted, now.Add(-40*day))
	old2 := finished(batch.JobFailed, now.Add(-31*day))
	old3 := finished(batch.JobCancelled, now.Add(-35*day))
	recent := finished(batch.JobCompletedWithErrors, now.Add(-29*day))
	queued := newJob(t, st, "", spec, goodRows(t, 2), func(j *batch.Job) {})
	if err := batch.Cancel(ctx, st, queued.ID); err != nil { // a fresh terminal job
		t.Fatal(err)
	}

	r := newRunner(t, st, out)
	r.Retention = 30 * day
	stop := start(t, r)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := st.GetJob(ctx, old2.ID) // the newest of the expired jobs
		if errors.Is(err, batch.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("expired jobs still there after 10s: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	for _, j := range []batch.Job{old1, old2, old3} {
		if _, err := st.GetJob(ctx, j.ID); !errors.Is(err, batch.ErrNotFound) {
			t.Errorf("expired job %s (%s): %v", j.ID, j.State, err)
		}
		if _, err := os.Stat(batch.JobDir(out, j.ID)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("expired job %s kept its folder: %v", j.ID, err)
		}
		if _, err := os.Stat(j.Input); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("expired job %s kept its input %s: %v", j.ID, j.Input, err)
		}
	}
	for _, j := range []batch.Job{recent, queued} {
		if _, err := st.GetJob(ctx, j.ID); err != nil {
			t.Errorf("job %s removed too early: %v", j.ID, err)
		}
	}
	if _, err := os.Stat(filepath.Join(batch.JobDir(out, recent.ID), "pieces", "0001.png")); err != nil {
		t.Errorf("recent job lost its files: %v", err)
	}
	if _, err := os.Stat(recent.Input); err != nil {
		t.Errorf("recent job lost its input: %v", err)
	}

	// Clean directly: everything finished before now goes.
	n, err := batch.Clean(ctx, st, out, time.Now().Add(time.Second))
	if err != nil || n != 2 {
		t.Errorf("Clean = %d, %v; want the 2 remaining jobs", n, err)
	}
	// Without Retention nothing is removed.
	keep := finished(batch.JobCompleted, now.Add(-400*day))
	stop = start(t, newRunner(t, st, out))
	time.Sleep(100 * time.Millisecond)
	stop()
	if _, err := st.GetJob(ctx, keep.ID); err != nil {
		t.Errorf("a runner without Retention removed a job: %v", err)
	}
}
