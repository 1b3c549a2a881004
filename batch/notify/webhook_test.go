package notify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
)

const hookSecret = "whsec_test_0123456789"

// delivery is one webhook request a receiver verified.
type delivery struct {
	id, event string
	payload   WebhookPayload
}

// receiver is an httptest server on 127.0.0.1 that verifies signatures
// and answers with status(attempt) (1 for the first request).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []delivery
	bad    []string
	status func(attempt int) int
	block  chan struct{} // when set, requests hang until it is closed or the client gives up
}

func newReceiver(t *testing.T, status func(int) int, hang bool) *receiver {
	rc := &receiver{status: status}
	if hang {
		rc.block = make(chan struct{})
	}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(func() {
		if rc.block != nil {
			close(rc.block)
		}
		rc.srv.Close()
	})
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	if rc.block != nil {
		select {
		case <-rc.block:
		case <-r.Context().Done():
		}
		return
	}
	body, err := VerifyRequest(hookSecret, r, 0, time.Minute)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.bad = append(rc.bad, err.Error())
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		rc.bad = append(rc.bad, "bad request")
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	rc.got = append(rc.got, delivery{id: r.Header.Get(HeaderDelivery), event: r.Header.Get(HeaderEvent), payload: p})
	code := http.StatusNoContent
	if rc.status != nil {
		code = rc.status(len(rc.got))
	}
	w.WriteHeader(code)
}

func (rc *receiver) deliveries() ([]delivery, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...), append([]string(nil), rc.bad...)
}

func (rc *receiver) url() string { return rc.srv.URL + "/hooks/fabricpress?src=test" }

// testWebhooks allows the receiver's host and, as only tests can,
// loopback addresses.
func testWebhooks(t *testing.T, rc *receiver, timeout time.Duration) *Webhooks {
	t.Helper()
	u, _ := url.Parse(rc.srv.URL)
	w, err := NewWebhooks(WebhookConfig{Secret: hookSecret, AllowedHosts: []string{"hooks.example.com", u.Host}, Timeout: timeout, AppURL: appURL})
	if err != nil {
		t.Fatal(err)
	}
	w.allowLoopback = true
	t.Cleanup(w.CloseIdleConnections)
	return w
}

// TestWebhookSigned: a receiver verifying the signature gets the event
// once, with the delivery id, the payload and the job.
func TestWebhookSigned(t *testing.T) {
	st, _ := openStore(t)
	rc := newReceiver(t, nil, false)
	j := newJob(t, st, "Spring mailing", batch.Options{})
	n := enqueue(t, st, j.ID, batch.ChannelWebhook, batch.EventJobCompleted, sampleReport(j, "", rc.url()))
	run(t, fast(&Dispatcher{Store: st, Webhooks: testWebhooks(t, rc, 5*time.Second)}))
	got := waitNote(t, st, j.ID, n.ID, 10*time.Second, "sent", isSent)
	if got.Attempts != 1 {
		t.Errorf("attempts %d", got.Attempts)
	}
	ds, bad := rc.deliveries()
	if len(ds) != 1 || len(bad) != 0 {
		t.Fatalf("deliveries %+v, refused %v", ds, bad)
	}
	d := ds[0]
	p := d.payload
	if d.id != n.ID || p.ID != n.ID || d.event != batch.EventJobCompleted || p.Event != batch.EventJobCompleted || !p.CreatedAt.Equal(n.CreatedAt) {
		t.Errorf("delivery %q %q, payload id %q event %q createdAt %v (notification created %v)", d.id, d.event, p.ID, p.Event, p.CreatedAt, n.CreatedAt)
	}
	jb := p.Job
	if jb.ID != j.ID || jb.Name != "Spring mailing" || jb.Status != batch.JobCompletedWithErrors || jb.Total != 500 || jb.Done != 497 || jb.Failed != 3 ||
		jb.StartedAt == nil || jb.FinishedAt == nil || jb.DurationSeconds < 83 || len(jb.Files) != 1 || len(jb.Failures) != 3 ||
		jb.Failures[0] != (WebhookFailure{Row: 12, Line: 13, Name: "Ada Lovelace", Error: `missing field "city"`}) ||
		jb.DownloadURL != "https://print.example.com/api/v1/jobs/"+j.ID+"/download" {
		t.Errorf("job: %+v", jb)
	}
}

