package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/fabricpress/fabricpress/batch"
)

// Defaults of the Dispatcher's zero fields.
const (
	DefaultMaxAttempts = 10
	DefaultLease       = 2 * time.Minute
	DefaultPoll        = 2 * time.Second
	DefaultWorkers     = 4
	DefaultGrace       = 5 * time.Second

	DefaultBackoffBase = 10 * time.Second
	DefaultBackoffMax  = time.Hour
)

// SkippedPrefix starts the LastError of a notification that was recorded
// but deliberately not sent (no SMTP server configured, no recipient, a
// channel that is switched off). Such a notification is failed and given
// up (NextAttemptAt zero), as the store has no state of its own for it.
const SkippedPrefix = "skipped: "

// DefaultBackoff is the delay before the next attempt at a notification
// whose attempt (1 for the first) failed: 10s·2^(attempt-1) with ±20%
// jitter, so that notifications failing together do not retry together,
// capped at one hour. With DefaultMaxAttempts the last attempt comes
// about 1 h 25 min after the first.
func DefaultBackoff(attempt int) time.Duration {
	return Backoff(DefaultBackoffBase, DefaultBackoffMax)(attempt)
}

// Backoff returns an exponential backoff with ±20% jitter: base·2^(attempt-1),
// capped at max (tests pass milliseconds).
func Backoff(base, limit time.Duration) func(attempt int) time.Duration {
	return func(attempt int) time.Duration {
		if attempt < 1 {
			attempt = 1
		}
		d := base
		for i := 1; i < attempt && d < limit; i++ {
			d *= 2
		}
		d = min(d, limit)
		return max(time.Duration(float64(d)*(0.8+0.4*rand.Float64())), time.Millisecond)
	}
}

// Dispatcher delivers the notifications outbox of a batch.Store: it claims
// due notifications under a lease (Store.ClaimNotifications), sends each by
// its channel, and records the outcome (Store.FinishNotification): sent;
// failed and due again after Backoff; or failed for good once MaxAttempts
// attempts are used up or the failure is permanent.
//
// Because the outbox lives in the store, nothing is lost when the process
// stops: a notification claimed by a dispatcher that died is claimed again
// once its lease expires. Each notification is sent until one attempt is
// recorded as sent, so it reaches its receiver once, except that a crash
// between a send and its commit sends it again, with the same delivery id
// (webhook X-Fabricpress-Delivery and payload id, email Message-ID and
// X-Fabricpress-Delivery) for the receiver to recognise.
//
// The runner only enqueues notifications; sending happens here, in its own
// goroutines, so a slow or failing receiver never slows a job down or fails
// it. Notifications of different jobs, and retries, are not ordered:
// receivers should order by createdAt.
//
// Set the fields before calling Run; zero values take the defaults.
type Dispatcher struct {
	Store batch.Store

	// Mailer sends "email" notifications. Nil (no SMTP settings): emails
	// are recorded as skipped (SkippedPrefix) and logged, not sent.
	Mailer *Mailer
	// Webhooks sends "webhook" notifications. Nil (no signing secret):
	// webhooks are recorded as skipped and logged.
	Webhooks *Webhooks

	// Backoff is the delay after failed attempt number attempt (1 for the
	// first); default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// MaxAttempts is how many attempts a notification gets before it is
	// given up; default DefaultMaxAttempts. A job.progress webhook gets one
	// (a newer one supersedes it).
	MaxAttempts int
	// Lease is how long a claim holds (default 2 min). A send is cut off
	// at 3/4 of it, so that a live dispatcher never loses a claim to
	// another one while sending.
	Lease time.Duration
	// Poll is how often the outbox is looked at when idle; default 2s
	// (each look is a store transaction).
	Poll time.Duration
	// Workers is how many notifications are sent at once; default 4.
	Workers int
	// Grace is how long Run waits, when its context ends, for sends in
	// flight before cutting them off (they are then retried at once on the
	// next start); default 5s.
	Grace time.Duration

	Logger *slog.Logger     // default: discard
	Clock  func() time.Time // default time.Now

	once sync.Once
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		if d.Backoff == nil {
			d.Backoff = DefaultBackoff
		}
		if d.MaxAttempts <= 0 {
			d.MaxAttempts = DefaultMaxAttempts
		}
		if d.Lease <= 0 {
			d.Lease = DefaultLease
		}
		if d.Poll <= 0 {
			d.Poll = DefaultPoll
		}
		if d.Workers <= 0 {
			d.Workers = DefaultWorkers
		}
		if d.Grace <= 0 {
			d.Grace = DefaultGrace
		}
		if d.Logger == nil {
			d.Logger = slog.New(slog.DiscardHandler)
		}
		if d.Clock == nil {
			d.Clock = time.Now
		}
	})
}

