package service

import (
	"context"
	"net/http"
	"time"

	"github.com/fabricpress/fabricpress/batch"
)

// healthz answers while the process serves requests.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz checks the store answers, the runner is there and fonts are
// loaded.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	if s.cfg.Store == nil {
		checks["store"], ok = "missing", false
	} else if _, _, err := s.cfg.Store.ListJobs(ctx, batch.JobFilter{Limit: 1}); err != nil {
		checks["store"], ok = "error: "+oneLine(err), false
	} else {
		checks["store"] = "ok"
	}
	if s.cfg.Runner == nil {
		checks["workers"], ok = "not running", false
	} else {
		checks["workers"] = "ok"
	}
	if s.cfg.Render.Fonts == nil || s.cfg.Render.Fonts.Len() == 0 {
		checks["fonts"] = "none registered (text needs fallbacks)"
		ok = ok && s.cfg.Render.FontFallback
	} else {
		checks["fonts"] = "ok"
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]any{"ready": ok, "checks": checks})
	return nil
}
