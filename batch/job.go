package batch

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// JobState is where a Job is in its life. A job is created queued; a runner
// moves it to running, and from there it ends in one of the four terminal
// states (Terminal reports which). CanTransition holds the table:
//
//	queued                        → running, cancelled, failed
//	running                       → completed, completed_with_errors, failed,
//	                                cancelled, queued (given back on shutdown)
//	completed_with_errors, failed → queued (RetryFailed)
//	completed, cancelled          → nothing: final
type JobState string

const (
	// JobQueued: created and waiting for a runner. Recipients are added while
	// the job is queued; a runner starts it only once it is Sealed. A job
	// also returns here when a runner gives it back on shutdown, and when
	// RetryFailed re-queues the failed recipients of a finished job.
	JobQueued JobState = "queued"

	// JobRunning: runners are claiming and rendering its recipients. A job
	// stays running across a crash or restart of its runner; whichever
	// runner sees it next resumes it at the first recipient not done,
	// because claims only return pending recipients.
	JobRunning JobState = "running"

	// JobCompleted: every recipient is done. Terminal and final.
	JobCompleted JobState = "completed"

	// JobCompletedWithErrors: every recipient is done or failed, and at
	// least one failed. Terminal; RetryFailed moves it back to queued.
	JobCompletedWithErrors JobState = "completed_with_errors"

	// JobFailed: the job as a whole could not go on (its template or input
	// file is unusable, its outputs cannot be written); Job.Error says why.
	// Terminal; RetryFailed moves it back to queued.
	JobFailed JobState = "failed"

	// JobCancelled: stopped at a user's request, keeping the recipients
	// already done. Terminal and final: nothing, not even RetryFailed,
	// starts it again.
	JobCancelled JobState = "cancelled"
)

// JobStates lists every job state in lifecycle order.
var JobStates = []JobState{JobQueued, JobRunning, JobCompleted, JobCompletedWithErrors, JobFailed, JobCancelled}

// Valid reports whether s is one of the JobState constants.
func (s JobState) Valid() bool {
	switch s {
	case JobQueued, JobRunning, JobCompleted, JobCompletedWithErrors, JobFailed, JobCancelled:
		return true
	}
	return false
}

// Terminal reports whether a job in state s has finished: completed,
// completed_with_errors, failed or cancelled. A terminal job has a
// FinishedAt time and is what retention removes.
func (s JobState) Terminal() bool {
	switch s {
	case JobCompleted, JobCompletedWithErrors, JobFailed, JobCancelled:
		return true
	}
	return false
}

// ErrBadTransition is wrapped by the error a Store returns for a state
// change that CanTransition (or CanTransitionRecipient) refuses; the message
// names both states. Nothing is written when it is returned.
var ErrBadTransition = errors.New("illegal state transition")

// jobTransitions is the transition table of jobs: from -> allowed targets.
var jobTransitions = map[JobState][]JobState{
	JobQueued:              {JobRunning, JobCancelled, JobFailed},
	JobRunning:             {JobQueued, JobCompleted, JobCompletedWithErrors, JobFailed, JobCancelled},
	JobCompletedWithErrors: {JobQueued},
	JobFailed:              {JobQueued},
	JobCompleted:           nil,
	JobCancelled:           nil,
}

