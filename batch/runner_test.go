package batch_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/font"
)

const (
	sampleTemplate = "../testdata/sample/postcard-9x6.json"
	sampleMapping  = "../testdata/sample/postcard-9x6.mapping.json"
	sampleCSV      = "../testdata/sample/recipients.csv"
	sampleBad      = "../testdata/sample/recipients.bad.txt"
	corpusFonts    = "../testdata/corpus/fonts.json"
)

var (
	fontsOnce sync.Once
	fonts     *font.Registry
	fontsErr  error
)

// sampleFonts loads the corpus fonts once, or skips the test.
func sampleFonts(tb testing.TB) *font.Registry {
	tb.Helper()
	fontsOnce.Do(func() { fonts, fontsErr = font.LoadManifest(corpusFonts) })
	if fontsErr != nil {
		tb.Skipf("corpus fonts not installed (make fonts): %v", fontsErr)
	}
	return fonts
}

// mustRead reads a file or fails.
func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// openStore opens a bbolt store in a fresh folder (NoSync: a crash of the
// test process is all these tests survive).
func openStore(tb testing.TB) *bolt.Store {
	tb.Helper()
	st, err := bolt.Open(filepath.Join(tb.TempDir(), "state.db"), &bolt.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// sampleSpec is the sample postcard at scale with options changed by edit.
func sampleSpec(tb testing.TB, scale float64, edit func(*batch.Spec)) batch.Spec {
	tb.Helper()
	s := batch.Spec{
		Template: mustRead(tb, sampleTemplate),
		Width:    864, Height: 576,
		Mapping: mustRead(tb, sampleMapping),
		Options: batch.Options{Scale: scale},
	}
	if edit != nil {
		edit(&s)
	}
	return s
}

// sampleRows returns the sample CSV with its data rows (as written,
// malformed ones included) repeated to n rows; n <= 0 returns it as it is.
func sampleRows(tb testing.TB, n int) []byte {
	tb.Helper()
	src := mustRead(tb, sampleCSV)
	if n <= 0 {
		return src
	}
	rd, err := batch.NewReader(bytes.NewReader(src), batch.ReaderOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	var starts []int // the line each row starts on
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		var re *batch.RowError
		switch {
		case errors.As(err, &re):
			starts = append(starts, re.Line)
		case err != nil:
			tb.Fatal(err)
		default:
			starts = append(starts, rec.Line)
		}
	}
	lines := strings.SplitAfter(string(src), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	rows := make([]string, len(starts))
	for i, l := range starts {
		end := len(lines) + 1
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		rows[i] = strings.Join(lines[l-1:end-1], "")
		if !strings.HasSuffix(rows[i], "\n") {
			rows[i] += "\n"
		}
	}
	var b bytes.Buffer
	b.WriteString(strings.Join(lines[:starts[0]-1], ""))
	for i := range n {
		b.WriteString(rows[i%len(rows)])
	}
	return b.Bytes()
}

// goodRows is n rows of the sample, none of them bad: the rows whose line
// is not in recipients.bad.txt, repeated.
func goodRows(tb testing.TB, n int) []byte {
	tb.Helper()
	bad := badLines(tb)
	rd, err := batch.NewReader(bytes.NewReader(mustRead(tb, sampleCSV)), batch.ReaderOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	var good [][]string
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil || bad[rec.Line] {
			continue
		}
		good = append(good, rec.Values)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(rd.Header())
	for i := range n {
		w.Write(good[i%len(good)])
	}
	w.Flush()
	return b.Bytes()
}

// badLines reads the CSV lines of the sample's bad rows.
func badLines(tb testing.TB) map[int]bool {
	tb.Helper()
	out := map[int]bool{}
	for l := range strings.Lines(string(mustRead(tb, sampleBad))) {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			tb.Fatalf("%s: %q", sampleBad, l)
		}
		out[n] = true
	}
	return out
}

// newJob creates a job from spec and CSV text, ingested and sealed.
func newJob(tb testing.TB, st batch.Store, name string, spec batch.Spec, csvText []byte, edit func(*batch.Job)) batch.Job {
	tb.Helper()
	ctx := context.Background()
	c, err := spec.Compile(nil, 0)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := json.Marshal(c.Spec)
	if err != nil {
		tb.Fatal(err)
	}
	j := &batch.Job{Name: name, Spec: raw}
	if edit != nil {
		edit(j)
	}
	if err := st.CreateJob(ctx, j); err != nil {
		tb.Fatal(err)
	}
	if _, err := batch.Ingest(ctx, st, j.ID, c, bytes.NewReader(csvText)); err != nil {
		tb.Fatal(err)
	}
	got, err := st.GetJob(ctx, j.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return got
}

// testLogger logs the runner to the test log at warning level and above.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newRunner is a runner over st writing under out, quick to react.
func newRunner(tb testing.TB, st batch.Store, out string) *batch.Runner {
	tb.Helper()
	return &batch.Runner{
		Store:     st,
		Render:    render.Options{Fonts: sampleFonts(tb)},
		OutputDir: out,
		Workers:   2,
		ChunkSize: 8,
		Lease:     2 * time.Second,
		Poll:      50 * time.Millisecond,
		Backoff:   func(int) time.Duration { return 10 * time.Millisecond },
		Grace:     5 * time.Second,
		Logger:    testLogger(tb),
	}
}

// start runs r until the returned stop is called (or the test ends); stop
// waits for Run to return and returns how long that took.
func start(tb testing.TB, r *batch.Runner) (stop func() time.Duration) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	var took time.Duration
	stop = func() time.Duration {
		once.Do(func() {
			t0 := time.Now()
			cancel()
			select {
			case err := <-done:
				if err != nil {
					tb.Errorf("Run: %v", err)
				}
			case <-time.After(time.Minute):
				tb.Errorf("Run did not return within a minute of its context ending")
			}
			took = time.Since(t0)
		})
		return took
	}
	tb.Cleanup(func() { stop() })
	return stop
}

// waitJob polls the job until cond holds, failing after timeout.
func waitJob(tb testing.TB, st batch.Store, id string, timeout time.Duration, what string, cond func(batch.Job) bool) batch.Job {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		j, err := st.GetJob(context.Background(), id)
		if err != nil {
			tb.Fatalf("waiting for job %s to be %s: %v", id, what, err)
		}
		if cond(j) {
			return j
		}
		if time.Now().After(deadline) {
			tb.Fatalf("job %s is not %s after %v: %s, %d done, %d failed of %d", id, what, timeout, j.State, j.Done, j.Failed, j.Total)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func terminal(j batch.Job) bool { return j.State.Terminal() }

func recipients(tb testing.TB, st batch.Store, id string, states ...batch.RecipientState) []batch.Recipient {
	tb.Helper()
	rs, err := st.Recipients(context.Background(), id, batch.RecipientFilter{States: states})
	if err != nil {
		tb.Fatal(err)
	}
	return rs
}

// checkOutputs checks a finished job's ZIP against the store: one entry
// per done recipient with its piece's bytes (each a PNG when png is set),
// and a manifest row for every done or failed recipient that agrees with
// the store. It also checks that no temporary file is left.
func checkOutputs(tb testing.TB, st batch.Store, out string, j batch.Job, isPNG bool) {
	tb.Helper()
	zipPath, _, err := batch.Outputs(out, j)
	if err != nil || zipPath == "" {
		tb.Fatalf("Outputs(%s) = %q, %v", j.ID, zipPath, err)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	entries := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatalf("%s: %v", f.Name, err)
		}
		if _, dup := entries[f.Name]; dup {
			tb.Errorf("ZIP entry %s twice", f.Name)
		}
		entries[f.Name] = b
	}
	man, ok := entries[batch.ManifestName]
	if !ok {
		tb.Fatal("no manifest in the ZIP")
	}
	delete(entries, batch.ManifestName)
	rows, err := csv.NewReader(bytes.NewReader(man)).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], []string{"row", "line", "status", "file", "error"}) {
		tb.Fatalf("manifest header %v", rows[:min(1, len(rows))])
	}
	rows = rows[1:]
	rs := recipients(tb, st, j.ID, batch.RecipientDone, batch.RecipientFailed)
	if len(rows) != len(rs) {
		tb.Errorf("manifest has %d rows, the store %d done or failed recipients", len(rows), len(rs))
	}
	done := 0
	for i, r := range rs {
		if i >= len(rows) {
			break
		}
		m := rows[i]
		want := []string{strconv.Itoa(r.Row), strconv.Itoa(r.Line), string(r.State), "", ""}
		if r.State == batch.RecipientDone {
			done++
			want[3] = filepath.Base(r.Output)
			data, ok := entries[want[3]]
			if !ok {
				tb.Errorf("row %d: %s not in the ZIP", r.Row, want[3])
			} else {
				disk, err := os.ReadFile(filepath.Join(batch.JobDir(out, j.ID), r.Output))
				if err != nil || !bytes.Equal(disk, data) {
					tb.Errorf("row %d: ZIP entry differs from %s (%v)", r.Row, r.Output, err)
				}
				if isPNG {
					if _, err := png.Decode(bytes.NewReader(data)); err != nil {
						tb.Errorf("row %d: %s does not decode: %v", r.Row, want[3], err)
					}
				}
			}
		} else {
			want[4] = strings.Join(strings.Fields(r.LastError), " ")
		}
		if !slices.Equal(m, want) {
			tb.Errorf("manifest row %v, store says %v", m, want)
		}
	}
	if len(entries) != done {
		tb.Errorf("ZIP has %d pieces, the store %d done recipients", len(entries), done)
	}
	checkNoTemp(tb, out)
}

// checkNoTemp fails when a temporary file is left under dir.
func checkNoTemp(tb testing.TB, dir string) {
	tb.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if strings.HasSuffix(name, ".tmp") || strings.HasPrefix(name, ".merge") {
			tb.Errorf("temporary file left: %s", path)
		}
		return nil
	})
}

