package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/batch/bolt"
	"github.com/fabricpress/fabricpress/batch/notify"
	"github.com/fabricpress/fabricpress/render"
	"github.com/fabricpress/fabricpress/render/asset"
	"github.com/fabricpress/fabricpress/render/font"
	"github.com/fabricpress/fabricpress/service"
)

// env returns the environment variable, or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(env(name, "")); err == nil {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	if v, err := strconv.ParseBool(env(name, "")); err == nil {
		return v
	}
	return def
}

// serveConfig is everything `fabricpress serve` reads from flags and the
// environment (each flag has an environment variable of the same meaning).
type serveConfig struct {
	addr, data, keys, fonts, assets, allowHosts, output, appURL string
	fallback, public                                            bool
	threshold, workers, retentionDays, maxQueued                int
	sampleTemplate                                              string
	sampleWidth, sampleHeight                                   float64
	smtp                                                        smtpConfig
	webhookSecret, webhookHosts                                 string
	ready                                                       func(addr string) // tests: called once listening
}

// smtpConfig is read here (only cmd reads the environment) and handed to
// the notifier.
type smtpConfig struct {
	host, user, pass, from string
	port                   int // 0: 465 with secure, else 587
	secure                 bool
	caFile                 string // SMTP_CA_FILE: also trust this CA (PEM)
}

func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("FABRICPRESS_ADDR", "127.0.0.1:8080"), "listen address (FABRICPRESS_ADDR)")
	fs.StringVar(&c.data, "data", env("FABRICPRESS_DATA", "./data"), "folder of the bbolt store and stored templates (FABRICPRESS_DATA)")
	fs.StringVar(&c.keys, "api-keys", env("FABRICPRESS_API_KEYS", ""), "API keys as key:owner,key2:owner2 (FABRICPRESS_API_KEYS)")
	fs.StringVar(&c.fonts, "fonts", env("FABRICPRESS_FONTS", ""), "font manifest (fonts.json) or folder (FABRICPRESS_FONTS)")
	fs.BoolVar(&c.fallback, "font-fallback", envBool("FABRICPRESS_FONT_FALLBACK", false), "draw unregistered families with the embedded Go font, reported (FABRICPRESS_FONT_FALLBACK)")
	fs.StringVar(&c.assets, "assets", env("FABRICPRESS_ASSETS", ""), "folder local image paths are read from (FABRICPRESS_ASSETS)")
	fs.StringVar(&c.allowHosts, "allow-hosts", env("FABRICPRESS_ALLOW_HOSTS", ""), "hosts images may be fetched from: a.com,*.b.com (FABRICPRESS_ALLOW_HOSTS)")
	fs.StringVar(&c.output, "output", env("BATCH_OUTPUT_DIR", "./batch-output"), "job outputs (BATCH_OUTPUT_DIR)")
	fs.IntVar(&c.threshold, "threshold", envInt("BATCH_THRESHOLD", 100), "most recipients /render takes; more need a job (BATCH_THRESHOLD)")
	fs.IntVar(&c.workers, "workers", envInt("BATCH_WORKER_CONCURRENCY", runtime.NumCPU()), "pieces rendered at once (BATCH_WORKER_CONCURRENCY)")
	fs.IntVar(&c.retentionDays, "retention-days", envInt("BATCH_RETENTION_DAYS", 30), "days jobs and files are kept; 0 = forever (BATCH_RETENTION_DAYS)")
	fs.IntVar(&c.maxQueued, "max-queued", envInt("FABRICPRESS_MAX_QUEUED", 20), "queued or running jobs per key (FABRICPRESS_MAX_QUEUED)")
	fs.StringVar(&c.appURL, "app-url", env("APP_URL", ""), "public URL of the app, for links in notifications (APP_URL)")
	fs.BoolVar(&c.public, "public", envBool("FABRICPRESS_PUBLIC", false), "allow listening beyond loopback without API keys (FABRICPRESS_PUBLIC)")
	fs.StringVar(&c.sampleTemplate, "sample-template", "", "store this template at start (make run's sample)")
	fs.Float64Var(&c.sampleWidth, "sample-width", 0, "canvas width of -sample-template")
	fs.Float64Var(&c.sampleHeight, "sample-height", 0, "canvas height of -sample-template")
	c.smtp = smtpConfig{host: env("SMTP_HOST", ""), port: envInt("SMTP_PORT", 0), secure: envBool("SMTP_SECURE", false),
		user: env("SMTP_USER", ""), pass: env("SMTP_PASS", ""), from: env("SMTP_FROM", "")}
	fs.StringVar(&c.smtp.caFile, "smtp-ca-file", env("SMTP_CA_FILE", ""), "PEM file of a CA to trust, besides the system's, for the SMTP server's certificate (SMTP_CA_FILE)")
	fs.StringVar(&c.webhookSecret, "webhook-secret", env("FABRICPRESS_WEBHOOK_SECRET", ""), "secret that signs webhooks (HMAC-SHA256); none: webhooks are recorded, not sent (FABRICPRESS_WEBHOOK_SECRET)")
	fs.StringVar(&c.webhookHosts, "webhook-hosts", env("FABRICPRESS_WEBHOOK_HOSTS", ""), "hosts webhooks may be sent to, as -allow-hosts: a.com,*.b.com (FABRICPRESS_WEBHOOK_HOSTS)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return runServe(ctx, c, stdout, stderr)
}