// TestWebhookFailsTwice: 500, 500, then 204: retried with backoff and the
// same delivery id, sent on the third attempt.
func TestWebhookFailsTwice(t *testing.T) {
	st, _ := openStore(t)
	rc := newReceiver(t, func(attempt int) int {
		if attempt <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	}, false)
	j := newJob(t, st, "Flaky", batch.Options{})
	n := enqueue(t, st, j.ID, batch.ChannelWebhook, batch.EventJobFailed,
		&batch.Report{JobID: j.ID, Name: j.Name, State: batch.JobFailed, Error: "disk full", Total: 5, URL: rc.url()})
	run(t, fast(&Dispatcher{Store: st, Webhooks: testWebhooks(t, rc, 5*time.Second), MaxAttempts: 5}))
	got := waitNote(t, st, j.ID, n.ID, 10*time.Second, "sent", isSent)
	if got.Attempts != 3 || !strings.Contains(got.LastError, "500 Internal Server Error") {
		t.Errorf("notification: attempts %d, last error %q; want 3 and the 500 kept", got.Attempts, got.LastError)
	}
	ds, bad := rc.deliveries()
	if len(ds) != 3 || len(bad) != 0 {
		t.Fatalf("%d deliveries (%v refused), want 3", len(ds), bad)
	}
	for _, d := range ds {
		if d.id != n.ID || d.payload.ID != n.ID || d.payload.Job.Error != "disk full" {
			t.Errorf("delivery %q payload %+v", d.id, d.payload)
		}
	}
}

// TestWebhookNeverAnswers: a receiver that never answers costs a bounded
// number of attempts, each cut off by the timeout, then the notification
// is failed and given up.
func TestWebhookNeverAnswers(t *testing.T) {
	st, _ := openStore(t)
	rc := newReceiver(t, nil, true)
	j := newJob(t, st, "Silent", batch.Options{})
	n := enqueue(t, st, j.ID, batch.ChannelWebhook, batch.EventJobCompleted, sampleReport(j, "", rc.url()))
	start := time.Now()
	run(t, fast(&Dispatcher{Store: st, Webhooks: testWebhooks(t, rc, 150*time.Millisecond), MaxAttempts: 3}))
	got := waitNote(t, st, j.ID, n.ID, 10*time.Second, "given up", isGivenUp)
	if got.Attempts != 3 || !strings.Contains(got.LastError, "gave up after 3 attempts") || !strings.Contains(got.LastError, "timed out") {
		t.Errorf("notification: %+v", got)
	}
	if el := time.Since(start); el < 3*150*time.Millisecond {
		t.Errorf("given up after %v: the attempts did not wait for the timeout", el)
	}
}

// TestWebhookRefused: without the test switch, loopback is refused at
// dial time even for an allowed host, and a host not on the list is
// refused before any connection; both are permanent (one attempt).
func TestWebhookRefused(t *testing.T) {
	st, _ := openStore(t)
	rc := newReceiver(t, nil, false)
	w := testWebhooks(t, rc, time.Second)
	w.allowLoopback = false
	j := newJob(t, st, "SSRF", batch.Options{})
	loop := enqueue(t, st, j.ID, batch.ChannelWebhook, batch.EventJobCompleted, sampleReport(j, "", rc.url()))
	other := enqueue(t, st, j.ID, batch.ChannelWebhook, batch.EventJobCompleted, sampleReport(j, "", "https://evil.example.net/x"))
	meta := enqueue(t, st, j.ID, batch.ChannelWebhook, batch.EventJobCompleted, sampleReport(j, "", "ftp://hooks.example.com/x"))
	run(t, fast(&Dispatcher{Store: st, Webhooks: w}))
	for id, want := range map[string]string{loop.ID: "loopback address", other.ID: "not on the allowed webhook hosts", meta.ID: "only http and https"} {
		got := waitNote(t, st, j.ID, id, 10*time.Second, "given up", isGivenUp)
		if got.Attempts != 1 || !strings.Contains(got.LastError, want) {
			t.Errorf("%s: attempts %d, %q; want 1 and %q", id, got.Attempts, got.LastError, want)
		}
	}
	if ds, _ := rc.deliveries(); len(ds) != 0 {
		t.Errorf("%d requests reached the loopback receiver", len(ds))
	}
}

