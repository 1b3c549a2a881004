package batch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/fabricpress/fabricpress/internal/atomicfile"
	"github.com/fabricpress/fabricpress/render"
)

// Runner defaults.
const (
	DefaultChunkSize = 16
	DefaultLease     = 30 * time.Second
	DefaultPoll      = 500 * time.Millisecond
	DefaultGrace     = 30 * time.Second
)

// cancelCheck is how often the runner looks for cancel requests on the
// jobs it works on: a cancel takes effect within about this long.
const cancelCheck = 200 * time.Millisecond

// Runner renders the jobs of a Store: it claims queued jobs, renders their
// recipients with one pool of Workers shared fairly between the running
// jobs, commits results in chunks under leases, builds each job's outputs
// when no recipient is left pending, and moves the job to its final state.
// See the package documentation for the whole life of a job.
//
// Set the fields before calling Run; zero values take the defaults given.
// Subscribe may be called at any time, from any goroutine.
type Runner struct {
	Store     Store
	Render    render.Options // fonts, image loader (Images), limits; the runner adds a render.NewImageCache per job
	OutputDir string         // BATCH_OUTPUT_DIR; each job writes under JobDir(OutputDir, job.ID)
	Workers   int            // BATCH_WORKER_CONCURRENCY, default runtime.NumCPU()
	ChunkSize int            // recipients claimed and committed per transaction, default 16
	Lease     time.Duration  // default 30s, renewed every Lease/3 while a chunk is being worked
	Poll      time.Duration  // how often to look for jobs when idle, default 500ms
	Retention time.Duration  // BATCH_RETENTION_DAYS; 0 = keep forever; the cleaner runs hourly (and once at start)
	// Backoff is the delay before the next attempt of a recipient whose
	// attempt (1 for the first) failed with a retryable error; default
	// DefaultBackoff: 1s·2^(attempt-1) with ±20% jitter, capped at 5 min.
	Backoff func(attempt int) time.Duration
	Grace   time.Duration // graceful shutdown: in-flight pieces get this long (default 30s)
	Logger  *slog.Logger  // default slog.Default()
	ID      string        // runner id for leases; default hostname-pid-random

	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	running bool

	// piece renders one recipient; nil means Template.Piece. Tests
	// replace it to inject failures and delays.
	piece func(ctx context.Context, t *Template, rec Recipient) (*Piece, error)
}

// settings are a Runner's fields with the defaults filled in.
type settings struct {
	workers, chunk             int
	lease, poll, grace, retain time.Duration
	backoff                    func(int) time.Duration
	log                        *slog.Logger
	id, outDir                 string
	piece                      func(ctx context.Context, t *Template, rec Recipient) (*Piece, error)
	renderOpts                 render.Options
	store                      Store
}

func (r *Runner) settings() settings {
	s := settings{
		workers: r.Workers, chunk: r.ChunkSize, lease: r.Lease, poll: r.Poll, grace: r.Grace, retain: r.Retention,
		backoff: r.Backoff, log: r.Logger, id: r.ID, outDir: r.OutputDir, piece: r.piece, renderOpts: r.Render, store: r.Store,
	}
	if s.workers <= 0 {
		s.workers = runtime.NumCPU()
	}
	if s.chunk <= 0 {
		s.chunk = DefaultChunkSize
	}
	if s.lease <= 0 {
		s.lease = DefaultLease
	}
	if s.poll <= 0 {
		s.poll = DefaultPoll
	}
	if s.grace <= 0 {
		s.grace = DefaultGrace
	}
	if s.backoff == nil {
		s.backoff = DefaultBackoff
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.id == "" {
		s.id = defaultRunnerID()
	}
	if s.outDir == "" {
		s.outDir = "."
	}
	if s.piece == nil {
		s.piece = func(ctx context.Context, t *Template, rec Recipient) (*Piece, error) { return t.Piece(ctx, rec.Fields) }
	}
	return s
}

func defaultRunnerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "runner"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Run works until ctx is done, then shuts down gracefully: it stops
// claiming, gives back the recipients it claimed but did not start, lets
// the pieces being rendered finish within Grace (then cancels them),
// commits what finished and returns nil. Jobs stay running in the store;
// the next Run (in this process or another) resumes them. Run returns an
// error only when it cannot start; errors of the store while running are
// logged and retried. A Runner runs once at a time.
func (r *Runner) Run(ctx context.Context) error {
	if r.Store == nil {
		return errors.New("batch: Runner.Store is nil")
	}
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return errors.New("batch: Runner.Run called while it runs")
	}
	r.running = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.running = false
		r.mu.Unlock()
	}()
	e := newEngine(r, ctx)
	e.run()
	return nil
}

