package batch

import (
	"testing"
	"time"
)

func TestTrackerRate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tr := newTracker(Job{ID: "j1", State: JobRunning, Total: 1000, Done: 100}, t0)
	if p := tr.snapshotLocked(t0); p.Rate != 0 || p.ETA != 0 || p.StartedAt != t0 {
		t.Errorf("at start: %+v", p)
	}
	// 10 pieces a second for a minute.
	for s := 1; s <= 60; s++ {
		tr.add(10, 0, t0.Add(time.Duration(s)*time.Second))
	}
	now := t0.Add(60 * time.Second)
	p := tr.snapshotLocked(now)
	if p.Done != 700 || p.Rate < 9.9 || p.Rate > 10.1 {
		t.Errorf("steady: done %d rate %.2f", p.Done, p.Rate)
	}
	if p.ETA < 29*time.Second || p.ETA > 31*time.Second {
		t.Errorf("ETA %v for 300 left at 10/s", p.ETA)
	}
	// The rate follows the last 30 s: 2 a second from now on.
	for s := 61; s <= 120; s++ {
		tr.add(1, 1, t0.Add(time.Duration(s)*time.Second))
	}
	p = tr.snapshotLocked(t0.Add(120 * time.Second))
	if p.Rate < 1.9 || p.Rate > 2.1 || p.Failed != 60 {
		t.Errorf("after slowing down: rate %.2f failed %d", p.Rate, p.Failed)
	}
	if n := len(tr.samples); n > 40 {
		t.Errorf("%d samples kept for a 30 s window at one a second", n)
	}
	// Nothing for a while: the rate falls to zero and the ETA is unknown.
	p = tr.snapshotLocked(t0.Add(10 * time.Minute))
	if p.Rate != 0 || p.ETA != 0 {
		t.Errorf("idle: rate %.2f ETA %v", p.Rate, p.ETA)
	}
	tr.current(42, "Ann Lee")
	if p := tr.snapshotLocked(now); p.CurrentRow != 42 || p.CurrentName != "Ann Lee" {
		t.Errorf("current: %d %q", p.CurrentRow, p.CurrentName)
	}
	f := tr.final(Job{ID: "j1", State: JobCompleted, Total: 1000, Done: 940, Failed: 60}, now)
	if f.State != JobCompleted || f.ETA != 0 || f.CurrentRow != 0 || f.Done != 940 {
		t.Errorf("final: %+v", f)
	}
}

func TestWritePiece(t *testing.T) {
	dir := t.TempDir()
	if err := writePiece(dir, "0001-ann.png", []byte("data")); err != nil {
		t.Fatal(err)
	}
	err := writePiece(dir+"/missing", "0002-bob.png", []byte("data"))
	if err == nil || Permanent(err) {
		t.Errorf("writing into a missing folder: %v (permanent %t), want a transient error", err, Permanent(err))
	}
	if isTemp("0001-ann.png") || !isTemp(".0001-ann.png.123.tmp") || !isTemp(".merge-99.pdf") || !isTemp(".merged-1.tmp") || isTemp(".hidden") {
		t.Error("isTemp")
	}
}
