package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
)

// A service killed mid-job leaves leases in its store; the next start must
// hand them back so the job resumes at once, not when they expire.
func TestReleaseStaleLeases(t *testing.T) {
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "fabricpress.db"), &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	j := &batch.Job{Name: "left running"}
	if err := st.CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	rows := make([]batch.Recipient, 10)
	for i := range rows {
		rows[i] = batch.Recipient{Fields: map[string]string{"n": "x"}}
	}
	if err := st.AddRecipients(ctx, j.ID, rows); err != nil {
		t.Fatal(err)
	}
	for _, edit := range []func(*batch.Job){
		func(j *batch.Job) { j.Sealed = true },
		func(j *batch.Job) { j.State = batch.JobRunning },
	} {
		if err := st.UpdateJob(ctx, j.ID, func(j *batch.Job) error { edit(j); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	if got, err := st.ClaimRecipients(ctx, j.ID, "dead-runner", 4, time.Hour, now); err != nil || len(got) != 4 {
		t.Fatalf("claim by the dead runner = %d, %v", len(got), err)
	}
	if err := releaseStaleLeases(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	got, err := st.ClaimRecipients(ctx, j.ID, "new-runner", 100, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || got[0].Row != 1 {
		t.Fatalf("after release the new runner claimed %d rows starting at %v; want all 10 from row 1", len(got), got)
	}
}