// engine is one Run of a Runner.
type engine struct {
	r   *Runner
	cfg settings

	ctx      context.Context    // Run's: done means stop claiming
	work     context.Context    // renders and outputs: cancelled Grace after ctx is done
	stopWork context.CancelFunc //
	bg       context.Context    // store writes that must land even while stopping

	mu       sync.Mutex
	wake     *sync.Cond // workers wait here for ready items
	jobs     map[string]*jobRun
	ring     []*jobRun // active jobs, served round-robin
	next     int       // ring position of the next job to serve
	stopping bool

	workers sync.WaitGroup
	tasks   sync.WaitGroup // feeders, renewers, finishers
}

func newEngine(r *Runner, ctx context.Context) *engine {
	e := &engine{r: r, cfg: r.settings(), ctx: ctx, jobs: map[string]*jobRun{}}
	e.bg = context.WithoutCancel(ctx)
	e.work, e.stopWork = context.WithCancel(e.bg)
	e.wake = sync.NewCond(&e.mu)
	return e
}

func (e *engine) now() time.Time { return time.Now() }

func (e *engine) run() {
	log := e.cfg.log
	log.Info("batch runner started", "id", e.cfg.id, "workers", e.cfg.workers, "chunk", e.cfg.chunk, "lease", e.cfg.lease)
	for range e.cfg.workers {
		e.workers.Go(e.worker)
	}
	if e.cfg.retain > 0 {
		e.tasks.Go(e.cleaner)
	}

	e.discover()
	lastDiscover := e.now()
	tick := time.NewTicker(min(e.cfg.poll, cancelCheck))
	defer tick.Stop()
	progress := time.NewTicker(progressEvery)
	defer progress.Stop()
loop:
	for {
		select {
		case <-e.ctx.Done():
			break loop
		case <-tick.C:
			e.checkActive()
			if e.now().Sub(lastDiscover) >= e.cfg.poll {
				e.discover()
				lastDiscover = e.now()
			}
		case <-progress.C:
			e.progressTick(false)
		}
	}

	// Graceful shutdown: no more claims; give back what was not started;
	// in-flight pieces get Grace to finish.
	log.Info("batch runner stopping", "id", e.cfg.id, "grace", e.cfg.grace)
	e.mu.Lock()
	e.stopping = true
	var drained []*item
	for _, jr := range e.ring {
		drained = append(drained, jr.ready...)
		jr.ready = nil
	}
	e.wake.Broadcast()
	e.mu.Unlock()
	for _, it := range drained {
		it.c.resolve(it, nil)
	}
	graceTimer := time.AfterFunc(e.cfg.grace, e.stopWork)
	e.workers.Wait()
	e.mu.Lock()
	for _, jr := range e.ring {
		jr.kickFeeder()
	}
	e.mu.Unlock()
	e.tasks.Wait()
	graceTimer.Stop()
	e.progressTick(true)
	e.stopWork()
	log.Info("batch runner stopped", "id", e.cfg.id)
}

// discover starts queued jobs that are sealed and joins running jobs this
// runner does not work on yet (after a restart, or started elsewhere).
func (e *engine) discover() {
	if e.ctx.Err() != nil {
		return
	}
	st := e.cfg.store
	jobs, _, err := st.ListJobs(e.ctx, JobFilter{States: []JobState{JobQueued, JobRunning}})
	if err != nil {
		e.logStoreErr("list jobs", err)
		return
	}
	var running []Job
	for i := len(jobs) - 1; i >= 0; i-- { // oldest first
		j := jobs[i]
		if j.State == JobRunning {
			running = append(running, j)
			continue
		}
		if !j.Sealed || j.CancelRequested {
			continue
		}
		started, err := updateJob(e.ctx, st, j.ID, func(x *Job) error {
			if x.State != JobQueued || !x.Sealed || x.CancelRequested {
				return errSkip
			}
			x.State = JobRunning
			return nil
		})
		if err != nil {
			if !errors.Is(err, errSkip) {
				e.logStoreErr("start job "+j.ID, err)
			}
			continue
		}
		e.cfg.log.Info("job started", "job", started.ID, "total", started.Total)
		e.r.publish(Event{Type: EventState, Job: started, Progress: progressOf(started)})
		running = append(running, started)
	}
	for _, j := range running {
		e.mu.Lock()
		_, active := e.jobs[j.ID]
		e.mu.Unlock()
		if active || e.ctx.Err() != nil {
			continue
		}
		if j.CancelRequested {
			e.cancelIdle(j)
			continue
		}
		e.activate(j)
	}
}

