package bolt_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
	"github.com/fabricpress/fabricpress/batch/storetest"
)

// mustOpen opens a store in a new file in t's temporary folder and closes
// it when the test ends.
func mustOpen(tb testing.TB, opts *bolt.Options) *bolt.Store {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "state.db"), opts)
}

func mustOpenPath(tb testing.TB, path string, opts *bolt.Options) *bolt.Store {
	tb.Helper()
	st, err := bolt.Open(path, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func reopen(t *testing.T, s batch.Store) batch.Store {
	t.Helper()
	st := s.(*bolt.Store)
	path := st.Path()
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return mustOpenPath(t, path, nil)
}

func TestStore(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) batch.Store {
		return mustOpen(t, nil)
	}, storetest.WithReopen(reopen))
}

// With a small InsertBatch, AddRecipients commits one call in several
// transactions; the suite must pass all the same.
func TestStoreSmallInsertBatch(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) batch.Store {
		return mustOpen(t, &bolt.Options{InsertBatch: 7, NoSync: true})
	})
}

func TestOpenInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	mustOpenPath(t, path, nil)

	start := time.Now()
	_, err := bolt.Open(path, &bolt.Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, bolt.ErrInUse) {
		t.Fatalf("second Open: %v, want ErrInUse", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "database is in use") || !strings.Contains(msg, path) {
		t.Errorf("error message %q does not say the database at %s is in use", msg, path)
	}
	// bbolt stops retrying one 50ms poll before the timeout.
	if d := time.Since(start); d < 40*time.Millisecond || d > 5*time.Second {
		t.Errorf("second Open gave up after %v, want about the 100ms lock timeout", d)
	}
}

func TestOpenAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	j := batch.Job{Name: "kept"}
	if err := st.CreateJob(t.Context(), &j); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetJob(t.Context(), j.ID); err == nil {
		t.Error("GetJob after Close succeeded")
	}
	st = mustOpenPath(t, path, &bolt.Options{LockTimeout: 100 * time.Millisecond})
	got, err := st.GetJob(t.Context(), j.ID)
	if err != nil || got.Name != "kept" {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := bolt.Open(dir, nil); err == nil {
		t.Error("Open of a directory succeeded")
	}
	if _, err := bolt.Open(filepath.Join(dir, "missing", "state.db"), nil); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
}

// The IDs are the documented j000001 form, and only the canonical spelling
// finds a job.
func TestJobIDs(t *testing.T) {
	st := mustOpen(t, &bolt.Options{NoSync: true})
	var ids []string
	for range 3 {
		j := batch.Job{}
		if err := st.CreateJob(t.Context(), &j); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	if want := []string{"j000001", "j000002", "j000003"}; strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("IDs = %v, want %v", ids, want)
	}
	for _, id := range []string{"j1", "j0000001", "j+00001", "J000001", "j00000x", "n000001"} {
		if _, err := st.GetJob(t.Context(), id); !errors.Is(err, batch.ErrNotFound) {
			t.Errorf("GetJob(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

func BenchmarkStore(b *testing.B) {
	b.Run("fsync", func(b *testing.B) {
		storetest.Benchmark(b, func(b *testing.B) batch.Store { return mustOpen(b, nil) })
	})
	b.Run("nosync", func(b *testing.B) {
		storetest.Benchmark(b, func(b *testing.B) batch.Store { return mustOpen(b, &bolt.Options{NoSync: true}) })
	})
}
