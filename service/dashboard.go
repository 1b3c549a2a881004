package service

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gorilla/mux"
)

// webFiles is the dashboard: plain HTML, CSS and JavaScript modules,
// written for this project and served as they are (no build step). The
// dashboard talks only to the public /api/v1.
//
//go:embed web
var webFiles embed.FS

// dashboardCSP keeps the dashboard to its own files: scripts and styles
// from this origin only, images from this origin, data: URLs (proofs) and
// blob: URLs (thumbnails and downloads fetched with an API key).
const dashboardCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// dashboard serves the embedded dashboard at / and, at /config.json, the
// two settings it needs and the API does not expose: BATCH_THRESHOLD
// (smaller batches render at once through POST /render, larger ones
// become jobs) and whether API keys are required (EventSource cannot send
// an Authorization header, so the dashboard then polls). Routes of the API
// registered before it keep precedence.
func (s *Server) dashboard(r *mux.Router) {
	root, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	etags := map[string]string{}
	fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := fs.ReadFile(root, p); err == nil {
				sum := sha256.Sum256(b)
				etags["/"+p] = `"` + hex.EncodeToString(sum[:8]) + `"`
			}
		}
		return nil
	})
	files := http.FileServerFS(root)
	r.Handle("/config.json", s.wrap(s.dashboardConfig)).Methods(http.MethodGet)
	r.PathPrefix("/").Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := path.Clean("/" + req.URL.Path)
		if p == "/" {
			p = "/index.html"
		}
		etag, ok := etags[p]
		if !ok || strings.HasPrefix(path.Base(p), ".") {
			s.writeError(w, req, errorf(http.StatusNotFound, "not_found", "no page %s", req.URL.Path))
			return
		}
		h := w.Header()
		if ct, ok := dashboardTypes[path.Ext(p)]; ok {
			h.Set("Content-Type", ct) // not left to the system's mime.types
		}
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache") // revalidate: the ETag makes that cheap
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if p == "/index.html" {
			h.Set("Content-Security-Policy", dashboardCSP)
			h.Set("X-Frame-Options", "DENY")
		}
		files.ServeHTTP(w, req)
	})).Methods(http.MethodGet, http.MethodHead)
}

// dashboardTypes are the content types of the dashboard's files (module
// scripts need a JavaScript type).
var dashboardTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

// dashboardConfig answers the dashboard's settings.
func (s *Server) dashboardConfig(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"threshold": s.cfg.Threshold, "keysRequired": len(s.cfg.Keys) > 0})
	return nil
}