var errSkip = errors.New("skip")

// activate compiles a running job's spec and starts feeding its
// recipients to the workers.
func (e *engine) activate(j Job) {
	jr := &jobRun{e: e, id: j.ID, job: j, kick: make(chan struct{}, 1)}
	jr.dir = JobDir(e.cfg.outDir, j.ID)
	jr.pieces = filepath.Join(jr.dir, piecesDir)
	var spec Spec
	if err := json.Unmarshal(j.Spec, &spec); err != nil {
		e.failJob(j, fmt.Sprintf("spec: %v", err))
		return
	}
	c, err := spec.Compile(nil, e.cfg.renderOpts.MaxOutputPixels)
	if err != nil {
		e.failJob(j, oneLineMessage(err))
		return
	}
	jr.spec = c.Spec
	ro := e.cfg.renderOpts
	ro.Cache = render.NewImageCache(0)
	jr.tpl = c.Template(ro)
	if err := os.MkdirAll(jr.pieces, 0o755); err != nil {
		e.failJob(j, fmt.Sprintf("outputs cannot be written: %v", err))
		return
	}
	// A crash may have left temporary files; a piece being written now
	// belongs to nobody, since only this runner works on the job's folder.
	removeTemp(jr.dir)
	jr.width = max(4, len(strconv.Itoa(j.Total)))
	jr.ctx, jr.cancel = context.WithCancel(e.work)
	jr.prog = newTracker(j, e.now())
	if p, err := e.cfg.store.Progress(e.ctx, j.ID); err == nil && !p.StartedAt.IsZero() {
		jr.prog.p.StartedAt = p.StartedAt
	}

	e.mu.Lock()
	if e.stopping {
		e.mu.Unlock()
		jr.cancel()
		return
	}
	e.jobs[j.ID] = jr
	e.ring = append(e.ring, jr)
	e.mu.Unlock()
	e.cfg.log.Info("job active", "job", j.ID, "total", j.Total, "done", j.Done, "failed", j.Failed)
	e.saveProgress(jr, true)
	e.tasks.Go(jr.feed)
}

// unringLocked stops serving jr's items: it leaves the ring, though it
// stays in e.jobs (so discover does not start it again) until forget.
// Called with e.mu held.
func (e *engine) unringLocked(jr *jobRun) {
	for i, x := range e.ring {
		if x == jr {
			e.ring = append(e.ring[:i], e.ring[i+1:]...)
			if e.next > i {
				e.next--
			}
			break
		}
	}
	if len(e.ring) > 0 {
		e.next %= len(e.ring)
	} else {
		e.next = 0
	}
}

// forget removes jr from the jobs this runner knows, once nothing of it is
// left to do here.
func (e *engine) forget(jr *jobRun) {
	e.mu.Lock()
	if e.jobs[jr.id] == jr {
		delete(e.jobs, jr.id)
	}
	e.mu.Unlock()
}

// checkActive looks at the stored state of the active jobs: a cancel
// request stops a job, a job that left running (or was deleted) is
// dropped, and counts changed by other runners reach the progress.
func (e *engine) checkActive() {
	e.mu.Lock()
	active := make([]*jobRun, 0, len(e.ring))
	active = append(active, e.ring...)
	e.mu.Unlock()
	for _, jr := range active {
		j, err := e.cfg.store.GetJob(e.ctx, jr.id)
		switch {
		case errors.Is(err, ErrNotFound):
			e.cfg.log.Warn("active job vanished", "job", jr.id)
			jr.abandon()
			continue
		case err != nil:
			e.logStoreErr("check job "+jr.id, err)
			continue
		}
		jr.prog.setCounts(j.Done, j.Failed, j.Total)
		switch {
		case j.State != JobRunning:
			e.cfg.log.Info("job left running elsewhere", "job", j.ID, "state", j.State)
			jr.abandon()
		case j.CancelRequested:
			jr.requestCancel()
		}
	}
}

// worker renders items until the runner stops.
func (e *engine) worker() {
	for {
		it := e.take()
		if it == nil {
			return
		}
		e.process(it)
	}
}

