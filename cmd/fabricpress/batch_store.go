package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
	"github.com/fabricpress/fabricpress/internal/atomicfile"
	"github.com/fabricpress/fabricpress/render"
)

// storeJobPrefix starts the Name of the jobs the batch command keeps in a
// store; the rest is the hex SHA-256 of the spec and the CSV (jobKey).
const storeJobPrefix = "cli-"

// storePoll is how often the command looks at its job while the runner
// works.
const storePoll = 100 * time.Millisecond

// runStoreBatch is the batch command with -store: the job lives in a bbolt
// file, a Runner renders it in this process, and the outputs are copied to
// -o once it is finished. The same command run again finds the job by the
// SHA-256 of its template, back, mapping, options and CSV, and resumes it
// where it stopped (or, once finished, copies its outputs again).
func runStoreBatch(ctx context.Context, cfg batchConfig, stdout, stderr io.Writer) error {
	began := time.Now()
	if cfg.csv == "-" {
		return usageError{"-store needs -csv to name a file: a resumable batch must find the same CSV again"}
	}
	spec, err := storeSpec(cfg)
	if err != nil {
		return err
	}
	compiled, err := spec.Compile(nil, 0)
	if err != nil {
		return err
	}
	opts, loader, err := cfg.renderOptions()
	if err != nil {
		return err
	}
	defer loader.CloseIdleConnections()

	// What would fail every recipient (fonts, the template's own images)
	// fails the command before a job is made.
	pre := opts
	pre.Width, pre.Height, pre.Scale = compiled.Spec.Width, compiled.Spec.Height, compiled.Spec.Options.Scale
	pre.SkipBrokenImages = true
	pre.Cache = render.NewImageCache(0)
	if _, err := render.Compile(ctx, compiled.Canvas, pre); err != nil {
		return fmt.Errorf("%s: %w", cfg.template, err)
	}
	if compiled.Back != nil {
		if _, err := render.Compile(ctx, compiled.Back, pre); err != nil {
			return fmt.Errorf("%s: %w", cfg.back, err)
		}
	}

	key, err := jobKey(compiled.Spec, cfg.csv)
	if err != nil {
		return err
	}
	st, err := bolt.Open(cfg.store, nil)
	if err != nil {
		if errors.Is(err, bolt.ErrInUse) {
			return fmt.Errorf("%s is in use by another fabricpress process (a batch or the server); use another -store file", cfg.store)
		}
		return err
	}
	defer st.Close()

	j, err := findOrCreateJob(ctx, st, storeJobPrefix+key, compiled, cfg, stderr)
	if err != nil {
		return err
	}
	outDir := storeOutputDir(cfg.store)
	initial := j.Done + j.Failed
	if !j.State.Terminal() {
		// This process holds the file's lock: every lease in it belongs
		// to a run that is over.
		if _, err := batch.ReleaseLeases(ctx, st, j.ID); err != nil {
			return err
		}
		if j, err = runStoreJob(ctx, st, j, opts, outDir, cfg, stderr); err != nil {
			return err
		}
	}
	switch j.State {
	case batch.JobFailed:
		return fmt.Errorf("batch failed: %s", j.Error)
	case batch.JobCancelled:
		return fmt.Errorf("the batch was cancelled (job %s in %s); delete %s to start again", j.ID, cfg.store, cfg.store)
	}
	if err := copyStoreOutputs(ctx, st, j, outDir, cfg); err != nil {
		return err
	}
	elapsed := time.Since(began)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(j.Done+j.Failed-initial) / s
	}
	fmt.Fprintf(stdout, "rendered %d pieces, %d failed, in %s (%.1f pieces/s) -> %s\n", j.Done, j.Failed, fmtSeconds(elapsed), rate, cfg.out)
	return nil
}