// parseKeys reads "key:owner,key2:owner2".
func parseKeys(s string) (map[string]string, error) {
	keys := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, o, ok := strings.Cut(kv, ":")
		if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(o) == "" {
			return nil, fmt.Errorf("API key entry %q: want key:owner", kv)
		}
		keys[strings.TrimSpace(k)] = strings.TrimSpace(o)
	}
	return keys, nil
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func runServe(ctx context.Context, c serveConfig, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	keys, err := parseKeys(c.keys)
	if err != nil {
		return usageError{err.Error()}
	}
	if len(keys) == 0 && !isLoopback(c.addr) && !c.public {
		return usageError{fmt.Sprintf("refusing to listen on %s without API keys: set -api-keys, listen on 127.0.0.1, or pass -public", c.addr)}
	}
	if err := os.MkdirAll(c.data, 0o755); err != nil {
		return err
	}
	store, err := bolt.Open(filepath.Join(c.data, "fabricpress.db"), nil)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := releaseStaleLeases(ctx, store, log); err != nil {
		return err
	}
	ro := render.Options{FontFallback: c.fallback}
	if c.fonts != "" {
		if ro.Fonts, err = font.Load(c.fonts); err != nil {
			return err
		}
	}
	loader := asset.New(asset.Options{Dir: c.assets, AllowedHosts: splitList(c.allowHosts)})
	defer loader.CloseIdleConnections()
	ro.Images = loader
	runner := &batch.Runner{Store: store, Render: ro, OutputDir: c.output, Workers: c.workers,
		Retention: time.Duration(c.retentionDays) * 24 * time.Hour, Logger: log}
	notifier, err := newDispatcher(c, store, log)
	if err != nil {
		return usageError{err.Error()}
	}
	srv, err := service.New(service.Config{Store: store, Runner: runner, Render: ro, OutputDir: c.output, DataDir: c.data,
		Keys: keys, Threshold: c.threshold, MaxQueued: c.maxQueued, Logger: log, AppURL: c.appURL})
	if err != nil {
		return err
	}
	if c.sampleTemplate != "" {
		id, err := srv.StoreTemplate(firstOwner(keys), "sample postcard", c.sampleTemplate, c.sampleWidth, c.sampleHeight)
		if err != nil {
			return fmt.Errorf("sample template: %w", err)
		}
		log.Info("sample template stored", "id", id)
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	runCtx, stopRunner := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRunner()
	runnerDone := make(chan error, 1)
	go func() { runnerDone <- runner.Run(runCtx) }()
	// Notifications are sent by their own loop from the store's outbox, so
	// they never slow a job down; it stops with the runner.
	notifierDone := make(chan struct{})
	go func() {
		defer close(notifierDone)
		if err := notifier.Run(runCtx); err != nil {
			log.Error("notifications stopped", "err", err)
		}
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "fabricpress listening on %s\n", url)
	log.Info("listening", "url", url, "workers", c.workers, "keys", len(keys))
	if c.ready != nil {
		c.ready(ln.Addr().String())
	}
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stopRunner()
		<-runnerDone
		<-notifierDone
		return err
	case err := <-runnerDone:
		hs.Close()
		stopRunner()
		<-notifierDone
		return fmt.Errorf("runner stopped: %w", err)
	}
	// Graceful shutdown: stop taking requests, let the runner finish its
	// in-flight pieces and commit, then close the store.
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hs.Shutdown(shutCtx)
	stopRunner()
	<-runnerDone
	<-notifierDone
	return nil
}

