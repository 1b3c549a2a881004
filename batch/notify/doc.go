// Package notify delivers the notifications outbox of a batch.Store: emails
// through SMTP and signed webhooks, when a job completes, fails or is
// cancelled (and, for webhooks, throttled job.progress events). It is the
// only package of fabricpress that speaks SMTP.
//
// The runner never sends anything itself: it enqueues a batch.Notification
// (channel "email" or "webhook", an event, a batch.Report as payload) in the
// store, in the same process or not. A Dispatcher claims due notifications
// under a lease, sends them, and records each attempt: sent, failed and
// retried with exponential backoff, or given up after MaxAttempts. See
// Dispatcher for the delivery guarantees.
//
//	m, err := notify.NewMailer(notify.MailConfig{Host: "smtp.example.com", Port: 587,
//		User: "fp", Pass: secret, From: "Fabricpress <noreply@example.com>",
//		AppURL: "https://print.example.com"})
//	w, err := notify.NewWebhooks(notify.WebhookConfig{Secret: hookSecret,
//		AllowedHosts: []string{"hooks.example.com"}})
//	d := &notify.Dispatcher{Store: store, Mailer: m, Webhooks: w, Logger: log}
//	go d.Run(ctx)
//
// Without a Mailer (no SMTP settings) emails are recorded in the outbox as
// skipped (failed, given up, LastError starting with SkippedPrefix) and
// logged, so a local install works without a mail server.
//
// # Emails
//
// One message per notification, to the job's notifyEmail option (one
// address or a list): a multipart/alternative with a text/plain part and an
// HTML part styled with inline CSS, from html/template (everything taken from
// the job is escaped), with a UTF-8 Subject encoded as RFC 2047 words, a
// Message-ID that is the same on every attempt
// (<fabricpress.{notification}.{job}@{sender domain}>), and
// X-Fabricpress-Event and X-Fabricpress-Delivery headers. A completion email
// gives the job's name, the pieces done and failed, the duration, the link
// APP_URL/api/v1/jobs/{id}/download and the first failures with their CSV
// lines; a failure email gives the reason and what was done. ComposeEmail
// renders both parts without sending.
//
// TLS: with MailConfig.Secure the connection is TLS from the start (port
// 465); otherwise STARTTLS is used whenever the server offers it (port 587).
// Certificates are always verified; MailConfig.RootCAs (see CertPool) trusts
// a private CA.
//
// # Webhooks
//
// A webhook is an HTTP POST of a JSON WebhookPayload to the job's webhookUrl:
//
//	POST /hook HTTP/1.1
//	Content-Type: application/json
//	X-Fabricpress-Event: job.completed
//	X-Fabricpress-Delivery: n000042
//	X-Fabricpress-Timestamp: 1764079392
//	X-Fabricpress-Signature: sha256=5d1c…
//
//	{"id":"n000042","event":"job.completed","createdAt":"2026-11-25T14:03:12Z",
//	 "job":{"id":"j000007","name":"Spring mailing","status":"completed_with_errors",
//	        "total":500,"done":494,"failed":6,...,"failures":[{"row":12,"line":13,"error":"..."}],
//	        "downloadUrl":"https://print.example.com/api/v1/jobs/j000007/download"}}
//
// Any 2xx answer is success; anything else, a timeout or a network error is
// retried with backoff (a Retry-After on 429 or 503 is honoured), up to
// MaxAttempts. Redirects are not followed. URLs must be http or https to a
// host on WebhookConfig.AllowedHosts (the syntax of -allow-hosts), and
// whatever the list says a request never connects to a loopback, private,
// link-local or otherwise non-public address: that is checked when
// connecting, on the resolved address.
//
// # Verifying a webhook
//
// The signature is an HMAC-SHA256, keyed with the shared secret
// (FABRICPRESS_WEBHOOK_SECRET), of the timestamp header, a dot, and the raw
// body, in lower-case hex:
//
//	X-Fabricpress-Signature = "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body))
//
// A receiver should:
//
//  1. read the raw body bytes (before decoding JSON, which may reorder or
//     re-space it);
//  2. recompute the HMAC over X-Fabricpress-Timestamp + "." + body and compare
//     it with the header in constant time (hmac.Equal, not ==);
//  3. refuse a timestamp more than a few minutes from its clock, against
//     replays;
//  4. remember the X-Fabricpress-Delivery ids (the payload's id) it has
//     handled for a day or so and answer 2xx to a repeat without acting on it
//     again: after a crash between a send and its commit, a delivery is
//     repeated with the same id (and a new timestamp and signature).
//
// In Go, Verify and VerifyRequest do steps 1 to 3:
//
//	func hook(w http.ResponseWriter, r *http.Request) {
//		body, err := notify.VerifyRequest(secret, r, 1<<20, 5*time.Minute)
//		if err != nil {
//			http.Error(w, "bad signature", http.StatusUnauthorized)
//			return
//		}
//		var p notify.WebhookPayload
//		json.Unmarshal(body, &p)
//		...
//	}
//
// Elsewhere, for example in a shell:
//
//	printf '%s.%s' "$TIMESTAMP" "$BODY" | openssl dgst -sha256 -hmac "$SECRET"
package notify