// CanTransition reports whether a job may move from one state to another,
// by the table on JobState. Staying in the same state is not a transition
// and is refused here; Store methods only check real changes.
func CanTransition(from, to JobState) bool {
	for _, s := range jobTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// TransitionError returns an error wrapping ErrBadTransition that names the
// job states from and to. Stores use it so that every implementation reports
// refused transitions the same way.
func TransitionError(from, to JobState) error {
	return fmt.Errorf("%w: job %s -> %s", ErrBadTransition, from, to)
}

// RecipientState is where one recipient of a job is.
//
//	pending ──▶ done                        (final)
//	   │  ▲
//	   ▼  │ RetryFailed
//	  failed
//
// A retryable failure with attempts left does not leave pending: the
// recipient stays pending with a later NextAttemptAt.
type RecipientState string

const (
	// RecipientPending: not rendered yet, or to be tried again at
	// NextAttemptAt. While a runner works on it, it stays pending and holds
	// a lease (LeaseOwner, LeaseUntil).
	RecipientPending RecipientState = "pending"

	// RecipientDone: its output file is complete on disk and recorded in
	// Output. Final: a done recipient is never rendered again.
	RecipientDone RecipientState = "done"

	// RecipientFailed: it failed permanently (bad data: Permanent is true)
	// or used up the job's MaxAttempts on retryable errors. LastError says
	// why. RetryFailed moves it back to pending.
	RecipientFailed RecipientState = "failed"
)

// RecipientStates lists every recipient state.
var RecipientStates = []RecipientState{RecipientPending, RecipientDone, RecipientFailed}

// Valid reports whether s is one of the RecipientState constants.
func (s RecipientState) Valid() bool {
	return s == RecipientPending || s == RecipientDone || s == RecipientFailed
}

// CanTransitionRecipient reports whether a recipient may move from one state
// to another: pending → done, pending → failed, failed → pending (RetryFailed).
// Done is final.
func CanTransitionRecipient(from, to RecipientState) bool {
	switch from {
	case RecipientPending:
		return to == RecipientDone || to == RecipientFailed
	case RecipientFailed:
		return to == RecipientPending
	}
	return false
}

// DefaultMaxAttempts is the Job.MaxAttempts a Store sets when a job is
// created with none.
const DefaultMaxAttempts = 5

// DefaultKind is the Job.Kind of a job created without one: render pieces
// from a template and a CSV.
const DefaultKind = "render"

// Job is one batch: a spec (template, mapping, options), an input CSV and
// its recipients, with counts and timestamps. The Store owns ID, CreatedAt,
// UpdatedAt, Total, Done and Failed; the runner owns the rest through
// Store.UpdateJob.
type Job struct {
	// ID is assigned by Store.CreateJob from the store's sequence: "j"
	// followed by the sequence number, at least six digits ("j000123").
	// IDs never repeat in one store, and a later job has a larger number,
	// so the newest-first order of ListJobs is the reverse order of IDs.
	ID    string `json:"id"`
	Owner string `json:"owner,omitempty"` // who may see the job (API key owner); "" for the CLI
	Name  string `json:"name,omitempty"`  // display name
	Kind  string `json:"kind"`            // what runs it; DefaultKind when empty at creation

	// Spec is the job's template, column mapping and options as JSON
	// (valid JSON, or empty). The store keeps it and never looks inside.
	Spec json.RawMessage `json:"spec,omitempty"`

	// Input is the path of the input CSV, kept for the record: the
	// recipients' fields are stored, so a resume does not read it again.
	// Delete and Clean remove the file with the job.
	Input string `json:"input,omitempty"`

	State JobState `json:"state"`

	// Sealed is set (through UpdateJob) once every recipient has been
	// added. AddRecipients refuses a sealed job, and a job moves from
	// queued to running only once sealed, so a runner never finishes a job
	// whose CSV is still being read. It cannot be unset.
	Sealed bool `json:"sealed,omitempty"`

	// CancelRequested is set (through UpdateJob) when a user cancels a
	// running job; the runner stops claiming, lets in-flight pieces finish
	// and moves the job to cancelled. It cannot be unset, claims on the job
	// fail with ErrConflict once it is set, and the job may then only move
	// to a terminal state: a cancel is never undone by an automatic retry.
	CancelRequested bool `json:"cancel_requested,omitempty"`

	Total  int `json:"total"`  // recipients added
	Done   int `json:"done"`   // recipients done
	Failed int `json:"failed"` // recipients failed (permanently or out of attempts)

	// MaxAttempts is how many times a recipient is tried before a
	// retryable failure becomes final (DefaultMaxAttempts when created
	// with 0 or less).
	MaxAttempts int `json:"max_attempts"`

	CreatedAt  time.Time `json:"created_at"`
	StartedAt  time.Time `json:"started_at,omitzero"`  // set when it first moves to running
	UpdatedAt  time.Time `json:"updated_at"`           // every change
	FinishedAt time.Time `json:"finished_at,omitzero"` // set on entering a terminal state, cleared on leaving it

	// Error says why the job failed as a whole (state failed); per
	// recipient errors are in Recipient.LastError.
	Error string `json:"error,omitempty"`
}

// Pending is the number of recipients neither done nor failed.
func (j *Job) Pending() int { return j.Total - j.Done - j.Failed }

// Recipient is one row of a job's input and its state. Fields holds the
// record as mapped from the CSV, so a resumed job renders from the store
// alone.
type Recipient struct {
	JobID  string            `json:"job_id"`
	Row    int               `json:"row"`            // 1-based data row of the CSV; the recipient's key within the job
	Line   int               `json:"line,omitempty"` // 1-based CSV line where the row starts, for error messages
	Name   string            `json:"name,omitempty"` // display name (file names, progress)
	Fields map[string]string `json:"fields,omitempty"`

	State     RecipientState `json:"state"`
	Attempts  int            `json:"attempts"`             // attempts committed with Store.Complete
	LastError string         `json:"last_error,omitempty"` // message of the last failed attempt
	// Permanent is set when the last failure was permanent (bad data):
	// such a failure is not retried automatically.
	Permanent bool `json:"permanent,omitempty"`
	// NextAttemptAt is when a pending recipient may next be claimed; the
	// zero time means now. Set from Result.RetryAt after a retryable failure.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	Output        string    `json:"output,omitempty"` // the piece's file, once done

	// LeaseOwner and LeaseUntil say which runner claimed the recipient and
	// until when the claim holds. An expired lease is as good as none.
	LeaseOwner string    `json:"lease_owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
}

// Claimable reports whether a runner may claim r at now: it is pending, due
// (NextAttemptAt at or before now) and holds no live lease.
func (r *Recipient) Claimable(now time.Time) bool {
	return r.State == RecipientPending && !r.NextAttemptAt.After(now) && !r.LeaseUntil.After(now)
}

// LeasedBy reports whether runner holds a live lease on r at now.
func (r *Recipient) LeasedBy(runner string, now time.Time) bool {
	return r.State == RecipientPending && r.LeaseOwner == runner && r.LeaseUntil.After(now)
}

// Result is the outcome of one attempt at one claimed recipient, committed
// with Store.Complete.
type Result struct {
	Row   int            // the recipient
	State RecipientState // RecipientDone or RecipientFailed
	// Output is the piece's file, for a done recipient. Commit only after
	// the file is complete and durable.
	Output string
	// Error is the failure's one-line message, for a failed attempt.
	Error string
	// Permanent marks a failure that retrying cannot fix (bad data): the
	// recipient fails at once. A retryable failure is tried again at
	// RetryAt until the job's MaxAttempts is used up.
	Permanent bool
	// RetryAt is when a retryable failure may be tried again (the runner's
	// backoff); the zero time means at once.
	RetryAt time.Time
}

// Progress is a snapshot of a running job for pollers and live streams.
type Progress struct {
	JobID  string   `json:"job_id"`
	State  JobState `json:"state,omitempty"`
	Done   int      `json:"done"`
	Failed int      `json:"failed"`
	Total  int      `json:"total"`
	// Rate is pieces (done or failed) per second over a recent window.
	Rate float64 `json:"rate"`
	// ETA is the estimated time left at Rate; 0 when unknown.
	ETA         time.Duration `json:"eta"`
	CurrentRow  int           `json:"current_row,omitempty"`  // a recipient being rendered
	CurrentName string        `json:"current_name,omitempty"` // its display name
	StartedAt   time.Time     `json:"started_at,omitzero"`
	UpdatedAt   time.Time     `json:"updated_at,omitzero"`
}

// Percent is the share of recipients finished (done or failed), 0 to 100.
func (p Progress) Percent() float64 {
	if p.Total <= 0 {
		return 0
	}
	return 100 * float64(p.Done+p.Failed) / float64(p.Total)
}

// NotificationState is where an outbox entry is.
//
//	queued ──▶ sending ──▶ sent
//	  ▲           │ ▲
//	  │           ▼ │ (lease expired: claimed again)
//	  └──────── failed (NextAttemptAt set: retried; zero: given up)
type NotificationState string

const (
	// NotificationQueued: waiting to be sent, at NextAttemptAt (zero: now).
	NotificationQueued NotificationState = "queued"
	// NotificationSending: claimed by a sender until LeaseUntil. If the
	// sender dies, the entry is claimed again once the lease expires.
	NotificationSending NotificationState = "sending"
	// NotificationSent: delivered. Final.
	NotificationSent NotificationState = "sent"
	// NotificationFailed: the last attempt failed (LastError). With a
	// NextAttemptAt it is claimed again then; with the zero NextAttemptAt
	// the sender gave up and it is final.
	NotificationFailed NotificationState = "failed"
)

// Notification channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// Notification events.
const (
	EventJobCompleted = "job.completed" // completed or completed_with_errors
	EventJobFailed    = "job.failed"
	EventJobCancelled = "job.cancelled"
	EventJobProgress  = "job.progress"
)

// Notification is one entry of the outbox: a message about a job to deliver
// by email or webhook, at least once.
type Notification struct {
	ID      string          `json:"id"` // assigned by Store.Enqueue: "n" and the sequence number
	JobID   string          `json:"job_id"`
	Channel string          `json:"channel"` // ChannelEmail or ChannelWebhook
	Event   string          `json:"event"`   // EventJobCompleted, ...
	Payload json.RawMessage `json:"payload,omitempty"`

	State NotificationState `json:"state"`
	// Attempts counts claims: an attempt whose sender died counts too.
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	SentAt        time.Time `json:"sent_at,omitzero"`
	LeaseUntil    time.Time `json:"lease_until,omitzero"` // while sending
}
