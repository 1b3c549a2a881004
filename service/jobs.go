package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/internal/atomicfile"
)

// jobView is a job as the API shows it.
type jobView struct {
	ID         string            `json:"id"`
	Name       string            `json:"name,omitempty"`
	Status     batch.JobState    `json:"status"`
	Total      int               `json:"total"`
	Done       int               `json:"done"`
	Failed     int               `json:"failed"`
	Format     string            `json:"format,omitempty"`
	CreatedAt  time.Time         `json:"createdAt"`
	StartedAt  *time.Time        `json:"startedAt,omitempty"`
	FinishedAt *time.Time        `json:"finishedAt,omitempty"`
	Error      string            `json:"error,omitempty"`
	Links      map[string]string `json:"links"`
	// Notifications is the job's outbox (emails, webhooks), on GET
	// /api/v1/jobs/{id} only.
	Notifications []notificationView `json:"notifications,omitempty"`
}

// notificationView is one of a job's notifications as the API shows it.
// A notification deliberately not sent (no SMTP settings, say) is failed
// with a lastError starting "skipped: ".
type notificationView struct {
	ID            string                  `json:"id"`
	Channel       string                  `json:"channel"`
	Event         string                  `json:"event"`
	State         batch.NotificationState `json:"state"`
	Attempts      int                     `json:"attempts"`
	LastError     string                  `json:"lastError,omitempty"`
	NextAttemptAt *time.Time              `json:"nextAttemptAt,omitempty"`
	SentAt        *time.Time              `json:"sentAt,omitempty"`
	CreatedAt     time.Time               `json:"createdAt"`
}

// viewNotifications lists a job's notifications oldest first: every one
// but the throttled job.progress webhooks, of which only the latest is
// shown (a long job has thousands).
func viewNotifications(ns []batch.Notification) []notificationView {
	lastProgress := -1
	for i, n := range ns {
		if n.Event == batch.EventJobProgress {
			lastProgress = i
		}
	}
	out := make([]notificationView, 0, len(ns))
	for i, n := range ns {
		if n.Event == batch.EventJobProgress && i != lastProgress {
			continue
		}
		v := notificationView{ID: n.ID, Channel: n.Channel, Event: n.Event, State: n.State, Attempts: n.Attempts,
			LastError: n.LastError, CreatedAt: n.CreatedAt}
		if !n.NextAttemptAt.IsZero() && n.State != batch.NotificationSent {
			t := n.NextAttemptAt
			v.NextAttemptAt = &t
		}
		if !n.SentAt.IsZero() {
			t := n.SentAt
			v.SentAt = &t
		}
		out = append(out, v)
	}
	return out
}

// jobSpec is what the service stores as a job's Spec: the batch spec
// plus the request's idempotency key.
type jobSpec struct {
	batch.Spec
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
}

func viewJob(j batch.Job) jobView {
	v := jobView{ID: j.ID, Name: j.Name, Status: j.State, Total: j.Total, Done: j.Done, Failed: j.Failed, CreatedAt: j.CreatedAt, Error: j.Error}
	var sp jobSpec
	if json.Unmarshal(j.Spec, &sp) == nil {
		v.Format = sp.Options.Format
		if v.Format == "" {
			v.Format = batch.FormatPNG
		}
	}
	if !j.StartedAt.IsZero() {
		t := j.StartedAt
		v.StartedAt = &t
	}
	if !j.FinishedAt.IsZero() {
		t := j.FinishedAt
		v.FinishedAt = &t
	}
	base := "/api/v1/jobs/" + j.ID
	v.Links = map[string]string{"self": base, "progress": base + "/progress", "events": base + "/events",
		"recipients": base + "/recipients", "download": base + "/download"}
	return v
}

// job loads a job of the caller; another owner's job is not found.
func (s *Server) job(r *http.Request) (batch.Job, error) {
	id := mux.Vars(r)["id"]
	j, err := s.cfg.Store.GetJob(r.Context(), id)
	if err != nil || j.Owner != owner(r) {
		return batch.Job{}, errorf(http.StatusNotFound, "not_found", "no job %q", id)
	}
	return j, nil
}