// TestRunnerSample renders the sample batch (500 rows, 6 bad) through a
// runner and a bbolt store, and checks the job, its recipients, its ZIP
// and manifest, its progress and its notifications.
func TestRunnerSample(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	spec := sampleSpec(t, 0.1, func(s *batch.Spec) {
		s.Options.NotifyEmail = "ops@example.com"
		s.Options.WebhookURL = "https://hooks.example.com/fp"
	})
	j := newJob(t, st, "Spring mailing", spec, sampleRows(t, 0), nil)
	r := newRunner(t, st, out)
	if raceEnabled {
		batch.SetPieceHook(r, quickPiece)
	}
	began := time.Now()
	stop := start(t, r)
	j = waitJob(t, st, j.ID, 2*3*time.Minute, "finished", terminal)
	took := time.Since(began)
	stop()

	bad := badLines(t)
	if j.State != batch.JobCompletedWithErrors || j.Total != 500 || j.Failed != len(bad) || j.Done != 500-len(bad) {
		t.Fatalf("job: %s, %d done, %d failed of %d; want completed_with_errors, %d failed of 500", j.State, j.Done, j.Failed, j.Total, len(bad))
	}
	if j.StartedAt.IsZero() || j.FinishedAt.Before(j.StartedAt) {
		t.Errorf("times: started %v finished %v", j.StartedAt, j.FinishedAt)
	}
	for _, f := range recipients(t, st, j.ID, batch.RecipientFailed) {
		if !bad[f.Line] || !f.Permanent || f.LastError == "" || strings.ContainsAny(f.LastError, "\r\n") {
			t.Errorf("failed row %d (line %d): permanent %t, %q", f.Row, f.Line, f.Permanent, f.LastError)
		}
		if f.Attempts > 1 {
			t.Errorf("row %d: a permanent failure was tried %d times", f.Row, f.Attempts)
		}
	}
	for _, d := range recipients(t, st, j.ID, batch.RecipientDone) {
		want := batch.PieceName(d.Row, 4, d.Name, ".png")
		if d.Output != "pieces/"+want || d.Attempts != 1 {
			t.Errorf("row %d: output %q attempts %d, want pieces/%s once", d.Row, d.Output, d.Attempts, want)
		}
	}
	checkOutputs(t, st, out, j, true)
	zipPath, merged, _ := batch.Outputs(out, j)
	if filepath.Base(zipPath) != "spring-mailing.zip" || len(merged) != 0 {
		t.Errorf("Outputs = %s, %v", zipPath, merged)
	}

	p, err := st.Progress(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.State != batch.JobCompletedWithErrors || p.Done != j.Done || p.Failed != j.Failed || p.Total != 500 || p.Rate <= 0 || p.StartedAt.IsZero() {
		t.Errorf("final progress: %+v", p)
	}

	notes, err := st.Notifications(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var final []batch.Notification
	progress := 0
	for _, n := range notes {
		switch {
		case n.Event == batch.EventJobCompleted:
			final = append(final, n)
		case n.Event == batch.EventJobProgress && n.Channel == batch.ChannelWebhook:
			progress++
			var rep batch.Report
			if err := json.Unmarshal(n.Payload, &rep); err != nil || rep.Progress == nil || rep.URL == "" || rep.JobID != j.ID {
				t.Errorf("job.progress payload %s (%v)", n.Payload, err)
			}
		default:
			t.Errorf("unexpected notification %s %s", n.Channel, n.Event)
		}
	}
	if most := 1 + int(took/(10*time.Second)); progress < 1 || progress > most {
		t.Errorf("%d job.progress webhooks in %v, want 1 to %d (one per 10 s)", progress, took, most)
	}
	if len(final) != 2 {
		t.Fatalf("%d job.completed notifications, want an email and a webhook", len(final))
	}
	for _, n := range final {
		var rep batch.Report
		if err := json.Unmarshal(n.Payload, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.JobID != j.ID || rep.Name != "Spring mailing" || rep.State != batch.JobCompletedWithErrors || rep.Done != j.Done ||
			rep.Failed != j.Failed || rep.Total != 500 || len(rep.Failures) != len(bad) || rep.Duration <= 0 ||
			!slices.Equal(rep.Files, []string{"spring-mailing.zip"}) {
			t.Errorf("%s payload: %s", n.Channel, n.Payload)
		}
		switch n.Channel {
		case batch.ChannelEmail:
			if rep.To != "ops@example.com" {
				t.Errorf("email to %q", rep.To)
			}
		case batch.ChannelWebhook:
			if rep.URL != "https://hooks.example.com/fp" {
				t.Errorf("webhook url %q", rep.URL)
			}
		}
		for _, f := range rep.Failures {
			if !bad[f.Line] || f.Error == "" {
				t.Errorf("failure in the report: %+v", f)
			}
		}
	}
}

// slowPiece is a piece hook that takes d per piece (returning early when
// its context ends) and counts renders per row. Under the race detector it
// renders stand-in pieces (quickPiece).
type slowPiece struct {
	d      time.Duration
	mu     sync.Mutex
	counts map[int]int
	fail   func(rec batch.Recipient) error // optional injected failure
}

func (s *slowPiece) piece(ctx context.Context, t *batch.Template, rec batch.Recipient) (*batch.Piece, error) {
	if s.d > 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(s.d):
		}
	}
	if s.fail != nil {
		if err := s.fail(rec); err != nil {
			return nil, err
		}
	}
	var p *batch.Piece
	var err error
	if raceEnabled {
		p, err = quickPiece(ctx, t, rec)
	} else {
		p, err = t.Piece(ctx, rec.Fields)
	}
	if err == nil {
		s.mu.Lock()
		if s.counts == nil {
			s.counts = map[int]int{}
		}
		s.counts[rec.Row]++
		s.mu.Unlock()
	}
	return p, err
}

func (s *slowPiece) renders() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps(s.counts)
}