// TestWebhookAfterCrash: a notification claimed by a dispatcher that
// died (its store closed without finishing it) is delivered after a
// restart, once its lease expires, with the same delivery id.
func TestWebhookAfterCrash(t *testing.T) {
	st, path := openStore(t)
	rc := newReceiver(t, nil, false)
	j := newJob(t, st, "Crash", batch.Options{})
	n := enqueue(t, st, j.ID, batch.ChannelWebhook, batch.EventJobCancelled,
		&batch.Report{JobID: j.ID, Name: j.Name, State: batch.JobCancelled, Total: 9, Done: 2, URL: rc.url()})
	claimed, err := st.ClaimNotifications(context.Background(), 10, 300*time.Millisecond, time.Now())
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	st.Close() // the "crash": sending, never finished

	st2, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	run(t, fast(&Dispatcher{Store: st2, Webhooks: testWebhooks(t, rc, 5*time.Second)}))
	got := waitNote(t, st2, j.ID, n.ID, 10*time.Second, "sent", isSent)
	if got.Attempts != 2 {
		t.Errorf("attempts %d, want 2 (the interrupted one counts)", got.Attempts)
	}
	ds, _ := rc.deliveries()
	if len(ds) != 1 || ds[0].id != n.ID || ds[0].event != batch.EventJobCancelled {
		t.Errorf("deliveries %+v", ds)
	}
}

// TestWebhookPayloadFromStore: an entry without payload is completed from
// the job in the store (name, state, counts, webhookUrl).
func TestWebhookPayloadFromStore(t *testing.T) {
	st, _ := openStore(t)
	rc := newReceiver(t, nil, false)
	j := newJob(t, st, "From the store", batch.Options{WebhookURL: rc.url()})
	if err := st.UpdateJob(context.Background(), j.ID, func(j *batch.Job) error { j.Sealed = true; j.State = batch.JobCancelled; return nil }); err != nil {
		t.Fatal(err)
	}
	n := enqueue(t, st, j.ID, batch.ChannelWebhook, batch.EventJobCancelled, nil)
	run(t, fast(&Dispatcher{Store: st, Webhooks: testWebhooks(t, rc, 5*time.Second)}))
	waitNote(t, st, j.ID, n.ID, 10*time.Second, "sent", isSent)
	ds, _ := rc.deliveries()
	if len(ds) != 1 || ds[0].payload.Job.Name != "From the store" || ds[0].payload.Job.Status != batch.JobCancelled || ds[0].payload.Job.FinishedAt == nil {
		t.Errorf("deliveries %+v", ds)
	}
}

