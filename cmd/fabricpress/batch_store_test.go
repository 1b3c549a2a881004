package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
)

// storeJobs opens a store the command left and returns its jobs, newest
// first, with their recipients.
func storeJobs(t *testing.T, path string) ([]batch.Job, map[string][]batch.Recipient) {
	t.Helper()
	st, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	jobs, _, err := st.ListJobs(ctx, batch.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rs := map[string][]batch.Recipient{}
	for _, j := range jobs {
		if rs[j.ID], err = st.Recipients(ctx, j.ID, batch.RecipientFilter{}); err != nil {
			t.Fatal(err)
		}
	}
	return jobs, rs
}

// zipContents maps the entries of a ZIP to their bytes.
func zipContents(t *testing.T, path string) map[string][]byte {
	t.Helper()
	_, entries := zipManifest(t, path)
	out := map[string][]byte{}
	for name, f := range entries {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		out[name] = b.Bytes()
	}
	return out
}

// TestBatchStore runs a batch with -store: the ZIP holds the same entries
// and manifest as the batch without a store, and running the command again
// finds the finished job instead of rendering again.
func TestBatchStore(t *testing.T) {
	needFonts(t)
	dir := t.TempDir()
	csvPath := smallCSV(t, sampleHeader, 40) // line 38 is bad
	plain := filepath.Join(dir, "plain.zip")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), sampleArgs(csvPath, plain, "-scale", "0.1", "-workers", "2"), &stdout, &stderr); err != nil {
		t.Fatalf("batch: %v\n%s", err, stderr.String())
	}
	store := filepath.Join(dir, "state.db")
	out := filepath.Join(dir, "stored.zip")
	stdout.Reset()
	stderr.Reset()
	if err := run(context.Background(), sampleArgs(csvPath, out, "-scale", "0.1", "-workers", "2", "-store", store), &stdout, &stderr); err != nil {
		t.Fatalf("batch -store: %v\n%s", err, stderr.String())
	}
	summary := regexp.MustCompile(`^rendered 39 pieces, 1 failed, in [0-9.]+s \([0-9.]+ pieces/s\) -> ` + regexp.QuoteMeta(out) + "\n$")
	if !summary.MatchString(stdout.String()) {
		t.Errorf("summary %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), "40/40 (100%) (1 failed)") {
		t.Errorf("no final progress line:\n%s", stderr.String())
	}
	want, got := zipContents(t, plain), zipContents(t, out)
	for name, b := range want {
		if name == batch.ManifestName {
			continue
		}
		if !bytes.Equal(got[name], b) {
			t.Errorf("entry %s differs from the batch without a store", name)
		}
	}
	if len(got) != len(want) || !bytes.Equal(got[batch.ManifestName], want[batch.ManifestName]) {
		t.Errorf("entries %d, want %d; manifest:\n%s\nwant:\n%s", len(got), len(want), got[batch.ManifestName], want[batch.ManifestName])
	}
	if _, err := os.Stat(filepath.Join(dir, "state.jobs")); err != nil {
		t.Errorf("the job's folder: %v", err)
	}

	// Again: the finished job is found, its outputs copied again.
	again := filepath.Join(dir, "again.zip")
	stderr.Reset()
	stdout.Reset()
	if err := run(context.Background(), sampleArgs(csvPath, again, "-scale", "0.1", "-store", store), &stdout, &stderr); err != nil {
		t.Fatalf("batch -store again: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "finished already") {
		t.Errorf("second run did not find the job:\n%s", stderr.String())
	}
	if b1, b2 := mustReadFile(t, out), mustReadFile(t, again); !bytes.Equal(b1, b2) {
		t.Error("the second run's ZIP differs")
	}
	// Other options (and another CSV) make another job, here written
	// to a folder.
	small := smallCSV(t, sampleHeader, 5)
	if err := run(context.Background(), sampleArgs(small, filepath.Join(dir, "jpeg"), "-scale", "0.1", "-format", "jpeg", "-store", store), &stdout, &stderr); err != nil {
		t.Fatalf("batch -store -format jpeg: %v\n%s", err, stderr.String())
	}
	jobs, _ := storeJobs(t, store)
	if len(jobs) != 2 {
		t.Fatalf("%d jobs in the store, want 2", len(jobs))
	}
	ents, err := os.ReadDir(filepath.Join(dir, "jpeg"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 6 || !slices.ContainsFunc(ents, func(e os.DirEntry) bool { return e.Name() == "0001-jose-muller-lukasiewicz.jpg" }) {
		t.Errorf("folder output: %d files", len(ents))
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBatchStoreResume interrupts a batch with -store, as Ctrl-C does, and
// runs it again: it continues where it stopped, and every row is rendered
// and committed exactly once.
func TestBatchStoreResume(t *testing.T) {
	needFonts(t)
	dir := t.TempDir()
	csvPath := smallCSV(t, sampleHeader, 120) // 119 rows: one spans two lines
	store := filepath.Join(dir, "state.db")
	out := filepath.Join(dir, "out.zip")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := batchConfig{
		template: sample, width: 864, height: 576, scale: 0.1, csv: csvPath, mapping: sampleMapping,
		fonts: corpusFonts, workers: 2, format: batch.FormatPNG, quality: 90, nameFields: "first_name,last_name",
		out: out, progressEvery: time.Hour, store: store,
		storeHook: func(done int) {
			if done >= 20 {
				cancel()
			}
		},
	}
	var stdout, stderr bytes.Buffer
	err := batchFromConfig(ctx, cfg, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "run the same command again") || exitCode(err) != 130 {
		t.Fatalf("err = %v (exit %d), want an interruption", err, exitCode(err))
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an interrupted resumable batch wrote %s: %v", out, err)
	}
	jobs, rs := storeJobs(t, store)
	if len(jobs) != 1 || jobs[0].State != batch.JobRunning || jobs[0].Done < 20 || jobs[0].Done >= jobs[0].Total-1 {
		t.Fatalf("after the interrupt: %d jobs, %s %d/%d", len(jobs), jobs[0].State, jobs[0].Done, jobs[0].Total)
	}
	firstDone := jobs[0].Done
	for _, r := range rs[jobs[0].ID] {
		if r.State == batch.RecipientPending && (r.LeaseOwner != "" || r.Attempts != 0) {
			t.Errorf("row %d after the interrupt: %+v", r.Row, r)
		}
	}

	cfg.storeHook = nil
	stderr.Reset()
	if err := batchFromConfig(context.Background(), cfg, &stdout, &stderr); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "resuming job") {
		t.Errorf("no resume message:\n%s", stderr.String())
	}
	jobs, rs = storeJobs(t, store)
	j := jobs[0]
	if len(jobs) != 1 || j.State != batch.JobCompletedWithErrors || j.Done != j.Total-1 || j.Failed != 1 {
		t.Fatalf("after the resume: %d jobs, %s %d done %d failed of %d", len(jobs), j.State, j.Done, j.Failed, j.Total)
	}
	t.Logf("interrupted at %d done, resumed to %d", firstDone, jobs[0].Done)
	for _, r := range rs[jobs[0].ID] {
		if r.Attempts != 1 && !(r.State == batch.RecipientFailed && r.Attempts == 0) {
			t.Errorf("row %d: %s after %d attempts", r.Row, r.State, r.Attempts)
		}
	}
	rows, entries := zipManifest(t, out)
	if len(rows) != j.Total || len(entries) != j.Done+1 {
		t.Errorf("ZIP: %d manifest rows, %d entries for %d rows", len(rows), len(entries), j.Total)
	}
}

// batchFromConfig runs the command from a prepared config, as batchCmd
// does after parsing flags.
func batchFromConfig(ctx context.Context, cfg batchConfig, stdout, stderr *bytes.Buffer) error {
	if cfg.store != "" {
		return runStoreBatch(ctx, cfg, stdout, stderr)
	}
	return runBatch(ctx, cfg, stdout, stderr)
}

// TestBatchStoreMergedPDF: with -format pdf -merge, the output holds the
// merged PDFs and the manifest, as without a store.
func TestBatchStoreMergedPDF(t *testing.T) {
	needFonts(t)
	dir := t.TempDir()
	csvPath := smallCSV(t, sampleHeader, 5)
	out := filepath.Join(dir, "print.zip")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), sampleArgs(csvPath, out, "-format", "pdf", "-merge", "-max-pages", "2", "-dpi", "72",
		"-store", filepath.Join(dir, "s.db")), &stdout, &stderr)
	if err != nil {
		t.Fatalf("batch: %v\n%s", err, stderr.String())
	}
	rows, entries := zipManifest(t, out)
	var names []string
	for n := range entries {
		names = append(names, n)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"manifest.csv", "merged-0001.pdf", "merged-0002.pdf", "merged-0003.pdf"}) {
		t.Errorf("entries %v", names)
	}
	for _, r := range rows {
		if r[2] != "done" || r[3] != "merged-*.pdf" {
			t.Errorf("manifest row %v", r)
		}
	}
}

func TestBatchStoreErrors(t *testing.T) {
	needFonts(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "busy.db")
	st, err := bolt.Open(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	csvPath := smallCSV(t, sampleHeader, 3)
	for _, tt := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"stdin", sampleArgs("-", filepath.Join(dir, "a.zip"), "-store", filepath.Join(dir, "x.db")), "-store needs -csv to name a file", 2},
		{"in use", sampleArgs(csvPath, filepath.Join(dir, "b.zip"), "-store", store), "in use by another fabricpress process", 1},
		{"bad template", []string{"batch", "-template", csvPath, "-width", "10", "-height", "10", "-csv", csvPath,
			"-o", filepath.Join(dir, "c.zip"), "-store", filepath.Join(dir, "y.db")}, "template", 1},
		{"no column", sampleArgs(smallCSV(t, "id,name,address1,city,state,zip,offer_code,x", 3), filepath.Join(dir, "d.zip"),
			"-store", filepath.Join(dir, "z.db")), "no column for required field", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != tt.code {
				t.Errorf("err = %v (exit %d), want %q (exit %d)", err, exitCode(err), tt.want, tt.code)
			}
		})
	}
	// A CSV that cannot be used leaves no job behind.
	jobs, _ := storeJobs(t, filepath.Join(dir, "z.db"))
	if len(jobs) != 0 {
		t.Errorf("%d jobs left by a rejected CSV", len(jobs))
	}
}
