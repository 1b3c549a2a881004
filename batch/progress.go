package batch

import (
	"context"
	"sync"
	"time"
)

// Event types.
const (
	EventProgress = "progress" // counts, rate, ETA or current recipient changed
	EventState    = "state"    // the job changed state
)

// Event is what a Runner's subscribers receive: a job's progress (at most
// four a second per job) or a change of its state (every one the runner
// makes: queued to running, and to completed, completed_with_errors,
// failed or cancelled).
type Event struct {
	Type     string // EventProgress or EventState
	Job      Job    // the job: as stored for a state event, with current counts for a progress event
	Progress Progress
}

// subscriberBuffer is the channel capacity of a subscription.
const subscriberBuffer = 64

// Pacing of progress.
const (
	progressEvery   = 250 * time.Millisecond // events: at most 4 a second per job
	progressSave    = time.Second            // SaveProgress: at most once a second per job
	progressWebhook = 10 * time.Second       // job.progress webhooks: at most one per 10 s per job
	rateWindow      = 30 * time.Second       // Progress.Rate is measured over this recent window
)

type subscriber struct {
	job  string
	ch   chan Event
	once sync.Once
}

// Subscribe returns a channel of the events of one job (all jobs when
// jobID is ""), and a function that ends the subscription and closes the
// channel. The channel is buffered; when the reader falls behind, events
// are dropped rather than slowing the runner, so a reader that must not
// miss the end of a job also polls the store now and then.
func (r *Runner) Subscribe(jobID string) (<-chan Event, func()) {
	s := &subscriber{job: jobID, ch: make(chan Event, subscriberBuffer)}
	r.mu.Lock()
	if r.subs == nil {
		r.subs = map[*subscriber]struct{}{}
	}
	r.subs[s] = struct{}{}
	r.mu.Unlock()
	return s.ch, func() {
		r.mu.Lock()
		delete(r.subs, s)
		r.mu.Unlock()
		s.once.Do(func() { close(s.ch) })
	}
}

// publish delivers ev to the subscribers of its job without blocking.
func (r *Runner) publish(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for s := range r.subs {
		if s.job != "" && s.job != ev.Job.ID {
			continue
		}
		select {
		case s.ch <- ev:
		default: // a slow reader loses events, the runner never waits
		}
	}
}

// progressOf is the snapshot of a job without live measurements.
func progressOf(j Job) Progress {
	return Progress{JobID: j.ID, State: j.State, Done: j.Done, Failed: j.Failed, Total: j.Total,
		StartedAt: j.StartedAt, UpdatedAt: j.UpdatedAt}
}

// tracker measures one active job's progress.
type tracker struct {
	mu      sync.Mutex
	job     Job // as activated; counts follow the progress
	p       Progress
	samples []sample // finished count over time, for the rate

	changed  bool // since the last event
	unsaved  bool // since the last SaveProgress
	hooked   bool // since the last job.progress webhook
	lastSave time.Time
	lastHook time.Time
}

type sample struct {
	t time.Time
	n int // done + failed
}

func newTracker(j Job, now time.Time) *tracker {
	t := &tracker{job: j, p: progressOf(j)}
	t.p.UpdatedAt = now
	if t.p.StartedAt.IsZero() {
		t.p.StartedAt = now
	}
	t.samples = []sample{{now, j.Done + j.Failed}}
	t.changed, t.unsaved = true, true
	return t
}

// current records the recipient a worker starts.
func (t *tracker) current(row int, name string) {
	t.mu.Lock()
	t.p.CurrentRow, t.p.CurrentName = row, name
	t.changed = true
	t.mu.Unlock()
}

// add counts recipients that reached done or failed.
func (t *tracker) add(done, failed int, now time.Time) {
	if done == 0 && failed == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p.Done += done
	t.p.Failed += failed
	t.sampleLocked(now)
}

// setCounts takes the counts as stored, which other runners may have
// raised; a read older than this runner's last commit never lowers them.
func (t *tracker) setCounts(done, failed, total int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	done, failed = max(done, t.p.Done), max(failed, t.p.Failed)
	if done == t.p.Done && failed == t.p.Failed && total == t.p.Total {
		return
	}
	t.p.Done, t.p.Failed, t.p.Total = done, failed, total
	t.sampleLocked(time.Now())
}

