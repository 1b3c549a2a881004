package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	smtp "github.com/emersion/go-smtp"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
)

// openStore opens a bbolt store in a fresh temporary folder.
func openStore(t *testing.T) (*bolt.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// newJob creates a job directly through the Store API.
func newJob(t *testing.T, st batch.Store, name string, opts batch.Options) batch.Job {
	t.Helper()
	spec, err := json.Marshal(batch.Spec{Template: json.RawMessage(`{"objects":[]}`), Width: 100, Height: 100, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	j := &batch.Job{Name: name, Spec: spec}
	if err := st.CreateJob(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return *j
}

// enqueue adds a notification with rep as payload (none when nil).
func enqueue(t *testing.T, st batch.Store, jobID, channel, event string, rep *batch.Report) batch.Notification {
	t.Helper()
	n := &batch.Notification{JobID: jobID, Channel: channel, Event: event}
	if rep != nil {
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		n.Payload = b
	}
	if err := st.Enqueue(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	return *n
}

// sampleReport is a finished job's payload as the runner writes it.
func sampleReport(j batch.Job, to, url string) *batch.Report {
	start := time.Date(2026, 11, 25, 14, 1, 49, 0, time.UTC)
	end := start.Add(83*time.Second + 400*time.Millisecond)
	return &batch.Report{JobID: j.ID, Name: j.Name, State: batch.JobCompletedWithErrors, Total: 500, Done: 497, Failed: 3,
		StartedAt: start, FinishedAt: end, Duration: end.Sub(start).Seconds(), Files: []string{"spring-mailing.zip"},
		Failures: []batch.Failure{
			{Row: 12, Line: 13, Name: "Ada Lovelace", Error: `missing field "city"`},
			{Row: 40, Line: 42, Name: "<script>x</script>", Error: "image https://cdn.example.com/a.png: 404 Not Found"},
			{Row: 311, Line: 313, Error: "qr: data too long"},
		},
		To: to, URL: url}
}

// note returns the notification id of job jobID.
func note(t *testing.T, st batch.Store, jobID, id string) batch.Notification {
	t.Helper()
	ns, err := st.Notifications(context.Background(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.ID == id {
			return n
		}
	}
	t.Fatalf("no notification %s in job %s", id, jobID)
	return batch.Notification{}
}

// waitNote polls until cond holds for the notification, or fails after d.
func waitNote(t *testing.T, st batch.Store, jobID, id string, d time.Duration, what string, cond func(batch.Notification) bool) batch.Notification {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		n := note(t, st, jobID, id)
		if cond(n) {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("notification %s: not %s after %v: %+v", id, what, d, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func isSent(n batch.Notification) bool { return n.State == batch.NotificationSent }

func isGivenUp(n batch.Notification) bool {
	return n.State == batch.NotificationFailed && n.NextAttemptAt.IsZero()
}

// run starts d and stops it (waiting for Run to return) at the end of the test.
func run(t *testing.T, d *Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// fast is the dispatcher timing of tests.
func fast(d *Dispatcher) *Dispatcher {
	d.Poll = 5 * time.Millisecond
	d.Backoff = Backoff(15*time.Millisecond, 60*time.Millisecond)
	d.Lease = 5 * time.Second
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return d
}

// testCert makes a self-signed certificate for 127.0.0.1 and localhost,
// and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "fabricpress test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// received is one message the test SMTP server accepted.
type received struct {
	from string
	to   []string
	tls  bool // the session was encrypted when the message came
	data []byte
}

// smtpBackend is a go-smtp backend with AUTH PLAIN for one user that
// keeps what it receives.
type smtpBackend struct {
	user, pass string
	mu         sync.Mutex
	msgs       []received
	authFails  int
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{b: b, c: c}, nil
}

func (b *smtpBackend) failedLogins() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.authFails
}

func (b *smtpBackend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

type smtpSession struct {
	b      *smtpBackend
	c      *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			s.b.mu.Lock()
			s.b.authFails++
			s.b.mu.Unlock()
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.c.TLSConnectionState()
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, received{from: s.from, to: s.to, tls: isTLS, data: b})
	s.b.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// startSMTP serves be on ln (STARTTLS with cert; implicit TLS when ln is
// a TLS listener). AUTH is only offered over TLS.
func startSMTP(t *testing.T, be *smtpBackend, ln net.Listener, cert tls.Certificate) {
	t.Helper()
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("smtp server: %v", err)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
}

// logBuffer collects a slog text log, safely for concurrent writers.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
