package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/fabricpress/fabricpress/batch"
)

// CreateJob implements batch.Store.
func (s *Store) CreateJob(ctx context.Context, job *batch.Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now()
	j := *job
	j.State = batch.JobQueued
	j.Total, j.Done, j.Failed = 0, 0, 0
	j.CancelRequested = false
	j.CreatedAt, j.UpdatedAt = now, now
	j.StartedAt, j.FinishedAt = time.Time{}, time.Time{}
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = batch.DefaultMaxAttempts
	}
	if j.Kind == "" {
		j.Kind = batch.DefaultKind
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		seq, err := tx.Bucket(bucketJobs).NextSequence()
		if err != nil {
			return err
		}
		key := u64(seq)
		j.ID = formatID('j', seq)
		if err := putJob(tx, key, &j); err != nil {
			return err
		}
		owners, err := tx.Bucket(bucketOwners).CreateBucketIfNotExists(ownerKey(j.Owner))
		if err != nil {
			return err
		}
		if err := owners.Put(key, []byte{}); err != nil {
			return err
		}
		data, err := tx.Bucket(bucketJobData).CreateBucket(key)
		if err != nil {
			return err
		}
		for _, name := range [][]byte{subRecords, subStates, subPending} {
			if _, err := data.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create job: %w", err)
	}
	*job = j
	return nil
}

// GetJob implements batch.Store.
func (s *Store) GetJob(ctx context.Context, id string) (batch.Job, error) {
	var j batch.Job
	err := s.view(ctx, id, func(tx *bbolt.Tx, key []byte) error {
		var err error
		j, err = getJob(tx, key)
		return err
	})
	return j, err
}

