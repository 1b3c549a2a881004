package storetest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
	"github.com/fabricpress/fabricpress/batch/storetest"
)

// A suite that passes everything proves nothing. Each mutant below is the
// bbolt store with one bug a store could plausibly have; the suite must
// fail on every one, in the subtests named.
var mutants = map[string]struct {
	wrap     func(batch.Store) batch.Store
	failures []string // subtests that must fail
}{
	"claims out of row order": {
		wrap:     func(s batch.Store) batch.Store { return reverseClaims{s} },
		failures: []string{"ClaimInRowOrder"},
	},
	"hands claimed rows out again": {
		wrap:     func(s batch.Store) batch.Store { return leakyLeases{s} },
		failures: []string{"ConcurrentClaimers", "LeaseExpiry"},
	},
	"commits without a lease": {
		wrap:     func(s batch.Store) batch.Store { return ignoreLeaseLost{s} },
		failures: []string{"CompleteAfterExpiry", "CompleteAfterLeaseTaken"},
	},
	"ignores the owner filter": {
		wrap:     func(s batch.Store) batch.Store { return noOwnerFilter{s} },
		failures: []string{"ListJobsOwnerAndStates"},
	},
	"retries failed rows of any job": {
		wrap:     func(s batch.Store) batch.Store { return retryAnything{s} },
		failures: []string{"RetryFailed", "TransitionRules"},
	},
}

type reverseClaims struct{ batch.Store }

func (s reverseClaims) ClaimRecipients(ctx context.Context, id, runner string, max int, lease time.Duration, now time.Time) ([]batch.Recipient, error) {
	rs, err := s.Store.ClaimRecipients(ctx, id, runner, max, lease, now)
	slices.Reverse(rs)
	return rs, err
}

type leakyLeases struct{ batch.Store }

func (s leakyLeases) ClaimRecipients(ctx context.Context, id, runner string, max int, lease time.Duration, now time.Time) ([]batch.Recipient, error) {
	rs, err := s.Store.ClaimRecipients(ctx, id, runner, max, lease, now)
	if err == nil && len(rs) > 0 {
		rows := make([]int, len(rs))
		for i, r := range rs {
			rows[i] = r.Row
		}
		err = s.Store.ReleaseRecipients(ctx, id, runner, rows)
	}
	return rs, err
}

type ignoreLeaseLost struct{ batch.Store }

func (s ignoreLeaseLost) Complete(ctx context.Context, id, runner string, res []batch.Result, now time.Time) error {
	if err := s.Store.Complete(ctx, id, runner, res, now); !errors.Is(err, batch.ErrLeaseLost) {
		return err
	}
	return nil
}

type noOwnerFilter struct{ batch.Store }

func (s noOwnerFilter) ListJobs(ctx context.Context, f batch.JobFilter) ([]batch.Job, string, error) {
	f.Owner = ""
	return s.Store.ListJobs(ctx, f)
}

type retryAnything struct{ batch.Store }

func (s retryAnything) RetryFailed(ctx context.Context, id string) (int, error) {
	n, err := s.Store.RetryFailed(ctx, id)
	if errors.Is(err, batch.ErrBadTransition) {
		return 0, nil
	}
	return n, err
}

func newBolt(t *testing.T) *bolt.Store {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"), &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestMutant runs the suite against the mutant named by STORETEST_MUTANT;
// TestSuiteCatchesMutants starts it in a child process.
func TestMutant(t *testing.T) {
	name := os.Getenv("STORETEST_MUTANT")
	if name == "" {
		t.Skip("run by TestSuiteCatchesMutants")
	}
	m, ok := mutants[name]
	if !ok {
		t.Fatalf("no mutant %q", name)
	}
	storetest.Exercise(t, func(t *testing.T) batch.Store { return m.wrap(newBolt(t)) })
}

func TestSuiteCatchesMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per mutant")
	}
	if os.Getenv("STORETEST_MUTANT") != "" {
		t.Skip("inside a mutant run")
	}
	for name, m := range mutants {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutant$", "-test.count=1", "-test.v", "-test.timeout=5m")
			cmd.Env = append(os.Environ(), "STORETEST_MUTANT="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a store that %s", name)
			}
			for _, sub := range m.failures {
				if !strings.Contains(string(out), "--- FAIL: TestMutant/"+sub+" ") {
					t.Errorf("a store that %s: subtest %s did not fail; output:\n%s", name, sub, out)
				}
			}
		})
	}
}

// The suite passes the real store (the bolt package runs it too, with
// fsync and reopening).
func TestExerciseBolt(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) batch.Store { return newBolt(t) })
}