func maps(m map[int]int) map[int]int {
	out := make(map[int]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestRunnerFairness starts a 1,000-piece job, then a 20-piece one: the
// small job must not wait behind the big one.
func TestRunnerFairness(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	spec := sampleSpec(t, 0.05, nil)
	big := newJob(t, st, "big", spec, goodRows(t, 1000), nil)
	r := newRunner(t, st, out)
	if raceEnabled {
		batch.SetPieceHook(r, quickPiece)
	}
	stop := start(t, r)
	waitJob(t, st, big.ID, 3*time.Minute, "under way", func(j batch.Job) bool { return j.Done >= 50 })
	small := newJob(t, st, "small", spec, goodRows(t, 20), nil)
	sm := waitJob(t, st, small.ID, 3*time.Minute, "finished", terminal)
	b, err := st.GetJob(context.Background(), big.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("small job finished with the big one at %d/%d", b.Done, b.Total)
	if sm.State != batch.JobCompleted || sm.Done != 20 {
		t.Errorf("small job: %s, %d done", sm.State, sm.Done)
	}
	// Round-robin per piece: the small job's 20 pieces cost the big one
	// about 20 more; allow for the chunks claimed ahead.
	if b.State != batch.JobRunning || b.Done > 50+200 {
		t.Errorf("the small job finished only when the big one was %s at %d/%d", b.State, b.Done, b.Total)
	}
	b = waitJob(t, st, big.ID, 2*3*time.Minute, "finished", terminal)
	stop()
	if b.State != batch.JobCompleted || b.Done != 1000 {
		t.Errorf("big job: %s, %d done", b.State, b.Done)
	}
	if !sm.FinishedAt.Before(b.FinishedAt) {
		t.Errorf("small finished at %v, big at %v", sm.FinishedAt, b.FinishedAt)
	}
}

// TestRunnerCancel cancels a running job: it is cancelled within a second,
// keeps its done pieces, and neither the runner nor its retries render
// anything for it afterwards.
func TestRunnerCancel(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	spec := sampleSpec(t, 0.05, func(s *batch.Spec) { s.Options.NotifyEmail = "ops@example.com" })
	j := newJob(t, st, "", spec, goodRows(t, 300), nil)
	hook := &slowPiece{d: 20 * time.Millisecond, fail: func(rec batch.Recipient) error {
		if rec.Row%7 == 0 {
			return batch.Transient(errors.New("image host timed out"))
		}
		return nil
	}}
	r := newRunner(t, st, out)
	r.Backoff = func(int) time.Duration { return 300 * time.Millisecond }
	batch.SetPieceHook(r, hook.piece)
	stop := start(t, r)
	waitJob(t, st, j.ID, 3*time.Minute, "under way", func(j batch.Job) bool { return j.Done >= 20 })

	t0 := time.Now()
	if err := batch.Cancel(context.Background(), st, j.ID); err != nil {
		t.Fatal(err)
	}
	c := waitJob(t, st, j.ID, 5*time.Second, "cancelled", func(j batch.Job) bool { return j.State == batch.JobCancelled })
	latency := time.Since(t0)
	t.Logf("cancelled in %v with %d done", latency, c.Done)
	if latency > time.Second {
		t.Errorf("cancel took %v, want under a second", latency)
	}
	if c.Done < 20 || c.Done == c.Total || !c.CancelRequested || c.FinishedAt.IsZero() {
		t.Errorf("cancelled job: %d done of %d, cancel requested %t, finished %v", c.Done, c.Total, c.CancelRequested, c.FinishedAt)
	}

	// The notification comes after the ZIP of what was done.
	deadline := time.Now().Add(10 * time.Second)
	for {
		notes, err := st.Notifications(context.Background(), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) == 1 && notes[0].Event == batch.EventJobCancelled && notes[0].Channel == batch.ChannelEmail {
			var rep batch.Report
			json.Unmarshal(notes[0].Payload, &rep)
			if rep.State != batch.JobCancelled || rep.Done != c.Done || len(rep.Files) != 1 || rep.To != "ops@example.com" {
				t.Errorf("job.cancelled payload %s", notes[0].Payload)
			}
			break
		}
		if len(notes) > 1 || time.Now().After(deadline) {
			t.Fatalf("notifications after the cancel: %+v", notes)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Retries were due 300 ms after their failure: wait past them.
	time.Sleep(600 * time.Millisecond)
	after := hook.renders()
	again := waitJob(t, st, j.ID, time.Second, "still cancelled", func(j batch.Job) bool { return true })
	if again.State != batch.JobCancelled || again.Done != c.Done || again.Failed != c.Failed {
		t.Errorf("after cancel: %s, %d done (was %d)", again.State, again.Done, c.Done)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(hook.renders()); n != len(after) {
		t.Errorf("%d pieces rendered after the cancel settled", n-len(after))
	}
	if stop() > 2*time.Second {
		t.Errorf("stopping the runner took long")
	}
	for _, d := range recipients(t, st, j.ID, batch.RecipientDone) {
		if _, err := os.Stat(filepath.Join(batch.JobDir(out, j.ID), d.Output)); err != nil {
			t.Errorf("done row %d lost its piece: %v", d.Row, err)
		}
	}
	for _, p := range recipients(t, st, j.ID, batch.RecipientPending) {
		if p.LeaseOwner != "" && p.LeaseUntil.After(time.Now()) {
			t.Errorf("row %d still leased by %s", p.Row, p.LeaseOwner)
		}
	}
	checkOutputs(t, st, out, again, true)

	// A restarted runner leaves the cancelled job alone.
	r2 := newRunner(t, st, out)
	batch.SetPieceHook(r2, hook.piece)
	stop2 := start(t, r2)
	time.Sleep(200 * time.Millisecond)
	stop2()
	if n := len(hook.renders()); n != len(after) {
		t.Errorf("a new runner rendered %d pieces of a cancelled job", n-len(after))
	}

	// Cancelling again is refused; a queued job is cancelled at once.
	if err := batch.Cancel(context.Background(), st, j.ID); !errors.Is(err, batch.ErrBadTransition) {
		t.Errorf("Cancel of a cancelled job: %v, want ErrBadTransition", err)
	}
	q := newJob(t, st, "", sampleSpec(t, 0.05, nil), goodRows(t, 3), nil)
	if err := batch.Cancel(context.Background(), st, q.ID); err != nil {
		t.Fatal(err)
	}
	if q, _ = st.GetJob(context.Background(), q.ID); q.State != batch.JobCancelled {
		t.Errorf("queued job after Cancel: %s", q.State)
	}
	if err := batch.Cancel(context.Background(), st, "j999999"); !errors.Is(err, batch.ErrNotFound) {
		t.Errorf("Cancel of a missing job: %v", err)
	}
}

// TestRunnerGracefulShutdown stops a runner with pieces in flight: they
// finish and are committed, the claimed rows not started are given back,
// and the job stays running for the next runner.
func TestRunnerGracefulShutdown(t *testing.T) {
	t.Run("InGrace", func(t *testing.T) {
		st := openStore(t)
		out := t.TempDir()
		j := newJob(t, st, "", sampleSpec(t, 0.05, nil), goodRows(t, 100), nil)
		hook := &slowPiece{d: 150 * time.Millisecond}
		r := newRunner(t, st, out)
		batch.SetPieceHook(r, hook.piece)
		stop := start(t, r)
		waitJob(t, st, j.ID, 3*time.Minute, "under way", func(j batch.Job) bool { return j.Done >= 4 })
		time.Sleep(50 * time.Millisecond) // pieces in flight
		took := stop()
		j = waitJob(t, st, j.ID, time.Second, "stopped", func(batch.Job) bool { return true })
		rendered := hook.renders()
		t.Logf("stopped in %v: %d rendered, %d done", took, len(rendered), j.Done)
		if j.State != batch.JobRunning {
			t.Errorf("job after shutdown is %s, want running", j.State)
		}
		if j.Done != len(rendered) {
			t.Errorf("%d pieces rendered, %d committed: in-flight work was lost", len(rendered), j.Done)
		}
		for _, p := range recipients(t, st, j.ID, batch.RecipientPending) {
			if p.LeaseOwner != "" || p.Attempts != 0 {
				t.Errorf("row %d after shutdown: lease %q until %v, %d attempts", p.Row, p.LeaseOwner, p.LeaseUntil, p.Attempts)
			}
		}
		checkNoTemp(t, out)
	})
	t.Run("GraceRunsOut", func(t *testing.T) {
		st := openStore(t)
		out := t.TempDir()
		j := newJob(t, st, "", sampleSpec(t, 0.05, nil), goodRows(t, 50), nil)
		var started atomic.Int32
		r := newRunner(t, st, out)
		r.Grace = 200 * time.Millisecond
		batch.SetPieceHook(r, func(ctx context.Context, _ *batch.Template, _ batch.Recipient) (*batch.Piece, error) {
			started.Add(1)
			<-ctx.Done() // a piece that never finishes by itself
			return nil, ctx.Err()
		})
		stop := start(t, r)
		for started.Load() < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		took := stop()
		if took < 200*time.Millisecond || took > 2*time.Second {
			t.Errorf("shutdown took %v with a grace of 200ms", took)
		}
		j = waitJob(t, st, j.ID, time.Second, "stopped", func(batch.Job) bool { return true })
		if j.State != batch.JobRunning || j.Done != 0 || j.Failed != 0 {
			t.Errorf("job: %s %d done %d failed", j.State, j.Done, j.Failed)
		}
		for _, p := range recipients(t, st, j.ID, batch.RecipientPending) {
			if p.LeaseOwner != "" || p.Attempts != 0 || p.LastError != "" {
				t.Errorf("row %d: cut short by the shutdown but %+v", p.Row, p)
			}
		}
	})
}

// TestRunnerResume stops a runner between chunk commits and lets another
// one, on the same store, finish the job: every piece exactly once.
func TestRunnerResume(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	j := newJob(t, st, "", sampleSpec(t, 0.05, nil), goodRows(t, 200), nil)
	hook := &slowPiece{d: 2 * time.Millisecond}
	r1 := newRunner(t, st, out)
	r1.ID = "first"
	batch.SetPieceHook(r1, hook.piece)
	stop1 := start(t, r1)
	waitJob(t, st, j.ID, 3*time.Minute, "under way", func(j batch.Job) bool { return j.Done >= 40 })
	stop1()
	mid := waitJob(t, st, j.ID, time.Second, "stopped", func(batch.Job) bool { return true })
	if mid.State != batch.JobRunning || mid.Done == mid.Total {
		t.Fatalf("after the first runner: %s %d/%d", mid.State, mid.Done, mid.Total)
	}
	// A piece file whose commit never came, and a temporary file of a
	// piece being written, as a crash leaves them.
	pending := recipients(t, st, j.ID, batch.RecipientPending)
	dir := filepath.Join(batch.JobDir(out, j.ID), "pieces")
	stray := filepath.Join(dir, batch.PieceName(pending[0].Row, 4, pending[0].Name, ".png"))
	os.WriteFile(stray, []byte("half a piece"), 0o644)
	os.WriteFile(filepath.Join(dir, ".0999-x.png.123.tmp"), []byte("partial"), 0o644)

	r2 := newRunner(t, st, out)
	r2.ID = "second"
	batch.SetPieceHook(r2, hook.piece)
	stop2 := start(t, r2)
	j = waitJob(t, st, j.ID, 3*time.Minute, "finished", terminal)
	stop2()
	if j.State != batch.JobCompleted || j.Done != 200 {
		t.Fatalf("job: %s %d done", j.State, j.Done)
	}
	for row, n := range hook.renders() {
		if n != 1 {
			t.Errorf("row %d rendered %d times", row, n)
		}
	}
	if n := len(hook.renders()); n != 200 {
		t.Errorf("%d rows rendered, want 200", n)
	}
	if b, _ := os.ReadFile(stray); string(b) == "half a piece" {
		t.Errorf("the stray piece was not rendered again")
	}
	checkOutputs(t, st, out, j, true)
}

// TestRunnerReclaimsExpiredLeases: rows leased by a runner that died are
// rendered once its lease expires.
func TestRunnerReclaimsExpiredLeases(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	ctx := context.Background()
	j := newJob(t, st, "", sampleSpec(t, 0.05, nil), goodRows(t, 30), nil)
	if err := st.UpdateJob(ctx, j.ID, func(j *batch.Job) error { j.State = batch.JobRunning; return nil }); err != nil {
		t.Fatal(err)
	}
	dead, err := st.ClaimRecipients(ctx, j.ID, "dead-runner", 10, 300*time.Millisecond, time.Now())
	if err != nil || len(dead) != 10 {
		t.Fatalf("claim: %d, %v", len(dead), err)
	}
	r := newRunner(t, st, out)
	start(t, r)
	j = waitJob(t, st, j.ID, 3*time.Minute, "finished", terminal)
	if j.State != batch.JobCompleted || j.Done != 30 {
		t.Errorf("job: %s %d done", j.State, j.Done)
	}
}

// stealingStore loses the lease of the first chunk the runner renews.
type stealingStore struct {
	batch.Store
	stole atomic.Bool
}

func (s *stealingStore) RenewLease(ctx context.Context, jobID, runner string, rows []int, lease time.Duration, now time.Time) error {
	if s.stole.CompareAndSwap(false, true) {
		return fmt.Errorf("job %s: %w", jobID, batch.ErrLeaseLost)
	}
	return s.Store.RenewLease(ctx, jobID, runner, rows, lease, now)
}

// TestRunnerLeaseLost: a chunk whose lease is lost is dropped without a
// commit and rendered again later, once.
func TestRunnerLeaseLost(t *testing.T) {
	st := &stealingStore{Store: openStore(t)}
	out := t.TempDir()
	j := newJob(t, st, "", sampleSpec(t, 0.05, nil), goodRows(t, 24), nil)
	hook := &slowPiece{d: 60 * time.Millisecond}
	r := newRunner(t, st, out)
	r.Lease = 150 * time.Millisecond
	batch.SetPieceHook(r, hook.piece)
	start(t, r)
	j = waitJob(t, st, j.ID, 3*time.Minute, "finished", terminal)
	if !st.stole.Load() {
		t.Fatal("no lease was renewed")
	}
	if j.State != batch.JobCompleted || j.Done != 24 {
		t.Errorf("job: %s %d done", j.State, j.Done)
	}
	twice := 0
	for _, n := range hook.renders() {
		if n > 1 {
			twice++
		}
	}
	t.Logf("%d rows rendered again after the lost lease", twice)
	for _, d := range recipients(t, st, j.ID, batch.RecipientDone) {
		if d.Attempts != 1 {
			t.Errorf("row %d committed %d attempts", d.Row, d.Attempts)
		}
	}
	checkOutputs(t, st, out, j, true)
}

// TestRunnerSubscribe follows a job through Subscribe: the running state,
// progress at most 4 times a second, and the final state.
func TestRunnerSubscribe(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	j := newJob(t, st, "", sampleSpec(t, 0.05, nil), goodRows(t, 60), nil)
	other := newJob(t, st, "", sampleSpec(t, 0.05, nil), goodRows(t, 5), nil)
	r := newRunner(t, st, out)
	batch.SetPieceHook(r, (&slowPiece{d: 15 * time.Millisecond}).piece)
	events, unsubscribe := r.Subscribe(j.ID)
	all, unsubscribeAll := r.Subscribe("")
	defer unsubscribeAll()
	t0 := time.Now()
	start(t, r)

	var states []batch.JobState
	var progress []batch.Progress
	timeout := time.After(time.Minute)
	for len(states) == 0 || !states[len(states)-1].Terminal() {
		select {
		case ev := <-events:
			if ev.Job.ID != j.ID {
				t.Fatalf("event of job %s on a subscription to %s", ev.Job.ID, j.ID)
			}
			switch ev.Type {
			case batch.EventState:
				states = append(states, ev.Job.State)
			case batch.EventProgress:
				progress = append(progress, ev.Progress)
			default:
				t.Fatalf("event type %q", ev.Type)
			}
		case <-timeout:
			t.Fatalf("no final state: states %v, %d progress events", states, len(progress))
		}
	}
	el := time.Since(t0)
	if !slices.Equal(states, []batch.JobState{batch.JobRunning, batch.JobCompleted}) {
		t.Errorf("states %v", states)
	}
	if len(progress) < 2 {
		t.Fatalf("%d progress events", len(progress))
	}
	if max := int(el/(250*time.Millisecond)) + 3; len(progress) > max {
		t.Errorf("%d progress events in %v: more than 4 a second", len(progress), el)
	}
	last := 0
	sawRate, sawCurrent := false, false
	for _, p := range progress {
		if n := p.Done + p.Failed; n < last {
			t.Errorf("progress went back: %d after %d", n, last)
		} else {
			last = n
		}
		sawRate = sawRate || (p.Rate > 0 && p.ETA > 0)
		sawCurrent = sawCurrent || (p.CurrentRow > 0 && p.CurrentName != "")
		if p.Total != 60 || p.JobID != j.ID || p.StartedAt.IsZero() {
			t.Errorf("progress %+v", p)
		}
	}
	if !sawRate || !sawCurrent {
		t.Errorf("no progress event had a rate and ETA (%t) or a current recipient (%t)", sawRate, sawCurrent)
	}
	unsubscribe()
	if _, ok := <-events; ok {
		// Drain what was buffered; the channel must end closed.
		for range events {
		}
	}
	waitJob(t, st, other.ID, 3*time.Minute, "finished", terminal)
	seen := map[string]bool{}
	for len(all) > 0 {
		ev := <-all
		seen[ev.Job.ID] = true
	}
	if !seen[j.ID] || !seen[other.ID] {
		t.Errorf("the subscription to all jobs saw %v", seen)
	}
}

// TestRunnerBadSpec: a job whose spec does not compile fails as a whole.
func TestRunnerBadSpec(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	spec := sampleSpec(t, 0.05, func(s *batch.Spec) { s.Options.WebhookURL = "https://hooks.example.com/x" })
	j := newJob(t, st, "", spec, goodRows(t, 3), nil)
	// Spoil the stored template after ingest, as a bad migration would.
	ctx := context.Background()
	err := st.UpdateJob(ctx, j.ID, func(j *batch.Job) error {
		j.Spec = json.RawMessage(`{"template":{"objects":[{"type":"nonsense"}]},"width":10,"height":10,"options":{"webhookUrl":"https://hooks.example.com/x"}}`)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	start(t, newRunner(t, st, out))
	j = waitJob(t, st, j.ID, 10*time.Second, "finished", terminal)
	if j.State != batch.JobFailed || !strings.Contains(j.Error, "nonsense") {
		t.Errorf("job: %s %q", j.State, j.Error)
	}
	notes, _ := st.Notifications(ctx, j.ID)
	if len(notes) != 1 || notes[0].Event != batch.EventJobFailed || notes[0].Channel != batch.ChannelWebhook {
		t.Errorf("notifications: %+v", notes)
	}
}

// TestRunnerMergedPDF renders PDF pieces with merge: the merged PDFs hold
// a page for every done recipient, split at MaxPages, next to the ZIP of
// the pieces.
func TestRunnerMergedPDF(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	spec := sampleSpec(t, 1, func(s *batch.Spec) {
		s.Options.Format = batch.FormatPDF
		s.Options.Merge = true
		s.Options.MaxPages = 4
		s.Options.DPI = 72
	})
	rows := goodRows(t, 10)
	j := newJob(t, st, "Print run", spec, rows, nil)
	start(t, newRunner(t, st, out))
	j = waitJob(t, st, j.ID, 2*3*time.Minute, "finished", terminal)
	if j.State != batch.JobCompleted || j.Done != 10 {
		t.Fatalf("job: %s %d done %d failed", j.State, j.Done, j.Failed)
	}
	checkOutputs(t, st, out, j, false)
	zipPath, merged, err := batch.Outputs(out, j)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(zipPath) != "print-run.zip" || len(merged) != 3 {
		t.Fatalf("Outputs = %s, %d merged: %v", zipPath, len(merged), merged)
	}
	for i, m := range merged {
		if want := fmt.Sprintf("print-run-%04d.pdf", i+1); filepath.Base(m) != want {
			t.Errorf("merged file %d is %s, want %s", i, filepath.Base(m), want)
		}
		b := mustRead(t, m)
		if !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF", m)
		}
		want := []int{4, 4, 2}[i]
		if n := bytes.Count(b, []byte("/Type /Page\n")); n != want {
			t.Errorf("%s has %d pages, want %d", filepath.Base(m), n, want)
		}
	}
	// Pages follow the CSV: page k greets row k's recipient.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatalf("pdftotext (poppler-utils, make deps): %v", err)
	}
	recs, _ := csv.NewReader(bytes.NewReader(rows)).ReadAll()
	col := slices.Index(recs[0], "last_name")
	for k := range 10 {
		f := merged[k/4]
		page := strconv.Itoa(k%4 + 1)
		txt, err := exec.Command("pdftotext", "-f", page, "-l", page, f, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		if name := recs[k+1][col]; !strings.Contains(string(txt), name) {
			t.Errorf("merged page %d does not name row %d's %q:\n%s", k+1, k+1, name, txt)
		}
	}
	notes, _ := st.Notifications(context.Background(), j.ID)
	if len(notes) != 0 {
		t.Errorf("notifications without notifyEmail or webhookUrl: %d", len(notes))
	}
}

// TestDelete removes finished and queued jobs with their files, and
// refuses running ones.
func TestDelete(t *testing.T) {
	st := openStore(t)
	out := t.TempDir()
	ctx := context.Background()
	spec := sampleSpec(t, 0.05, nil)
	j := newJob(t, st, "", spec, goodRows(t, 5), nil)
	stop := start(t, newRunner(t, st, out))
	j = waitJob(t, st, j.ID, 3*time.Minute, "finished", terminal)
	stop()
	dir := batch.JobDir(out, j.ID)
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	if err := batch.Delete(ctx, st, out, j.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("job folder after Delete: %v", err)
	}
	if _, err := st.GetJob(ctx, j.ID); !errors.Is(err, batch.ErrNotFound) {
		t.Errorf("job after Delete: %v", err)
	}

	q := newJob(t, st, "", spec, goodRows(t, 5), nil)
	if err := batch.Delete(ctx, st, out, q.ID); err != nil {
		t.Errorf("Delete of a queued job: %v", err)
	}
	r := newJob(t, st, "", spec, goodRows(t, 5), nil)
	st.UpdateJob(ctx, r.ID, func(j *batch.Job) error { j.State = batch.JobRunning; return nil })
	if err := batch.Delete(ctx, st, out, r.ID); !errors.Is(err, batch.ErrConflict) {
		t.Errorf("Delete of a running job: %v, want ErrConflict", err)
	}
	if err := batch.Delete(ctx, st, out, "j999999"); !errors.Is(err, batch.ErrNotFound) {
		t.Errorf("Delete of a missing job: %v", err)
	}
	if _, _, err := batch.Outputs(out, r); !errors.Is(err, batch.ErrConflict) {
		t.Errorf("Outputs of a running job: %v", err)
	}
}

func TestJobDir(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{"j000001", "out/j000001"},
		{"../etc", "out/___etc"},
		{"a/b", "out/a_b"},
		{"", "out/_"},
	} {
		if got := batch.JobDir("out", tt.id); got != filepath.FromSlash(tt.want) {
			t.Errorf("JobDir(out, %q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}