// ListJobs implements batch.Store. It walks the jobs bucket (or the owner's
// index) backwards from the cursor, so a page costs the jobs it returns
// plus those the state filter skips.
func (s *Store) ListJobs(ctx context.Context, f batch.JobFilter) ([]batch.Job, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	var before []byte
	if f.Before != "" {
		k, ok := parseID('j', f.Before)
		if !ok {
			return nil, "", fmt.Errorf("list jobs: bad cursor %q: %w", f.Before, batch.ErrNotFound)
		}
		before = k
	}
	var (
		jobs []batch.Job
		next string
	)
	err := s.db.View(func(tx *bbolt.Tx) error {
		var c *bbolt.Cursor
		if f.Owner != "" {
			b := tx.Bucket(bucketOwners).Bucket(ownerKey(f.Owner))
			if b == nil {
				return nil
			}
			c = b.Cursor()
		} else {
			c = tx.Bucket(bucketJobs).Cursor()
		}
		var k []byte
		if before == nil {
			k, _ = c.Last()
		} else if k, _ = c.Seek(before); k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for n := 0; k != nil; k, _ = c.Prev() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			j, err := getJob(tx, k)
			if err != nil {
				return err
			}
			if len(f.States) > 0 && !slices.Contains(f.States, j.State) {
				continue
			}
			if f.Limit > 0 && len(jobs) == f.Limit {
				next = jobs[len(jobs)-1].ID
				break
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list jobs: %w", err)
	}
	return jobs, next, nil
}

// UpdateJob implements batch.Store.
func (s *Store) UpdateJob(ctx context.Context, id string, fn func(*batch.Job) error) error {
	return s.update(ctx, id, func(tx *bbolt.Tx, key []byte) error {
		old, err := getJob(tx, key)
		if err != nil {
			return err
		}
		j := old
		j.Spec = bytes.Clone(old.Spec)
		if err := fn(&j); err != nil {
			return err
		}
		if err := checkJobUpdate(&old, &j, time.Now()); err != nil {
			return err
		}
		return putJob(tx, key, &j)
	})
}

// checkJobUpdate validates the change from old to j that an UpdateJob fn
// made and sets the timestamps the store owns.
func checkJobUpdate(old, j *batch.Job, now time.Time) error {
	switch {
	case j.ID != old.ID, !j.CreatedAt.Equal(old.CreatedAt),
		j.Total != old.Total, j.Done != old.Done, j.Failed != old.Failed:
		return fmt.Errorf("job %s: %w: ID, CreatedAt, Total, Done and Failed belong to the store", old.ID, batch.ErrConflict)
	case old.Sealed && !j.Sealed:
		return fmt.Errorf("job %s: %w: a sealed job cannot be unsealed", old.ID, batch.ErrConflict)
	case old.CancelRequested && !j.CancelRequested:
		return fmt.Errorf("job %s: %w: a cancel cannot be withdrawn", old.ID, batch.ErrConflict)
	}
	if j.State != old.State {
		switch {
		case !batch.CanTransition(old.State, j.State):
			return fmt.Errorf("job %s: %w", old.ID, batch.TransitionError(old.State, j.State))
		case j.CancelRequested && !j.State.Terminal():
			return fmt.Errorf("job %s: %w (cancel requested)", old.ID, batch.TransitionError(old.State, j.State))
		case old.State == batch.JobQueued && j.State == batch.JobRunning && !j.Sealed:
			return fmt.Errorf("job %s: %w (recipients not sealed)", old.ID, batch.TransitionError(old.State, j.State))
		}
		if j.State == batch.JobRunning && j.StartedAt.IsZero() {
			j.StartedAt = now
		}
		if j.State.Terminal() {
			if j.FinishedAt.IsZero() {
				j.FinishedAt = now
			}
		} else {
			j.FinishedAt = time.Time{}
		}
	}
	j.UpdatedAt = now
	return nil
}

// DeleteJob implements batch.Store.
func (s *Store) DeleteJob(ctx context.Context, id string) error {
	return s.update(ctx, id, func(tx *bbolt.Tx, key []byte) error {
		j, err := getJob(tx, key)
		if err != nil {
			return err
		}
		if j.State == batch.JobRunning {
			return fmt.Errorf("delete job %s: %w: it is running; cancel it first", id, batch.ErrConflict)
		}
		if err := tx.Bucket(bucketJobs).Delete(key); err != nil {
			return err
		}
		owners := tx.Bucket(bucketOwners)
		if b := owners.Bucket(ownerKey(j.Owner)); b != nil {
			if err := b.Delete(key); err != nil {
				return err
			}
			if k, _ := b.Cursor().First(); k == nil {
				if err := owners.DeleteBucket(ownerKey(j.Owner)); err != nil {
					return err
				}
			}
		}
		if err := deleteBucketIfExists(tx.Bucket(bucketJobData), key); err != nil {
			return err
		}
		byJob := tx.Bucket(bucketJobNotes)
		if nb := byJob.Bucket(key); nb != nil {
			notes, outbox := tx.Bucket(bucketNotes), tx.Bucket(bucketOutbox)
			err := nb.ForEach(func(k, _ []byte) error {
				if err := notes.Delete(k); err != nil {
					return err
				}
				return outbox.Delete(k)
			})
			if err != nil {
				return err
			}
			if err := byJob.DeleteBucket(key); err != nil {
				return err
			}
		}
		return nil
	})
}

func deleteBucketIfExists(parent *bbolt.Bucket, key []byte) error {
	if parent.Bucket(key) == nil {
		return nil
	}
	return parent.DeleteBucket(key)
}

// ExpiredJobs implements batch.Store. It reads every job: retention runs
// rarely, and jobs are few next to recipients.
func (s *Store) ExpiredJobs(ctx context.Context, before time.Time) ([]batch.Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var jobs []batch.Job
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			var j batch.Job
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("job %s: %w: %v", jobID(k), errCorrupt, err)
			}
			if j.State.Terminal() && !j.FinishedAt.IsZero() && j.FinishedAt.Before(before) {
				jobs = append(jobs, j)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("expired jobs: %w", err)
	}
	slices.SortStableFunc(jobs, func(a, b batch.Job) int { return a.FinishedAt.Compare(b.FinishedAt) })
	return jobs, nil
}

// SaveProgress implements batch.Store.
func (s *Store) SaveProgress(ctx context.Context, p batch.Progress) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key, err := jobKey(p.JobID)
	if err != nil {
		return err
	}
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		jb, err := openJobData(tx, key)
		if err != nil {
			return err
		}
		return jb.data.Put(keyProgress, v)
	})
}

// Progress implements batch.Store.
func (s *Store) Progress(ctx context.Context, id string) (batch.Progress, error) {
	var p batch.Progress
	err := s.view(ctx, id, func(tx *bbolt.Tx, key []byte) error {
		j, err := getJob(tx, key)
		if err != nil {
			return err
		}
		jb, err := openJobData(tx, key)
		if err != nil {
			return err
		}
		if v := jb.data.Get(keyProgress); v != nil {
			return json.Unmarshal(v, &p)
		}
		p = batch.Progress{
			JobID: j.ID, State: j.State,
			Done: j.Done, Failed: j.Failed, Total: j.Total,
			StartedAt: j.StartedAt, UpdatedAt: j.UpdatedAt,
		}
		return nil
	})
	return p, err
}