// createJob validates the template and CSV, stores the job with its
// recipients, and answers 202 with links; the runner takes it from there.
func (s *Server) createJob(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	own := owner(r)
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return errorf(http.StatusBadRequest, "invalid_request", "Idempotency-Key is longer than 200 characters")
	}
	if key != "" {
		if j, ok := s.idempotent(ctx, own, key); ok {
			w.Header().Set("Location", "/api/v1/jobs/"+j.ID)
			w.Header().Set("Idempotent-Replayed", "true")
			writeJSON(w, http.StatusAccepted, viewJob(j))
			return nil
		}
	}
	in, err := s.readInput(r)
	if err != nil {
		return err
	}
	if err := csvOrError(in); err != nil {
		return err
	}
	compiled, err := s.compile(in.spec)
	if err != nil {
		return err
	}
	// The whole file must be usable before a job is queued.
	if _, err := batch.NewReader(bytes.NewReader(in.csv), batch.ReaderOptions{}); err != nil {
		return classify(err)
	}
	s.createMu.Lock()
	locked := true
	defer func() {
		if locked {
			s.createMu.Unlock()
		}
	}()
	if n, err := s.activeJobs(ctx, own); err != nil {
		return err
	} else if n >= s.cfg.MaxQueued {
		w.Header().Set("Retry-After", "30")
		return errorf(http.StatusTooManyRequests, "too_many_jobs", "%d jobs are queued or running for this key (limit %d): wait for some to finish", n, s.cfg.MaxQueued)
	}
	spec, err := json.Marshal(jobSpec{Spec: compiled.Spec, IdempotencyKey: key})
	if err != nil {
		return err
	}
	job := &batch.Job{Owner: own, Name: compiled.Spec.Options.Name, Spec: spec}
	if s.cfg.DataDir != "" {
		up := filepath.Join(s.cfg.DataDir, "uploads")
		if err := os.MkdirAll(up, 0o755); err == nil {
			f := filepath.Join(up, "csv-"+newID()+".csv")
			if atomicfile.WriteBytes(f, in.csv) == nil {
				job.Input = f
			}
		}
	}
	err = s.cfg.Store.CreateJob(ctx, job)
	s.createMu.Unlock()
	locked = false
	if err != nil {
		return err
	}
	if _, err := batch.Ingest(ctx, s.cfg.Store, job.ID, compiled, bytes.NewReader(in.csv)); err != nil {
		// Nothing of the job is kept: the request failed as a whole.
		s.cfg.Store.DeleteJob(context.WithoutCancel(ctx), job.ID)
		if job.Input != "" {
			os.Remove(job.Input)
		}
		return classify(err)
	}
	j, err := s.cfg.Store.GetJob(ctx, job.ID)
	if err != nil {
		return err
	}
	if key != "" {
		s.mu.Lock()
		s.idem[own+"\x00"+key] = idemEntry{jobID: j.ID, at: time.Now()}
		s.mu.Unlock()
	}
	w.Header().Set("Location", "/api/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, viewJob(j))
	return nil
}

// idempotent finds the job an earlier POST with the same key created
// within the TTL: from memory, else from the store (after a restart).
func (s *Server) idempotent(ctx context.Context, own, key string) (batch.Job, bool) {
	s.mu.Lock()
	e, ok := s.idem[own+"\x00"+key]
	for k, v := range s.idem {
		if time.Since(v.at) > s.cfg.IdempotencyTTL {
			delete(s.idem, k)
		}
	}
	s.mu.Unlock()
	if ok && time.Since(e.at) <= s.cfg.IdempotencyTTL {
		if j, err := s.cfg.Store.GetJob(ctx, e.jobID); err == nil {
			return j, true
		}
	}
	jobs, _, err := s.cfg.Store.ListJobs(ctx, batch.JobFilter{Owner: own, Limit: 500})
	if err != nil {
		return batch.Job{}, false
	}
	for _, j := range jobs {
		if time.Since(j.CreatedAt) > s.cfg.IdempotencyTTL {
			break
		}
		var sp jobSpec
		if json.Unmarshal(j.Spec, &sp) == nil && sp.IdempotencyKey == key {
			return j, true
		}
	}
	return batch.Job{}, false
}

