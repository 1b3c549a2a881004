package bolt

import (
	"errors"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
)

func TestCodecRoundTrip(t *testing.T) {
	r := batch.Recipient{Line: 12, Name: "Zoë", Fields: map[string]string{"": "", "a": "b\x00c", "city": "Zürich"}}
	var got batch.Recipient
	if err := decodeRecord(appendRecord(nil, &r), &got); err != nil {
		t.Fatal(err)
	}
	if got.Line != r.Line || got.Name != r.Name || !mapsEqual(got.Fields, r.Fields) {
		t.Errorf("record round trip: %+v, want %+v", got, r)
	}

	st := recipientState{
		State: batch.RecipientFailed, Attempts: 300, Permanent: true,
		Next: time.Unix(0, 1_900_000_000_123_456_789), LeaseUntil: time.Unix(0, -5),
		LeaseOwner: "host:42", LastError: "line 4: bad", Output: "0004.png",
	}
	var back recipientState
	if err := back.decode(st.append(nil)); err != nil {
		t.Fatal(err)
	}
	if back.State != st.State || back.Attempts != st.Attempts || back.Permanent != st.Permanent ||
		!back.Next.Equal(st.Next) || !back.LeaseUntil.Equal(st.LeaseUntil) ||
		back.LeaseOwner != st.LeaseOwner || back.LastError != st.LastError || back.Output != st.Output {
		t.Errorf("state round trip: %+v, want %+v", back, st)
	}
	var zero recipientState
	if err := zero.decode((&recipientState{State: batch.RecipientPending}).append(nil)); err != nil || !zero.Next.IsZero() || !zero.LeaseUntil.IsZero() {
		t.Errorf("zero times: %+v, %v", zero, err)
	}
}

// Every truncation of a valid value is reported as corrupt, never a panic.
func TestCodecTruncated(t *testing.T) {
	rec := appendRecord(nil, &batch.Recipient{Line: 3, Name: "n", Fields: map[string]string{"k": "v"}})
	st := (&recipientState{State: batch.RecipientDone, Output: "o", LastError: "e"}).append(nil)
	for i := range len(rec) {
		var r batch.Recipient
		if err := decodeRecord(rec[:i], &r); !errors.Is(err, errCorrupt) {
			t.Errorf("record cut at %d: %v", i, err)
		}
	}
	for i := range len(st) {
		var s recipientState
		if err := s.decode(st[:i]); !errors.Is(err, errCorrupt) {
			t.Errorf("state cut at %d: %v", i, err)
		}
	}
	var s recipientState
	if err := s.decode([]byte{codecVersion, 9}); !errors.Is(err, errCorrupt) {
		t.Errorf("unknown state code: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(appendRecord(nil, &batch.Recipient{Line: 3, Name: "n", Fields: map[string]string{"k": "v"}}))
	f.Add((&recipientState{State: batch.RecipientDone, Output: "o"}).append(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r batch.Recipient
		_ = decodeRecord(b, &r)
		var s recipientState
		_ = s.decode(b)
	})
}

func TestParseID(t *testing.T) {
	for id, ok := range map[string]bool{
		"j000001": true, "j123456": true, "j1234567": true, "j000000": false,
		"j00001": false, "j0000001": false, "j-00001": false, "j+00001": false, "n000001": false, "": false,
		"j18446744073709551616": false,
	} {
		if _, got := parseID('j', id); got != ok {
			t.Errorf("parseID(%q) = %t, want %t", id, got, ok)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