// Run delivers notifications until ctx ends, then waits up to Grace for
// the sends in flight and returns nil. Store errors are logged and the
// outbox is tried again at the next poll; Run fails only without a Store.
func (d *Dispatcher) Run(ctx context.Context) error {
	if d.Store == nil {
		return errors.New("notify: Dispatcher without a Store")
	}
	d.init()
	sendCtx, cutOff := context.WithCancel(context.WithoutCancel(ctx))
	defer cutOff()
	done := make(chan struct{}, d.Workers)
	var wg sync.WaitGroup
	inflight := 0
	tick := time.NewTicker(d.Poll)
	defer tick.Stop()
	claim := true
	for {
		if claim && inflight < d.Workers && ctx.Err() == nil {
			want := d.Workers - inflight
			ns, err := d.Store.ClaimNotifications(ctx, want, d.Lease, d.Clock())
			if err != nil && ctx.Err() == nil {
				d.Logger.Error("notify: claim notifications", "err", err)
			}
			for _, n := range ns {
				inflight++
				wg.Add(1)
				go func() {
					defer wg.Done()
					d.deliver(sendCtx, n)
					done <- struct{}{}
				}()
			}
			// A full claim may have left more due: claim again as soon
			// as a worker is free, not at the next tick.
			claim = len(ns) == want && want > 0
		}
		select {
		case <-ctx.Done():
			waited := make(chan struct{})
			go func() { wg.Wait(); close(waited) }()
			select {
			case <-waited:
			case <-time.After(d.Grace):
				cutOff()
				<-waited
			}
			return nil
		case <-done:
			inflight--
		case <-tick.C:
			claim = true
		}
	}
}

// DeliverDue claims and delivers the notifications due now, at most max
// (all of them, in rounds of Workers, when max <= 0), and returns how many
// it handled. For tools and tests; a service runs Run.
func (d *Dispatcher) DeliverDue(ctx context.Context, max int) (int, error) {
	if d.Store == nil {
		return 0, errors.New("notify: Dispatcher without a Store")
	}
	d.init()
	total := 0
	for max <= 0 || total < max {
		want := d.Workers
		if max > 0 {
			want = min(want, max-total)
		}
		ns, err := d.Store.ClaimNotifications(ctx, want, d.Lease, d.Clock())
		if err != nil {
			return total, err
		}
		var wg sync.WaitGroup
		for _, n := range ns {
			wg.Go(func() { d.deliver(ctx, n) })
		}
		wg.Wait()
		total += len(ns)
		if len(ns) < want {
			break
		}
	}
	return total, nil
}

// deliver sends one claimed notification and records the outcome.
func (d *Dispatcher) deliver(ctx context.Context, n batch.Notification) {
	log := d.Logger.With("notification", n.ID, "job", n.JobID, "channel", n.Channel, "event", n.Event, "attempt", n.Attempts)
	maxAttempts := d.MaxAttempts
	if n.Event == batch.EventJobProgress {
		maxAttempts = 1
	}
	if n.Attempts > maxAttempts && n.Event != batch.EventJobProgress {
		// Claimed again after a sender died mid-attempt, too often.
		d.finish(n, log, false, fmt.Sprintf("gave up after %d attempts (earlier ones were interrupted)", n.Attempts-1), true)
		return
	}
	rep, err := d.report(ctx, n)
	if err != nil {
		d.finish(n, log, false, err.Error(), true)
		return
	}
	sctx, cancel := context.WithTimeout(ctx, d.Lease*3/4)
	defer cancel()
	now := d.Clock()
	switch n.Channel {
	case batch.ChannelEmail:
		switch {
		case n.Event == batch.EventJobProgress:
			d.skip(n, log, "progress events are not emailed")
			return
		case rep.To == "":
			d.skip(n, log, "no recipient (the job has no notifyEmail)")
			return
		case d.Mailer == nil:
			e, _ := ComposeEmail(n.Event, rep, "")
			log.Info("notify: email not sent: SMTP is not configured", "to", rep.To, "subject", e.Subject)
			d.skip(n, nil, "SMTP is not configured (SMTP_HOST, SMTP_FROM); the email was recorded, not sent")
			return
		}
		err = d.Mailer.Send(sctx, n, rep, now)
	case batch.ChannelWebhook:
		switch {
		case rep.URL == "":
			d.skip(n, log, "no webhook URL (the job has no webhookUrl)")
			return
		case d.Webhooks == nil:
			log.Info("notify: webhook not sent: no webhook secret is configured", "url", rep.URL)
			d.skip(n, nil, "webhooks are off: no signing secret is configured (FABRICPRESS_WEBHOOK_SECRET)")
			return
		}
		err = d.Webhooks.Send(sctx, n, rep, now)
	default:
		d.finish(n, log, false, fmt.Sprintf("unknown channel %q", n.Channel), true)
		return
	}
	if err == nil {
		d.finish(n, log, true, "", false)
		return
	}
	if ctx.Err() != nil {
		// Cut off by shutdown: due again at once, on the next start.
		d.finishAt(n, log, "interrupted by shutdown: "+err.Error(), d.Clock())
		return
	}
	msg := err.Error()
	switch {
	case IsPermanent(err):
		d.finish(n, log, false, msg, true)
	case n.Attempts >= maxAttempts:
		if n.Event == batch.EventJobProgress {
			msg += " (progress events are not retried)"
		} else {
			msg = fmt.Sprintf("gave up after %d attempts: %s", n.Attempts, msg)
		}
		d.finish(n, log, false, msg, true)
	default:
		wait := d.Backoff(n.Attempts)
		if ra := retryAfter(err); ra > wait {
			wait = min(ra, DefaultBackoffMax)
		}
		d.finishAt(n, log, msg, d.Clock().Add(wait))
	}
}

