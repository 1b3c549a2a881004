package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render"
)

// Config configures a Server. Zero values take the defaults noted.
type Config struct {
	Store  batch.Store
	Runner *batch.Runner // for live events; may be nil (polling only)
	// Render holds fonts, the image loader and limits for synchronous
	// renders and proofs.
	Render    render.Options
	OutputDir string // where the runner writes job outputs
	DataDir   string // templates are kept under DataDir/templates

	// Keys maps API keys to owners. With none, every request is the
	// anonymous owner "" (the command only allows that on loopback).
	Keys map[string]string

	Threshold      int           // BATCH_THRESHOLD: /render refuses more recipients (default 100)
	MaxBodyBytes   int64         // whole request (default 64 MiB)
	MaxTemplate    int64         // template part (default 16 MiB)
	MaxCSV         int64         // CSV part (default 48 MiB)
	MaxQueued      int           // queued or running jobs per owner (default 20)
	RatePerSecond  float64       // per key (default 20)
	RateBurst      int           // (default 40)
	ProofRows      int           // rows in a proof (default 5, max 20)
	IdempotencyTTL time.Duration // default 24h
	Limits         fabric.Limits // template parsing limits
	Logger         *slog.Logger
	AppURL         string // public base URL for links (APP_URL)
}

func (c *Config) withDefaults() {
	if c.Threshold <= 0 {
		c.Threshold = 100
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 64 << 20
	}
	if c.MaxTemplate <= 0 {
		c.MaxTemplate = 16 << 20
	}
	if c.MaxCSV <= 0 {
		c.MaxCSV = 48 << 20
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = 20
	}
	if c.RatePerSecond <= 0 {
		c.RatePerSecond = 20
	}
	if c.RateBurst <= 0 {
		c.RateBurst = 40
	}
	if c.ProofRows <= 0 {
		c.ProofRows = 5
	}
	if c.IdempotencyTTL <= 0 {
		c.IdempotencyTTL = 24 * time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Server is the HTTP API (and dashboard) over a batch store and runner.
// It is an http.Handler, safe for concurrent use.
type Server struct {
	cfg       Config
	router    *mux.Router
	templates *templateStore
	limiter   *limiter
	metrics   *metrics
	registry  *prometheus.Registry

	mu   sync.Mutex
	idem map[string]idemEntry // owner|key -> job

	// createMu makes counting an owner's active jobs and creating one a
	// single step, so concurrent requests cannot overshoot MaxQueued.
	createMu sync.Mutex
}

type idemEntry struct {
	jobID string
	at    time.Time
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	cfg.withDefaults()
	ts, err := newTemplateStore(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, templates: ts, limiter: newLimiter(cfg.RatePerSecond, cfg.RateBurst), idem: map[string]idemEntry{}}
	s.registry = prometheus.NewRegistry()
	s.metrics = newMetrics(s.registry, cfg.Store)
	s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// handler is an HTTP handler that returns an error; one place maps errors
// to responses (see writeError).
type handler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) routes() {
	r := mux.NewRouter()
	r.Use(s.requestID, s.recoverer, s.logRequests)
	r.Handle("/healthz", s.wrap(s.healthz)).Methods(http.MethodGet)
	r.Handle("/readyz", s.wrap(s.readyz)).Methods(http.MethodGet)
	r.Handle("/metrics", s.metricsHandler()).Methods(http.MethodGet)

	api := r.PathPrefix("/api/v1").Subrouter()
	api.Handle("/openapi.json", s.wrap(s.openapi)).Methods(http.MethodGet)
	auth := api.NewRoute().Subrouter()
	auth.Use(s.authenticate, s.rateLimit)
	for _, rt := range apiRoutes(s) {
		auth.Handle(rt.path, s.wrap(rt.h)).Methods(rt.method).Name(rt.method + " " + rt.path)
	}
	// Unmatched requests skip the router's middleware: give them theirs.
	unmatched := func(h handler) http.Handler { return s.requestID(s.recoverer(s.logRequests(s.wrap(h)))) }
	api.NotFoundHandler = unmatched(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusNotFound, "not_found", "no route %s %s", r.Method, r.URL.Path)
	})
	api.MethodNotAllowedHandler = unmatched(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed on %s", r.Method, r.URL.Path)
	})
	s.router = r
	s.dashboard(r)
}

type route struct {
	method, path string
	h            handler
	summary      string
}

// apiRoutes lists every API route; the OpenAPI document is built from it.
func apiRoutes(s *Server) []route {
	return []route{
		{http.MethodPost, "/jobs", s.createJob, "Create a job from a template and a CSV (multipart or JSON)"},
		{http.MethodGet, "/jobs", s.listJobs, "List jobs, newest first (status filter, cursor)"},
		{http.MethodGet, "/jobs/{id}", s.getJob, "Get a job"},
		{http.MethodGet, "/jobs/{id}/progress", s.jobProgress, "Progress of a job"},
		{http.MethodGet, "/jobs/{id}/events", s.jobEvents, "Server-sent progress and state events"},
		{http.MethodGet, "/jobs/{id}/recipients", s.jobRecipients, "Recipients of a job (status filter)"},
		{http.MethodGet, "/jobs/{id}/download", s.download, "Download the job's ZIP (or merged PDF)"},
		{http.MethodPost, "/jobs/{id}/cancel", s.cancelJob, "Cancel a job"},
		{http.MethodPost, "/jobs/{id}/retry", s.retryJob, "Retry the failed recipients of a finished job"},
		{http.MethodDelete, "/jobs/{id}", s.deleteJob, "Delete a job and its files"},
		{http.MethodPost, "/render", s.renderSync, "Render a small batch synchronously"},
		{http.MethodPost, "/proofs", s.proofs, "Render the first rows at preview size"},
		{http.MethodPost, "/templates", s.createTemplate, "Store a template"},
		{http.MethodGet, "/templates", s.listTemplates, "List templates"},
		{http.MethodGet, "/templates/{id}", s.getTemplate, "Get a template"},
		{http.MethodGet, "/templates/{id}/thumbnail.png", s.templateThumbnail, "Thumbnail of a template"},
		{http.MethodDelete, "/templates/{id}", s.deleteTemplate, "Delete a template"},
	}
}

func (s *Server) wrap(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

type ctxKey int

const (
	keyOwner ctxKey = iota
	keyRequestID
)

func owner(r *http.Request) string {
	o, _ := r.Context().Value(keyOwner).(string)
	return o
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || strings.ContainsAny(id, "\r\n") {
			id = newID()
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, id)))
	})
}

func requestIDOf(r *http.Request) string {
	id, _ := r.Context().Value(keyRequestID).(string)
	return id
}

func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(s.cfg.Keys) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		key := ""
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			key = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
		}
		o, ok := s.cfg.Keys[key]
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fabricpress"`)
			s.writeError(w, r, errorf(http.StatusUnauthorized, "unauthorized", "a valid API key is required (Authorization: Bearer KEY)"))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyOwner, o)))
	})
}
