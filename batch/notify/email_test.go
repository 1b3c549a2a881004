package notify

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fabricpress/fabricpress/batch"
)

const (
	smtpUser = "fp-sender"
	smtpPass = "s3cret pässword"
	appURL   = "https://print.example.com/"
	fromAddr = "Fabricpress Drückerei <bot@example.com>"
	toAddr   = "Jörg Müller <joerg@example.com>"
	jobName  = "Frühjahrs-Mailing <Ä&Ö> ✉"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func port(t *testing.T, addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testMailer(t *testing.T, addr string, pool *x509.CertPool, pass string, secure bool) *Mailer {
	t.Helper()
	m, err := NewMailer(MailConfig{Host: "127.0.0.1", Port: port(t, addr), Secure: secure, User: smtpUser, Pass: pass,
		From: fromAddr, RootCAs: pool, Timeout: 5 * time.Second, AppURL: appURL})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// parsedMail is a received message taken apart.
type parsedMail struct {
	msg        *netmail.Message
	subject    string // decoded
	rawSubject string
	text, html string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, data)
	}
	p := parsedMail{msg: msg, rawSubject: msg.Header.Get("Subject")}
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(p.rawSubject); err != nil {
		t.Fatalf("subject %q: %v", p.rawSubject, err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var order []string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(part) // quoted-printable is decoded by NextPart
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if !strings.EqualFold(cp["charset"], "utf-8") {
			t.Errorf("part %s: charset %q", ct, cp["charset"])
		}
		order = append(order, ct)
		switch ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		}
	}
	if strings.Join(order, ",") != "text/plain,text/html" {
		t.Errorf("parts %v, want text/plain then text/html (the preferred last)", order)
	}
	return p
}

// TestEmailCompleted: a completed job delivers one message through a real
// SMTP server with STARTTLS and AUTH PLAIN, trusting the server's
// self-signed certificate through MailConfig.RootCAs.
func TestEmailCompleted(t *testing.T) {
	st, _ := openStore(t)
	cert, pool := testCert(t)
	be := &smtpBackend{user: smtpUser, pass: smtpPass}
	ln := listen(t)
	startSMTP(t, be, ln, cert)

	j := newJob(t, st, jobName, batch.Options{NotifyEmail: toAddr})
	n := enqueue(t, st, j.ID, batch.ChannelEmail, batch.EventJobCompleted, sampleReport(j, toAddr, ""))
	run(t, fast(&Dispatcher{Store: st, Mailer: testMailer(t, ln.Addr().String(), pool, smtpPass, false)}))
	got := waitNote(t, st, j.ID, n.ID, 10*time.Second, "sent", isSent)
	if got.Attempts != 1 || got.LastError != "" || got.SentAt.IsZero() {
		t.Errorf("notification: %+v", got)
	}
	time.Sleep(50 * time.Millisecond)
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	r := msgs[0]
	if !r.tls {
		t.Error("the message came over an unencrypted session: STARTTLS was not used")
	}
	if r.from != "bot@example.com" || len(r.to) != 1 || r.to[0] != "joerg@example.com" {
		t.Errorf("envelope: from %q to %q", r.from, r.to)
	}
	m := parseMail(t, r.data)
	h := m.msg.Header

	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Fabricpress Drückerei" || from[0].Address != "bot@example.com" {
		t.Errorf("From %q: %v %v", h.Get("From"), from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Jörg Müller" || to[0].Address != "joerg@example.com" {
		t.Errorf("To %q: %v %v", h.Get("To"), to, err)
	}
	for _, k := range []string{"From", "To", "Subject"} {
		if v := h.Get(k); strings.ContainsFunc(v, func(r rune) bool { return r > 127 }) {
			t.Errorf("%s header is not ASCII (not RFC 2047 encoded): %q", k, v)
		}
	}
	if !strings.Contains(m.rawSubject, "=?UTF-8?") && !strings.Contains(m.rawSubject, "=?utf-8?") {
		t.Errorf("raw Subject %q is not an encoded word", m.rawSubject)
	}
	wantSubject := `[fabricpress] "Frühjahrs-Mailing <Ä&Ö> ✉" finished with errors: 497 done, 3 failed`
	if m.subject != wantSubject {
		t.Errorf("Subject %q, want %q", m.subject, wantSubject)
	}
	wantID := "<fabricpress." + n.ID + "." + j.ID + "@example.com>"
	if h.Get("Message-ID") != wantID {
		t.Errorf("Message-ID %q, want %q", h.Get("Message-ID"), wantID)
	}
	if h.Get("X-Fabricpress-Delivery") != n.ID || h.Get("X-Fabricpress-Event") != batch.EventJobCompleted {
		t.Errorf("X-Fabricpress headers: %q %q", h.Get("X-Fabricpress-Delivery"), h.Get("X-Fabricpress-Event"))
	}
	if d, err := h.Date(); err != nil || d.IsZero() {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if h.Get("MIME-Version") != "1.0" {
		t.Errorf("MIME-Version %q", h.Get("MIME-Version"))
	}

	link := "https://print.example.com/api/v1/jobs/" + j.ID + "/download"
	for _, want := range []string{
		"Your batch finished with errors",
		"Job:       Frühjahrs-Mailing <Ä&Ö> ✉ (" + j.ID + ")",
		"Done:      497 of 500",
		"Failed:    3",
		"Duration:  1 min 23 s",
		"Finished:  2026-11-25 14:03:12 UTC",
		link,
		"First failures (3 of 3):",
		`- row 12, CSV line 13 (Ada Lovelace): missing field "city"`,
		"- row 40, CSV line 42 (<script>x</script>): image https://cdn.example.com/a.png: 404 Not Found",
		"- row 311, CSV line 313: qr: data too long",
	} {
		if !strings.Contains(m.text, want) {
			t.Errorf("text part lacks %q:\n%s", want, m.text)
		}
	}
	for _, want := range []string{
		`href="` + link + `"`,
		"Frühjahrs-Mailing &lt;Ä&amp;Ö&gt; ✉",
		"&lt;script&gt;x&lt;/script&gt;",
		"missing field &#34;city&#34;",
		">13<", ">42<", ">313<",
		`style="`,
		"1 min 23 s",
	} {
		if !strings.Contains(m.html, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, m.html)
		}
	}
	for _, bad := range []string{"<script>", "<Ä&Ö>", "<style"} {
		if strings.Contains(m.html, bad) {
			t.Errorf("HTML part contains %q", bad)
		}
	}
	t.Logf("text part:\n%s", m.text)
}

// TestEmailImplicitTLS: SMTP_SECURE=true speaks TLS from the first byte.
func TestEmailImplicitTLS(t *testing.T) {
	st, _ := openStore(t)
	cert, pool := testCert(t)
	be := &smtpBackend{user: smtpUser, pass: smtpPass}
	ln := tls.NewListener(listen(t), &tls.Config{Certificates: []tls.Certificate{cert}})
	startSMTP(t, be, ln, cert)

	j := newJob(t, st, "Cancelled run", batch.Options{})
	rep := &batch.Report{JobID: j.ID, Name: j.Name, State: batch.JobCancelled, Total: 10, Done: 4, To: "ops@example.com"}
	n := enqueue(t, st, j.ID, batch.ChannelEmail, batch.EventJobCancelled, rep)
	run(t, fast(&Dispatcher{Store: st, Mailer: testMailer(t, ln.Addr().String(), pool, smtpPass, true)}))
	waitNote(t, st, j.ID, n.ID, 10*time.Second, "sent", isSent)
	msgs := be.messages()
	if len(msgs) != 1 || !msgs[0].tls {
		t.Fatalf("%d messages (tls %v), want 1 over TLS", len(msgs), len(msgs) > 0 && msgs[0].tls)
	}
	m := parseMail(t, msgs[0].data)
	if m.subject != `[fabricpress] "Cancelled run" was cancelled: 4 of 10 done` {
		t.Errorf("Subject %q", m.subject)
	}
	if !strings.Contains(m.text, "cancelled after 4 of 10 pieces") {
		t.Errorf("text:\n%s", m.text)
	}
}

// TestEmailRetryUntilServerUp: with the server down, attempts fail and are
// retried with backoff; once the server comes up the message is delivered,
// once.
func TestEmailRetryUntilServerUp(t *testing.T) {
	st, _ := openStore(t)
	cert, pool := testCert(t)
	be := &smtpBackend{user: smtpUser, pass: smtpPass}
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there yet

	j := newJob(t, st, "Retry", batch.Options{})
	n := enqueue(t, st, j.ID, batch.ChannelEmail, batch.EventJobCompleted, sampleReport(j, "ops@example.com", ""))
	d := fast(&Dispatcher{Store: st, Mailer: testMailer(t, addr, pool, smtpPass, false), MaxAttempts: 1000})
	run(t, d)
	down := waitNote(t, st, j.ID, n.ID, 10*time.Second, "failed twice", func(n batch.Notification) bool {
		return n.State == batch.NotificationFailed && n.Attempts >= 2
	})
	if down.NextAttemptAt.IsZero() || !strings.Contains(down.LastError, "smtp 127.0.0.1:") || !strings.Contains(down.LastError, "refused") {
		t.Errorf("while down: %+v", down)
	}

	var err error
	for i := 0; i < 50; i++ { // the port was free a moment ago
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	startSMTP(t, be, ln, cert)
	up := waitNote(t, st, j.ID, n.ID, 10*time.Second, "sent", isSent)
	if up.Attempts <= down.Attempts {
		t.Errorf("attempts %d after the server came up, %d before", up.Attempts, down.Attempts)
	}
	time.Sleep(100 * time.Millisecond)
	if msgs := be.messages(); len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
}

// TestEmailAuthFailure: a wrong password is recorded on the notification
// as a clear error, retried up to MaxAttempts, then given up.
func TestEmailAuthFailure(t *testing.T) {
	st, _ := openStore(t)
	cert, pool := testCert(t)
	be := &smtpBackend{user: smtpUser, pass: smtpPass}
	ln := listen(t)
	startSMTP(t, be, ln, cert)

	j := newJob(t, st, "Auth", batch.Options{})
	n := enqueue(t, st, j.ID, batch.ChannelEmail, batch.EventJobCompleted, sampleReport(j, "ops@example.com", ""))
	run(t, fast(&Dispatcher{Store: st, Mailer: testMailer(t, ln.Addr().String(), pool, "wrong", false), MaxAttempts: 2}))
	got := waitNote(t, st, j.ID, n.ID, 10*time.Second, "given up", isGivenUp)
	if got.Attempts != 2 {
		t.Errorf("attempts %d, want 2", got.Attempts)
	}
	for _, want := range []string{"gave up after 2 attempts", "smtp 127.0.0.1:", `authentication as "fp-sender" failed`, "535", "Authentication failed"} {
		if !strings.Contains(got.LastError, want) {
			t.Errorf("LastError %q lacks %q", got.LastError, want)
		}
	}
	if len(be.messages()) != 0 || be.failedLogins() != 2 {
		t.Errorf("%d messages, %d failed logins; want 0 and 2", len(be.messages()), be.failedLogins())
	}
}

// TestEmailUntrustedCertificate: certificates are verified; a server whose
// CA is not trusted is refused with an error that says so.
func TestEmailUntrustedCertificate(t *testing.T) {
	st, _ := openStore(t)
	cert, _ := testCert(t)
	_, otherPool := testCert(t)
	be := &smtpBackend{user: smtpUser, pass: smtpPass}
	ln := listen(t)
	startSMTP(t, be, ln, cert)

	j := newJob(t, st, "TLS", batch.Options{})
	n := enqueue(t, st, j.ID, batch.ChannelEmail, batch.EventJobCompleted, sampleReport(j, "ops@example.com", ""))
	run(t, fast(&Dispatcher{Store: st, Mailer: testMailer(t, ln.Addr().String(), otherPool, smtpPass, false), MaxAttempts: 1}))
	got := waitNote(t, st, j.ID, n.ID, 10*time.Second, "given up", isGivenUp)
	if !strings.Contains(got.LastError, "x509") || !strings.Contains(got.LastError, "SMTP_CA_FILE") {
		t.Errorf("LastError %q", got.LastError)
	}
	if len(be.messages()) != 0 {
		t.Error("a message went to an unverified server")
	}
}

// TestEmailSkippedWithoutSMTP: without SMTP settings the email is
// recorded as skipped and logged, not sent; a payload without the
// recipient takes it from the job's spec.
func TestEmailSkippedWithoutSMTP(t *testing.T) {
	st, _ := openStore(t)
	var logs logBuffer
	j := newJob(t, st, "Local", batch.Options{NotifyEmail: "ops@example.com"})
	rep := &batch.Report{JobID: j.ID, Name: j.Name, State: batch.JobCompleted, Total: 3, Done: 3}
	n := enqueue(t, st, j.ID, batch.ChannelEmail, batch.EventJobCompleted, rep)
	run(t, fast(&Dispatcher{Store: st, Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	got := waitNote(t, st, j.ID, n.ID, 10*time.Second, "given up", isGivenUp)
	if !strings.HasPrefix(got.LastError, SkippedPrefix) || !strings.Contains(got.LastError, "SMTP is not configured") || got.Attempts != 1 {
		t.Errorf("notification: %+v", got)
	}
	time.Sleep(20 * time.Millisecond)
	if l := logs.String(); !strings.Contains(l, "ops@example.com") || !strings.Contains(l, `\"Local\" is ready: 3 pieces`) {
		t.Errorf("log:\n%s", l)
	}
}

// TestComposeFailed: a failed job's email gives the reason and what was
// done, and no download link without files.
func TestComposeFailed(t *testing.T) {
	rep := batch.Report{JobID: "j000009", Name: "Broken", State: batch.JobFailed, Error: "template: objects[3].type: unknown \"nonsense\"",
		Total: 200, Done: 12, FinishedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	e, err := ComposeEmail(batch.EventJobFailed, rep, "https://print.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != `[fabricpress] "Broken" failed` {
		t.Errorf("subject %q", e.Subject)
	}
	for _, want := range []string{"Your batch failed", "after 12 of 200 pieces", `Reason: template: objects[3].type: unknown "nonsense"`} {
		if !strings.Contains(e.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, e.Text)
		}
	}
	if strings.Contains(e.Text, "/download") || strings.Contains(e.HTML, "/download") {
		t.Error("a failed job without files has a download link")
	}
	if !strings.Contains(e.HTML, "unknown &#34;nonsense&#34;") {
		t.Errorf("HTML:\n%s", e.HTML)
	}
	// Control characters from the job cannot break lines or headers.
	rep.Name = "a\r\nBcc: x@evil.example"
	e, _ = ComposeEmail(batch.EventJobFailed, rep, "")
	if strings.ContainsAny(e.Subject, "\r\n") {
		t.Errorf("subject %q", e.Subject)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		400 * time.Millisecond:                      "0.4 s",
		42 * time.Second:                            "42 s",
		187 * time.Second:                           "3 min 07 s",
		2*time.Hour + 5*time.Minute + 2*time.Second: "2 h 05 min",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