// take returns the next item to render, taking one piece from each job
// with work in turn, or nil once the runner stops.
func (e *engine) take() *item {
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		if e.stopping {
			return nil
		}
		if n := len(e.ring); n > 0 {
			for i := range n {
				k := (e.next + i) % n
				jr := e.ring[k]
				if len(jr.ready) == 0 {
					continue
				}
				it := jr.ready[0]
				jr.ready[0] = nil
				jr.ready = jr.ready[1:]
				e.next = (k + 1) % n
				if len(jr.ready) <= jr.lowWater() {
					jr.kickFeeder()
				}
				return it
			}
		}
		e.wake.Wait()
	}
}

// process renders one recipient, writes its file and records the result
// in its chunk.
func (e *engine) process(it *item) {
	c, jr, rec := it.c, it.c.jr, it.rec
	if c.ctx.Err() != nil {
		c.resolve(it, nil)
		return
	}
	jr.prog.current(rec.Row, rec.Name)
	p, err := e.renderPiece(c.ctx, jr.tpl, rec)
	res := &Result{Row: rec.Row}
	if err == nil {
		name := PieceName(rec.Row, jr.width, rec.Name, p.Ext)
		if err = writePiece(jr.pieces, name, p.Data); err == nil {
			res.State, res.Output = RecipientDone, piecesDir+"/"+name
			c.resolve(it, res)
			return
		}
	}
	if c.ctx.Err() != nil {
		c.resolve(it, nil) // cancelled, lease lost or out of grace: not an attempt
		return
	}
	res.State = RecipientFailed
	res.Error = oneLineMessage(err)
	switch {
	case Permanent(err):
		res.Permanent = true
	case rec.Attempts+1 < jr.maxAttempts():
		res.RetryAt = e.now().Add(e.cfg.backoff(rec.Attempts + 1))
	}
	c.resolve(it, res)
}

// renderPiece calls the piece renderer, turning a panic into a permanent
// failure of that recipient.
func (e *engine) renderPiece(ctx context.Context, t *Template, rec Recipient) (p *Piece, err error) {
	defer func() {
		if v := recover(); v != nil {
			e.cfg.log.Error("panic rendering a piece", "job", rec.JobID, "row", rec.Row, "panic", v)
			p, err = nil, fmt.Errorf("internal error rendering this recipient: %v", v)
		}
	}()
	return e.cfg.piece(ctx, t, rec)
}

func (e *engine) logStoreErr(what string, err error) {
	if e.ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return
	}
	e.cfg.log.Error("batch store: "+what, "err", err)
}

// jobRun is one job this runner works on.
type jobRun struct {
	e      *engine
	id     string
	job    Job  // as activated
	spec   Spec // compiled: defaults filled in
	tpl    *Template
	dir    string // JobDir
	pieces string // dir/pieces
	width  int    // digits of row numbers in file names
	prog   *tracker

	ctx    context.Context // cancelled by a cancel request, abandon or the end of Grace
	cancel context.CancelFunc
	kick   chan struct{} // wakes the feeder

	// Guarded by e.mu.
	ready     []*item // claimed, not started
	chunks    int     // claimed chunks not yet committed or given back
	cancelled bool    // a cancel request was seen
	gone      bool    // finished, cancelled, failed or abandoned
	nextRetry time.Time
}

// maxAttempts is the job's MaxAttempts, or its default.
func (jr *jobRun) maxAttempts() int {
	if jr.job.MaxAttempts <= 0 {
		return DefaultMaxAttempts
	}
	return jr.job.MaxAttempts
}

// lowWater is the number of ready items below which the feeder claims
// another chunk: enough to keep every worker busy while it claims.
func (jr *jobRun) lowWater() int { return max(jr.e.cfg.chunk, jr.e.cfg.workers) }

// maxChunks bounds the chunks a job holds at once.
func (jr *jobRun) maxChunks() int { return 2 + jr.e.cfg.workers/jr.e.cfg.chunk }

func (jr *jobRun) kickFeeder() {
	select {
	case jr.kick <- struct{}{}:
	default:
	}
}