// TestWebhooksOff: without a signing secret webhooks are recorded as
// skipped.
func TestWebhooksOff(t *testing.T) {
	st, _ := openStore(t)
	j := newJob(t, st, "Off", batch.Options{})
	n := enqueue(t, st, j.ID, batch.ChannelWebhook, batch.EventJobCompleted, sampleReport(j, "", "https://hooks.example.com/x"))
	run(t, fast(&Dispatcher{Store: st}))
	got := waitNote(t, st, j.ID, n.ID, 10*time.Second, "given up", isGivenUp)
	if !strings.HasPrefix(got.LastError, SkippedPrefix) {
		t.Errorf("notification: %+v", got)
	}
	if _, err := NewWebhooks(WebhookConfig{}); err == nil {
		t.Error("NewWebhooks without a secret")
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"n000001","event":"job.completed"}`)
	now := strconv.FormatInt(time.Now().Unix(), 10)
	sig := Sign(hookSecret, now, body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q", sig)
	}
	if err := Verify(hookSecret, sig, body, now, 5*time.Minute); err != nil {
		t.Errorf("good signature: %v", err)
	}
	if err := Verify(hookSecret, "sha256=00, "+sig, body, now, 5*time.Minute); err != nil {
		t.Errorf("second of two signatures (rotation): %v", err)
	}
	if err := Verify("other", sig, body, now, 5*time.Minute); !errors.Is(err, ErrBadSignature) {
		t.Errorf("wrong secret: %v", err)
	}
	if err := Verify(hookSecret, sig, append(body, ' '), now, 5*time.Minute); !errors.Is(err, ErrBadSignature) {
		t.Errorf("changed body: %v", err)
	}
	later := strconv.FormatInt(time.Now().Unix()+1, 10)
	if err := Verify(hookSecret, sig, body, later, 5*time.Minute); !errors.Is(err, ErrBadSignature) {
		t.Errorf("changed timestamp: %v", err)
	}
	old := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	if err := Verify(hookSecret, Sign(hookSecret, old, body), body, old, 5*time.Minute); !errors.Is(err, ErrStale) {
		t.Errorf("an hour old: %v", err)
	}
	if err := Verify(hookSecret, Sign(hookSecret, old, body), body, old, 0); err != nil {
		t.Errorf("no tolerance: %v", err)
	}
	if err := Verify(hookSecret, "", body, now, 0); !errors.Is(err, ErrBadSignature) {
		t.Errorf("no signature: %v", err)
	}
}

func TestBlockedAddresses(t *testing.T) {
	for addr, blocked := range map[string]bool{
		"127.0.0.1:80": true, "[::1]:443": true, "10.1.2.3:80": true, "169.254.169.254:80": true, "[::ffff:192.168.1.1]:80": true,
		"[64:ff9b::a00:1]:80": true, "[fd00::1]:80": true, "0.0.0.0:80": true, "93.184.215.14:443": false, "[2606:4700::1111]:443": false,
	} {
		err := checkDialAddr(addr)
		if (err != nil) != blocked || (err != nil && !IsPermanent(err)) {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff(10*time.Second, time.Hour)
	for attempt, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 4: 80 * time.Second, 20: time.Hour} {
		for range 20 {
			got := b(attempt)
			if got < want*8/10 || got > want*12/10 {
				t.Errorf("attempt %d: %v, want %v ±20%%", attempt, got, want)
			}
		}
	}
}

// TestShutdownCutsOffSends: when Run's context ends, sends in flight get
// Grace, then are cut off and recorded as due at once, for the next start.
func TestShutdownCutsOffSends(t *testing.T) {
	st, _ := openStore(t)
	rc := newReceiver(t, nil, true)
	j := newJob(t, st, "Shutdown", batch.Options{})
	n := enqueue(t, st, j.ID, batch.ChannelWebhook, batch.EventJobCompleted, sampleReport(j, "", rc.url()))
	d := fast(&Dispatcher{Store: st, Webhooks: testWebhooks(t, rc, 30*time.Second), Grace: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitNote(t, st, j.ID, n.ID, 10*time.Second, "sending", func(n batch.Notification) bool { return n.State == batch.NotificationSending })
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Run took %v to stop", el)
	}
	got := note(t, st, j.ID, n.ID)
	if got.State != batch.NotificationFailed || got.NextAttemptAt.IsZero() || !strings.Contains(got.LastError, "interrupted by shutdown") {
		t.Errorf("notification: %+v", got)
	}
}
