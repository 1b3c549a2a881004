// Package storetest is the conformance suite of batch.Store: every
// implementation runs Exercise in its tests, as every River driver runs
// riverdrivertest.Exercise, so that a networked store can replace the
// embedded bbolt one without the runner noticing.
//
//	func TestStore(t *testing.T) {
//		storetest.Exercise(t, func(t *testing.T) batch.Store {
//			st, err := mystore.Open(...)
//			...
//			t.Cleanup(func() { st.Close() })
//			return st
//		}, storetest.WithReopen(reopen))
//	}
//
// The suite passes the clock to every time-dependent method, so it never
// sleeps. Times it stores are whole microseconds, and it compares them with
// time.Time.Equal, so a store may keep microsecond precision and any
// location.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
)

// Option configures Exercise.
type Option func(*config)

type config struct {
	reopen func(t *testing.T, s batch.Store) batch.Store
}

// WithReopen enables the tests that close a store and open it again: reopen
// closes s and returns a new Store on the same data. Stores that keep their
// state outside the process (a file, a database server) should pass it.
func WithReopen(reopen func(t *testing.T, s batch.Store) batch.Store) Option {
	return func(c *config) { c.reopen = reopen }
}

// t0 is the suite's clock origin.
var t0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// Exercise runs the conformance suite against the stores newStore returns.
// newStore is called once per subtest and must return an empty store that
// is closed when the test ends (t.Cleanup).
func Exercise(t *testing.T, newStore func(t *testing.T) batch.Store, opts ...Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s batch.Store)
	}{
		{"CreateAndGetJob", testCreateAndGetJob},
		{"ListJobsPagination", testListJobsPagination},
		{"ListJobsOwnerAndStates", testListJobsOwnerAndStates},
		{"UpdateJob", testUpdateJob},
		{"Transitions", testTransitions},
		{"TransitionRules", testTransitionRules},
		{"AddRecipients", testAddRecipients},
		{"AddRecipientsLarge", testAddRecipientsLarge},
		{"ClaimInRowOrder", testClaimInRowOrder},
		{"ClaimNeedsRunningJob", testClaimNeedsRunningJob},
		{"ConcurrentClaimers", testConcurrentClaimers},
		{"LeaseExpiry", testLeaseExpiry},
		{"RenewLease", testRenewLease},
		{"CompleteAfterExpiry", testCompleteAfterExpiry},
		{"CompleteAfterLeaseTaken", testCompleteAfterLeaseTaken},
		{"CompleteValidation", testCompleteValidation},
		{"ReleaseRecipients", testReleaseRecipients},
		{"RetryableAndPermanent", testRetryableAndPermanent},
		{"RetryFailed", testRetryFailed},
		{"Cancel", testCancel},
		{"CountsAndFilters", testCountsAndFilters},
		{"Progress", testProgress},
		{"Notifications", testNotifications},
		{"NotificationLeaseExpiry", testNotificationLeaseExpiry},
		{"DeleteJob", testDeleteJob},
		{"ExpiredJobs", testExpiredJobs},
		{"ContextCancelled", testContextCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
	t.Run("Reopen", func(t *testing.T) {
		if cfg.reopen == nil {
			t.Skip("the store does not support reopening (no WithReopen)")
		}
		testReopen(t, newStore(t), cfg.reopen)
	})
}

// --- helpers ---

func createJob(t testing.TB, s batch.Store, j batch.Job) batch.Job {
	t.Helper()
	if err := s.CreateJob(t.Context(), &j); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	return j
}

func getJob(t testing.TB, s batch.Store, id string) batch.Job {
	t.Helper()
	j, err := s.GetJob(t.Context(), id)
	if err != nil {
		t.Fatalf("GetJob(%s): %v", id, err)
	}
	return j
}

func update(t testing.TB, s batch.Store, id string, fn func(*batch.Job)) batch.Job {
	t.Helper()
	var got *batch.Job
	err := s.UpdateJob(t.Context(), id, func(j *batch.Job) error {
		fn(j)
		got = j // after a nil return, what was stored
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateJob(%s): %v", id, err)
	}
	return *got
}

func setState(t testing.TB, s batch.Store, id string, st batch.JobState) batch.Job {
	t.Helper()
	return update(t, s, id, func(j *batch.Job) { j.State = st })
}

// people returns n recipients with auto-numbered rows.
func people(from, n int) []batch.Recipient {
	rs := make([]batch.Recipient, n)
	for i := range rs {
		row := from + i
		rs[i] = batch.Recipient{
			Row:  row,
			Line: row + 1,
			Name: fmt.Sprintf("Person %d", row),
			Fields: map[string]string{
				"first_name": fmt.Sprintf("Person %d", row),
				"city":       "Zürich",
				"code":       fmt.Sprintf("C-%05d", row),
			},
		}
	}
	return rs
}

func addPeople(t testing.TB, s batch.Store, id string, n int) {
	t.Helper()
	from := getJob(t, s, id).Total + 1
	if err := s.AddRecipients(t.Context(), id, people(from, n)); err != nil {
		t.Fatalf("AddRecipients: %v", err)
	}
}

// runningJob creates a job with n recipients, seals it and starts it.
func runningJob(t testing.TB, s batch.Store, n, maxAttempts int) batch.Job {
	t.Helper()
	j := createJob(t, s, batch.Job{Owner: "alice", Name: "postcards", MaxAttempts: maxAttempts})
	if n > 0 {
		addPeople(t, s, j.ID, n)
	}
	return update(t, s, j.ID, func(j *batch.Job) { j.Sealed = true; j.State = batch.JobRunning })
}

func claim(t testing.TB, s batch.Store, id, runner string, max int, lease time.Duration, now time.Time) []batch.Recipient {
	t.Helper()
	rs, err := s.ClaimRecipients(t.Context(), id, runner, max, lease, now)
	if err != nil {
		t.Fatalf("ClaimRecipients(%s, %s): %v", id, runner, err)
	}
	return rs
}

func rowsOf(rs []batch.Recipient) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.Row
	}
	return out
}

func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func doneResults(rows []int) []batch.Result {
	out := make([]batch.Result, len(rows))
	for i, r := range rows {
		out[i] = batch.Result{Row: r, State: batch.RecipientDone, Output: fmt.Sprintf("%04d.png", r)}
	}
	return out
}

func complete(t testing.TB, s batch.Store, id, runner string, res []batch.Result, now time.Time) {
	t.Helper()
	if err := s.Complete(t.Context(), id, runner, res, now); err != nil {
		t.Fatalf("Complete(%s, %s): %v", id, runner, err)
	}
}

func recipients(t testing.TB, s batch.Store, id string, states ...batch.RecipientState) []batch.Recipient {
	t.Helper()
	rs, err := s.Recipients(t.Context(), id, batch.RecipientFilter{States: states})
	if err != nil {
		t.Fatalf("Recipients(%s): %v", id, err)
	}
	return rs
}

func recipient(t testing.TB, s batch.Store, id string, row int) batch.Recipient {
	t.Helper()
	rs, err := s.Recipients(t.Context(), id, batch.RecipientFilter{AfterRow: row - 1, Limit: 1})
	if err != nil {
		t.Fatalf("Recipients(%s, row %d): %v", id, row, err)
	}
	if len(rs) != 1 || rs[0].Row != row {
		t.Fatalf("row %d of job %s: got rows %v", row, id, rowsOf(rs))
	}
	return rs[0]
}

func counts(t testing.TB, s batch.Store, id string) map[batch.RecipientState]int {
	t.Helper()
	c, err := s.CountRecipients(t.Context(), id)
	if err != nil {
		t.Fatalf("CountRecipients(%s): %v", id, err)
	}
	return c
}

