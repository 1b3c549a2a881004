// Package bolt is the embedded batch.Store: jobs, recipients, progress and
// the notifications outbox in one bbolt file. It is the only package of
// fabricpress that imports go.etcd.io/bbolt.
//
// # Basics
//
// Open a file (created if missing) and use the result as a batch.Store:
//
//	st, err := bolt.Open("state.db", nil) // nil: the defaults
//	if err != nil {
//		return err // errors.Is(err, bolt.ErrInUse) if another process has it
//	}
//	defer st.Close()
//
// Every method runs in one bbolt transaction, and a transaction that
// returned is fsynced: committed state survives a crash of the process or
// of the machine (unless Options.NoSync is set). The Store is safe for
// concurrent use; readers (GetJob, ListJobs, Recipients, ...) run in
// parallel with each other and with the one writer.
//
// The file holds these buckets (keys in big-endian, so they sort in
// numeric order):
//
//	meta                        "version" → layout version ("1")
//	jobs                        u64 job seq → Job as JSON; the bucket sequence makes job IDs
//	                            (j000001, ...), so reverse key order is newest first
//	owners / "o:"+owner         u64 job seq → ∅: one owner's jobs, for ListJobs by owner
//	jobdata / u64 job seq       one bucket per job, dropped whole by DeleteJob:
//	    r                       u64 row → record: line, display name, fields (binary; never rewritten)
//	    s                       u64 row → state: state, attempts, error, output, lease (binary)
//	    p                       u64 row → next attempt, lease until (16 bytes): pending rows only
//	    "progress"              the latest Progress as JSON
//	notifications               u64 seq → Notification as JSON (IDs n000001, ...)
//	outbox                      u64 seq → next attempt, lease until: notifications still to send
//	job_notifications / u64 job seq   u64 notification seq → ∅
//
// A claim walks the job's pending index p from its first key: done and
// failed rows have left it, so however far a 100,000-row job has gone, a
// claim reads only the rows still pending, and skips leased or
// not-yet-due ones by their 16-byte index values without decoding records.
// Complete rewrites only the small state values of its chunk and the job,
// in one transaction per chunk. AddRecipients writes Options.InsertBatch
// rows per transaction, appending to the right edge of each B+tree.
//
// # Caveats
//
// One writer: bbolt runs one read-write transaction at a time, so writes
// from all goroutines are serialised, each paying an fsync. Commit results
// in chunks (tens of pieces per Complete), not one piece at a time.
//
// One process: the file is locked (flock) while open, and a second Open of
// the same file, from another process or this one, waits
// Options.LockTimeout and fails with "database is in use". The CLI cannot
// open the service's file while the service runs; use the HTTP API or
// another file. Runners in several processes need a networked Store.
//
// The file only grows: space freed by deleted jobs is reused by later
// writes but not returned to the file system.
package bolt