func (s *Server) activeJobs(ctx context.Context, own string) (int, error) {
	jobs, _, err := s.cfg.Store.ListJobs(ctx, batch.JobFilter{Owner: own, States: []batch.JobState{batch.JobQueued, batch.JobRunning}})
	return len(jobs), err
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := batch.JobFilter{Owner: owner(r), Before: q.Get("cursor"), Limit: 50}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return errorf(http.StatusBadRequest, "invalid_request", "limit %q: want 1 to 500", l)
		}
		f.Limit = n
	}
	for _, st := range strings.Split(q.Get("status"), ",") {
		if st = strings.TrimSpace(st); st == "" {
			continue
		}
		js := batch.JobState(st)
		if !js.Valid() {
			return errorf(http.StatusBadRequest, "invalid_request", "status %q: want one of %v", st, batch.JobStates)
		}
		f.States = append(f.States, js)
	}
	jobs, next, err := s.cfg.Store.ListJobs(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]jobView, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, viewJob(j))
	}
	resp := map[string]any{"jobs": out}
	if next != "" {
		resp["next"] = next
		resp["links"] = map[string]string{"next": "/api/v1/jobs?cursor=" + next + "&limit=" + strconv.Itoa(f.Limit)}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.job(r)
	if err != nil {
		return err
	}
	ns, err := s.cfg.Store.Notifications(r.Context(), j.ID)
	if err != nil {
		return err
	}
	v := viewJob(j)
	v.Notifications = viewNotifications(ns)
	writeJSON(w, http.StatusOK, v)
	return nil
}

// progressView is the progress of a job as the API shows it.
type progressView struct {
	Status     batch.JobState `json:"status"`
	Done       int            `json:"done"`
	Failed     int            `json:"failed"`
	Total      int            `json:"total"`
	Percent    float64        `json:"percent"`
	Rate       float64        `json:"rate"`
	ETASeconds float64        `json:"etaSeconds"`
	Current    *currentView   `json:"current,omitempty"`
	UpdatedAt  time.Time      `json:"updatedAt"`
}

type currentView struct {
	Row  int    `json:"row"`
	Name string `json:"name,omitempty"`
}

func viewProgress(j batch.Job, p batch.Progress) progressView {
	v := progressView{Status: j.State, Done: j.Done, Failed: j.Failed, Total: j.Total, Rate: p.Rate, ETASeconds: p.ETA.Seconds(), UpdatedAt: p.UpdatedAt}
	if v.Total > 0 {
		v.Percent = float64(v.Done+v.Failed) * 100 / float64(v.Total)
	}
	if p.CurrentRow > 0 && !j.State.Terminal() {
		v.Current = &currentView{Row: p.CurrentRow, Name: p.CurrentName}
	}
	if j.State.Terminal() {
		v.ETASeconds = 0
	}
	return v
}

func (s *Server) jobProgress(w http.ResponseWriter, r *http.Request) error {
	j, err := s.job(r)
	if err != nil {
		return err
	}
	p, err := s.cfg.Store.Progress(r.Context(), j.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewProgress(j, p))
	return nil
}

// jobEvents streams progress and state changes as server-sent events,
// with heartbeats, until the job ends or the client leaves. Event ids
// count up; a client resuming with Last-Event-ID gets the current state
// at once and continues from there.
func (s *Server) jobEvents(w http.ResponseWriter, r *http.Request) error {
	j, err := s.job(r)
	if err != nil {
		return err
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		return errorf(http.StatusInternalServerError, "internal", "streaming unsupported")
	}
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // event streams outlive the server's write timeout
	id, _ := strconv.Atoi(r.Header.Get("Last-Event-ID"))
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event string, v any) {
		id++
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", id, event, b)
		flusher.Flush()
	}
	ctx := r.Context()
	var events <-chan batch.Event
	if s.cfg.Runner != nil {
		ch, stop := s.cfg.Runner.Subscribe(j.ID)
		defer stop()
		events = ch
	}
	last := j.State
	state := func(j batch.Job) {
		p, _ := s.cfg.Store.Progress(ctx, j.ID)
		send("progress", viewProgress(j, p))
		if j.State != last {
			send("state", viewJob(j))
			last = j.State
		}
	}
	send("state", viewJob(j))
	state(j)
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	for !j.State.Terminal() {
		select {
		case <-ctx.Done():
			return nil
		case <-heartbeat.C:
			fmt.Fprint(w, ": heartbeat\n\n")
			flusher.Flush()
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if ev.Type == "state" {
				j = ev.Job
				send("state", viewJob(j))
				last = j.State
			} else {
				j.Done, j.Failed, j.Total = ev.Progress.Done, ev.Progress.Failed, ev.Progress.Total
				send("progress", viewProgress(j, ev.Progress))
			}
		case <-poll.C:
			nj, err := s.cfg.Store.GetJob(ctx, j.ID)
			if err != nil {
				send("error", map[string]string{"message": "the job was deleted"})
				return nil
			}
			j = nj
			state(j)
		}
	}
	send("end", viewJob(j))
	return nil
}