func wantCounts(t testing.TB, s batch.Store, id string, pending, done, failed int) {
	t.Helper()
	want := map[batch.RecipientState]int{batch.RecipientPending: pending, batch.RecipientDone: done, batch.RecipientFailed: failed}
	if got := counts(t, s, id); !mapsEqual(got, want) {
		t.Errorf("job %s counts = %v, want %v", id, got, want)
	}
	j := getJob(t, s, id)
	if j.Done != done || j.Failed != failed || j.Total != pending+done+failed {
		t.Errorf("job %s: total %d done %d failed %d, want %d %d %d", id, j.Total, j.Done, j.Failed, pending+done+failed, done, failed)
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func wantErr(t testing.TB, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

// sameRecipient compares everything but the times with ==, and the times
// with Equal.
func sameRecipient(t testing.TB, what string, got, want batch.Recipient) {
	t.Helper()
	gt, wt := got, want
	gt.NextAttemptAt, wt.NextAttemptAt = time.Time{}, time.Time{}
	gt.LeaseUntil, wt.LeaseUntil = time.Time{}, time.Time{}
	gf, wf := gt.Fields, wt.Fields
	gt.Fields, wt.Fields = nil, nil
	if fmt.Sprintf("%+v", gt) != fmt.Sprintf("%+v", wt) || !mapsEqual(gf, wf) ||
		!got.NextAttemptAt.Equal(want.NextAttemptAt) || !got.LeaseUntil.Equal(want.LeaseUntil) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// sameJob compares two jobs field by field, times with Equal.
func sameJob(t testing.TB, what string, got, want batch.Job) {
	t.Helper()
	g, w := got, want
	for _, p := range []*batch.Job{&g, &w} {
		p.CreatedAt, p.StartedAt, p.UpdatedAt, p.FinishedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		p.Spec = nil
	}
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) || !jsonEqual(got.Spec, want.Spec) ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.StartedAt.Equal(want.StartedAt) ||
		!got.UpdatedAt.Equal(want.UpdatedAt) || !got.FinishedAt.Equal(want.FinishedAt) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

func jobIDs(jobs []batch.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func reversed[T any](s []T) []T {
	s = slices.Clone(s)
	slices.Reverse(s)
	return s
}

// --- jobs ---

func testCreateAndGetJob(t *testing.T, s batch.Store) {
	ctx := t.Context()
	spec := json.RawMessage(`{"template":{"version":"5.3.0","objects":[]},"mapping":{"name":"first_name"}}`)
	before := time.Now().Add(-time.Second)
	j := batch.Job{
		Owner: "alice", Name: "Spring mailing", Spec: spec, Input: "/data/in.csv",
		State: batch.JobCompleted, Total: 9, Done: 9, // ignored: the store owns them
	}
	if err := s.CreateJob(ctx, &j); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	if j.ID == "" {
		t.Fatal("CreateJob assigned no ID")
	}
	if j.State != batch.JobQueued || j.Total != 0 || j.Done != 0 || j.Failed != 0 {
		t.Errorf("new job: state %s total %d done %d, want queued 0 0", j.State, j.Total, j.Done)
	}
	if j.MaxAttempts != batch.DefaultMaxAttempts || j.Kind != batch.DefaultKind {
		t.Errorf("new job: MaxAttempts %d Kind %q, want %d %q", j.MaxAttempts, j.Kind, batch.DefaultMaxAttempts, batch.DefaultKind)
	}
	if j.CreatedAt.Before(before) || j.UpdatedAt.Before(before) || !j.StartedAt.IsZero() || !j.FinishedAt.IsZero() {
		t.Errorf("new job times: created %v updated %v started %v finished %v", j.CreatedAt, j.UpdatedAt, j.StartedAt, j.FinishedAt)
	}
	sameJob(t, "GetJob after CreateJob", getJob(t, s, j.ID), j)

	k := createJob(t, s, batch.Job{Owner: "bob", Kind: "proof", MaxAttempts: 2})
	if k.ID == j.ID {
		t.Fatalf("two jobs got ID %s", k.ID)
	}
	if k.Kind != "proof" || k.MaxAttempts != 2 {
		t.Errorf("job kind %q max attempts %d, want proof 2", k.Kind, k.MaxAttempts)
	}

	for _, id := range []string{"", "nope", "j", j.ID + "0", "j999999999"} {
		_, err := s.GetJob(ctx, id)
		wantErr(t, fmt.Sprintf("GetJob(%q)", id), err, batch.ErrNotFound)
	}
}

func testListJobsPagination(t *testing.T, s batch.Store) {
	ctx := t.Context()
	var ids []string
	for i := range 7 {
		ids = append(ids, createJob(t, s, batch.Job{Owner: "alice", Name: fmt.Sprint("job ", i)}).ID)
	}
	newest := reversed(ids)

	all, next, err := s.ListJobs(ctx, batch.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := jobIDs(all); !slices.Equal(got, newest) || next != "" {
		t.Errorf("ListJobs = %v next %q, want %v and no next", got, next, newest)
	}

	var pages [][]string
	cursor := ""
	for range 10 {
		jobs, next, err := s.ListJobs(ctx, batch.JobFilter{Limit: 3, Before: cursor})
		if err != nil {
			t.Fatalf("ListJobs page %d: %v", len(pages)+1, err)
		}
		pages = append(pages, jobIDs(jobs))
		if next == "" {
			break
		}
		cursor = next
	}
	want := [][]string{newest[0:3], newest[3:6], newest[6:7]}
	if fmt.Sprint(pages) != fmt.Sprint(want) {
		t.Errorf("pages = %v, want %v", pages, want)
	}

	// A page cursor stays good when its job is deleted.
	first, next, err := s.ListJobs(ctx, batch.JobFilter{Limit: 2})
	if err != nil || len(first) != 2 {
		t.Fatalf("ListJobs: %v %v", jobIDs(first), err)
	}
	if err := s.DeleteJob(ctx, next); err != nil {
		t.Fatalf("DeleteJob: %v", err)
	}
	rest, _, err := s.ListJobs(ctx, batch.JobFilter{Limit: 2, Before: next})
	if err != nil {
		t.Fatal(err)
	}
	if got := jobIDs(rest); !slices.Equal(got, newest[2:4]) {
		t.Errorf("page after a deleted cursor job = %v, want %v", got, newest[2:4])
	}
}

func testListJobsOwnerAndStates(t *testing.T, s batch.Store) {
	ctx := t.Context()
	var alice, bob []string
	for i := range 6 {
		owner := "alice"
		if i%3 == 1 {
			owner = "bob"
		}
		j := createJob(t, s, batch.Job{Owner: owner})
		if owner == "alice" {
			alice = append(alice, j.ID)
		} else {
			bob = append(bob, j.ID)
		}
	}
	cli := createJob(t, s, batch.Job{}).ID // no owner

	jobs, _, err := s.ListJobs(ctx, batch.JobFilter{Owner: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if got := jobIDs(jobs); !slices.Equal(got, reversed(bob)) {
		t.Errorf("bob's jobs = %v, want %v", got, reversed(bob))
	}
	jobs, _, err = s.ListJobs(ctx, batch.JobFilter{Owner: "carol"})
	if err != nil || len(jobs) != 0 {
		t.Errorf("carol's jobs = %v, %v; want none", jobIDs(jobs), err)
	}

	// Paginate one owner.
	page1, next, err := s.ListJobs(ctx, batch.JobFilter{Owner: "alice", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	page2, next2, err := s.ListJobs(ctx, batch.JobFilter{Owner: "alice", Limit: 2, Before: next})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := append(jobIDs(page1), jobIDs(page2)...), reversed(alice); !slices.Equal(got, want) || next2 != "" {
		t.Errorf("alice's pages = %v (next %q), want %v and no next", got, next2, want)
	}

	// States.
	update(t, s, alice[0], func(j *batch.Job) { j.State = batch.JobCancelled })
	update(t, s, bob[1], func(j *batch.Job) { j.State = batch.JobFailed })
	update(t, s, alice[2], func(j *batch.Job) { j.Sealed = true; j.State = batch.JobRunning })
	jobs, _, err = s.ListJobs(ctx, batch.JobFilter{States: []batch.JobState{batch.JobCancelled, batch.JobFailed}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jobIDs(jobs), []string{bob[1], alice[0]}; !slices.Equal(got, want) {
		t.Errorf("cancelled or failed = %v, want %v", got, want)
	}
	jobs, _, err = s.ListJobs(ctx, batch.JobFilter{Owner: "alice", States: []batch.JobState{batch.JobQueued}, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jobIDs(jobs), []string{alice[3]}; !slices.Equal(got, want) {
		t.Errorf("alice's newest queued = %v, want %v", got, want)
	}
	jobs, _, err = s.ListJobs(ctx, batch.JobFilter{States: []batch.JobState{batch.JobQueued}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jobIDs(jobs), []string{cli, alice[3], alice[1], bob[0]}; !slices.Equal(got, want) {
		t.Errorf("queued = %v, want %v", got, want)
	}
}

func testUpdateJob(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := createJob(t, s, batch.Job{Owner: "alice", Name: "draft", Spec: json.RawMessage(`{"a":1}`)})

	got := update(t, s, j.ID, func(j *batch.Job) { j.Name = "final"; j.Spec = json.RawMessage(`{"a":2}`) })
	if got.Name != "final" || got.UpdatedAt.Before(j.UpdatedAt) {
		t.Errorf("after update: name %q updated %v (was %v)", got.Name, got.UpdatedAt, j.UpdatedAt)
	}
	sameJob(t, "GetJob after UpdateJob", getJob(t, s, j.ID), got)

	// An error from fn is returned and nothing is written.
	boom := errors.New("boom")
	err := s.UpdateJob(ctx, j.ID, func(j *batch.Job) error { j.Name = "lost"; return boom })
	wantErr(t, "UpdateJob with failing fn", err, boom)
	if n := getJob(t, s, j.ID).Name; n != "final" {
		t.Errorf("name after failed update = %q, want final", n)
	}

	// Fields the store owns.
	for name, fn := range map[string]func(*batch.Job){
		"ID":        func(j *batch.Job) { j.ID = "j424242" },
		"CreatedAt": func(j *batch.Job) { j.CreatedAt = j.CreatedAt.Add(time.Hour) },
		"Total":     func(j *batch.Job) { j.Total = 10 },
		"Done":      func(j *batch.Job) { j.Done = 1 },
		"Failed":    func(j *batch.Job) { j.Failed = 1 },
	} {
		err := s.UpdateJob(ctx, j.ID, func(j *batch.Job) error { fn(j); return nil })
		wantErr(t, "UpdateJob changing "+name, err, batch.ErrConflict)
	}
	sameJob(t, "job after refused updates", getJob(t, s, j.ID), got)

	err = s.UpdateJob(ctx, "j999999", func(*batch.Job) error { return nil })
	wantErr(t, "UpdateJob of a missing job", err, batch.ErrNotFound)

	// Timestamps on state changes.
	run := update(t, s, j.ID, func(j *batch.Job) { j.Sealed = true; j.State = batch.JobRunning })
	if run.StartedAt.IsZero() || !run.FinishedAt.IsZero() {
		t.Errorf("running: started %v finished %v", run.StartedAt, run.FinishedAt)
	}
	fin := update(t, s, j.ID, func(j *batch.Job) { j.State = batch.JobFailed; j.Error = "template gone" })
	if fin.FinishedAt.IsZero() || !fin.StartedAt.Equal(run.StartedAt) {
		t.Errorf("failed: started %v finished %v", fin.StartedAt, fin.FinishedAt)
	}
	sameJob(t, "GetJob after finishing", getJob(t, s, j.ID), fin)
	if _, err := s.RetryFailed(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	again := getJob(t, s, j.ID)
	if again.State != batch.JobQueued || !again.FinishedAt.IsZero() || again.Error != "" {
		t.Errorf("after RetryFailed: state %s finished %v error %q", again.State, again.FinishedAt, again.Error)
	}
}

// jobIn creates a sealed job and walks it to state st.
func jobIn(t testing.TB, s batch.Store, st batch.JobState) batch.Job {
	t.Helper()
	j := createJob(t, s, batch.Job{Name: "walk to " + string(st)})
	j = update(t, s, j.ID, func(j *batch.Job) { j.Sealed = true })
	switch st {
	case batch.JobQueued:
		return j
	case batch.JobCancelled, batch.JobFailed:
		return setState(t, s, j.ID, st)
	}
	j = setState(t, s, j.ID, batch.JobRunning)
	if st != batch.JobRunning {
		j = setState(t, s, j.ID, st)
	}
	return j
}

func testTransitions(t *testing.T, s batch.Store) {
	ctx := t.Context()
	for _, from := range batch.JobStates {
		for _, to := range batch.JobStates {
			if from == to {
				continue
			}
			j := jobIn(t, s, from)
			err := s.UpdateJob(ctx, j.ID, func(j *batch.Job) error { j.State = to; return nil })
			got := getJob(t, s, j.ID)
			if batch.CanTransition(from, to) {
				if err != nil {
					t.Errorf("%s -> %s: %v, want it allowed", from, to, err)
				} else if got.State != to {
					t.Errorf("%s -> %s: stored state %s", from, to, got.State)
				}
				continue
			}
			wantErr(t, fmt.Sprintf("%s -> %s", from, to), err, batch.ErrBadTransition)
			sameJob(t, fmt.Sprintf("job after refused %s -> %s", from, to), got, j)
		}
	}

	// An unknown state is refused too.
	j := jobIn(t, s, batch.JobQueued)
	err := s.UpdateJob(ctx, j.ID, func(j *batch.Job) error { j.State = "paused"; return nil })
	wantErr(t, "queued -> paused", err, batch.ErrBadTransition)
}

func testTransitionRules(t *testing.T, s batch.Store) {
	ctx := t.Context()

	// queued -> running needs Sealed.
	j := createJob(t, s, batch.Job{})
	err := s.UpdateJob(ctx, j.ID, func(j *batch.Job) error { j.State = batch.JobRunning; return nil })
	wantErr(t, "starting an unsealed job", err, batch.ErrBadTransition)

	// Sealed cannot be unset.
	setState(t, s, j.ID, batch.JobQueued) // no change: allowed
	update(t, s, j.ID, func(j *batch.Job) { j.Sealed = true })
	err = s.UpdateJob(ctx, j.ID, func(j *batch.Job) error { j.Sealed = false; return nil })
	wantErr(t, "unsealing", err, batch.ErrConflict)

	// A requested cancel is never undone.
	r := runningJob(t, s, 3, 0)
	update(t, s, r.ID, func(j *batch.Job) { j.CancelRequested = true })
	err = s.UpdateJob(ctx, r.ID, func(j *batch.Job) error { j.CancelRequested = false; return nil })
	wantErr(t, "withdrawing a cancel", err, batch.ErrConflict)
	err = s.UpdateJob(ctx, r.ID, func(j *batch.Job) error { j.State = batch.JobQueued; return nil })
	wantErr(t, "re-queueing a job being cancelled", err, batch.ErrBadTransition)
	if got := setState(t, s, r.ID, batch.JobCancelled); got.State != batch.JobCancelled || got.FinishedAt.IsZero() {
		t.Errorf("cancelled job: state %s finished %v", got.State, got.FinishedAt)
	}
	_, err = s.RetryFailed(ctx, r.ID)
	wantErr(t, "RetryFailed of a cancelled job", err, batch.ErrBadTransition)
}

// --- recipients ---

func testAddRecipients(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := createJob(t, s, batch.Job{})

	// Explicit rows, then rows numbered by the store, across calls.
	first := people(1, 3)
	first[1].Fields = nil
	first[2].Fields = map[string]string{"": "empty key", "note": "line\nbreak, \"quoted\"", "emoji": "🎉"}
	if err := s.AddRecipients(ctx, j.ID, first); err != nil {
		t.Fatal(err)
	}
	gap := people(5, 1) // row 4 was a blank line
	auto := people(6, 2)
	auto[0].Row, auto[1].Row = 0, 0
	bad := batch.Recipient{Row: 9, Line: 10, State: batch.RecipientFailed, Permanent: true, LastError: "line 10: wrong number of fields"}
	if err := s.AddRecipients(ctx, j.ID, append(append(gap, auto...), bad)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRecipients(ctx, j.ID, nil); err != nil {
		t.Fatalf("AddRecipients(nil): %v", err)
	}
	got := recipients(t, s, j.ID)
	if rows := rowsOf(got); !slices.Equal(rows, []int{1, 2, 3, 5, 6, 7, 9}) {
		t.Fatalf("rows = %v, want [1 2 3 5 6 7 9]", rows)
	}
	want := append(append(append([]batch.Recipient{}, first...), gap...), people(6, 2)...)
	want = append(want, bad)
	for i := range want {
		want[i].JobID = j.ID
		if want[i].State == "" {
			want[i].State = batch.RecipientPending
		}
		sameRecipient(t, fmt.Sprintf("row %d", want[i].Row), got[i], want[i])
	}
	wantCounts(t, s, j.ID, 6, 0, 1)

	// Rows must grow; nothing of a refused call is stored.
	for name, rs := range map[string][]batch.Recipient{
		"repeated row":      people(9, 1),
		"older row":         people(2, 1),
		"unordered in call": {{Row: 20}, {Row: 15}},
		"negative row":      {{Row: -1}},
		"done state":        {{Row: 30, State: batch.RecipientDone}},
	} {
		err := s.AddRecipients(ctx, j.ID, rs)
		wantErr(t, "AddRecipients with "+name, err, batch.ErrConflict)
	}
	wantCounts(t, s, j.ID, 6, 0, 1)

	err := s.AddRecipients(ctx, "j999999", people(1, 1))
	wantErr(t, "AddRecipients to a missing job", err, batch.ErrNotFound)

	// A sealed job takes no more rows.
	update(t, s, j.ID, func(j *batch.Job) { j.Sealed = true })
	err = s.AddRecipients(ctx, j.ID, people(10, 1))
	wantErr(t, "AddRecipients to a sealed job", err, batch.ErrConflict)
	if n := getJob(t, s, j.ID).Total; n != 7 {
		t.Errorf("total after refused add = %d, want 7", n)
	}
}

func testAddRecipientsLarge(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := createJob(t, s, batch.Job{})
	const n = 12345
	for _, size := range []int{1000, 345, 11000} { // streamed in uneven calls
		addPeople(t, s, j.ID, size)
	}
	if got := getJob(t, s, j.ID).Total; got != n {
		t.Fatalf("total = %d, want %d", got, n)
	}
	rs, err := s.Recipients(ctx, j.ID, batch.RecipientFilter{AfterRow: n - 2})
	if err != nil {
		t.Fatal(err)
	}
	if rows := rowsOf(rs); !slices.Equal(rows, []int{n - 1, n}) {
		t.Errorf("last rows = %v", rows)
	}
	if rs[1].Fields["code"] != fmt.Sprintf("C-%05d", n) {
		t.Errorf("last row fields = %v", rs[1].Fields)
	}
	all := recipients(t, s, j.ID)
	for i, r := range all {
		if r.Row != i+1 {
			t.Fatalf("recipient %d has row %d", i, r.Row)
		}
	}
}

func testClaimInRowOrder(t *testing.T, s batch.Store) {
	j := runningJob(t, s, 10, 0)
	a := claim(t, s, j.ID, "runner-a", 4, time.Minute, t0)
	if rows := rowsOf(a); !slices.Equal(rows, seq(1, 4)) {
		t.Fatalf("first claim = %v, want 1..4", rows)
	}
	for i, r := range a {
		want := people(i+1, 1)[0]
		want.JobID, want.State = j.ID, batch.RecipientPending
		want.LeaseOwner, want.LeaseUntil = "runner-a", t0.Add(time.Minute)
		sameRecipient(t, "claimed recipient", r, want)
	}
	b := claim(t, s, j.ID, "runner-b", 4, time.Minute, t0)
	if rows := rowsOf(b); !slices.Equal(rows, seq(5, 8)) {
		t.Fatalf("second claim = %v, want 5..8", rows)
	}
	complete(t, s, j.ID, "runner-a", doneResults(seq(1, 4)), t0.Add(time.Second))
	c := claim(t, s, j.ID, "runner-a", 4, time.Minute, t0.Add(time.Second))
	if rows := rowsOf(c); !slices.Equal(rows, seq(9, 10)) {
		t.Fatalf("third claim = %v, want 9 10", rows)
	}
	if d := claim(t, s, j.ID, "runner-c", 4, time.Minute, t0.Add(time.Second)); len(d) != 0 {
		t.Errorf("claim with everything leased or done = %v, want none", rowsOf(d))
	}
	if d := claim(t, s, j.ID, "runner-c", 0, time.Minute, t0); len(d) != 0 {
		t.Errorf("claim of max 0 = %v, want none", rowsOf(d))
	}
	got := recipient(t, s, j.ID, 6)
	if got.LeaseOwner != "runner-b" || !got.LeaseUntil.Equal(t0.Add(time.Minute)) {
		t.Errorf("row 6 lease = %q until %v", got.LeaseOwner, got.LeaseUntil)
	}
	wantCounts(t, s, j.ID, 6, 4, 0)
}

func testClaimNeedsRunningJob(t *testing.T, s batch.Store) {
	ctx := t.Context()
	q := createJob(t, s, batch.Job{})
	addPeople(t, s, q.ID, 3)
	_, err := s.ClaimRecipients(ctx, q.ID, "r", 10, time.Minute, t0)
	wantErr(t, "claim from a queued job", err, batch.ErrConflict)

	r := runningJob(t, s, 3, 0)
	update(t, s, r.ID, func(j *batch.Job) { j.CancelRequested = true })
	_, err = s.ClaimRecipients(ctx, r.ID, "r", 10, time.Minute, t0)
	wantErr(t, "claim from a job being cancelled", err, batch.ErrConflict)

	_, err = s.ClaimRecipients(ctx, "j999999", "r", 10, time.Minute, t0)
	wantErr(t, "claim from a missing job", err, batch.ErrNotFound)
}

func testConcurrentClaimers(t *testing.T, s batch.Store) {
	ctx := t.Context()
	const rows, claimers, chunk = 2000, 8, 25
	j := runningJob(t, s, rows, 0)

	var (
		mu    sync.Mutex
		owner = make(map[int]string, rows)
		dups  []int
		wg    sync.WaitGroup
		mine  = make([][]int, claimers)
	)
	for g := range claimers {
		wg.Go(func() {
			runner := fmt.Sprintf("runner-%d", g)
			for {
				rs, err := s.ClaimRecipients(ctx, j.ID, runner, chunk, time.Hour, t0)
				if err != nil {
					t.Errorf("%s: claim: %v", runner, err)
					return
				}
				if len(rs) == 0 {
					return
				}
				mu.Lock()
				for _, r := range rs {
					if _, ok := owner[r.Row]; ok {
						dups = append(dups, r.Row)
					}
					owner[r.Row] = runner
					if r.LeaseOwner != runner {
						t.Errorf("%s got row %d leased to %q", runner, r.Row, r.LeaseOwner)
					}
				}
				stop := len(dups) > 0 // a broken store might never run dry
				mu.Unlock()
				mine[g] = append(mine[g], rowsOf(rs)...)
				if stop {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(dups) > 0 {
		t.Fatalf("rows claimed twice: %v", dups)
	}
	if len(owner) != rows {
		t.Fatalf("%d rows claimed, want %d", len(owner), rows)
	}

	// Every runner commits its own rows, concurrently, in chunks.
	for g := range claimers {
		wg.Go(func() {
			runner := fmt.Sprintf("runner-%d", g)
			for part := range slices.Chunk(mine[g], chunk) {
				if err := s.Complete(ctx, j.ID, runner, doneResults(part), t0.Add(time.Minute)); err != nil {
					t.Errorf("%s: complete: %v", runner, err)
					return
				}
			}
		})
	}
	wg.Wait()
	wantCounts(t, s, j.ID, 0, rows, 0)
	for _, r := range recipients(t, s, j.ID) {
		if r.State != batch.RecipientDone || r.Attempts != 1 || r.LeaseOwner != "" || !r.LeaseUntil.IsZero() {
			t.Fatalf("row %d after commit: %+v", r.Row, r)
		}
	}
}

func testLeaseExpiry(t *testing.T, s batch.Store) {
	j := runningJob(t, s, 5, 0)
	a := claim(t, s, j.ID, "runner-a", 3, time.Minute, t0)
	if rows := rowsOf(a); !slices.Equal(rows, seq(1, 3)) {
		t.Fatalf("claim = %v", rows)
	}
	// Before expiry another runner gets only the free rows.
	b := claim(t, s, j.ID, "runner-b", 10, time.Minute, t0.Add(59*time.Second))
	if rows := rowsOf(b); !slices.Equal(rows, seq(4, 5)) {
		t.Fatalf("claim before expiry = %v, want 4 5", rows)
	}
	// At the expiry instant the lease is over: rows 1..3 go to runner-c.
	c := claim(t, s, j.ID, "runner-c", 10, time.Minute, t0.Add(time.Minute))
	if rows := rowsOf(c); !slices.Equal(rows, seq(1, 3)) {
		t.Fatalf("claim at expiry = %v, want 1..3", rows)
	}
	for _, r := range c {
		if r.LeaseOwner != "runner-c" || !r.LeaseUntil.Equal(t0.Add(2*time.Minute)) || r.Attempts != 0 {
			t.Errorf("re-claimed row %d: owner %q until %v attempts %d", r.Row, r.LeaseOwner, r.LeaseUntil, r.Attempts)
		}
	}
	complete(t, s, j.ID, "runner-c", doneResults(seq(1, 3)), t0.Add(90*time.Second))
	wantCounts(t, s, j.ID, 2, 3, 0)
}

func testRenewLease(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := runningJob(t, s, 4, 0)
	claim(t, s, j.ID, "runner-a", 2, time.Minute, t0)
	claim(t, s, j.ID, "runner-b", 2, time.Minute, t0)

	if err := s.RenewLease(ctx, j.ID, "runner-a", []int{1, 2}, time.Minute, t0.Add(50*time.Second)); err != nil {
		t.Fatalf("RenewLease: %v", err)
	}
	if r := recipient(t, s, j.ID, 2); !r.LeaseUntil.Equal(t0.Add(110*time.Second)) || r.LeaseOwner != "runner-a" {
		t.Errorf("renewed lease: %q until %v", r.LeaseOwner, r.LeaseUntil)
	}
	// Past the first lease, the renewed rows stay runner-a's.
	if rs := claim(t, s, j.ID, "runner-c", 10, time.Minute, t0.Add(90*time.Second)); !slices.Equal(rowsOf(rs), []int{3, 4}) {
		t.Errorf("claim after runner-b's lease expired = %v, want 3 4", rowsOf(rs))
	}
	complete(t, s, j.ID, "runner-a", doneResults([]int{1, 2}), t0.Add(100*time.Second))

	// A renewal including a row the runner does not hold renews nothing.
	claimed := recipient(t, s, j.ID, 3)
	err := s.RenewLease(ctx, j.ID, "runner-c", []int{3, 1}, time.Hour, t0.Add(100*time.Second))
	wantErr(t, "renewing a done row", err, batch.ErrLeaseLost)
	err = s.RenewLease(ctx, j.ID, "runner-b", []int{3}, time.Hour, t0.Add(100*time.Second))
	wantErr(t, "renewing a taken row", err, batch.ErrLeaseLost)
	sameRecipient(t, "row 3 after refused renewals", recipient(t, s, j.ID, 3), claimed)

	// An expired lease cannot be renewed, even if nobody took it.
	err = s.RenewLease(ctx, j.ID, "runner-c", []int{3, 4}, time.Hour, t0.Add(150*time.Second))
	wantErr(t, "renewing an expired lease", err, batch.ErrLeaseLost)
	err = s.RenewLease(ctx, j.ID, "runner-c", []int{99}, time.Hour, t0)
	wantErr(t, "renewing a missing row", err, batch.ErrNotFound)
}

func testCompleteAfterExpiry(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := runningJob(t, s, 3, 0)
	claim(t, s, j.ID, "runner-a", 3, time.Minute, t0)
	before := recipients(t, s, j.ID)

	// The lease expired and nobody took the rows: still lost.
	err := s.Complete(ctx, j.ID, "runner-a", doneResults(seq(1, 3)), t0.Add(time.Minute))
	wantErr(t, "Complete after expiry", err, batch.ErrLeaseLost)
	after := recipients(t, s, j.ID)
	for i := range before {
		sameRecipient(t, "recipient after refused commit", after[i], before[i])
	}
	wantCounts(t, s, j.ID, 3, 0, 0)

	// The rows go to the next claimer, with no attempt counted.
	rs := claim(t, s, j.ID, "runner-b", 3, time.Minute, t0.Add(time.Minute))
	if rows := rowsOf(rs); !slices.Equal(rows, seq(1, 3)) || rs[0].Attempts != 0 {
		t.Fatalf("re-claim = %v (attempts %d)", rows, rs[0].Attempts)
	}
}

func testCompleteAfterLeaseTaken(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := runningJob(t, s, 4, 0)
	claim(t, s, j.ID, "runner-a", 2, time.Minute, t0)
	claim(t, s, j.ID, "runner-a", 2, 3*time.Minute, t0) // rows 3, 4 with a longer lease
	claim(t, s, j.ID, "runner-b", 2, time.Minute, t0.Add(2*time.Minute))

	// Rows 3 and 4 are still runner-a's, rows 1 and 2 runner-b's: a commit
	// of all four must write nothing.
	before := recipients(t, s, j.ID)
	err := s.Complete(ctx, j.ID, "runner-a", doneResults(seq(1, 4)), t0.Add(2*time.Minute))
	wantErr(t, "Complete with taken rows", err, batch.ErrLeaseLost)
	after := recipients(t, s, j.ID)
	for i := range before {
		sameRecipient(t, "recipient after refused commit", after[i], before[i])
	}
	wantCounts(t, s, j.ID, 4, 0, 0)

	// Each runner commits what it holds.
	complete(t, s, j.ID, "runner-a", doneResults([]int{3, 4}), t0.Add(2*time.Minute))
	complete(t, s, j.ID, "runner-b", doneResults([]int{1, 2}), t0.Add(2*time.Minute))
	wantCounts(t, s, j.ID, 0, 4, 0)

	// A done row is never leased again: committing it twice fails.
	err = s.Complete(ctx, j.ID, "runner-b", doneResults([]int{1}), t0.Add(2*time.Minute))
	wantErr(t, "Complete of a done row", err, batch.ErrLeaseLost)
	wantCounts(t, s, j.ID, 0, 4, 0)
}

func testCompleteValidation(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := runningJob(t, s, 3, 0)
	claim(t, s, j.ID, "runner-a", 3, time.Minute, t0)
	now := t0.Add(time.Second)
	cases := []struct {
		name string
		res  []batch.Result
		err  error
	}{
		{"row twice", append(doneResults([]int{1, 2}), doneResults([]int{1})...), nil},
		{"bad state", []batch.Result{{Row: 1, State: batch.RecipientPending}}, nil},
		{"missing row", doneResults([]int{1, 42}), batch.ErrNotFound},
	}
	for _, tc := range cases {
		err := s.Complete(ctx, j.ID, "runner-a", tc.res, now)
		if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) {
			t.Errorf("Complete with %s: error %v, want %v", tc.name, err, cmpErr(tc.err))
		}
	}
	wantCounts(t, s, j.ID, 3, 0, 0)
	err := s.Complete(ctx, "j999999", "runner-a", doneResults([]int{1}), now)
	wantErr(t, "Complete in a missing job", err, batch.ErrNotFound)
	if err := s.Complete(ctx, j.ID, "runner-a", nil, now); err != nil {
		t.Errorf("Complete with no results: %v", err)
	}
	complete(t, s, j.ID, "runner-a", doneResults(seq(1, 3)), now)
	for _, r := range recipients(t, s, j.ID) {
		if want := fmt.Sprintf("%04d.png", r.Row); r.Output != want || r.State != batch.RecipientDone {
			t.Errorf("row %d: state %s output %q, want done %q", r.Row, r.State, r.Output, want)
		}
	}
}

func cmpErr(err error) any {
	if err == nil {
		return "an error"
	}
	return err
}

func testReleaseRecipients(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := runningJob(t, s, 6, 0)
	claim(t, s, j.ID, "runner-a", 3, time.Hour, t0)
	claim(t, s, j.ID, "runner-b", 3, time.Hour, t0)
	if err := s.ReleaseRecipients(ctx, j.ID, "runner-a", []int{2, 3, 4, 99}); err != nil {
		t.Fatalf("ReleaseRecipients: %v", err)
	}
	if r := recipient(t, s, j.ID, 4); r.LeaseOwner != "runner-b" {
		t.Errorf("runner-b's row 4 released by runner-a: owner %q", r.LeaseOwner)
	}
	rs := claim(t, s, j.ID, "runner-c", 10, time.Hour, t0.Add(time.Second))
	if rows := rowsOf(rs); !slices.Equal(rows, []int{2, 3}) {
		t.Errorf("claim after release = %v, want 2 3", rows)
	}
	if rs[0].Attempts != 0 {
		t.Errorf("released row counted an attempt: %d", rs[0].Attempts)
	}
}

func testRetryableAndPermanent(t *testing.T, s batch.Store) {
	j := runningJob(t, s, 3, 3)
	claim(t, s, j.ID, "r", 3, time.Minute, t0)
	complete(t, s, j.ID, "r", []batch.Result{
		{Row: 1, State: batch.RecipientDone, Output: "0001.png"},
		{Row: 2, State: batch.RecipientFailed, Error: "line 3: missing field first_name", Permanent: true, RetryAt: t0.Add(time.Hour)},
		{Row: 3, State: batch.RecipientFailed, Error: "image timeout", RetryAt: t0.Add(10 * time.Second)},
	}, t0.Add(time.Second))

	r1, r2, r3 := recipient(t, s, j.ID, 1), recipient(t, s, j.ID, 2), recipient(t, s, j.ID, 3)
	if r1.State != batch.RecipientDone || r1.Output != "0001.png" || r1.Attempts != 1 || r1.LastError != "" {
		t.Errorf("done row: %+v", r1)
	}
	if r2.State != batch.RecipientFailed || !r2.Permanent || r2.Attempts != 1 || r2.LastError != "line 3: missing field first_name" || r2.LeaseOwner != "" {
		t.Errorf("permanent failure: %+v", r2)
	}
	if r3.State != batch.RecipientPending || r3.Permanent || r3.Attempts != 1 || r3.LastError != "image timeout" ||
		!r3.NextAttemptAt.Equal(t0.Add(10*time.Second)) || r3.LeaseOwner != "" || !r3.LeaseUntil.IsZero() {
		t.Errorf("retryable failure: %+v", r3)
	}
	wantCounts(t, s, j.ID, 1, 1, 1)

	// NextAttemptAt is respected.
	if rs := claim(t, s, j.ID, "r", 10, time.Minute, t0.Add(9*time.Second)); len(rs) != 0 {
		t.Fatalf("claim before NextAttemptAt = %v", rowsOf(rs))
	}
	// Second attempt fails again, retry at once (zero RetryAt).
	if rs := claim(t, s, j.ID, "r", 10, time.Minute, t0.Add(10*time.Second)); !slices.Equal(rowsOf(rs), []int{3}) {
		t.Fatalf("claim at NextAttemptAt = %v, want [3]", rowsOf(rs))
	}
	complete(t, s, j.ID, "r", []batch.Result{{Row: 3, State: batch.RecipientFailed, Error: "image timeout again"}}, t0.Add(11*time.Second))
	if r := recipient(t, s, j.ID, 3); r.State != batch.RecipientPending || r.Attempts != 2 {
		t.Fatalf("after second failure: %+v", r)
	}
	// Third attempt uses up MaxAttempts: failed, though not permanent.
	if rs := claim(t, s, j.ID, "r", 10, time.Minute, t0.Add(12*time.Second)); !slices.Equal(rowsOf(rs), []int{3}) {
		t.Fatalf("third claim = %v, want [3]", rowsOf(rs))
	}
	complete(t, s, j.ID, "r", []batch.Result{{Row: 3, State: batch.RecipientFailed, Error: "disk full", RetryAt: t0.Add(time.Hour)}}, t0.Add(13*time.Second))
	r3 = recipient(t, s, j.ID, 3)
	if r3.State != batch.RecipientFailed || r3.Attempts != 3 || r3.Permanent || r3.LastError != "disk full" {
		t.Errorf("out of attempts: %+v", r3)
	}
	wantCounts(t, s, j.ID, 0, 1, 2)
	if rs := claim(t, s, j.ID, "r", 10, time.Minute, t0.Add(2*time.Hour)); len(rs) != 0 {
		t.Errorf("failed rows claimed again: %v", rowsOf(rs))
	}
}

func testRetryFailed(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := runningJob(t, s, 4, 1)
	claim(t, s, j.ID, "r", 4, time.Minute, t0)
	complete(t, s, j.ID, "r", []batch.Result{
		{Row: 1, State: batch.RecipientDone, Output: "1.png"},
		{Row: 2, State: batch.RecipientFailed, Error: "bad data", Permanent: true},
		{Row: 3, State: batch.RecipientFailed, Error: "timeout"}, // MaxAttempts 1
		{Row: 4, State: batch.RecipientDone, Output: "4.png"},
	}, t0.Add(time.Second))
	wantCounts(t, s, j.ID, 0, 2, 2)

	_, err := s.RetryFailed(ctx, j.ID)
	wantErr(t, "RetryFailed of a running job", err, batch.ErrBadTransition)
	setState(t, s, j.ID, batch.JobCompletedWithErrors)

	n, err := s.RetryFailed(ctx, j.ID)
	if err != nil || n != 2 {
		t.Fatalf("RetryFailed = %d, %v; want 2", n, err)
	}
	got := getJob(t, s, j.ID)
	if got.State != batch.JobQueued || !got.FinishedAt.IsZero() || !got.Sealed {
		t.Errorf("job after RetryFailed: state %s finished %v sealed %t", got.State, got.FinishedAt, got.Sealed)
	}
	wantCounts(t, s, j.ID, 2, 2, 0)
	for _, row := range []int{2, 3} {
		r := recipient(t, s, j.ID, row)
		if r.State != batch.RecipientPending || r.Attempts != 0 || r.Permanent || !r.NextAttemptAt.IsZero() || r.LastError == "" {
			t.Errorf("row %d after RetryFailed: %+v", row, r)
		}
	}
	if r := recipient(t, s, j.ID, 1); r.State != batch.RecipientDone || r.Output != "1.png" {
		t.Errorf("done row after RetryFailed: %+v", r)
	}

	// The job runs again over the re-queued rows only.
	setState(t, s, j.ID, batch.JobRunning)
	rs := claim(t, s, j.ID, "r", 10, time.Minute, t0.Add(time.Hour))
	if rows := rowsOf(rs); !slices.Equal(rows, []int{2, 3}) {
		t.Fatalf("claim after retry = %v, want 2 3", rows)
	}
	complete(t, s, j.ID, "r", doneResults([]int{2, 3}), t0.Add(time.Hour))
	wantCounts(t, s, j.ID, 0, 4, 0)
	setState(t, s, j.ID, batch.JobCompleted)
	_, err = s.RetryFailed(ctx, j.ID)
	wantErr(t, "RetryFailed of a completed job", err, batch.ErrBadTransition)

	// A failed job with no failed recipients is re-queued as a resume.
	f := runningJob(t, s, 2, 0)
	setState(t, s, f.ID, batch.JobFailed)
	if n, err := s.RetryFailed(ctx, f.ID); err != nil || n != 0 {
		t.Errorf("RetryFailed of a failed job = %d, %v; want 0", n, err)
	}
	if st := getJob(t, s, f.ID).State; st != batch.JobQueued {
		t.Errorf("failed job after RetryFailed is %s", st)
	}
	_, err = s.RetryFailed(ctx, "j999999")
	wantErr(t, "RetryFailed of a missing job", err, batch.ErrNotFound)
}

func testCancel(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := runningJob(t, s, 6, 0)
	claim(t, s, j.ID, "r", 2, time.Minute, t0)
	update(t, s, j.ID, func(j *batch.Job) { j.CancelRequested = true })

	// No new claims; in-flight work still commits.
	_, err := s.ClaimRecipients(ctx, j.ID, "r", 10, time.Minute, t0)
	wantErr(t, "claim after cancel", err, batch.ErrConflict)
	if err := s.RenewLease(ctx, j.ID, "r", []int{1, 2}, time.Minute, t0.Add(time.Second)); err != nil {
		t.Errorf("renew after cancel: %v", err)
	}
	complete(t, s, j.ID, "r", doneResults([]int{1, 2}), t0.Add(2*time.Second))
	got := setState(t, s, j.ID, batch.JobCancelled)
	if !got.CancelRequested || got.Done != 2 {
		t.Errorf("cancelled job: %+v", got)
	}
	wantCounts(t, s, j.ID, 4, 2, 0)

	// A queued job is cancelled directly.
	q := createJob(t, s, batch.Job{})
	update(t, s, q.ID, func(j *batch.Job) { j.CancelRequested = true; j.State = batch.JobCancelled })
}

func testCountsAndFilters(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := runningJob(t, s, 20, 1)
	claim(t, s, j.ID, "r", 10, time.Minute, t0)
	var res []batch.Result
	for row := 1; row <= 10; row++ {
		if row%3 == 0 {
			res = append(res, batch.Result{Row: row, State: batch.RecipientFailed, Error: "x", Permanent: row%2 == 0})
		} else {
			res = append(res, batch.Result{Row: row, State: batch.RecipientDone, Output: "o"})
		}
	}
	complete(t, s, j.ID, "r", res, t0)
	wantCounts(t, s, j.ID, 10, 7, 3)

	c := counts(t, s, j.ID)
	for _, st := range batch.RecipientStates {
		if got := len(recipients(t, s, j.ID, st)); got != c[st] {
			t.Errorf("%d recipients listed as %s, CountRecipients says %d", got, st, c[st])
		}
	}
	if rows := rowsOf(recipients(t, s, j.ID, batch.RecipientFailed)); !slices.Equal(rows, []int{3, 6, 9}) {
		t.Errorf("failed rows = %v", rows)
	}
	if n := len(recipients(t, s, j.ID, batch.RecipientFailed, batch.RecipientDone)); n != 10 {
		t.Errorf("done or failed = %d, want 10", n)
	}

	// Paging through the done rows.
	var pages [][]int
	after := 0
	for {
		rs, err := s.Recipients(ctx, j.ID, batch.RecipientFilter{States: []batch.RecipientState{batch.RecipientDone}, AfterRow: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 {
			break
		}
		pages = append(pages, rowsOf(rs))
		after = rs[len(rs)-1].Row
	}
	if fmt.Sprint(pages) != "[[1 2 4] [5 7 8] [10]]" {
		t.Errorf("done pages = %v", pages)
	}
	if rs, err := s.Recipients(ctx, j.ID, batch.RecipientFilter{AfterRow: 20}); err != nil || len(rs) != 0 {
		t.Errorf("recipients after the last row = %v, %v", rowsOf(rs), err)
	}
	_, err := s.Recipients(ctx, "j999999", batch.RecipientFilter{})
	wantErr(t, "Recipients of a missing job", err, batch.ErrNotFound)
	_, err = s.CountRecipients(ctx, "j999999")
	wantErr(t, "CountRecipients of a missing job", err, batch.ErrNotFound)
}

// --- progress ---

func testProgress(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := runningJob(t, s, 5, 0)

	p, err := s.Progress(ctx, j.ID)
	if err != nil {
		t.Fatalf("Progress before any snapshot: %v", err)
	}
	if p.JobID != j.ID || p.Total != 5 || p.Done != 0 || p.State != batch.JobRunning {
		t.Errorf("derived progress = %+v", p)
	}

	want := batch.Progress{
		JobID: j.ID, State: batch.JobRunning, Done: 3, Failed: 1, Total: 5,
		Rate: 12.5, ETA: 80 * time.Millisecond, CurrentRow: 5, CurrentName: "Zoë",
		StartedAt: t0, UpdatedAt: t0.Add(320 * time.Millisecond),
	}
	for range 2 { // saved twice: the last one wins
		if err := s.SaveProgress(ctx, want); err != nil {
			t.Fatalf("SaveProgress: %v", err)
		}
		want.Done++
	}
	want.Done--
	got, err := s.Progress(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.StartedAt.Equal(want.StartedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("progress times = %v %v, want %v %v", got.StartedAt, got.UpdatedAt, want.StartedAt, want.UpdatedAt)
	}
	got.StartedAt, got.UpdatedAt, want.StartedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		t.Errorf("Progress = %+v, want %+v", got, want)
	}

	err = s.SaveProgress(ctx, batch.Progress{JobID: "j999999"})
	wantErr(t, "SaveProgress of a missing job", err, batch.ErrNotFound)
	_, err = s.Progress(ctx, "j999999")
	wantErr(t, "Progress of a missing job", err, batch.ErrNotFound)
}

// --- notifications ---

func enqueue(t testing.TB, s batch.Store, n batch.Notification) batch.Notification {
	t.Helper()
	if err := s.Enqueue(t.Context(), &n); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return n
}

func claimNotes(t testing.TB, s batch.Store, max int, lease time.Duration, now time.Time) []batch.Notification {
	t.Helper()
	ns, err := s.ClaimNotifications(t.Context(), max, lease, now)
	if err != nil {
		t.Fatalf("ClaimNotifications: %v", err)
	}
	return ns
}

func noteIDs(ns []batch.Notification) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func note(t testing.TB, s batch.Store, jobID, id string) batch.Notification {
	t.Helper()
	ns, err := s.Notifications(t.Context(), jobID)
	if err != nil {
		t.Fatalf("Notifications(%s): %v", jobID, err)
	}
	for _, n := range ns {
		if n.ID == id {
			return n
		}
	}
	t.Fatalf("notification %s not listed for job %s", id, jobID)
	return batch.Notification{}
}

func testNotifications(t *testing.T, s batch.Store) {
	ctx := t.Context()
	a := createJob(t, s, batch.Job{Owner: "alice"})
	b := createJob(t, s, batch.Job{Owner: "bob"})

	payload := json.RawMessage(`{"to":"alice@example.com","job":"x","done":3}`)
	n1 := enqueue(t, s, batch.Notification{JobID: a.ID, Channel: batch.ChannelEmail, Event: batch.EventJobCompleted, Payload: payload,
		State: batch.NotificationSent, Attempts: 7}) // ignored
	n2 := enqueue(t, s, batch.Notification{JobID: a.ID, Channel: batch.ChannelWebhook, Event: batch.EventJobProgress})
	n3 := enqueue(t, s, batch.Notification{JobID: b.ID, Channel: batch.ChannelWebhook, Event: batch.EventJobFailed})
	later := enqueue(t, s, batch.Notification{JobID: b.ID, Channel: batch.ChannelEmail, Event: batch.EventJobCancelled, NextAttemptAt: t0.Add(time.Hour)})
	if n1.ID == "" || n1.ID == n2.ID || n1.State != batch.NotificationQueued || n1.Attempts != 0 || n1.CreatedAt.IsZero() {
		t.Fatalf("enqueued: %+v", n1)
	}
	err := s.Enqueue(ctx, &batch.Notification{JobID: "j999999", Channel: batch.ChannelEmail, Event: batch.EventJobFailed})
	wantErr(t, "Enqueue for a missing job", err, batch.ErrNotFound)

	ns, err := s.Notifications(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ids := noteIDs(ns); !slices.Equal(ids, []string{n1.ID, n2.ID}) {
		t.Fatalf("job a notifications = %v", ids)
	}
	if !jsonEqual(ns[0].Payload, payload) || ns[0].Channel != batch.ChannelEmail || ns[0].Event != batch.EventJobCompleted {
		t.Errorf("stored notification = %+v", ns[0])
	}

	// Claim: oldest first, due ones only, up to max.
	got := claimNotes(t, s, 2, time.Minute, t0)
	if ids := noteIDs(got); !slices.Equal(ids, []string{n1.ID, n2.ID}) {
		t.Fatalf("first claim = %v, want %v", ids, []string{n1.ID, n2.ID})
	}
	for _, n := range got {
		if n.State != batch.NotificationSending || n.Attempts != 1 || !n.LeaseUntil.Equal(t0.Add(time.Minute)) {
			t.Errorf("claimed: %+v", n)
		}
	}
	if ids := noteIDs(claimNotes(t, s, 10, time.Minute, t0)); !slices.Equal(ids, []string{n3.ID}) {
		t.Fatalf("second claim = %v, want [%s]", ids, n3.ID)
	}
	if ns := claimNotes(t, s, 10, time.Minute, t0.Add(30*time.Second)); len(ns) != 0 {
		t.Fatalf("claim with all leased = %v", noteIDs(ns))
	}

	// Sent.
	if err := s.FinishNotification(ctx, n1.ID, true, "", time.Time{}, false); err != nil {
		t.Fatal(err)
	}
	if n := note(t, s, a.ID, n1.ID); n.State != batch.NotificationSent || n.SentAt.IsZero() || !n.LeaseUntil.IsZero() {
		t.Errorf("sent: %+v", n)
	}
	err = s.FinishNotification(ctx, n1.ID, true, "", time.Time{}, false)
	wantErr(t, "finishing a sent notification", err, batch.ErrConflict)

	// Failed, retried later.
	if err := s.FinishNotification(ctx, n2.ID, false, "502 Bad Gateway", t0.Add(5*time.Minute), false); err != nil {
		t.Fatal(err)
	}
	if n := note(t, s, a.ID, n2.ID); n.State != batch.NotificationFailed || n.LastError != "502 Bad Gateway" ||
		!n.NextAttemptAt.Equal(t0.Add(5*time.Minute)) || !n.LeaseUntil.IsZero() {
		t.Errorf("failed: %+v", n)
	}
	// Failed and given up.
	if err := s.FinishNotification(ctx, n3.ID, false, "410 Gone", time.Time{}, true); err != nil {
		t.Fatal(err)
	}
	if n := note(t, s, b.ID, n3.ID); n.State != batch.NotificationFailed || n.LastError != "410 Gone" || !n.NextAttemptAt.IsZero() {
		t.Errorf("given up: %+v", n)
	}

	if ns := claimNotes(t, s, 10, time.Minute, t0.Add(4*time.Minute)); len(ns) != 0 {
		t.Fatalf("claim before the retry is due = %v", noteIDs(ns))
	}
	got = claimNotes(t, s, 10, time.Minute, t0.Add(5*time.Minute))
	if ids := noteIDs(got); !slices.Equal(ids, []string{n2.ID}) || got[0].Attempts != 2 {
		t.Fatalf("claim at the retry = %v (%+v)", ids, got)
	}
	if err := s.FinishNotification(ctx, n2.ID, true, "", time.Time{}, false); err != nil {
		t.Fatal(err)
	}
	// Only the delayed one is left, and only from its time on.
	got = claimNotes(t, s, 10, time.Minute, t0.Add(100*time.Hour))
	if ids := noteIDs(got); !slices.Equal(ids, []string{later.ID}) {
		t.Fatalf("last claim = %v, want [%s]", ids, later.ID)
	}
	err = s.FinishNotification(ctx, "n999999", true, "", time.Time{}, false)
	wantErr(t, "finishing a missing notification", err, batch.ErrNotFound)
	_, err = s.Notifications(ctx, "j999999")
	wantErr(t, "Notifications of a missing job", err, batch.ErrNotFound)
}

func testNotificationLeaseExpiry(t *testing.T, s batch.Store) {
	ctx := t.Context()
	j := createJob(t, s, batch.Job{})
	n := enqueue(t, s, batch.Notification{JobID: j.ID, Channel: batch.ChannelEmail, Event: batch.EventJobCompleted})
	if got := claimNotes(t, s, 1, time.Minute, t0); len(got) != 1 {
		t.Fatalf("claim = %v", noteIDs(got))
	}
	// The sender died; at the lease's end the entry is claimed again.
	if got := claimNotes(t, s, 1, time.Minute, t0.Add(59*time.Second)); len(got) != 0 {
		t.Fatalf("claim before expiry = %v", noteIDs(got))
	}
	got := claimNotes(t, s, 1, time.Minute, t0.Add(time.Minute))
	if len(got) != 1 || got[0].ID != n.ID || got[0].Attempts != 2 || got[0].State != batch.NotificationSending ||
		!got[0].LeaseUntil.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("claim after expiry = %+v", got)
	}
	if err := s.FinishNotification(ctx, n.ID, true, "", time.Time{}, false); err != nil {
		t.Fatal(err)
	}
	if got := claimNotes(t, s, 1, time.Minute, t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("sent notification claimed again: %v", noteIDs(got))
	}
}

// --- delete, retention ---

func testDeleteJob(t *testing.T, s batch.Store) {
	ctx := t.Context()
	keep := runningJob(t, s, 3, 0)
	gone := runningJob(t, s, 3, 0)
	claim(t, s, gone.ID, "r", 1, time.Minute, t0)
	if err := s.SaveProgress(ctx, batch.Progress{JobID: gone.ID, Done: 1}); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, batch.Notification{JobID: gone.ID, Channel: batch.ChannelEmail, Event: batch.EventJobCancelled})
	kept := enqueue(t, s, batch.Notification{JobID: keep.ID, Channel: batch.ChannelEmail, Event: batch.EventJobCompleted})

	err := s.DeleteJob(ctx, gone.ID)
	wantErr(t, "deleting a running job", err, batch.ErrConflict)
	update(t, s, gone.ID, func(j *batch.Job) { j.CancelRequested = true; j.State = batch.JobCancelled })
	if err := s.DeleteJob(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteJob: %v", err)
	}

	_, err = s.GetJob(ctx, gone.ID)
	wantErr(t, "GetJob of a deleted job", err, batch.ErrNotFound)
	_, err = s.Recipients(ctx, gone.ID, batch.RecipientFilter{})
	wantErr(t, "Recipients of a deleted job", err, batch.ErrNotFound)
	_, err = s.Progress(ctx, gone.ID)
	wantErr(t, "Progress of a deleted job", err, batch.ErrNotFound)
	_, err = s.Notifications(ctx, gone.ID)
	wantErr(t, "Notifications of a deleted job", err, batch.ErrNotFound)
	err = s.DeleteJob(ctx, gone.ID)
	wantErr(t, "deleting twice", err, batch.ErrNotFound)

	jobs, _, err := s.ListJobs(ctx, batch.JobFilter{Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if ids := jobIDs(jobs); !slices.Equal(ids, []string{keep.ID}) {
		t.Errorf("jobs after delete = %v, want [%s]", ids, keep.ID)
	}
	if got := claimNotes(t, s, 10, time.Minute, t0); !slices.Equal(noteIDs(got), []string{kept.ID}) {
		t.Errorf("outbox after delete = %v, want [%s]", noteIDs(got), kept.ID)
	}
	if rs := claim(t, s, keep.ID, "r", 10, time.Minute, t0); len(rs) != 3 {
		t.Errorf("other job's recipients after delete: %v", rowsOf(rs))
	}
	// A queued job can be deleted too.
	q := createJob(t, s, batch.Job{})
	addPeople(t, s, q.ID, 2)
	if err := s.DeleteJob(ctx, q.ID); err != nil {
		t.Errorf("deleting a queued job: %v", err)
	}
}

func testExpiredJobs(t *testing.T, s batch.Store) {
	ctx := t.Context()
	finish := func(st batch.JobState, at time.Time) batch.Job {
		j := jobIn(t, s, batch.JobRunning)
		return update(t, s, j.ID, func(j *batch.Job) { j.State = st; j.FinishedAt = at })
	}
	old := finish(batch.JobCompleted, t0.Add(-10*24*time.Hour))
	older := finish(batch.JobCancelled, t0.Add(-20*24*time.Hour))
	failed := finish(batch.JobFailed, t0.Add(-3*24*time.Hour))
	finish(batch.JobCompletedWithErrors, t0.Add(-time.Hour))
	jobIn(t, s, batch.JobRunning)
	jobIn(t, s, batch.JobQueued)

	jobs, err := s.ExpiredJobs(ctx, t0.Add(-2*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if ids, want := jobIDs(jobs), []string{older.ID, old.ID, failed.ID}; !slices.Equal(ids, want) {
		t.Errorf("ExpiredJobs = %v, want %v (oldest first)", ids, want)
	}
	if jobs, _ := s.ExpiredJobs(ctx, t0.Add(-30*24*time.Hour)); len(jobs) != 0 {
		t.Errorf("ExpiredJobs before everything = %v", jobIDs(jobs))
	}
}

func testContextCancelled(t *testing.T, s batch.Store) {
	j := createJob(t, s, batch.Job{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.GetJob(ctx, j.ID)
	wantErr(t, "GetJob with a cancelled context", err, context.Canceled)
	err = s.AddRecipients(ctx, j.ID, people(1, 10))
	wantErr(t, "AddRecipients with a cancelled context", err, context.Canceled)
	if n := getJob(t, s, j.ID).Total; n != 0 {
		t.Errorf("AddRecipients with a cancelled context stored %d rows", n)
	}
}

// --- reopen ---

func testReopen(t *testing.T, s batch.Store, reopen func(*testing.T, batch.Store) batch.Store) {
	ctx := t.Context()
	j := runningJob(t, s, 10, 2)
	claim(t, s, j.ID, "r", 4, time.Minute, t0)
	complete(t, s, j.ID, "r", []batch.Result{
		{Row: 1, State: batch.RecipientDone, Output: "1.png"},
		{Row: 2, State: batch.RecipientFailed, Error: "bad", Permanent: true},
		{Row: 3, State: batch.RecipientFailed, Error: "slow", RetryAt: t0.Add(time.Minute)},
	}, t0.Add(time.Second))
	// Row 4 stays leased across the restart.
	if err := s.SaveProgress(ctx, batch.Progress{JobID: j.ID, Done: 1, Failed: 1, Total: 10, Rate: 2}); err != nil {
		t.Fatal(err)
	}
	n := enqueue(t, s, batch.Notification{JobID: j.ID, Channel: batch.ChannelWebhook, Event: batch.EventJobProgress})
	wantJob := getJob(t, s, j.ID)
	wantRecipients := recipients(t, s, j.ID)
	wantProgress, err := s.Progress(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}

	s = reopen(t, s)

	sameJob(t, "job after reopen", getJob(t, s, j.ID), wantJob)
	got := recipients(t, s, j.ID)
	if len(got) != len(wantRecipients) {
		t.Fatalf("%d recipients after reopen, want %d", len(got), len(wantRecipients))
	}
	for i := range got {
		sameRecipient(t, "recipient after reopen", got[i], wantRecipients[i])
	}
	p, err := s.Progress(ctx, j.ID)
	if err != nil || p != wantProgress {
		t.Errorf("progress after reopen = %+v, %v; want %+v", p, err, wantProgress)
	}
	if got := note(t, s, j.ID, n.ID); got.State != batch.NotificationQueued {
		t.Errorf("notification after reopen: %+v", got)
	}

	// Resume: the expired lease and the due retry are claimed again, in
	// row order; done and failed rows are not.
	rs := claim(t, s, j.ID, "r2", 100, time.Minute, t0.Add(2*time.Minute))
	if rows := rowsOf(rs); !slices.Equal(rows, seq(3, 10)) {
		t.Errorf("claim after reopen = %v, want 3..10", rows)
	}
	// IDs keep growing: a new job is newer than the old one.
	k := createJob(t, s, batch.Job{Owner: "alice"})
	jobs, _, err := s.ListJobs(ctx, batch.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if ids := jobIDs(jobs); !slices.Equal(ids, []string{k.ID, j.ID}) {
		t.Errorf("jobs after reopen = %v, want [%s %s]", ids, k.ID, j.ID)
	}
}