// storeSpec is the job spec of the command's flags.
func storeSpec(cfg batchConfig) (batch.Spec, error) {
	var s batch.Spec
	tpl, err := os.ReadFile(cfg.template)
	if err != nil {
		return s, err
	}
	s.Template = tpl
	if cfg.back != "" {
		if s.Back, err = os.ReadFile(cfg.back); err != nil {
			return s, err
		}
	}
	if cfg.mapping != "" {
		if s.Mapping, err = os.ReadFile(cfg.mapping); err != nil {
			return s, err
		}
	}
	columns, err := parseColumns(cfg.columns)
	if err != nil {
		return s, err
	}
	s.Width, s.Height = cfg.width, cfg.height
	s.Options = batch.Options{
		Name:       filepath.Base(cfg.template),
		Format:     cfg.format,
		Scale:      cfg.scale,
		Quality:    cfg.quality,
		Merge:      cfg.merge,
		NameFields: splitList(cfg.nameFields),
		Columns:    columns,
	}
	if cfg.format == batch.FormatPDF {
		s.Options.DPI = cfg.dpi
		s.Options.Bleed = cfg.bleedPx
		s.Options.CropMarks = cfg.cropMarks
		s.Options.MaxPages = cfg.maxPages
	}
	return s, nil
}

// jobKey is the hex SHA-256 of a compiled spec (template, back, mapping,
// options) and the CSV file's bytes.
func jobKey(spec batch.Spec, csvPath string) (string, error) {
	b, err := json.Marshal(spec)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "fabricpress batch v1\n%d\n", len(b))
	h.Write(b)
	f, err := os.Open(csvPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", csvPath, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// storeOutputDir is the folder of the jobs' files next to the store file:
// state.db keeps them in state.jobs/.
func storeOutputDir(store string) string {
	base := filepath.Base(store)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return filepath.Join(filepath.Dir(store), base+".jobs")
}

// findOrCreateJob returns the job named name, resumable, or a new one with
// the CSV ingested.
func findOrCreateJob(ctx context.Context, st batch.Store, name string, c *batch.Compiled, cfg batchConfig, stderr io.Writer) (batch.Job, error) {
	jobs, _, err := st.ListJobs(ctx, batch.JobFilter{})
	if err != nil {
		return batch.Job{}, err
	}
	for _, j := range jobs { // newest first
		if j.Name != name {
			continue
		}
		switch {
		case j.State == batch.JobCancelled:
			continue // final: start a new job
		case !j.Sealed:
			// The CSV was being read when the last run stopped: read it
			// again from the start.
			if err := batch.Delete(ctx, st, storeOutputDir(cfg.store), j.ID); err != nil {
				return batch.Job{}, err
			}
			continue
		case j.State == batch.JobFailed:
			if _, err := st.RetryFailed(ctx, j.ID); err != nil {
				return batch.Job{}, err
			}
			fmt.Fprintf(stderr, "fabricpress: job %s failed last time (%s); trying again\n", j.ID, j.Error)
			return st.GetJob(ctx, j.ID)
		case j.State.Terminal():
			fmt.Fprintf(stderr, "fabricpress: job %s finished already (%d done, %d failed); copying its outputs\n", j.ID, j.Done, j.Failed)
		default:
			fmt.Fprintf(stderr, "fabricpress: resuming job %s: %d done, %d failed of %d\n", j.ID, j.Done, j.Failed, j.Total)
		}
		return j, nil
	}

	raw, err := json.Marshal(c.Spec)
	if err != nil {
		return batch.Job{}, err
	}
	input, err := filepath.Abs(cfg.csv)
	if err != nil {
		input = cfg.csv
	}
	j := &batch.Job{Name: name, Spec: raw, Input: input}
	if err := st.CreateJob(ctx, j); err != nil {
		return batch.Job{}, err
	}
	f, err := os.Open(cfg.csv)
	if err != nil {
		return batch.Job{}, err
	}
	defer f.Close()
	rep, err := batch.Ingest(ctx, st, j.ID, c, f)
	if err != nil {
		st.DeleteJob(context.WithoutCancel(ctx), j.ID)
		if ctx.Err() != nil {
			return batch.Job{}, interruptedError{fmt.Errorf("batch interrupted while reading %s", cfg.csv)}
		}
		return batch.Job{}, fmt.Errorf("%s: %w", cfg.csv, err)
	}
	for _, f := range rep.Missing {
		fmt.Fprintf(stderr, "fabricpress: field %q has no column: its default is used\n", f)
	}
	if len(rep.Unused) > 0 {
		fmt.Fprintf(stderr, "fabricpress: columns not used by the template: %s\n", strings.Join(rep.Unused, ", "))
	}
	return st.GetJob(ctx, j.ID)
}

// runStoreJob runs a Runner until the job is finished or ctx is done (an
// interrupt: the runner stops gracefully and the job stays resumable).
func runStoreJob(ctx context.Context, st batch.Store, j batch.Job, opts render.Options, outDir string, cfg batchConfig, stderr io.Writer) (batch.Job, error) {
	r := &batch.Runner{
		Store:     st,
		Render:    opts,
		OutputDir: outDir,
		Workers:   cfg.workers,
		Poll:      storePoll,
		Grace:     batchGrace,
		Logger:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- r.Run(runCtx) }()

	initDone, initFailed := j.Done, j.Failed
	prog := newProgress(stderr, j.Total-initDone-initFailed, cfg.progressEvery, time.Now())
	prog.start()
	tick := time.NewTicker(storePoll)
	defer tick.Stop()
	var runErr error
	for !j.State.Terminal() {
		select {
		case <-ctx.Done():
		case runErr = <-ran:
			ran = nil
		case <-tick.C:
		}
		if ctx.Err() != nil || ran == nil {
			break
		}
		nj, err := st.GetJob(context.WithoutCancel(ctx), j.ID)
		if err != nil {
			runErr = err
			break
		}
		j = nj
		prog.done.Store(int64(j.Done - initDone))
		prog.failed.Store(int64(j.Failed - initFailed))
		if cfg.storeHook != nil {
			cfg.storeHook(j.Done)
		}
	}
	stop()
	if ran != nil {
		if err := <-ran; runErr == nil {
			runErr = err
		}
	}
	// The last commits of a graceful stop.
	if nj, err := st.GetJob(context.WithoutCancel(ctx), j.ID); err == nil {
		j = nj
		prog.done.Store(int64(j.Done - initDone))
		prog.failed.Store(int64(j.Failed - initFailed))
	}
	prog.stop()
	if runErr != nil {
		return j, runErr
	}
	if !j.State.Terminal() {
		return j, interruptedError{fmt.Errorf("batch interrupted at %d of %d rows (%d failed); run the same command again to continue",
			j.Done+j.Failed, j.Total, j.Failed)}
	}
	return j, nil
}

// copyStoreOutputs writes the finished job's outputs to -o: its ZIP as it
// is, or (for a folder, or merged PDFs) its files and a manifest through a
// batch.Output.
func copyStoreOutputs(ctx context.Context, st batch.Store, j batch.Job, outDir string, cfg batchConfig) error {
	zipPath, merged, err := batch.Outputs(outDir, j)
	if err != nil {
		return err
	}
	isZip := strings.EqualFold(filepath.Ext(cfg.out), ".zip")
	if isZip && !cfg.merge && zipPath != "" {
		return copyFileAtomic(zipPath, cfg.out)
	}
	out, err := batch.NewOutput(cfg.out)
	if err != nil {
		return err
	}
	var manifest []batch.ManifestRow
	dir := batch.JobDir(outDir, j.ID)
	addErr := func() error {
		if cfg.merge {
			for i, m := range merged {
				data, err := os.ReadFile(m)
				if err != nil {
					return err
				}
				if err := out.Add(fmt.Sprintf("merged-%04d.pdf", i+1), data); err != nil {
					return err
				}
			}
		}
		after := 0
		for {
			rs, err := st.Recipients(ctx, j.ID, batch.RecipientFilter{States: []batch.RecipientState{batch.RecipientDone, batch.RecipientFailed}, AfterRow: after, Limit: 1000})
			if err != nil {
				return err
			}
			for _, r := range rs {
				after = r.Row
				if r.State == batch.RecipientFailed {
					manifest = append(manifest, batch.ManifestRow{Row: r.Row, Line: r.Line, Status: batch.StatusFailed, Error: r.LastError})
					continue
				}
				name := filepath.Base(filepath.FromSlash(r.Output))
				if cfg.merge {
					name = "merged-*.pdf"
				} else {
					data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(r.Output)))
					if err != nil {
						return err
					}
					if err := out.Add(name, data); err != nil {
						return err
					}
				}
				manifest = append(manifest, batch.ManifestRow{Row: r.Row, Line: r.Line, Status: batch.StatusDone, File: name})
			}
			if len(rs) < 1000 {
				return nil
			}
		}
	}()
	closeErr := out.Close(manifest)
	if addErr != nil {
		return addErr
	}
	return closeErr
}

// copyFileAtomic copies src to dst atomically and durably.
func copyFileAtomic(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return atomicfile.Write(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}
