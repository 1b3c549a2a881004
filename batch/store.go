package batch

import (
	"context"
	"errors"
	"time"
)

// Errors a Store returns, wrapped with the job, row or notification at
// fault; test for them with errors.Is. ErrBadTransition (job.go) is the
// fourth.
var (
	// ErrNotFound: no such job, recipient row or notification.
	ErrNotFound = errors.New("not found")

	// ErrLeaseLost: a runner renewed or committed recipients whose lease
	// it no longer holds (it expired, or another runner claimed them).
	// Nothing was written; the runner must drop the work: another runner
	// owns those recipients now.
	ErrLeaseLost = errors.New("lease lost")

	// ErrConflict: the request contradicts the stored state: recipients
	// added to a sealed job or out of row order, a claim on a job that is
	// not running or is being cancelled, a change to a field the store
	// owns, deleting a running job, finishing a notification not being
	// sent.
	ErrConflict = errors.New("conflict")
)

// Store keeps jobs, their recipients, progress snapshots and the
// notifications outbox. It is the queue: runners claim recipients from it
// under leases and commit results to it, so that after a crash every job
// resumes where it stopped, and several runner processes sharing one store
// never render a recipient twice.
//
// Every method is safe for concurrent use by multiple goroutines, and
// every method that changes state runs in one transaction: it is applied
// whole or not at all. A call that returned nil is durable (for the bbolt
// store: fsynced) and survives a crash or kill -9 of the process.
//
// Methods that decide by time (claims, leases, retries) take now from the
// caller, so that tests control the clock; the store's own timestamps
// (CreatedAt, UpdatedAt, FinishedAt, SentAt) use the wall clock unless a
// now is passed.
//
// Values returned are copies: the caller may keep and change them.
//
// storetest.Exercise is the conformance suite every implementation passes.
type Store interface {
	// CreateJob stores a new job. It assigns job.ID, CreatedAt and
	// UpdatedAt, sets State to queued, Total, Done and Failed to 0,
	// MaxAttempts to DefaultMaxAttempts when it is 0 or less and Kind to
	// DefaultKind when empty, and writes those back into *job.
	CreateJob(ctx context.Context, job *Job) error

	// GetJob returns the job with the given ID, or ErrNotFound.
	GetJob(ctx context.Context, id string) (Job, error)

	// ListJobs returns jobs newest first, filtered by f, at most f.Limit
	// of them (all when Limit <= 0). next is the cursor for the following
	// page (pass it as f.Before), "" when there is none.
	ListJobs(ctx context.Context, f JobFilter) (jobs []Job, next string, err error)

	// UpdateJob reads the job, calls fn on it and writes the result back,
	// in one transaction (fn may run more than once in stores that retry
	// transactions; it must have no side effects). If fn returns an error,
	// nothing is written and UpdateJob returns it. A change of State must
	// be allowed by CanTransition, and a job with CancelRequested may only
	// move to a terminal state; otherwise UpdateJob returns an error
	// wrapping ErrBadTransition. Moving from queued to running needs
	// Sealed (ErrBadTransition). Changing a field the store owns (ID,
	// CreatedAt, Total, Done, Failed) or unsetting Sealed or
	// CancelRequested returns ErrConflict. The store sets UpdatedAt, and
	// on a state change StartedAt (first move to running) and FinishedAt
	// (set on entering a terminal state unless fn set it, cleared on
	// leaving one); after a nil return *Job as fn saw it holds exactly
	// what was stored.
	UpdateJob(ctx context.Context, id string, fn func(*Job) error) error

	// DeleteJob removes the job with its recipients, progress and
	// notifications. A running job is refused with ErrConflict: cancel it
	// and let the runner stop first. Files are the caller's to remove.
	DeleteJob(ctx context.Context, id string) error

	// ExpiredJobs returns the terminal jobs that finished before the given
	// time, oldest first, for retention.
	ExpiredJobs(ctx context.Context, before time.Time) ([]Job, error)

	// AddRecipients appends recipients to a queued, unsealed job (else
	// ErrConflict), in order, and sets the job's Total. It is called
	// repeatedly while a CSV streams in; pass a few thousand rows per
	// call. Each Row must be larger than every row already added (0
	// means the next row after the last one; ErrConflict otherwise).
	// State must be pending (or empty) or failed, for a row that is
	// already known to be bad (Permanent, with LastError); lease fields
	// are ignored. The store may commit a long slice in several
	// transactions: on an error, a prefix of rs may have been stored, as
	// the job's Total shows.
	AddRecipients(ctx context.Context, jobID string, rs []Recipient) error

	// ClaimRecipients takes up to max recipients of a running job that
	// are Claimable at now, in row order, and leases them to runner until
	// now+lease. Concurrent claimers never get the same recipient. It
	// returns no recipients when none is claimable (all done, leased, or
	// waiting for NextAttemptAt), and ErrConflict when the job is not
	// running or its CancelRequested is set.
	ClaimRecipients(ctx context.Context, jobID, runner string, max int, lease time.Duration, now time.Time) ([]Recipient, error)

	// RenewLease extends runner's leases on rows to now+lease. If any row
	// is no longer leased by runner at now, it returns ErrLeaseLost and
	// renews none.
	RenewLease(ctx context.Context, jobID, runner string, rows []int, lease time.Duration, now time.Time) error

	// ReleaseRecipients gives back leases runner holds on rows without
	// counting an attempt, so another runner can claim them at once (for
	// a graceful shutdown with claimed rows not started). Rows runner
	// does not hold are skipped.
	ReleaseRecipients(ctx context.Context, jobID, runner string, rows []int) error

	// Complete commits the results of one chunk of claimed recipients in
	// one transaction. For each result the recipient's lease is cleared
	// and Attempts incremented; done stores Output; a permanent failure,
	// or a retryable one that used up the job's MaxAttempts, fails the
	// recipient; another retryable failure leaves it pending until
	// RetryAt. The job's Done, Failed and UpdatedAt follow. If runner
	// does not hold a live lease (at now) on every row, Complete returns
	// ErrLeaseLost and writes nothing, so a runner whose lease expired
	// can never commit twice. A row not in the job is ErrNotFound, a row
	// given twice or a State other than done or failed an error.
	Complete(ctx context.Context, jobID, runner string, results []Result, now time.Time) error

	// Recipients lists a job's recipients in row order, after f.AfterRow,
	// with a state in f.States (any when empty), at most f.Limit (all
	// when Limit <= 0).
	Recipients(ctx context.Context, jobID string, f RecipientFilter) ([]Recipient, error)

	// CountRecipients returns how many of the job's recipients are in
	// each state; every state is present in the map.
	CountRecipients(ctx context.Context, jobID string) (map[RecipientState]int, error)

	// RetryFailed moves every failed recipient of a completed_with_errors
	// or failed job back to pending (Attempts 0, Permanent and
	// NextAttemptAt cleared, LastError kept), fixes the counts, clears
	// the job's Error, FinishedAt and CancelRequested and moves it to
	// queued. It returns how many recipients it re-queued. Other states
	// are refused with ErrBadTransition.
	RetryFailed(ctx context.Context, jobID string) (int, error)

	// SaveProgress stores p as the job's latest progress snapshot,
	// replacing the previous one.
	SaveProgress(ctx context.Context, p Progress) error

	// Progress returns the job's latest snapshot; a job without one gets
	// a snapshot built from its state, counts and times.
	Progress(ctx context.Context, jobID string) (Progress, error)

	// Enqueue adds a notification about an existing job to the outbox. It
	// assigns n.ID, sets State to queued, Attempts to 0 and CreatedAt
	// when zero, and writes those back into *n. A NextAttemptAt delays
	// the first attempt.
	Enqueue(ctx context.Context, n *Notification) error

	// ClaimNotifications takes up to max notifications, oldest first,
	// that are queued or failed with NextAttemptAt at or before now, or
	// sending with a lease that expired, and marks them sending until
	// now+lease, counting an attempt. Concurrent claimers never get the
	// same notification.
	ClaimNotifications(ctx context.Context, max int, lease time.Duration, now time.Time) ([]Notification, error)

	// FinishNotification records the attempt at a notification being
	// sent: sent marks it sent; otherwise it is failed with errMsg and
	// claimed again at next, or never again when giveUp is set. A
	// notification not sending is ErrConflict.
	FinishNotification(ctx context.Context, id string, sent bool, errMsg string, next time.Time, giveUp bool) error

	// Notifications lists a job's notifications, oldest first.
	Notifications(ctx context.Context, jobID string) ([]Notification, error)

	// Close releases the store. Calls after Close fail.
	Close() error
}

// JobFilter selects jobs for Store.ListJobs.
type JobFilter struct {
	Owner  string     // only this owner's jobs, when not ""
	States []JobState // only jobs in one of these states, when not empty
	Limit  int        // at most this many; all when <= 0
	// Before is a page cursor: only jobs older than the job with this
	// ID. Pass the next value of the previous page; "" starts at the
	// newest job.
	Before string
}

// RecipientFilter selects recipients for Store.Recipients.
type RecipientFilter struct {
	States   []RecipientState // only these states, when not empty
	AfterRow int              // only rows after this one
	Limit    int              // at most this many; all when <= 0
}