func (s *Server) jobRecipients(w http.ResponseWriter, r *http.Request) error {
	j, err := s.job(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := batch.RecipientFilter{Limit: 200}
	if st := q.Get("status"); st != "" {
		rs := batch.RecipientState(st)
		if !rs.Valid() {
			return errorf(http.StatusBadRequest, "invalid_request", "status %q: want pending, done or failed", st)
		}
		f.States = []batch.RecipientState{rs}
	}
	if a := q.Get("after"); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 {
			return errorf(http.StatusBadRequest, "invalid_request", "after %q: want a row number", a)
		}
		f.AfterRow = n
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return errorf(http.StatusBadRequest, "invalid_request", "limit %q: want 1 to 1000", l)
		}
		f.Limit = n
	}
	rs, err := s.cfg.Store.Recipients(r.Context(), j.ID, f)
	if err != nil {
		return err
	}
	type rv struct {
		Row      int                  `json:"row"`
		Line     int                  `json:"line,omitempty"`
		Name     string               `json:"name,omitempty"`
		Status   batch.RecipientState `json:"status"`
		Attempts int                  `json:"attempts"`
		Error    string               `json:"error,omitempty"`
		File     string               `json:"file,omitempty"`
	}
	out := make([]rv, 0, len(rs))
	for _, x := range rs {
		out = append(out, rv{Row: x.Row, Line: x.Line, Name: x.Name, Status: x.State, Attempts: x.Attempts, Error: x.LastError, File: filepath.Base(x.Output)})
	}
	resp := map[string]any{"recipients": out}
	if len(rs) == f.Limit && f.Limit > 0 {
		resp["next"] = fmt.Sprintf("/api/v1/jobs/%s/recipients?after=%d&limit=%d", j.ID, rs[len(rs)-1].Row, f.Limit)
		if st := q.Get("status"); st != "" {
			resp["next"] = resp["next"].(string) + "&status=" + st
		}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// download streams the finished job's ZIP (or, with ?file=NAME, one of
// its merged PDFs).
func (s *Server) download(w http.ResponseWriter, r *http.Request) error {
	j, err := s.job(r)
	if err != nil {
		return err
	}
	if !j.State.Terminal() {
		return errorf(http.StatusConflict, "not_ready", "job %s is %s: the download is ready when it finishes", j.ID, j.State)
	}
	zipPath, merged, err := batch.Outputs(s.cfg.OutputDir, j)
	if err != nil {
		return errorf(http.StatusNotFound, "not_found", "job %s has no outputs", j.ID)
	}
	path := zipPath
	if f := r.URL.Query().Get("file"); f != "" {
		path = ""
		for _, m := range merged {
			if filepath.Base(m) == f {
				path = m
			}
		}
		if path == "" {
			return errorf(http.StatusNotFound, "not_found", "job %s has no file %q", j.ID, f)
		}
	}
	if path == "" {
		return errorf(http.StatusNotFound, "not_found", "job %s has no ZIP", j.ID)
	}
	fh, err := os.Open(path)
	if err != nil {
		return errorf(http.StatusNotFound, "not_found", "job %s: its output is gone (retention?)", j.ID)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // large downloads outlive the write timeout
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, filepath.Base(path)))
	http.ServeContent(w, r, filepath.Base(path), st.ModTime(), fh)
	return nil
}

func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.job(r)
	if err != nil {
		return err
	}
	if err := batch.Cancel(r.Context(), s.cfg.Store, j.ID); err != nil {
		if errors.Is(err, batch.ErrBadTransition) {
			return errorf(http.StatusConflict, "conflict", "job %s is %s: only queued or running jobs can be cancelled", j.ID, j.State)
		}
		return err
	}
	j, err = s.cfg.Store.GetJob(r.Context(), j.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, viewJob(j))
	return nil
}

func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.job(r)
	if err != nil {
		return err
	}
	n, err := s.cfg.Store.RetryFailed(r.Context(), j.ID)
	if err != nil {
		if errors.Is(err, batch.ErrBadTransition) {
			return errorf(http.StatusConflict, "conflict", "job %s is %s: only finished jobs with failures can be retried", j.ID, j.State)
		}
		return err
	}
	j, err = s.cfg.Store.GetJob(r.Context(), j.ID)
	if err != nil {
		return err
	}
	v := viewJob(j)
	writeJSON(w, http.StatusAccepted, map[string]any{"job": v, "requeued": n})
	return nil
}

func (s *Server) deleteJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.job(r)
	if err != nil {
		return err
	}
	if err := batch.Delete(r.Context(), s.cfg.Store, s.cfg.OutputDir, j.ID); err != nil {
		if errors.Is(err, batch.ErrConflict) {
			return errorf(http.StatusConflict, "conflict", "job %s is running: cancel it first", j.ID)
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