// feed claims chunks of the job's recipients while it has room for them,
// and finishes the job when nothing is left pending.
func (jr *jobRun) feed() {
	e := jr.e
	st := e.cfg.store
	idle := time.NewTimer(time.Hour)
	defer idle.Stop()
	wait := func(d time.Duration) bool {
		idle.Reset(d)
		select {
		case <-jr.kick:
		case <-idle.C:
		case <-e.ctx.Done():
			return false
		case <-jr.ctx.Done():
			return false
		}
		return true
	}
	for {
		e.mu.Lock()
		stop := e.stopping || jr.cancelled || jr.gone
		room := len(jr.ready) < jr.lowWater() && jr.chunks < jr.maxChunks()
		e.mu.Unlock()
		if stop || e.ctx.Err() != nil {
			return
		}
		if !room {
			if !wait(e.cfg.poll) {
				return
			}
			continue
		}
		rs, err := st.ClaimRecipients(e.ctx, jr.id, e.cfg.id, e.cfg.chunk, e.cfg.lease, e.now())
		if err != nil {
			if e.ctx.Err() != nil {
				return
			}
			if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
				// Cancelled or no longer running: checkActive acts on it.
				e.checkOne(jr)
			} else {
				e.logStoreErr("claim recipients of "+jr.id, err)
			}
			if !wait(e.cfg.poll) {
				return
			}
			continue
		}
		if len(rs) > 0 {
			jr.addChunk(rs)
			continue
		}
		// Nothing claimable: done, leased elsewhere or waiting for a retry.
		e.mu.Lock()
		open := jr.chunks
		next := jr.nextRetry
		e.mu.Unlock()
		if open == 0 {
			j, err := st.GetJob(e.ctx, jr.id)
			if err == nil && j.State == JobRunning && j.Pending() == 0 {
				jr.finish(j)
				return
			}
		}
		d := e.cfg.poll
		if !next.IsZero() {
			if until := time.Until(next); until < d {
				d = max(until, time.Millisecond)
			}
		}
		if !wait(d) {
			return
		}
	}
}

// checkOne is checkActive for one job.
func (e *engine) checkOne(jr *jobRun) {
	j, err := e.cfg.store.GetJob(e.ctx, jr.id)
	switch {
	case errors.Is(err, ErrNotFound):
		jr.abandon()
	case err != nil:
	case j.State != JobRunning:
		jr.abandon()
	case j.CancelRequested:
		jr.requestCancel()
	}
}

