package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/fabricpress/fabricpress/batch"
)

func getNote(tx *bbolt.Tx, key []byte) (batch.Notification, error) {
	var n batch.Notification
	v := tx.Bucket(bucketNotes).Get(key)
	if v == nil {
		return n, fmt.Errorf("notification %s: %w", noteID(key), batch.ErrNotFound)
	}
	if err := json.Unmarshal(v, &n); err != nil {
		return n, fmt.Errorf("notification %s: %w: %v", noteID(key), errCorrupt, err)
	}
	return n, nil
}

func putNote(tx *bbolt.Tx, key []byte, n *batch.Notification) error {
	v, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketNotes).Put(key, v)
}

// Enqueue implements batch.Store.
func (s *Store) Enqueue(ctx context.Context, n *batch.Notification) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	jkey, err := jobKey(n.JobID)
	if err != nil {
		return err
	}
	c := *n
	c.State = batch.NotificationQueued
	c.Attempts = 0
	c.LastError = ""
	c.SentAt, c.LeaseUntil = time.Time{}, time.Time{}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketJobs).Get(jkey) == nil {
			return fmt.Errorf("job %s: %w", n.JobID, batch.ErrNotFound)
		}
		seq, err := tx.Bucket(bucketNotes).NextSequence()
		if err != nil {
			return err
		}
		key := u64(seq)
		c.ID = formatID('n', seq)
		if err := putNote(tx, key, &c); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOutbox).Put(key, indexValue(c.NextAttemptAt, time.Time{})); err != nil {
			return err
		}
		byJob, err := tx.Bucket(bucketJobNotes).CreateBucketIfNotExists(jkey)
		if err != nil {
			return err
		}
		return byJob.Put(key, []byte{})
	})
	if err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}
	*n = c
	return nil
}

// ClaimNotifications implements batch.Store. The outbox bucket indexes the
// notifications still to send (queued, sending, failed and not given up)
// with the times a claim compares, so sent ones are never scanned.
func (s *Store) ClaimNotifications(ctx context.Context, max int, lease time.Duration, now time.Time) ([]batch.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if lease <= 0 {
		return nil, fmt.Errorf("claim notifications: lease %v is not positive", lease)
	}
	if max <= 0 {
		return nil, nil
	}
	var out []batch.Notification
	err := s.db.Update(func(tx *bbolt.Tx) error {
		out = out[:0]
		outbox := tx.Bucket(bucketOutbox)
		nowNS := now.UnixNano()
		var keys [][]byte
		c := outbox.Cursor()
		for k, v := c.First(); k != nil && len(keys) < max; k, v = c.Next() {
			if due(v, nowNS) {
				keys = append(keys, slices.Clone(k))
			}
		}
		for _, k := range keys {
			n, err := getNote(tx, k)
			if err != nil {
				return err
			}
			n.State = batch.NotificationSending
			n.LeaseUntil = now.Add(lease)
			n.Attempts++
			if err := putNote(tx, k, &n); err != nil {
				return err
			}
			if err := outbox.Put(k, indexValue(time.Time{}, n.LeaseUntil)); err != nil {
				return err
			}
			out = append(out, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim notifications: %w", err)
	}
	return out, nil
}

// FinishNotification implements batch.Store.
func (s *Store) FinishNotification(ctx context.Context, id string, sent bool, errMsg string, next time.Time, giveUp bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key, err := noteKey(id)
	if err != nil {
		return err
	}
	now := time.Now()
	return s.db.Update(func(tx *bbolt.Tx) error {
		n, err := getNote(tx, key)
		if err != nil {
			return err
		}
		if n.State != batch.NotificationSending {
			return fmt.Errorf("notification %s: %w: it is %s, not sending", id, batch.ErrConflict, n.State)
		}
		outbox := tx.Bucket(bucketOutbox)
		n.LeaseUntil = time.Time{}
		switch {
		case sent:
			n.State = batch.NotificationSent
			n.SentAt = now
			n.NextAttemptAt = time.Time{}
			err = outbox.Delete(key)
		case giveUp:
			n.State = batch.NotificationFailed
			n.LastError = errMsg
			n.NextAttemptAt = time.Time{}
			err = outbox.Delete(key)
		default:
			n.State = batch.NotificationFailed
			n.LastError = errMsg
			if next.IsZero() {
				next = now // zero NextAttemptAt on a failed entry means given up
			}
			n.NextAttemptAt = next
			err = outbox.Put(key, indexValue(next, time.Time{}))
		}
		if err != nil {
			return err
		}
		return putNote(tx, key, &n)
	})
}

// Notifications implements batch.Store.
func (s *Store) Notifications(ctx context.Context, jobID string) ([]batch.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	jkey, err := jobKey(jobID)
	if err != nil {
		return nil, err
	}
	var out []batch.Notification
	err = s.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketJobs).Get(jkey) == nil {
			return fmt.Errorf("job %s: %w", jobID, batch.ErrNotFound)
		}
		byJob := tx.Bucket(bucketJobNotes).Bucket(jkey)
		if byJob == nil {
			return nil
		}
		return byJob.ForEach(func(k, _ []byte) error {
			n, err := getNote(tx, k)
			if err != nil {
				return err
			}
			out = append(out, n)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
