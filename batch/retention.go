package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// cleanEvery is how often the runner's cleaner removes expired jobs.
const cleanEvery = time.Hour

// cleaner removes expired jobs once at start and then every cleanEvery,
// until the runner stops.
func (e *engine) cleaner() {
	t := time.NewTicker(cleanEvery)
	defer t.Stop()
	for {
		n, err := Clean(e.ctx, e.cfg.store, e.cfg.outDir, e.now().Add(-e.cfg.retain))
		if err != nil && e.ctx.Err() == nil {
			e.cfg.log.Error("retention: cleaning expired jobs", "err", err)
		} else if n > 0 {
			e.cfg.log.Info("retention: expired jobs removed", "jobs", n, "retention", e.cfg.retain)
		}
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// removeJobFiles removes what a job owns on disk: its folder under
// outputDir and the input file it was created with (Job.Input), which the
// service keeps outside that folder.
func removeJobFiles(outputDir string, j Job) error {
	if err := os.RemoveAll(JobDir(outputDir, j.ID)); err != nil {
		return err
	}
	if j.Input != "" {
		if err := os.Remove(j.Input); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Clean deletes the jobs that finished before the given time (terminal
// jobs, through Store.ExpiredJobs), each with its files under outputDir:
// the files first, then the job, so a crash in between leaves a job whose
// files are gone rather than files nobody owns. It returns how many jobs it
// removed; a job that cannot be removed is skipped and reported in the
// error, and the others are still removed. Runner.Retention runs it
// hourly.
func Clean(ctx context.Context, s Store, outputDir string, before time.Time) (int, error) {
	jobs, err := s.ExpiredJobs(ctx, before)
	if err != nil {
		return 0, err
	}
	var errs []error
	n := 0
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if err := removeJobFiles(outputDir, j); err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", j.ID, err))
			continue
		}
		if err := s.DeleteJob(ctx, j.ID); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("job %s: %w", j.ID, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