// addChunk queues claimed recipients for the workers and starts renewing
// their lease.
func (jr *jobRun) addChunk(rs []Recipient) {
	e := jr.e
	c := &chunk{jr: jr, left: len(rs), rows: make([]int, len(rs)), renewDone: make(chan struct{}), stopRenew: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(jr.ctx)
	items := make([]*item, len(rs))
	for i := range rs {
		c.rows[i] = rs[i].Row
		items[i] = &item{c: c, rec: rs[i]}
	}
	c.startRenew()
	e.mu.Lock()
	jr.chunks++
	if e.stopping || jr.cancelled || jr.gone {
		e.mu.Unlock()
		for _, it := range items {
			c.resolve(it, nil)
		}
		return
	}
	jr.ready = append(jr.ready, items...)
	e.wake.Broadcast()
	e.mu.Unlock()
}

// requestCancel stops the job: no more claims, in-flight renders are
// cancelled, what finished is committed, and once every chunk is closed
// the job moves to cancelled.
func (jr *jobRun) requestCancel() {
	e := jr.e
	e.mu.Lock()
	if jr.cancelled || jr.gone {
		e.mu.Unlock()
		return
	}
	jr.cancelled = true
	drained := jr.ready
	jr.ready = nil
	open := jr.chunks
	e.mu.Unlock()
	e.cfg.log.Info("job cancel requested", "job", jr.id)
	jr.cancel()
	jr.kickFeeder()
	for _, it := range drained {
		it.c.resolve(it, nil)
	}
	if open == 0 {
		jr.settleCancel()
	}
}

// retireLocked takes the job out of the round-robin ring, once: it
// reports false when the job was already retired. The caller holds e.mu.
func (jr *jobRun) retireLocked() bool {
	if jr.gone {
		return false
	}
	jr.gone = true
	jr.e.unringLocked(jr)
	return true
}

// settleCancel moves a cancelled job whose chunks are all closed to
// cancelled. It runs once.
func (jr *jobRun) settleCancel() {
	e := jr.e
	e.mu.Lock()
	retired := jr.retireLocked()
	e.mu.Unlock()
	if !retired {
		return
	}
	e.tasks.Go(func() {
		defer e.forget(jr)
		e.finishCancelled(jr.id, jr.prog)
	})
}

// abandon drops a job this runner should no longer work on: in-flight
// pieces are cancelled and nothing is claimed; the store decides the rest.
func (jr *jobRun) abandon() {
	e := jr.e
	e.mu.Lock()
	if !jr.retireLocked() {
		e.mu.Unlock()
		return
	}
	drained := jr.ready
	jr.ready = nil
	if e.jobs[jr.id] == jr {
		delete(e.jobs, jr.id)
	}
	e.mu.Unlock()
	jr.cancel()
	jr.kickFeeder()
	for _, it := range drained {
		it.c.resolve(it, nil)
	}
}

// chunkClosed is called once a chunk is committed or given back.
func (jr *jobRun) chunkClosed(retryAt time.Time) {
	e := jr.e
	e.mu.Lock()
	jr.chunks--
	if !retryAt.IsZero() && (jr.nextRetry.IsZero() || retryAt.Before(jr.nextRetry) || jr.nextRetry.Before(e.now())) {
		jr.nextRetry = retryAt
	}
	last := jr.chunks == 0 && jr.cancelled
	e.mu.Unlock()
	jr.kickFeeder()
	if last {
		jr.settleCancel()
	}
}

// item is one claimed recipient on its way to a worker.
type item struct {
	c   *chunk
	rec Recipient
}

// chunk is one claim: its recipients are rendered, then committed
// together in one Store.Complete.
type chunk struct {
	jr     *jobRun
	rows   []int
	ctx    context.Context // cancelled when the lease is lost (and with the job's)
	cancel context.CancelFunc

	stopRenew chan struct{}
	renewDone chan struct{}

	mu      sync.Mutex
	left    int
	results []Result
	skipped []int
	items   []*item // resolved with a result, to count attempts
	lost    bool
}

// startRenew renews the chunk's lease every Lease/3 until it is closed.
func (c *chunk) startRenew() {
	e := c.jr.e
	e.tasks.Go(func() {
		defer close(c.renewDone)
		t := time.NewTicker(max(e.cfg.lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-c.stopRenew:
				return
			case <-t.C:
			}
			err := e.cfg.store.RenewLease(e.bg, c.jr.id, e.cfg.id, c.rows, e.cfg.lease, e.now())
			if errors.Is(err, ErrLeaseLost) {
				e.cfg.log.Warn("lease lost: dropping the chunk's work", "job", c.jr.id, "rows", len(c.rows), "err", err)
				c.mu.Lock()
				c.lost = true
				c.mu.Unlock()
				c.cancel()
				return
			}
			if err != nil {
				e.logStoreErr("renew lease on "+c.jr.id, err)
			}
		}
	})
}

// resolve records the outcome of one item: res, or nil for an item not
// finished (never started, cancelled, lease lost). The last one closes the
// chunk.
func (c *chunk) resolve(it *item, res *Result) {
	c.mu.Lock()
	if res != nil {
		c.results = append(c.results, *res)
		c.items = append(c.items, it)
	} else {
		c.skipped = append(c.skipped, it.rec.Row)
	}
	c.left--
	last := c.left == 0
	c.mu.Unlock()
	if last {
		c.close()
	}
}

// close commits the chunk's results and gives back the rest of its rows.
func (c *chunk) close() {
	jr := c.jr
	e := jr.e
	close(c.stopRenew)
	<-c.renewDone
	c.cancel()
	c.mu.Lock()
	lost, results, skipped, items := c.lost, c.results, c.skipped, c.items
	c.mu.Unlock()
	var retryAt time.Time
	defer func() { jr.chunkClosed(retryAt) }()
	if lost {
		return
	}
	st := e.cfg.store
	if len(results) > 0 {
		wrote := false
		for _, r := range results {
			wrote = wrote || r.State == RecipientDone
		}
		if wrote {
			atomicfile.SyncDir(jr.pieces) // the renames are durable before the commit says done
		}
		err := st.Complete(e.bg, jr.id, e.cfg.id, results, e.now())
		if err != nil {
			if errors.Is(err, ErrLeaseLost) {
				e.cfg.log.Warn("lease lost before commit: dropping the chunk's work", "job", jr.id, "err", err)
			} else {
				e.logStoreErr("commit chunk of "+jr.id, err)
			}
			// Uncommitted: the rows stay leased until the lease
			// expires, then they are claimed and rendered again.
			return
		}
		done, failed := 0, 0
		maxAttempts := jr.maxAttempts()
		for i, r := range results {
			switch {
			case r.State == RecipientDone:
				done++
			case r.Permanent || items[i].rec.Attempts+1 >= maxAttempts:
				failed++
			default:
				if retryAt.IsZero() || r.RetryAt.Before(retryAt) {
					retryAt = r.RetryAt
				}
			}
		}
		jr.prog.add(done, failed, e.now())
	}
	if len(skipped) > 0 {
		if err := st.ReleaseRecipients(e.bg, jr.id, e.cfg.id, skipped); err != nil {
			e.logStoreErr("release recipients of "+jr.id, err)
		}
	}
}

// finish builds the outputs of a job with nothing pending and moves it to
// completed or completed_with_errors.
func (jr *jobRun) finish(j Job) {
	e := jr.e
	e.mu.Lock()
	retired := jr.retireLocked()
	e.mu.Unlock()
	if !retired {
		return
	}
	defer e.forget(jr)
	defer jr.cancel()
	log := e.cfg.log
	files, err := buildOutputs(e.work, e.cfg.store, e.cfg.outDir, j, jr.tpl, jr.spec)
	if err != nil {
		if e.work.Err() != nil {
			log.Info("job outputs interrupted by shutdown; the next run builds them", "job", j.ID)
			return
		}
		log.Error("job outputs failed", "job", j.ID, "err", err)
		e.failJob(j, fmt.Sprintf("outputs cannot be written: %s", oneLineMessage(err)))
		return
	}
	final := JobCompleted
	if j.Failed > 0 {
		final = JobCompletedWithErrors
	}
	e.enqueueFinal(j, final, "", files)
	done, err := updateJob(e.bg, e.cfg.store, j.ID, func(x *Job) error {
		if x.State != JobRunning {
			return TransitionError(x.State, final)
		}
		x.State = final
		return nil
	})
	if err != nil {
		log.Error("job could not be completed", "job", j.ID, "err", err)
		return
	}
	log.Info("job finished", "job", j.ID, "state", final, "done", done.Done, "failed", done.Failed)
	e.ended(done, jr.prog)
}

// failJob moves a job to failed with msg, and notifies.
func (e *engine) failJob(j Job, msg string) {
	e.enqueueFinal(j, JobFailed, msg, nil)
	failed, err := updateJob(e.bg, e.cfg.store, j.ID, func(x *Job) error {
		if x.State.Terminal() {
			return TransitionError(x.State, JobFailed)
		}
		x.State = JobFailed
		x.Error = msg
		return nil
	})
	if err != nil {
		e.cfg.log.Error("job could not be failed", "job", j.ID, "err", err)
		return
	}
	e.cfg.log.Warn("job failed", "job", j.ID, "error", msg)
	e.ended(failed, nil)
}

// cancelIdle cancels a running job with a cancel request that no runner
// works on (its runner stopped before it could).
func (e *engine) cancelIdle(j Job) {
	jr := &jobRun{e: e, id: j.ID, gone: true}
	e.mu.Lock()
	if _, ok := e.jobs[j.ID]; ok || e.stopping {
		e.mu.Unlock()
		return
	}
	e.jobs[j.ID] = jr // so that discover leaves it alone meanwhile
	e.mu.Unlock()
	e.tasks.Go(func() {
		defer e.forget(jr)
		e.finishCancelled(j.ID, nil)
	})
}

// finishCancelled moves a job whose cancel was requested to cancelled,
// keeping what is done, then writes a ZIP of the pieces done and notifies.
func (e *engine) finishCancelled(id string, prog *tracker) {
	j, err := updateJob(e.bg, e.cfg.store, id, func(x *Job) error {
		if x.State != JobRunning {
			return TransitionError(x.State, JobCancelled)
		}
		x.State = JobCancelled
		return nil
	})
	if err != nil {
		if !errors.Is(err, ErrBadTransition) {
			e.cfg.log.Error("job could not be cancelled", "job", id, "err", err)
		}
		return
	}
	e.cfg.log.Info("job cancelled", "job", j.ID, "done", j.Done, "failed", j.Failed)
	e.ended(j, prog)
	// The pieces done are kept, with a ZIP of them.
	files, err := buildOutputs(e.work, e.cfg.store, e.cfg.outDir, j, nil, Spec{})
	if err != nil && e.work.Err() == nil {
		e.cfg.log.Warn("ZIP of a cancelled job", "job", j.ID, "err", err)
	}
	e.enqueueFinal(j, JobCancelled, "", files)
}

// ended records a job's final state: progress snapshot and state event.
func (e *engine) ended(j Job, prog *tracker) {
	p := progressOf(j)
	if prog != nil {
		p = prog.final(j, e.now())
	}
	if err := e.cfg.store.SaveProgress(e.bg, p); err != nil {
		e.logStoreErr("save progress of "+j.ID, err)
	}
	e.r.publish(Event{Type: EventState, Job: j, Progress: p})
}

// writePiece writes one piece into dir under name: to a temporary name,
// synced, then renamed, so a file with a piece's name is always complete.
// The folder itself is synced once per chunk, before the commit. Errors are
// Transient: a full or failing disk is not the recipient's fault.
func writePiece(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return Transient(fmt.Errorf("writing piece %s: %w", name, err))
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = Transient(fmt.Errorf("writing piece %s: %w", name, err))
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dir, name))
}