func (t *tracker) sampleLocked(now time.Time) {
	t.p.UpdatedAt = now
	t.changed, t.unsaved, t.hooked = true, true, true
	t.samples = append(t.samples, sample{now, t.p.Done + t.p.Failed})
	// Keep the window and one sample older than it.
	cut := 0
	for cut+1 < len(t.samples) && now.Sub(t.samples[cut+1].t) >= rateWindow {
		cut++
	}
	if cut > 0 {
		t.samples = append(t.samples[:0], t.samples[cut:]...)
	}
}

// snapshotLocked computes rate and ETA at now.
func (t *tracker) snapshotLocked(now time.Time) Progress {
	p := t.p
	p.Rate, p.ETA = 0, 0
	n := p.Done + p.Failed
	// The base is the last sample at or before the start of the window,
	// else the oldest one.
	base := t.samples[0]
	for _, s := range t.samples {
		if now.Sub(s.t) >= rateWindow {
			base = s
		}
	}
	if el := now.Sub(base.t).Seconds(); el > 0.05 && n > base.n {
		p.Rate = float64(n-base.n) / el
		if left := p.Total - n; left > 0 {
			p.ETA = time.Duration(float64(left) / p.Rate * float64(time.Second))
		}
	}
	return p
}

// final is the snapshot of a job that reached a final state.
func (t *tracker) final(j Job, now time.Time) Progress {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p.Done, t.p.Failed, t.p.Total = j.Done, j.Failed, j.Total
	p := t.snapshotLocked(now)
	p.State = j.State
	p.ETA = 0
	p.CurrentRow, p.CurrentName = 0, ""
	p.UpdatedAt = now
	t.changed, t.unsaved = false, false
	return p
}

// progressTick publishes, persists and (for webhooks) enqueues the progress
// of the active jobs, each at its own pace; with all set, it persists
// every unsaved snapshot (at shutdown).
func (e *engine) progressTick(all bool) {
	e.mu.Lock()
	active := make([]*jobRun, 0, len(e.jobs))
	for _, jr := range e.ring {
		active = append(active, jr)
	}
	e.mu.Unlock()
	now := e.now()
	for _, jr := range active {
		t := jr.prog
		t.mu.Lock()
		p := t.snapshotLocked(now)
		emit := t.changed
		save := t.unsaved && (all || now.Sub(t.lastSave) >= progressSave)
		hook := jr.spec.Options.WebhookURL != "" && t.hooked && now.Sub(t.lastHook) >= progressWebhook && !all
		if emit {
			t.changed = false
		}
		if save {
			t.unsaved, t.lastSave = false, now
		}
		if hook {
			t.hooked, t.lastHook = false, now
		}
		j := t.job
		t.mu.Unlock()
		j.Done, j.Failed, j.Total = p.Done, p.Failed, p.Total
		if emit {
			e.r.publish(Event{Type: EventProgress, Job: j, Progress: p})
		}
		if save {
			if err := e.cfg.store.SaveProgress(e.bg, p); err != nil {
				e.logStoreErr("save progress of "+jr.id, err)
			}
		}
		if hook {
			e.enqueueProgress(jr, j, p)
		}
	}
}

// saveProgress persists jr's snapshot now (at a state change).
func (e *engine) saveProgress(jr *jobRun, publish bool) {
	t := jr.prog
	now := e.now()
	t.mu.Lock()
	p := t.snapshotLocked(now)
	t.unsaved, t.lastSave = false, now
	j := t.job
	t.mu.Unlock()
	if err := e.cfg.store.SaveProgress(e.bg, p); err != nil {
		e.logStoreErr("save progress of "+jr.id, err)
	}
	if publish {
		e.r.publish(Event{Type: EventProgress, Job: j, Progress: p})
	}
}

// enqueueProgress adds a throttled job.progress webhook notification.
func (e *engine) enqueueProgress(jr *jobRun, j Job, p Progress) {
	rep := Report{JobID: j.ID, Name: j.Name, Owner: j.Owner, State: j.State, Total: p.Total, Done: p.Done, Failed: p.Failed,
		StartedAt: p.StartedAt, URL: jr.spec.Options.WebhookURL, Progress: &p}
	n := &Notification{JobID: j.ID, Channel: ChannelWebhook, Event: EventJobProgress, Payload: mustJSON(rep)}
	if err := e.cfg.store.Enqueue(context.WithoutCancel(e.bg), n); err != nil {
		e.logStoreErr("enqueue progress webhook of "+j.ID, err)
	}
}
