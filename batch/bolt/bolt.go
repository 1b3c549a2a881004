package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/fabricpress/fabricpress/batch"
)

// Interface guard.
var _ batch.Store = (*Store)(nil)

// ErrInUse is wrapped by the error Open returns when another process (or
// another Store in this one) has the file open.
var ErrInUse = errors.New("database is in use")

// Defaults for Options.
const (
	DefaultLockTimeout = time.Second
	DefaultInsertBatch = 5000
	DefaultMode        = 0o600
)

// schemaVersion is the layout version written in the meta bucket.
const schemaVersion = "1"

// Options configure Open. The zero value (or nil) means the defaults.
type Options struct {
	// LockTimeout is how long Open waits for the file lock held by another
	// process before it fails with ErrInUse (DefaultLockTimeout when 0).
	LockTimeout time.Duration

	// Mode is the permission of a new file (DefaultMode when 0).
	Mode os.FileMode

	// InsertBatch is how many rows AddRecipients writes per transaction
	// (DefaultInsertBatch when 0 or less).
	InsertBatch int

	// NoSync skips the fsync at each commit. A crash of the process still
	// loses nothing committed, but a crash of the machine may lose or
	// corrupt the file. For tests and benchmarks only.
	NoSync bool
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.LockTimeout <= 0 {
		out.LockTimeout = DefaultLockTimeout
	}
	if out.Mode == 0 {
		out.Mode = DefaultMode
	}
	if out.InsertBatch <= 0 {
		out.InsertBatch = DefaultInsertBatch
	}
	return out
}

// Store is a batch.Store in one bbolt file. It is safe for concurrent use;
// see the package documentation for its layout and caveats.
type Store struct {
	db   *bbolt.DB
	opts Options
}

// Bucket names. See doc.go for the layout.
var (
	bucketMeta     = []byte("meta")
	bucketJobs     = []byte("jobs")
	bucketOwners   = []byte("owners")
	bucketJobData  = []byte("jobdata")
	bucketNotes    = []byte("notifications")
	bucketOutbox   = []byte("outbox")
	bucketJobNotes = []byte("job_notifications")

	subRecords  = []byte("r")
	subStates   = []byte("s")
	subPending  = []byte("p")
	keyProgress = []byte("progress")
	keyVersion  = []byte("version")
)

var topBuckets = [][]byte{bucketMeta, bucketJobs, bucketOwners, bucketJobData, bucketNotes, bucketOutbox, bucketJobNotes}

// Open opens the store in the file at path, creating it if needed. With nil
// opts it uses the defaults. Only one Store may have a file open at a time:
// if another process holds it, Open fails after opts.LockTimeout with an
// error wrapping ErrInUse ("database is in use").
func Open(path string, opts *Options) (*Store, error) {
	o := opts.withDefaults()
	db, err := bbolt.Open(path, o.Mode, &bbolt.Options{
		Timeout:      o.LockTimeout,
		NoSync:       o.NoSync,
		FreelistType: bbolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: open %s: %w: another process holds its lock (waited %v)", path, ErrInUse, o.LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range topBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get(keyVersion); {
		case v == nil:
			return meta.Put(keyVersion, []byte(schemaVersion))
		case string(v) != schemaVersion:
			return fmt.Errorf("layout version %q, this build reads %q", v, schemaVersion)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	return &Store{db: db, opts: o}, nil
}

// Path returns the file the store is in.
func (s *Store) Path() string { return s.db.Path() }

// Close closes the file. It waits for transactions in progress.
func (s *Store) Close() error { return s.db.Close() }

// jobKey returns the key of a job ID, or ErrNotFound for a malformed one.
func jobKey(id string) ([]byte, error) {
	k, ok := parseID('j', id)
	if !ok {
		return nil, fmt.Errorf("job %q: %w", id, batch.ErrNotFound)
	}
	return k, nil
}

// update runs fn in a read-write transaction on the job id names, once
// ctx is live and id well formed.
func (s *Store) update(ctx context.Context, id string, fn func(tx *bbolt.Tx, key []byte) error) error {
	return onJob(ctx, id, s.db.Update, fn)
}

// view runs fn in a read-only transaction on the job id names.
func (s *Store) view(ctx context.Context, id string, fn func(tx *bbolt.Tx, key []byte) error) error {
	return onJob(ctx, id, s.db.View, fn)
}

func onJob(ctx context.Context, id string, run func(func(*bbolt.Tx) error) error, fn func(tx *bbolt.Tx, key []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key, err := jobKey(id)
	if err != nil {
		return err
	}
	return run(func(tx *bbolt.Tx) error { return fn(tx, key) })
}

func noteKey(id string) ([]byte, error) {
	k, ok := parseID('n', id)
	if !ok {
		return nil, fmt.Errorf("notification %q: %w", id, batch.ErrNotFound)
	}
	return k, nil
}

// getJob decodes the job at key; ErrNotFound when there is none.
func getJob(tx *bbolt.Tx, key []byte) (batch.Job, error) {
	var j batch.Job
	v := tx.Bucket(bucketJobs).Get(key)
	if v == nil {
		return j, fmt.Errorf("job %s: %w", jobID(key), batch.ErrNotFound)
	}
	if err := json.Unmarshal(v, &j); err != nil {
		return j, fmt.Errorf("job %s: %w: %v", jobID(key), errCorrupt, err)
	}
	return j, nil
}

func putJob(tx *bbolt.Tx, key []byte, j *batch.Job) error {
	v, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketJobs).Put(key, v)
}

// jobID is the ID of the job at key.
func jobID(key []byte) string { return formatID('j', binary.BigEndian.Uint64(key)) }

// jobData returns the buckets of one job's recipients.
type jobBuckets struct {
	data    *bbolt.Bucket // the job's bucket (progress key)
	records *bbolt.Bucket // row -> immutable record
	states  *bbolt.Bucket // row -> state
	pending *bbolt.Bucket // row -> index value, pending rows only
}

// recipient assembles the recipient at row key k from its record (never
// rewritten) and its already decoded state.
func (jb jobBuckets) recipient(id string, k []byte, st *recipientState) (batch.Recipient, error) {
	r := batch.Recipient{JobID: id, Row: keyRow(k)}
	if err := decodeRecord(jb.records.Get(k), &r); err != nil {
		return r, fmt.Errorf("job %s row %d: %w", id, r.Row, err)
	}
	st.fill(&r)
	return r, nil
}

func openJobData(tx *bbolt.Tx, key []byte) (jobBuckets, error) {
	b := tx.Bucket(bucketJobData).Bucket(key)
	if b == nil {
		return jobBuckets{}, fmt.Errorf("job %s: %w", jobID(key), batch.ErrNotFound)
	}
	jb := jobBuckets{data: b, records: b.Bucket(subRecords), states: b.Bucket(subStates), pending: b.Bucket(subPending)}
	if jb.records == nil || jb.states == nil || jb.pending == nil {
		return jobBuckets{}, fmt.Errorf("job %s: %w: missing recipient buckets", jobID(key), errCorrupt)
	}
	return jb, nil
}

func ownerKey(owner string) []byte { return append([]byte("o:"), owner...) }

// noteID is the ID of the notification at key.
func noteID(key []byte) string { return formatID('n', binary.BigEndian.Uint64(key)) }
