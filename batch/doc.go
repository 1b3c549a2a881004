// Package batch runs personalised rendering jobs: one piece (PNG, JPEG or
// PDF) per recipient of a CSV file, from a Fabric.js template, durably,
// so that a job of 100,000 recipients survives crashes, restarts and
// cancels with every piece produced exactly once.
//
// # Input
//
// A job is described by a Spec (template, back side, canvas size, mapping,
// Options), stored as JSON in Job.Spec. Spec.Compile parses and checks it
// (errors are *SpecError naming the JSON path or option at fault) and
// Compiled.Template gives the renderable *Template.
//
//   - Reader streams recipients from CSV text (UTF-8, delimiter detected,
//     RFC 4180 quoting), one Record at a time, with memory bounded by the
//     longest row. A malformed row is a *RowError with its line number;
//     reading goes on with the next row.
//   - MatchColumns maps template fields to CSV columns (by name, loosely via
//     NormalizeName, or by explicit overrides); ColumnMap.Apply turns a
//     Record into field values.
//   - Ingest streams a CSV into the Store as a job's recipients, a few
//     thousand rows per transaction (malformed rows become permanently
//     failed recipients), and seals the job.
//
// # Pieces and outputs
//
// Template.Piece validates one record, binds it and renders it to encoded
// bytes; its errors concern that record only and are one line.
// Template.Sides binds a record without rendering (merged PDFs page them).
// PieceName names a piece file after its row and the Slug of the
// recipient's display name. Output (NewOutput: a ZipOutput or a
// FolderOutput) receives pieces and writes manifest.csv last
// (WriteManifest: row,line,status,file,error for every recipient).
//
// # Store
//
// The Store interface keeps jobs, their recipients, progress snapshots and
// the notifications outbox; it is the queue. The embedded implementation is
// batch/bolt (one bbolt file); batch/storetest is the conformance suite any
// other implementation passes. JobState and RecipientState document the
// lifecycles and the transitions a Store accepts (CanTransition).
//
// # Runner
//
// A Runner works the Store's jobs until its context ends:
//
//   - It claims queued jobs that are sealed (queued -> running) and joins
//     every running job, so a restart resumes all of them. For each job it
//     compiles the Spec once, with one render.ImageCache per job; a spec
//     that does not compile fails the job (state failed, Job.Error).
//   - One pool of Runner.Workers renders pieces for all running jobs,
//     taking one piece from each job with work in turn, so a 50-piece job
//     finishes long before a 100,000-piece one started earlier.
//   - Recipients are claimed in chunks of ChunkSize under a lease
//     (Store.ClaimRecipients) that is renewed every Lease/3 while the chunk
//     is worked. Each piece is written under JobDir(OutputDir, job)/pieces
//     to a temporary name, synced and renamed; the folder is synced; only
//     then are the chunk's results committed in one Store.Complete. A chunk
//     whose lease is lost (ErrLeaseLost) is dropped uncommitted: whoever
//     holds the rows now renders them.
//   - A failure is classified by Permanent: bad data (missing fields, bind
//     and template errors, QR capacity, refused or undecodable images)
//     fails the recipient at once; anything marked Transient, timeouts,
//     network and disk errors are retried after Runner.Backoff
//     (DefaultBackoff: exponential with jitter) until the job's
//     MaxAttempts.
//   - When nothing is pending, the runner writes the job's outputs (a ZIP
//     of the done pieces with manifest.csv; for format pdf with merge, the
//     merged PDFs in row order, split at MaxPages), moves the job to
//     completed or completed_with_errors and enqueues its notifications
//     (options.notifyEmail, options.webhookUrl; the payload is a Report).
//     Outputs finds them for a finished job.
//   - Progress (counts, rate over the last 30 s, ETA, the recipient being
//     rendered) is saved with Store.SaveProgress at most once a second per
//     job and at every state change, published to Subscribe channels at
//     most four times a second per job (and at every state change), and
//     sent as a job.progress webhook at most every 10 s.
//   - With Retention set, a cleaner removes terminal jobs older than that,
//     files first (Clean), once at start and hourly.
//   - When its context ends, the runner stops claiming, gives back claimed
//     rows it has not started, lets pieces in flight finish within Grace
//     (then cancels them), commits and returns; jobs stay running for the
//     next start.
//
// Cancel cancels a job: a queued one at once; a running one is marked
// CancelRequested, which stops claims, and the runner working on it cancels
// the pieces in flight, commits what finished and moves the job to
// cancelled within about a second, keeping the pieces done (and writing a
// ZIP of them). A cancelled job is final: no retry starts it again. Delete
// removes a job that is not running with its files.
//
// # Exactly once
//
// A recipient is done only when its file is complete on disk and its state
// committed, in that order. A crash before the commit leaves the recipient
// pending under a lease that expires: it is claimed again and its piece is
// rendered again under the same file name, replacing any file of the
// first attempt, so no piece is lost and none is produced twice. Temporary
// files a crash leaves are removed when a runner takes the job up again,
// and outputs are written to temporary names and renamed, so the outputs
// never hold a partial file. An attempt counts only when it is committed;
// attempts cut short by a crash, a shutdown, a cancel or a lost lease do
// not use up MaxAttempts.
//
// # Concurrency
//
// A Template is safe for concurrent use. A Store is safe for concurrent
// use. A Runner runs once at a time (Run); Subscribe may be called from any
// goroutine at any time, and a slow subscriber loses events rather than
// slowing the runner.
//
// # Caveats
//
// Several runners may share one Store: leases keep them from rendering a
// recipient twice. But the bbolt store is locked by one process, and a
// runner cleans the temporary files of a job's folder when it takes the job
// up, assuming no other process writes there; runners in several processes
// need a networked Store and a folder per runner host. After a kill -9 the
// dead runner's leases delay its rows by up to Lease; a process that owns
// the store alone (the CLI) may give them back at once with ReleaseLeases.
//
// The runner looks for jobs with Store.ListJobs every Poll and for cancel
// requests with Store.GetJob five times a second per running job; both read
// the job's Spec, so stores with very large templates pay for it.
//
// Retention removes a job's folder under OutputDir, not Job.Input: an input
// file kept elsewhere is its creator's to remove.
package batch
