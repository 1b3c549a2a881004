package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fabricpress/fabricpress/internal/atomicfile"
	"github.com/fabricpress/fabricpress/pdf"
)

// The folders of a job under JobDir.
const (
	piecesDir = "pieces" // one file per done recipient
	mergedDir = "merged" // merged PDFs, with options.merge
)

// JobDir is the folder of a job's files under outputDir:
//
//	JOBDIR/pieces/0001-jose-muller.png   one file per done recipient (PieceName)
//	JOBDIR/<slug>.zip                    the pieces and manifest.csv, once the job finished
//	JOBDIR/merged/<slug>-0001.pdf        merged PDFs in row order (format pdf with merge)
//
// where <slug> is the Slug of the job's name, or its ID.
func JobDir(outputDir, jobID string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, jobID)
	if safe == "" {
		safe = "_"
	}
	return filepath.Join(outputDir, safe)
}

// outputBase is the base name of a job's ZIP and merged PDFs.
func outputBase(j Job) string {
	if s := Slug(j.Name); s != "" {
		return s
	}
	return j.ID
}

// Outputs returns the finished outputs of a terminal job under outputDir:
// its ZIP ("" when there is none: the job failed before any output, or
// retention removed it) and its merged PDFs in order (none unless the job
// asked for them). Only paths that exist are returned. A job that has not
// finished is an error wrapping ErrConflict.
func Outputs(outputDir string, j Job) (zip string, merged []string, err error) {
	if !j.State.Terminal() {
		return "", nil, fmt.Errorf("outputs of job %s: %w: it is %s", j.ID, ErrConflict, j.State)
	}
	dir := JobDir(outputDir, j.ID)
	z := filepath.Join(dir, outputBase(j)+".zip")
	if st, err := os.Stat(z); err == nil && st.Mode().IsRegular() {
		zip = z
	}
	ents, err := os.ReadDir(filepath.Join(dir, mergedDir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return zip, nil, err
	}
	for _, e := range ents {
		if name := e.Name(); e.Type().IsRegular() && strings.HasSuffix(name, ".pdf") && !strings.HasPrefix(name, ".") {
			merged = append(merged, filepath.Join(dir, mergedDir, name))
		}
	}
	slices.Sort(merged)
	return zip, merged, nil
}

// recipientPage is how many recipients outputs read from the store at once.
const recipientPage = 1000

// buildOutputs writes a finished job's ZIP (every done piece and the
// manifest) and, for PDF jobs with merge (tpl not nil), its merged PDFs. It
// returns the base names of the files written. Each output replaces the
// previous one atomically, so building again after a crash is safe.
func buildOutputs(ctx context.Context, s Store, outputDir string, j Job, tpl *Template, spec Spec) ([]string, error) {
	dir := JobDir(outputDir, j.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	base := outputBase(j)
	zipPath := filepath.Join(dir, base+".zip")
	if err := writeJobZip(ctx, s, j, dir, zipPath); err != nil {
		return nil, fmt.Errorf("ZIP: %w", err)
	}
	files := []string{filepath.Base(zipPath)}
	if tpl != nil && spec.Options.Merge {
		merged, err := writeMerged(ctx, s, j, dir, base, tpl, spec.Options.MaxPages)
		if err != nil {
			return nil, fmt.Errorf("merged PDF: %w", err)
		}
		for _, m := range merged {
			files = append(files, filepath.Base(m))
		}
	}
	atomicfile.SyncDir(dir)
	return files, nil
}

// writeJobZip streams the done pieces of a job into a ZIP at dest, one file
// at a time, with manifest.csv listing every recipient done or failed.
func writeJobZip(ctx context.Context, s Store, j Job, dir, dest string) (err error) {
	out, err := NewZipOutput(dest)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed { // abandon the temporary archive; dest keeps what it had
			out.closed = true
			out.f.Close()
			os.Remove(out.f.Name())
		}
	}()
	var manifest []ManifestRow
	err = eachRecipient(ctx, s, j.ID, []RecipientState{RecipientDone, RecipientFailed}, func(r Recipient) error {
		switch r.State {
		case RecipientDone:
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(r.Output)))
			if err != nil {
				return fmt.Errorf("row %d: %w", r.Row, err)
			}
			name := filepath.Base(filepath.FromSlash(r.Output))
			if err := out.Add(name, data); err != nil {
				return err
			}
			manifest = append(manifest, ManifestRow{Row: r.Row, Line: r.Line, Status: StatusDone, File: name})
		case RecipientFailed:
			manifest = append(manifest, ManifestRow{Row: r.Row, Line: r.Line, Status: StatusFailed, Error: r.LastError})
		}
		return nil
	})
	if err != nil {
		return err
	}
	closed = true
	return out.Close(manifest)
}

