package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/internal/netguard"
)

// Webhook request headers.
const (
	HeaderEvent     = "X-Fabricpress-Event"     // the event: job.completed, ...
	HeaderDelivery  = "X-Fabricpress-Delivery"  // the notification id, the same on every retry
	HeaderTimestamp = "X-Fabricpress-Timestamp" // Unix seconds of this attempt
	HeaderSignature = "X-Fabricpress-Signature" // "sha256=" + hex HMAC-SHA256 of timestamp + "." + body
)

// WebhookPayload is the JSON body of a webhook request.
type WebhookPayload struct {
	// ID is the notification's id: the same on every attempt, so a
	// receiver that sees an ID twice knows it is a repeat.
	ID        string      `json:"id"`
	Event     string      `json:"event"`
	CreatedAt time.Time   `json:"createdAt"` // when the event happened (not this attempt)
	Job       WebhookJob  `json:"job"`
	Progress  *WebhookRun `json:"progress,omitempty"` // job.progress only
}

// WebhookJob is the job in a webhook, named as in the HTTP API's job view.
type WebhookJob struct {
	ID              string           `json:"id"`
	Name            string           `json:"name,omitempty"`
	Status          batch.JobState   `json:"status"`
	Total           int              `json:"total"`
	Done            int              `json:"done"`
	Failed          int              `json:"failed"`
	StartedAt       *time.Time       `json:"startedAt,omitempty"`
	FinishedAt      *time.Time       `json:"finishedAt,omitempty"`
	DurationSeconds float64          `json:"durationSeconds,omitempty"`
	Error           string           `json:"error,omitempty"`
	Files           []string         `json:"files,omitempty"`    // base names: the ZIP, then merged PDFs
	Failures        []WebhookFailure `json:"failures,omitempty"` // the first failed recipients
	DownloadURL     string           `json:"downloadUrl,omitempty"`
}

// WebhookFailure is a failed recipient: its row, CSV line and error.
type WebhookFailure struct {
	Row   int    `json:"row"`
	Line  int    `json:"line,omitempty"`
	Name  string `json:"name,omitempty"`
	Error string `json:"error"`
}

// WebhookRun is the progress of a running job (job.progress).
type WebhookRun struct {
	Percent    float64   `json:"percent"`
	Rate       float64   `json:"rate"` // pieces per second
	ETASeconds float64   `json:"etaSeconds,omitempty"`
	UpdatedAt  time.Time `json:"updatedAt,omitzero"`
}

// NewWebhookPayload builds the body of the webhook about n (payload
// rep). appURL, when set, gives the job's downloadUrl once it has files.
func NewWebhookPayload(n batch.Notification, rep batch.Report, appURL string) WebhookPayload {
	j := WebhookJob{ID: rep.JobID, Name: rep.Name, Status: rep.State, Total: rep.Total, Done: rep.Done, Failed: rep.Failed,
		DurationSeconds: rep.Duration, Error: rep.Error, Files: rep.Files}
	if !rep.StartedAt.IsZero() {
		t := rep.StartedAt.UTC()
		j.StartedAt = &t
	}
	if !rep.FinishedAt.IsZero() && n.Event != batch.EventJobProgress {
		t := rep.FinishedAt.UTC()
		j.FinishedAt = &t
	}
	for _, f := range rep.Failures {
		j.Failures = append(j.Failures, WebhookFailure{Row: f.Row, Line: f.Line, Name: f.Name, Error: f.Error})
	}
	if appURL = strings.TrimRight(strings.TrimSpace(appURL), "/"); appURL != "" && len(rep.Files) > 0 {
		j.DownloadURL = appURL + "/api/v1/jobs/" + url.PathEscape(rep.JobID) + "/download"
	}
	p := WebhookPayload{ID: n.ID, Event: n.Event, CreatedAt: n.CreatedAt.UTC(), Job: j}
	if rep.Progress != nil {
		p.Progress = &WebhookRun{Percent: rep.Progress.Percent(), Rate: rep.Progress.Rate, ETASeconds: rep.Progress.ETA.Seconds(), UpdatedAt: rep.Progress.UpdatedAt.UTC()}
	}
	return p
}

// Sign returns the X-Fabricpress-Signature value of body sent at
// timestamp (Unix seconds, as in X-Fabricpress-Timestamp):
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("webhook signature does not match")
	ErrStale        = errors.New("webhook timestamp outside the tolerance")
)

