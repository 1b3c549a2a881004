package bolt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/fabricpress/fabricpress/batch"
)

// AddRecipients implements batch.Store. Rows are checked first, then
// written in transactions of Options.InsertBatch rows. Keys only grow, so
// bbolt appends to the right edge of each B+tree; the record and index
// buckets are packed full since their values never grow.
func (s *Store) AddRecipients(ctx context.Context, id string, rs []batch.Recipient) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key, err := jobKey(id)
	if err != nil {
		return err
	}
	prev := 0
	for i := range rs {
		r := &rs[i]
		switch {
		case r.Row < 0:
			return fmt.Errorf("add recipients to job %s: %w: row %d", id, batch.ErrConflict, r.Row)
		case r.Row == 0:
			if prev > 0 {
				prev++
			}
		case r.Row <= prev:
			return fmt.Errorf("add recipients to job %s: %w: row %d after row %d", id, batch.ErrConflict, r.Row, prev)
		default:
			prev = r.Row
		}
		if r.State != "" && r.State != batch.RecipientPending && r.State != batch.RecipientFailed {
			return fmt.Errorf("add recipients to job %s: %w: row %d is %s; add rows pending or failed", id, batch.ErrConflict, r.Row, r.State)
		}
	}
	for chunk := range slices.Chunk(rs, s.opts.InsertBatch) {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.db.Update(func(tx *bbolt.Tx) error {
			j, err := getJob(tx, key)
			if err != nil {
				return err
			}
			if j.State != batch.JobQueued || j.Sealed {
				return fmt.Errorf("%w: job %s is %s (sealed: %t); recipients are added to a queued job before it is sealed",
					batch.ErrConflict, id, j.State, j.Sealed)
			}
			jb, err := openJobData(tx, key)
			if err != nil {
				return err
			}
			jb.records.FillPercent = 1
			jb.pending.FillPercent = 1
			jb.states.FillPercent = 0.8 // room for outputs and errors
			last := 0
			if k, _ := jb.records.Cursor().Last(); k != nil {
				last = keyRow(k)
			}
			failed := 0
			// bbolt keeps the slices given to Put until the commit, so
			// values are cut from an arena that is only appended to.
			ar := make(arena, 0, 96*len(chunk))
			for i := range chunk {
				r := &chunk[i]
				row := r.Row
				if row == 0 {
					row = last + 1
				} else if row <= last {
					return fmt.Errorf("%w: row %d after row %d", batch.ErrConflict, row, last)
				}
				last = row
				k := rowKey(row)
				if err := jb.records.Put(k, ar.add(func(b []byte) []byte { return appendRecord(b, r) })); err != nil {
					return err
				}
				st := recipientState{
					State:     batch.RecipientPending,
					Attempts:  r.Attempts,
					Permanent: r.Permanent,
					Next:      r.NextAttemptAt,
					LastError: r.LastError,
					Output:    r.Output,
				}
				if r.State == batch.RecipientFailed {
					st.State = batch.RecipientFailed
					st.Next = time.Time{}
					failed++
				} else if err := jb.pending.Put(k, st.index()); err != nil {
					return err
				}
				if err := jb.states.Put(k, ar.add(st.append)); err != nil {
					return err
				}
			}
			j.Total += len(chunk)
			j.Failed += failed
			j.UpdatedAt = time.Now()
			return putJob(tx, key, &j)
		})
		if err != nil {
			return fmt.Errorf("add recipients to job %s: %w", id, err)
		}
	}
	return nil
}