// newDispatcher builds the notifications dispatcher (batch/notify) from the
// SMTP and webhook settings. Without SMTP_HOST, emails are recorded in the
// outbox as skipped and logged, not sent; without a webhook secret, so are
// webhooks.
func newDispatcher(c serveConfig, store batch.Store, log *slog.Logger) (*notify.Dispatcher, error) {
	d := &notify.Dispatcher{Store: store, Logger: log}
	switch {
	case c.smtp.host == "":
		log.Info("no SMTP settings (SMTP_HOST): notification emails are recorded and logged, not sent")
	case c.smtp.from == "":
		return nil, errors.New("SMTP_HOST is set but SMTP_FROM is not: set the sender address")
	default:
		mc := notify.MailConfig{Host: c.smtp.host, Port: c.smtp.port, Secure: c.smtp.secure, User: c.smtp.user,
			Pass: c.smtp.pass, From: c.smtp.from, AppURL: c.appURL}
		if c.smtp.caFile != "" {
			pem, err := os.ReadFile(c.smtp.caFile)
			if err != nil {
				return nil, fmt.Errorf("SMTP_CA_FILE: %w", err)
			}
			if mc.RootCAs, err = notify.CertPool(pem); err != nil {
				return nil, fmt.Errorf("SMTP_CA_FILE %s: %w", c.smtp.caFile, err)
			}
		}
		m, err := notify.NewMailer(mc)
		if err != nil {
			return nil, err
		}
		d.Mailer = m
	}
	if c.webhookSecret == "" {
		log.Info("no webhook secret (FABRICPRESS_WEBHOOK_SECRET): webhooks are recorded and logged, not sent")
		return d, nil
	}
	w, err := notify.NewWebhooks(notify.WebhookConfig{Secret: c.webhookSecret, AllowedHosts: splitList(c.webhookHosts), AppURL: c.appURL})
	if err != nil {
		return nil, err
	}
	if len(splitList(c.webhookHosts)) == 0 {
		log.Warn("a webhook secret but no -webhook-hosts (FABRICPRESS_WEBHOOK_HOSTS): every webhook URL will be refused")
	}
	d.Webhooks = w
	return d, nil
}

func firstOwner(keys map[string]string) string {
	best := ""
	for _, o := range keys {
		if best == "" || o < best {
			best = o
		}
	}
	return best
}

// releaseStaleLeases hands back the leases a previous run of the service
// left on running jobs (it was killed, or the machine went down), so they
// resume at once instead of when the leases expire. This process holds the
// bbolt file's lock, so no other runner can own them.
func releaseStaleLeases(ctx context.Context, store batch.Store, log *slog.Logger) error {
	jobs, _, err := store.ListJobs(ctx, batch.JobFilter{States: []batch.JobState{batch.JobRunning}})
	if err != nil {
		return err
	}
	for _, j := range jobs {
		n, err := batch.ReleaseLeases(ctx, store, j.ID)
		if err != nil {
			return fmt.Errorf("releasing leases of job %s: %w", j.ID, err)
		}
		if n > 0 {
			log.Info("resuming job left running by a previous run", "job", j.ID, "released", n)
		}
	}
	return nil
}