// Verify checks a webhook request as its receiver: header is the
// X-Fabricpress-Signature value, body the raw request body (before any
// JSON decoding), timestamp the X-Fabricpress-Timestamp value. It
// recomputes HMAC-SHA256(secret, timestamp + "." + body), compares it in
// constant time with every "sha256=<hex>" entry of header (entries are
// separated by commas, so that a sender rotating its secret may send two),
// and, when tolerance is positive, refuses a timestamp more than
// tolerance away from now (5 minutes is usual), so that a captured
// request cannot be replayed later. A receiver should also remember the
// X-Fabricpress-Delivery ids it has processed, for a while, and treat a
// repeated id as done: a delivery may be repeated after a crash.
func Verify(secret, header string, body []byte, timestamp string, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrBadSignature, timestamp)
	}
	if tolerance > 0 {
		if d := time.Since(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
			return fmt.Errorf("%w: sent %v ago", ErrStale, d.Round(time.Second))
		}
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, strings.TrimSpace(timestamp), body), "sha256="))
	for _, part := range strings.Split(header, ",") {
		hexSig, ok := strings.CutPrefix(strings.TrimSpace(part), "sha256=")
		if !ok {
			continue
		}
		got, err := hex.DecodeString(hexSig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrBadSignature
}

// VerifyRequest reads r's body (at most maxBody bytes; 1 MiB when 0) and
// checks its signature headers with Verify. It returns the body, to be
// decoded as a WebhookPayload only when the error is nil.
func VerifyRequest(secret string, r *http.Request, maxBody int64, tolerance time.Duration) ([]byte, error) {
	if maxBody <= 0 {
		maxBody = 1 << 20
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > maxBody {
		return nil, fmt.Errorf("webhook body larger than %d bytes", maxBody)
	}
	if err := Verify(secret, r.Header.Get(HeaderSignature), body, r.Header.Get(HeaderTimestamp), tolerance); err != nil {
		return nil, err
	}
	return body, nil
}

// WebhookConfig configures Webhooks.
type WebhookConfig struct {
	// Secret signs every request (FABRICPRESS_WEBHOOK_SECRET); required.
	Secret string
	// AllowedHosts are the hosts webhooks may be sent to, as for remote
	// images: "hooks.example.com", "*.example.com", "example.com:8443".
	// Empty: every webhook is refused. Whatever the list says, requests
	// never go to loopback, private, link-local or other non-public
	// addresses; that is checked when connecting, after DNS resolution.
	AllowedHosts []string
	// Timeout bounds one request, response headers included; default 10s.
	Timeout time.Duration
	// AppURL (APP_URL) gives payloads their downloadUrl.
	AppURL string
	// UserAgent; default "fabricpress-webhooks/1".
	UserAgent string
}

// DefaultWebhookTimeout is WebhookConfig.Timeout when zero.
const DefaultWebhookTimeout = 10 * time.Second

// Webhooks POSTs signed notifications to the URLs jobs give
// (options.webhookUrl). Safe for concurrent use.
type Webhooks struct {
	cfg    WebhookConfig
	hosts  netguard.Hosts
	client *http.Client
	// allowLoopback lets tests post to httptest servers on 127.0.0.1. It
	// is deliberately not exported: a deployment can never turn it on.
	allowLoopback bool
}

// NewWebhooks checks cfg and returns a sender.
func NewWebhooks(cfg WebhookConfig) (*Webhooks, error) {
	if cfg.Secret == "" {
		return nil, errors.New("webhooks: no signing secret")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultWebhookTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "fabricpress-webhooks/1"
	}
	w := &Webhooks{cfg: cfg}
	for _, h := range cfg.AllowedHosts {
		if strings.TrimSpace(h) == "" {
			continue
		}
		r, err := netguard.ParseHostRule(h)
		if err != nil {
			return nil, fmt.Errorf("webhooks: %v", err)
		}
		w.hosts = append(w.hosts, r)
	}
	dialer := &net.Dialer{
		Timeout:   cfg.Timeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			if w.allowLoopback {
				return nil
			}
			return checkDialAddr(address)
		},
	}
	w.client = &http.Client{
		Timeout: cfg.Timeout,
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would hide the address actually reached
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   cfg.Timeout,
			ResponseHeaderTimeout: cfg.Timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		// Redirects are not followed: a receiver answers at its URL.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return w, nil
}

// CloseIdleConnections closes kept-alive connections to receivers.
func (w *Webhooks) CloseIdleConnections() { w.client.CloseIdleConnections() }

// checkURL refuses a webhook URL that is not http(s) to an allowed host.
func (w *Webhooks) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || raw == "" {
		return nil, permanentf("webhook: bad URL %q", oneLine(raw, 200))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, permanentf("webhook: URL %q: only http and https", oneLine(raw, 200))
	}
	if u.User != nil {
		return nil, permanentf("webhook: URL with credentials refused")
	}
	if !w.hosts.Allow(u) {
		return nil, permanentf("webhook: host %q is not on the allowed webhook hosts", u.Host)
	}
	return u, nil
}

// Send POSTs the webhook about n (payload rep) to rep.URL, signed at now.
// A 2xx answer is success. A URL that is refused is a permanent error
// (IsPermanent); a network error, a timeout or any other status is not,
// and a Retry-After on 429 or 503 is passed on to the dispatcher.
func (w *Webhooks) Send(ctx context.Context, n batch.Notification, rep batch.Report, now time.Time) error {
	u, err := w.checkURL(rep.URL)
	if err != nil {
		return err
	}
	body, err := json.Marshal(NewWebhookPayload(n, rep, w.cfg.AppURL))
	if err != nil {
		return permanentf("webhook: encode payload: %v", err)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return permanentf("webhook: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.cfg.UserAgent)
	req.Header.Set(HeaderEvent, n.Event)
	req.Header.Set(HeaderDelivery, n.ID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(w.cfg.Secret, ts, body))
	resp, err := w.client.Do(req)
	if err != nil {
		var p *permanentError
		if errors.As(err, &p) {
			return p
		}
		return fmt.Errorf("webhook POST %s: %s", u.Redacted(), oneLine(stripURLError(err), 300))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("webhook POST %s: %s", u.Redacted(), resp.Status)
	if s := oneLine(string(snippet), 200); s != "" {
		err = fmt.Errorf("%w: %s", err, s)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		err = fmt.Errorf("%w (redirects are not followed; give the final URL)", err)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if s, e := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); e == nil && s > 0 {
			return &retryAfterError{err: err, after: time.Duration(s) * time.Second}
		}
	}
	return err
}

// stripURLError drops the url.Error wrapper (method and URL are in our
// own message already).
func stripURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timed out: " + ue.Err.Error()
		}
		return ue.Err.Error()
	}
	return err.Error()
}