// ClaimRecipients implements batch.Store. It walks the job's pending index
// from its first row: done and failed rows are not in it, so a claim never
// rescans them; leased and not-yet-due rows are skipped by their 16-byte
// index values without decoding records.
func (s *Store) ClaimRecipients(ctx context.Context, id, runner string, max int, lease time.Duration, now time.Time) ([]batch.Recipient, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if lease <= 0 {
		return nil, fmt.Errorf("claim recipients of job %s: lease %v is not positive", id, lease)
	}
	key, err := jobKey(id)
	if err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	var out []batch.Recipient
	err = s.db.Update(func(tx *bbolt.Tx) error {
		out = out[:0]
		j, err := getJob(tx, key)
		if err != nil {
			return err
		}
		if j.State != batch.JobRunning {
			return fmt.Errorf("%w: job %s is %s, not running", batch.ErrConflict, id, j.State)
		}
		if j.CancelRequested {
			return fmt.Errorf("%w: job %s is being cancelled", batch.ErrConflict, id)
		}
		jb, err := openJobData(tx, key)
		if err != nil {
			return err
		}
		nowNS := now.UnixNano()
		var rows [][]byte
		c := jb.pending.Cursor()
		for k, v := c.First(); k != nil && len(rows) < max; k, v = c.Next() {
			if due(v, nowNS) {
				rows = append(rows, k) // valid until the first write below
			}
		}
		keys := make([]byte, 0, 8*len(rows))
		for _, k := range rows {
			keys = append(keys, k...)
		}
		until := now.Add(lease)
		var ar arena
		for i := range rows {
			k := keys[8*i : 8*i+8]
			var st recipientState
			if err := st.decode(jb.states.Get(k)); err != nil {
				return fmt.Errorf("job %s row %d: %w", id, keyRow(k), err)
			}
			st.LeaseOwner, st.LeaseUntil = runner, until
			if err := jb.states.Put(k, ar.add(st.append)); err != nil {
				return err
			}
			if err := jb.pending.Put(k, st.index()); err != nil {
				return err
			}
			r, err := jb.recipient(id, k, &st)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim recipients: %w", err)
	}
	return out, nil
}

// errLeaseLost names the row and who holds it now.
func errLeaseLost(id string, row int, st *recipientState, now time.Time) error {
	switch {
	case st.State != batch.RecipientPending:
		return fmt.Errorf("job %s row %d: %w: it is %s", id, row, batch.ErrLeaseLost, st.State)
	case st.LeaseOwner == "" || !st.LeaseUntil.After(now):
		return fmt.Errorf("job %s row %d: %w: the lease expired", id, row, batch.ErrLeaseLost)
	default:
		return fmt.Errorf("job %s row %d: %w: leased by %s until %s", id, row, batch.ErrLeaseLost,
			st.LeaseOwner, st.LeaseUntil.Format(time.RFC3339Nano))
	}
}

// RenewLease implements batch.Store.
func (s *Store) RenewLease(ctx context.Context, id, runner string, rows []int, lease time.Duration, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if lease <= 0 {
		return fmt.Errorf("renew lease on job %s: lease %v is not positive", id, lease)
	}
	key, err := jobKey(id)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		jb, err := openJobData(tx, key)
		if err != nil {
			return err
		}
		var ar arena
		for _, row := range rows {
			k := rowKey(row)
			var st recipientState
			v := jb.states.Get(k)
			if v == nil {
				return fmt.Errorf("job %s row %d: %w", id, row, batch.ErrNotFound)
			}
			if err := st.decode(v); err != nil {
				return fmt.Errorf("job %s row %d: %w", id, row, err)
			}
			if !st.leasedBy(runner, now) {
				return errLeaseLost(id, row, &st, now) // the transaction rolls back: nothing renewed
			}
			st.LeaseUntil = now.Add(lease)
			if err := jb.states.Put(k, ar.add(st.append)); err != nil {
				return err
			}
			if err := jb.pending.Put(k, st.index()); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReleaseRecipients implements batch.Store.
func (s *Store) ReleaseRecipients(ctx context.Context, id, runner string, rows []int) error {
	return s.update(ctx, id, func(tx *bbolt.Tx, key []byte) error {
		jb, err := openJobData(tx, key)
		if err != nil {
			return err
		}
		var ar arena
		for _, row := range rows {
			k := rowKey(row)
			v := jb.states.Get(k)
			if v == nil {
				continue
			}
			var st recipientState
			if err := st.decode(v); err != nil {
				return fmt.Errorf("job %s row %d: %w", id, row, err)
			}
			if st.State != batch.RecipientPending || st.LeaseOwner != runner {
				continue
			}
			st.clearLease()
			if err := jb.states.Put(k, ar.add(st.append)); err != nil {
				return err
			}
			if err := jb.pending.Put(k, st.index()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Complete implements batch.Store.
func (s *Store) Complete(ctx context.Context, id, runner string, results []batch.Result, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key, err := jobKey(id)
	if err != nil {
		return err
	}
	if len(results) == 0 {
		return nil
	}
	seen := make(map[int]bool, len(results))
	for _, res := range results {
		if seen[res.Row] {
			return fmt.Errorf("complete job %s: row %d given twice", id, res.Row)
		}
		seen[res.Row] = true
		if res.State != batch.RecipientDone && res.State != batch.RecipientFailed {
			return fmt.Errorf("complete job %s row %d: result state %q is neither done nor failed", id, res.Row, res.State)
		}
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		j, err := getJob(tx, key)
		if err != nil {
			return err
		}
		jb, err := openJobData(tx, key)
		if err != nil {
			return err
		}
		maxAttempts := j.MaxAttempts
		if maxAttempts <= 0 {
			maxAttempts = batch.DefaultMaxAttempts
		}
		var ar arena
		for _, res := range results {
			k := rowKey(res.Row)
			v := jb.states.Get(k)
			if v == nil {
				return fmt.Errorf("job %s row %d: %w", id, res.Row, batch.ErrNotFound)
			}
			var st recipientState
			if err := st.decode(v); err != nil {
				return fmt.Errorf("job %s row %d: %w", id, res.Row, err)
			}
			if !st.leasedBy(runner, now) {
				return errLeaseLost(id, res.Row, &st, now) // rolls back the whole chunk
			}
			st.clearLease()
			st.Attempts++
			switch {
			case res.State == batch.RecipientDone:
				st.State = batch.RecipientDone
				st.Output = res.Output
				st.LastError = ""
				st.Permanent = false
				st.Next = time.Time{}
				j.Done++
			case res.Permanent || st.Attempts >= maxAttempts:
				st.State = batch.RecipientFailed
				st.LastError = res.Error
				st.Permanent = res.Permanent
				st.Next = time.Time{}
				j.Failed++
			default:
				st.LastError = res.Error
				st.Permanent = false
				st.Next = res.RetryAt
			}
			if err := jb.states.Put(k, ar.add(st.append)); err != nil {
				return err
			}
			if st.State == batch.RecipientPending {
				err = jb.pending.Put(k, st.index())
			} else {
				err = jb.pending.Delete(k)
			}
			if err != nil {
				return err
			}
		}
		j.UpdatedAt = now
		return putJob(tx, key, &j)
	})
}

// Recipients implements batch.Store.
func (s *Store) Recipients(ctx context.Context, id string, f batch.RecipientFilter) ([]batch.Recipient, error) {
	var out []batch.Recipient
	err := s.view(ctx, id, func(tx *bbolt.Tx, key []byte) error {
		jb, err := openJobData(tx, key)
		if err != nil {
			return err
		}
		c := jb.states.Cursor()
		n := 0
		for k, v := c.Seek(rowKey(max(f.AfterRow, 0) + 1)); k != nil; k, v = c.Next() {
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var st recipientState
			if err := st.decode(v); err != nil {
				return fmt.Errorf("job %s row %d: %w", id, keyRow(k), err)
			}
			if len(f.States) > 0 && !slices.Contains(f.States, st.State) {
				continue
			}
			r, err := jb.recipient(id, k, &st)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	return out, nil
}

// CountRecipients implements batch.Store from the job's counts, which every
// write keeps in step with the recipients.
func (s *Store) CountRecipients(ctx context.Context, id string) (map[batch.RecipientState]int, error) {
	j, err := s.GetJob(ctx, id)
	if err != nil {
		return nil, err
	}
	return map[batch.RecipientState]int{
		batch.RecipientPending: j.Pending(),
		batch.RecipientDone:    j.Done,
		batch.RecipientFailed:  j.Failed,
	}, nil
}

// RetryFailed implements batch.Store.
func (s *Store) RetryFailed(ctx context.Context, id string) (int, error) {
	var n int
	err := s.update(ctx, id, func(tx *bbolt.Tx, key []byte) error {
		n = 0
		j, err := getJob(tx, key)
		if err != nil {
			return err
		}
		if j.State != batch.JobCompletedWithErrors && j.State != batch.JobFailed {
			return fmt.Errorf("retry job %s: %w", id, batch.TransitionError(j.State, batch.JobQueued))
		}
		jb, err := openJobData(tx, key)
		if err != nil {
			return err
		}
		// Collect first: a bucket must not change under its cursor.
		type change struct {
			key   []byte
			state []byte
		}
		var changes []change
		c := jb.states.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var st recipientState
			if err := st.decode(v); err != nil {
				return fmt.Errorf("job %s row %d: %w", id, keyRow(k), err)
			}
			if st.State != batch.RecipientFailed {
				continue
			}
			st.State = batch.RecipientPending
			st.Attempts = 0
			st.Permanent = false
			st.Next = time.Time{}
			st.clearLease()
			changes = append(changes, change{slices.Clone(k), st.append(nil)})
		}
		for _, ch := range changes {
			if err := jb.states.Put(ch.key, ch.state); err != nil {
				return err
			}
			if err := jb.pending.Put(ch.key, indexValue(time.Time{}, time.Time{})); err != nil {
				return err
			}
		}
		n = len(changes)
		j.Failed -= n
		if j.Failed < 0 {
			return errors.New("failed count below zero")
		}
		j.State = batch.JobQueued
		j.Error = ""
		j.FinishedAt = time.Time{}
		j.CancelRequested = false
		j.UpdatedAt = time.Now()
		return putJob(tx, key, &j)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