// Cancel cancels a job. A queued job is cancelled at once. A running job
// gets CancelRequested: no recipient is claimed any more, and the runner
// working on it cancels the pieces being rendered, commits what finished
// and moves the job to cancelled within about a second (a running job
// whose runner is down is cancelled by the next runner that starts).
// Cancelling a job again while its cancel is pending does nothing.
// Pieces already done are kept. A job that has finished is refused with
// ErrBadTransition.
func Cancel(ctx context.Context, s Store, jobID string) error {
	j, err := updateJob(ctx, s, jobID, func(j *Job) error {
		switch j.State {
		case JobQueued:
			j.CancelRequested = true
			j.State = JobCancelled
		case JobRunning:
			j.CancelRequested = true
		default:
			return fmt.Errorf("cancel job %s: %w", jobID, TransitionError(j.State, JobCancelled))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if j.State == JobCancelled {
		// No runner will see it: notify from here.
		enqueueFinal(context.WithoutCancel(ctx), s, j, JobCancelled, "", nil, nil)
	}
	return nil
}

// updateJob is Store.UpdateJob returning the job as stored.
func updateJob(ctx context.Context, s Store, id string, fn func(*Job) error) (Job, error) {
	var got *Job
	err := s.UpdateJob(ctx, id, func(x *Job) error {
		got = x
		return fn(x)
	})
	if err != nil {
		return Job{}, err
	}
	return *got, nil
}

// Delete removes a job: its folder under outputDir, then the job with its
// recipients, progress and notifications. A running job is refused with
// ErrConflict (cancel it and wait for cancelled first); a queued job is
// cancelled first so that no runner starts it meanwhile.
func Delete(ctx context.Context, s Store, outputDir, jobID string) error {
	j, err := s.GetJob(ctx, jobID)
	if err != nil {
		return err
	}
	switch j.State {
	case JobRunning:
		return fmt.Errorf("delete job %s: %w: it is running; cancel it first", jobID, ErrConflict)
	case JobQueued:
		err := s.UpdateJob(ctx, jobID, func(x *Job) error {
			if x.State != JobQueued {
				return fmt.Errorf("delete job %s: %w: it is %s", jobID, ErrConflict, x.State)
			}
			x.CancelRequested = true
			x.State = JobCancelled
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := removeJobFiles(outputDir, j); err != nil {
		return fmt.Errorf("delete job %s: %w", jobID, err)
	}
	return s.DeleteJob(ctx, jobID)
}

// ReleaseLeases gives back every lease held on the pending recipients of a
// job, whoever holds it, so that they can be claimed at once instead of
// when the leases expire. It is only safe when no runner works on the job:
// for a store that one process owns (the bbolt file is locked), right after
// opening it, before starting a Runner. It returns how many recipients it
// released.
func ReleaseLeases(ctx context.Context, s Store, jobID string) (int, error) {
	now := time.Now()
	byOwner := map[string][]int{}
	after, n := 0, 0
	for {
		rs, err := s.Recipients(ctx, jobID, RecipientFilter{States: []RecipientState{RecipientPending}, AfterRow: after, Limit: 4096})
		if err != nil {
			return n, err
		}
		for _, r := range rs {
			if r.LeaseOwner != "" && r.LeaseUntil.After(now) {
				byOwner[r.LeaseOwner] = append(byOwner[r.LeaseOwner], r.Row)
			}
			after = r.Row
		}
		if len(rs) < 4096 {
			break
		}
	}
	for owner, rows := range byOwner {
		if err := s.ReleaseRecipients(ctx, jobID, owner, rows); err != nil {
			return n, err
		}
		n += len(rows)
	}
	return n, nil
}