// report decodes n's payload, completing it from the store where it lacks
// something (a missing payload, the recipient or URL of an older entry).
func (d *Dispatcher) report(ctx context.Context, n batch.Notification) (batch.Report, error) {
	var rep batch.Report
	if len(n.Payload) > 0 && string(n.Payload) != "null" {
		if err := json.Unmarshal(n.Payload, &rep); err != nil {
			return rep, fmt.Errorf("payload does not decode: %v", err)
		}
	}
	if rep.JobID == "" {
		rep.JobID = n.JobID
	}
	needJob := rep.State == "" || (n.Channel == batch.ChannelEmail && rep.To == "") || (n.Channel == batch.ChannelWebhook && rep.URL == "")
	if !needJob {
		return rep, nil
	}
	j, err := d.Store.GetJob(ctx, n.JobID)
	if err != nil {
		if errors.Is(err, batch.ErrNotFound) && rep.State != "" {
			return rep, nil
		}
		if errors.Is(err, batch.ErrNotFound) {
			return rep, fmt.Errorf("job %s is gone and the notification has no payload", n.JobID)
		}
		return rep, err
	}
	if rep.State == "" {
		rep.Name, rep.Owner, rep.State, rep.Error = j.Name, j.Owner, j.State, j.Error
		rep.Total, rep.Done, rep.Failed = j.Total, j.Done, j.Failed
		rep.StartedAt, rep.FinishedAt = j.StartedAt, j.FinishedAt
		if !j.StartedAt.IsZero() && j.FinishedAt.After(j.StartedAt) {
			rep.Duration = j.FinishedAt.Sub(j.StartedAt).Seconds()
		}
		if j.Failed > 0 {
			if rs, err := d.Store.Recipients(ctx, j.ID, batch.RecipientFilter{States: []batch.RecipientState{batch.RecipientFailed}, Limit: batch.MaxReportFailures}); err == nil {
				for _, r := range rs {
					rep.Failures = append(rep.Failures, batch.Failure{Row: r.Row, Line: r.Line, Name: r.Name, Error: r.LastError})
				}
			}
		}
	}
	var spec batch.Spec
	if len(j.Spec) > 0 && json.Unmarshal(j.Spec, &spec) == nil {
		if rep.To == "" {
			rep.To = spec.Options.NotifyEmail
		}
		if rep.URL == "" {
			rep.URL = spec.Options.WebhookURL
		}
	}
	return rep, nil
}

// skip records n as deliberately not sent.
func (d *Dispatcher) skip(n batch.Notification, log *slog.Logger, why string) {
	if log != nil {
		log.Info("notify: notification skipped: " + why)
	}
	d.commit(n, false, SkippedPrefix+why, time.Time{}, true)
}

// finish records n as sent, or failed (given up when giveUp).
func (d *Dispatcher) finish(n batch.Notification, log *slog.Logger, sent bool, msg string, giveUp bool) {
	switch {
	case sent:
		log.Info("notify: sent")
	case giveUp:
		log.Error("notify: failed, given up", "err", msg)
	}
	d.commit(n, sent, msg, time.Time{}, giveUp)
}

// finishAt records a failed attempt at n, due again at next.
func (d *Dispatcher) finishAt(n batch.Notification, log *slog.Logger, msg string, next time.Time) {
	log.Warn("notify: attempt failed, will retry", "err", msg, "next", next)
	d.commit(n, false, msg, next, false)
}

func (d *Dispatcher) commit(n batch.Notification, sent bool, msg string, next time.Time, giveUp bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.Store.FinishNotification(ctx, n.ID, sent, msg, next, giveUp); err != nil {
		// The claim was lost (the lease expired and another dispatcher
		// took it, or the job was deleted): the other claimer decides.
		level := slog.LevelError
		if errors.Is(err, batch.ErrNotFound) || errors.Is(err, batch.ErrConflict) {
			level = slog.LevelWarn
		}
		d.Logger.Log(ctx, level, "notify: record the outcome", "notification", n.ID, "job", n.JobID, "sent", sent, "err", err)
	}
}
