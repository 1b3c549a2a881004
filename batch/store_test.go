package batch_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
)

// The transition table, spelled out once more so that a change to it is a
// deliberate change to this test too.
func TestStoreJobTransitions(t *testing.T) {
	allowed := map[string]bool{
		"queued->running":                true,
		"queued->cancelled":              true,
		"queued->failed":                 true,
		"running->queued":                true,
		"running->completed":             true,
		"running->completed_with_errors": true,
		"running->failed":                true,
		"running->cancelled":             true,
		"completed_with_errors->queued":  true,
		"failed->queued":                 true,
	}
	states := slices.Concat(batch.JobStates, []batch.JobState{"", "paused"})
	for _, from := range states {
		for _, to := range states {
			key := fmt.Sprintf("%s->%s", from, to)
			if got := batch.CanTransition(from, to); got != allowed[key] {
				t.Errorf("CanTransition(%s) = %t, want %t", key, got, allowed[key])
			}
		}
	}
	for _, s := range batch.JobStates {
		if !s.Valid() {
			t.Errorf("%s is not Valid", s)
		}
		// Only terminal states have no way forward but a retry.
		final := !batch.CanTransition(s, batch.JobRunning) && !batch.CanTransition(s, batch.JobCancelled)
		if s.Terminal() != final {
			t.Errorf("%s: Terminal() = %t, but its transitions say %t", s, s.Terminal(), final)
		}
	}
	if batch.JobState("paused").Valid() || batch.JobState("").Terminal() {
		t.Error("unknown states are valid or terminal")
	}
}

func TestStoreRecipientTransitions(t *testing.T) {
	allowed := map[string]bool{
		"pending->done":   true,
		"pending->failed": true,
		"failed->pending": true,
	}
	states := slices.Concat(batch.RecipientStates, []batch.RecipientState{"", "leased"})
	for _, from := range states {
		for _, to := range states {
			key := fmt.Sprintf("%s->%s", from, to)
			if got := batch.CanTransitionRecipient(from, to); got != allowed[key] {
				t.Errorf("CanTransitionRecipient(%s) = %t, want %t", key, got, allowed[key])
			}
		}
	}
}

func TestStoreTransitionError(t *testing.T) {
	err := batch.TransitionError(batch.JobCompleted, batch.JobQueued)
	if !errors.Is(err, batch.ErrBadTransition) {
		t.Errorf("%v does not wrap ErrBadTransition", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "completed -> queued") {
		t.Errorf("message %q does not name the states", msg)
	}
	for _, e := range []error{batch.ErrNotFound, batch.ErrLeaseLost, batch.ErrConflict} {
		if errors.Is(err, e) {
			t.Errorf("%v matches %v", err, e)
		}
	}
}

func TestStoreRecipientLease(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		r         batch.Recipient
		claimable bool
		leasedByA bool
	}{
		{"fresh", batch.Recipient{State: batch.RecipientPending}, true, false},
		{"due now", batch.Recipient{State: batch.RecipientPending, NextAttemptAt: now}, true, false},
		{"not due", batch.Recipient{State: batch.RecipientPending, NextAttemptAt: now.Add(time.Second)}, false, false},
		{"leased", batch.Recipient{State: batch.RecipientPending, LeaseOwner: "a", LeaseUntil: now.Add(time.Second)}, false, true},
		{"lease ends now", batch.Recipient{State: batch.RecipientPending, LeaseOwner: "a", LeaseUntil: now}, true, false},
		{"done", batch.Recipient{State: batch.RecipientDone}, false, false},
		{"failed", batch.Recipient{State: batch.RecipientFailed}, false, false},
		{"done with stale lease", batch.Recipient{State: batch.RecipientDone, LeaseOwner: "a", LeaseUntil: now.Add(time.Hour)}, false, false},
	}
	for _, tc := range cases {
		if got := tc.r.Claimable(now); got != tc.claimable {
			t.Errorf("%s: Claimable = %t, want %t", tc.name, got, tc.claimable)
		}
		if got := tc.r.LeasedBy("a", now); got != tc.leasedByA {
			t.Errorf("%s: LeasedBy(a) = %t, want %t", tc.name, got, tc.leasedByA)
		}
		if tc.r.LeasedBy("b", now) {
			t.Errorf("%s: LeasedBy(b)", tc.name)
		}
	}
}

func TestStoreProgressPercent(t *testing.T) {
	for _, tc := range []struct {
		p    batch.Progress
		want float64
	}{
		{batch.Progress{}, 0},
		{batch.Progress{Total: 4, Done: 1}, 25},
		{batch.Progress{Total: 4, Done: 3, Failed: 1}, 100},
	} {
		if got := tc.p.Percent(); got != tc.want {
			t.Errorf("%+v: Percent = %v, want %v", tc.p, got, tc.want)
		}
	}
}

// A runner's life with a Store: create a job, stream its recipients in,
// seal and start it, then claim chunks under a lease and commit each chunk
// in one call.
func ExampleStore() {
	dir, err := os.MkdirTemp("", "fabricpress")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var st batch.Store
	st, err = bolt.Open(filepath.Join(dir, "state.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()

	job := batch.Job{Owner: "alice", Name: "Spring mailing", MaxAttempts: 3}
	if err := st.CreateJob(ctx, &job); err != nil {
		log.Fatal(err)
	}
	var rows []batch.Recipient
	for i, name := range []string{"Ada", "Grace", "Edsger", "Barbara", "Ken"} {
		rows = append(rows, batch.Recipient{Row: i + 1, Line: i + 2, Name: name, Fields: map[string]string{"first_name": name}})
	}
	if err := st.AddRecipients(ctx, job.ID, rows); err != nil {
		log.Fatal(err)
	}
	err = st.UpdateJob(ctx, job.ID, func(j *batch.Job) error {
		j.Sealed = true
		j.State = batch.JobRunning
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	now := time.Now()
	for {
		chunk, err := st.ClaimRecipients(ctx, job.ID, "runner-1", 2, time.Minute, now)
		if err != nil {
			log.Fatal(err)
		}
		if len(chunk) == 0 {
			break
		}
		var results []batch.Result
		for _, r := range chunk {
			if r.Fields["first_name"] == "Edsger" {
				results = append(results, batch.Result{Row: r.Row, State: batch.RecipientFailed,
					Error: fmt.Sprintf("line %d: no portrait", r.Line), Permanent: true})
				continue
			}
			results = append(results, batch.Result{Row: r.Row, State: batch.RecipientDone, Output: fmt.Sprintf("%04d.png", r.Row)})
		}
		if err := st.Complete(ctx, job.ID, "runner-1", results, now); err != nil {
			log.Fatal(err) // errors.Is(err, batch.ErrLeaseLost): drop the chunk
		}
	}
	err = st.UpdateJob(ctx, job.ID, func(j *batch.Job) error {
		j.State = batch.JobCompleted
		if j.Failed > 0 {
			j.State = batch.JobCompletedWithErrors
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	j, _ := st.GetJob(ctx, job.ID)
	fmt.Println(j.ID, j.State, j.Done, "done", j.Failed, "failed")
	failed, _ := st.Recipients(ctx, job.ID, batch.RecipientFilter{States: []batch.RecipientState{batch.RecipientFailed}})
	for _, r := range failed {
		fmt.Println(r.Row, r.LastError)
	}
	// Output:
	// j000001 completed_with_errors 4 done 1 failed
	// 3 line 4: no portrait
}