// eachRecipient calls fn for the job's recipients in the given states, in
// row order, reading them a page at a time.
func eachRecipient(ctx context.Context, s Store, jobID string, states []RecipientState, fn func(Recipient) error) error {
	after := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rs, err := s.Recipients(ctx, jobID, RecipientFilter{States: states, AfterRow: after, Limit: recipientPage})
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := fn(r); err != nil {
				return err
			}
			after = r.Row
		}
		if len(rs) < recipientPage {
			return nil
		}
	}
}

// writeMerged binds the done recipients again, in row order, into merged
// PDFs of at most maxPages pages, written into a temporary folder that
// then replaces dir/merged.
func writeMerged(ctx context.Context, s Store, j Job, dir, base string, tpl *Template, maxPages int) ([]string, error) {
	tmp, err := os.MkdirTemp(dir, ".merged-*.tmp")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // gone after the rename, unless something failed
	m := pdf.NewMerged(tmp, base, maxPages, tpl.PDFOptions())
	err = mergePages(ctx, s, j.ID, tpl, m)
	files, cerr := m.Close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	atomicfile.SyncDir(tmp)
	final := filepath.Join(dir, mergedDir)
	if err := os.RemoveAll(final); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return nil, err
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = filepath.Join(final, filepath.Base(f))
	}
	return out, nil
}

// mergePages adds the pages of the job's done recipients to m in row
// order. Goroutines, one per core, bind and prepare the pages (most of the
// work); this one adds them as their turn comes.
func mergePages(ctx context.Context, s Store, jobID string, tpl *Template, m *pdf.Merged) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type prepared struct {
		seq   int
		row   int
		pages []*pdf.Page
		err   error
	}
	type todo struct {
		seq int
		r   Recipient
	}
	workers := runtime.NumCPU()
	in := make(chan todo, workers)
	out := make(chan prepared, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for t := range in {
				p := prepared{seq: t.seq, row: t.r.Row}
				sides, tpls, err := tpl.Sides(t.r.Fields)
				for i := 0; err == nil && i < len(sides); i++ {
					var pg *pdf.Page
					if pg, err = pdf.Prepare(ctx, sides[i], tpl.Render.Width, tpl.Render.Height, tpls[i], tpl.PDFOptions()); err == nil {
						p.pages = append(p.pages, pg)
					}
				}
				p.err = err
				select {
				case out <- p:
				case <-ctx.Done():
				}
			}
		})
	}
	feedErr := make(chan error, 1)
	go func() {
		seq := 0
		err := eachRecipient(ctx, s, jobID, []RecipientState{RecipientDone}, func(r Recipient) error {
			select {
			case in <- todo{seq, r}:
				seq++
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		close(in)
		wg.Wait()
		close(out)
		feedErr <- err
	}()
	waiting := map[int]prepared{}
	next := 0
	var err error
	for p := range out {
		if err != nil {
			continue // drain
		}
		waiting[p.seq] = p
		for q, ok := waiting[next]; ok; q, ok = waiting[next] {
			delete(waiting, next)
			next++
			if q.err != nil {
				err = fmt.Errorf("row %d: %w", q.row, q.err)
				cancel()
				break
			}
			for _, pg := range q.pages {
				if err = m.AddPrepared(ctx, pg); err != nil {
					err = fmt.Errorf("row %d: %w", q.row, err)
					cancel()
					break
				}
			}
			if err != nil {
				break
			}
		}
	}
	if ferr := <-feedErr; err == nil {
		err = ferr
	}
	return err
}

// removeTemp deletes the temporary files a crash may have left in a job's
// folder: pieces, the ZIP and merged PDFs being written.
func removeTemp(dir string) {
	for _, d := range []string{dir, filepath.Join(dir, piecesDir), filepath.Join(dir, mergedDir)} {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if isTemp(e.Name()) {
				os.RemoveAll(filepath.Join(d, e.Name()))
			}
		}
	}
}

// isTemp reports whether name is one of the temporary names the runner
// and the outputs use: ".<name>.<random>.tmp", ".merged-<random>.tmp" and
// pdf.Merged's ".merge-<random>.pdf".
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && (strings.HasSuffix(name, ".tmp") || strings.HasPrefix(name, ".merge-"))
}

