package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fabricpress/fabricpress/batch"
)

// Recipients are stored in a compact binary form (they are the hot path: a
// 100,000-row job is 100,000 records), jobs, progress and notifications as
// JSON. Every binary value starts with a format version byte.
const codecVersion = 1

var errCorrupt = errors.New("bolt: corrupt record")

// u64 returns the 8-byte big-endian key of n: keys sort in numeric order.
func u64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func rowKey(row int) []byte { return u64(uint64(row)) }

func keyRow(k []byte) int { return int(binary.BigEndian.Uint64(k)) }

// Job and notification IDs are a letter and the bucket sequence number,
// zero-padded to six digits: j000001, n000042.
func formatID(prefix byte, seq uint64) string {
	return fmt.Sprintf("%c%06d", prefix, seq)
}

// parseID returns the key of a job ("j") or notification ("n") ID. Only the
// canonical spelling formatID makes is accepted.
func parseID(prefix byte, id string) ([]byte, bool) {
	if len(id) < 7 || id[0] != prefix || strings.HasPrefix(id[1:], "+") {
		return nil, false
	}
	n, err := strconv.ParseUint(id[1:], 10, 64)
	if err != nil || n == 0 || formatID(prefix, n) != id {
		return nil, false
	}
	return u64(n), true
}

// encodeTime stores the zero time as 0 and others as Unix nanoseconds.
func encodeTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func decodeTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// An index value (pending rows, outbox) holds the two times a claim looks
// at, so that a claim scans small values without decoding records: when
// the entry is next due, and until when it is leased.
func indexValue(next, until time.Time) []byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(encodeTime(next)))
	binary.BigEndian.PutUint64(b[8:], uint64(encodeTime(until)))
	return b[:]
}

// due reports whether an index entry is claimable at now (Unix ns).
func due(v []byte, now int64) bool {
	if len(v) != 16 {
		return true // let the record decide; cannot happen with our writes
	}
	next := int64(binary.BigEndian.Uint64(v[:8]))
	until := int64(binary.BigEndian.Uint64(v[8:]))
	return next <= now && until <= now
}

// The record of a recipient: what does not change after AddRecipients.
//
//	version  byte
//	line     uvarint
//	name     string (uvarint length, bytes)
//	nfields  uvarint, then nfields × (key string, value string)
func appendRecord(b []byte, r *batch.Recipient) []byte {
	b = append(b, codecVersion)
	b = binary.AppendUvarint(b, uint64(max(r.Line, 0)))
	b = appendString(b, r.Name)
	b = binary.AppendUvarint(b, uint64(len(r.Fields)))
	for k, v := range r.Fields {
		b = appendString(b, k)
		b = appendString(b, v)
	}
	return b
}

func decodeRecord(b []byte, r *batch.Recipient) error {
	d := decoder{b: b}
	if d.byte() != codecVersion {
		return errCorrupt
	}
	r.Line = int(d.uvarint())
	r.Name = d.string()
	n := d.uvarint()
	if n > uint64(len(d.b)) { // each field takes at least two bytes
		return errCorrupt
	}
	if n > 0 {
		r.Fields = make(map[string]string, n)
		for range n {
			k := d.string()
			r.Fields[k] = d.string()
		}
	} else {
		r.Fields = nil
	}
	return d.err
}

// The state of a recipient: what claims and commits change.
//
//	version      byte
//	state        byte (stateCodes)
//	attempts     uvarint
//	flags        byte (1: permanent)
//	next attempt varint (Unix ns, 0 = zero time)
//	lease until  varint
//	lease owner  string
//	last error   string
//	output       string
type recipientState struct {
	State      batch.RecipientState
	Attempts   int
	Permanent  bool
	Next       time.Time
	LeaseUntil time.Time
	LeaseOwner string
	LastError  string
	Output     string
}

var stateCodes = map[batch.RecipientState]byte{
	batch.RecipientPending: 1,
	batch.RecipientDone:    2,
	batch.RecipientFailed:  3,
}

var stateNames = [...]batch.RecipientState{1: batch.RecipientPending, 2: batch.RecipientDone, 3: batch.RecipientFailed}

func (s *recipientState) append(b []byte) []byte {
	b = append(b, codecVersion, stateCodes[s.State])
	b = binary.AppendUvarint(b, uint64(max(s.Attempts, 0)))
	var flags byte
	if s.Permanent {
		flags |= 1
	}
	b = append(b, flags)
	b = binary.AppendVarint(b, encodeTime(s.Next))
	b = binary.AppendVarint(b, encodeTime(s.LeaseUntil))
	b = appendString(b, s.LeaseOwner)
	b = appendString(b, s.LastError)
	b = appendString(b, s.Output)
	return b
}

func (s *recipientState) decode(b []byte) error {
	d := decoder{b: b}
	if d.byte() != codecVersion {
		return errCorrupt
	}
	code := d.byte()
	if int(code) >= len(stateNames) || stateNames[code] == "" {
		return errCorrupt
	}
	s.State = stateNames[code]
	s.Attempts = int(d.uvarint())
	s.Permanent = d.byte()&1 != 0
	s.Next = decodeTime(d.varint())
	s.LeaseUntil = decodeTime(d.varint())
	s.LeaseOwner = d.string()
	s.LastError = d.string()
	s.Output = d.string()
	return d.err
}

// index is the pending-index value of a pending recipient.
func (s *recipientState) index() []byte { return indexValue(s.Next, s.LeaseUntil) }

// leasedBy reports whether runner holds a live lease at now.
func (s *recipientState) leasedBy(runner string, now time.Time) bool {
	return s.State == batch.RecipientPending && s.LeaseOwner == runner && s.LeaseUntil.After(now)
}

func (s *recipientState) clearLease() {
	s.LeaseOwner = ""
	s.LeaseUntil = time.Time{}
}

// fill copies the state into r.
func (s *recipientState) fill(r *batch.Recipient) {
	r.State = s.State
	r.Attempts = s.Attempts
	r.Permanent = s.Permanent
	r.NextAttemptAt = s.Next
	r.LeaseUntil = s.LeaseUntil
	r.LeaseOwner = s.LeaseOwner
	r.LastError = s.LastError
	r.Output = s.Output
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads the binary forms above. The first error sticks; strings
// are copied out of b (which may be memory owned by bbolt).
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// arena hands out byte slices that stay valid until a transaction ends.
// bbolt keeps the slices given to Put until the commit; an arena only ever
// appends, so a slice it handed out is never overwritten (when it grows, it
// moves on to a new array and leaves the old one to the earlier slices).
type arena []byte

// add appends what enc writes and returns it.
func (a *arena) add(enc func([]byte) []byte) []byte {
	start := len(*a)
	*a = enc(*a)
	return (*a)[start:len(*a):len(*a)]
}