// Report is the payload of a job's notifications (Notification.Payload, as
// JSON): what happened to the job, for an email or a webhook.
type Report struct {
	JobID string   `json:"job_id"`
	Name  string   `json:"name,omitempty"`
	Owner string   `json:"owner,omitempty"`
	State JobState `json:"state"`
	// Error says why a failed job failed.
	Error  string `json:"error,omitempty"`
	Total  int    `json:"total"`
	Done   int    `json:"done"`
	Failed int    `json:"failed"`

	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// Duration is FinishedAt - StartedAt, in seconds.
	Duration float64 `json:"duration_seconds,omitempty"`

	// Files are the base names of the job's outputs: the ZIP, then the
	// merged PDFs (see Outputs).
	Files []string `json:"files,omitempty"`
	// Failures are the first MaxReportFailures failed recipients.
	Failures []Failure `json:"failures,omitempty"`

	// To is the address of an email (options.notifyEmail); URL the
	// endpoint of a webhook (options.webhookUrl).
	To  string `json:"to,omitempty"`
	URL string `json:"url,omitempty"`

	// Progress is set in job.progress webhooks.
	Progress *Progress `json:"progress,omitempty"`
}

// Failure is one failed recipient in a Report.
type Failure struct {
	Row   int    `json:"row"`
	Line  int    `json:"line,omitempty"`
	Name  string `json:"name,omitempty"`
	Error string `json:"error"`
}

// MaxReportFailures bounds Report.Failures.
const MaxReportFailures = 20

// finalEvent is the notification event of a final job state.
func finalEvent(s JobState) string {
	switch s {
	case JobFailed:
		return EventJobFailed
	case JobCancelled:
		return EventJobCancelled
	}
	return EventJobCompleted
}

func (e *engine) enqueueFinal(j Job, state JobState, msg string, files []string) {
	enqueueFinal(e.bg, e.cfg.store, j, state, msg, files, e.cfg.log.Error)
}

// enqueueFinal adds the notifications a job asked for (options.notifyEmail,
// options.webhookUrl) about its final state to the outbox. A notification
// already enqueued for this event since the job last changed is not
// enqueued again, so finishing a job again after a crash between the
// enqueue and the state change does not notify twice.
func enqueueFinal(ctx context.Context, s Store, j Job, state JobState, msg string, files []string, logf func(string, ...any)) {
	var spec Spec
	if len(j.Spec) > 0 {
		_ = json.Unmarshal(j.Spec, &spec) // a spec that does not parse notifies no one
	}
	o := spec.Options
	if o.NotifyEmail == "" && o.WebhookURL == "" {
		return
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	event := finalEvent(state)
	existing, err := s.Notifications(ctx, j.ID)
	if err != nil {
		logf("batch store: notifications", "job", j.ID, "err", err)
		return
	}
	sent := map[string]bool{}
	for _, n := range existing {
		if n.Event == event && n.CreatedAt.After(j.UpdatedAt) {
			sent[n.Channel] = true
		}
	}
	rep := Report{JobID: j.ID, Name: j.Name, Owner: j.Owner, State: state, Error: msg,
		Total: j.Total, Done: j.Done, Failed: j.Failed, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt, Files: files}
	if state == JobFailed && msg == "" {
		rep.Error = j.Error
	}
	if rep.FinishedAt.IsZero() {
		rep.FinishedAt = time.Now()
	}
	if !rep.StartedAt.IsZero() {
		rep.Duration = rep.FinishedAt.Sub(rep.StartedAt).Seconds()
	}
	if j.Failed > 0 {
		rs, err := s.Recipients(ctx, j.ID, RecipientFilter{States: []RecipientState{RecipientFailed}, Limit: MaxReportFailures})
		if err == nil {
			for _, r := range rs {
				rep.Failures = append(rep.Failures, Failure{Row: r.Row, Line: r.Line, Name: r.Name, Error: r.LastError})
			}
		}
	}
	add := func(channel string, r Report) {
		if sent[channel] {
			return
		}
		n := &Notification{JobID: j.ID, Channel: channel, Event: event, Payload: mustJSON(r)}
		if err := s.Enqueue(ctx, n); err != nil {
			logf("batch store: enqueue notification", "job", j.ID, "channel", channel, "err", err)
		}
	}
	if o.NotifyEmail != "" {
		r := rep
		r.To = o.NotifyEmail
		add(ChannelEmail, r)
	}
	if o.WebhookURL != "" {
		r := rep
		r.URL = o.WebhookURL
		add(ChannelWebhook, r)
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types, which always marshal
	}
	return b
}
