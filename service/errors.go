package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fabricpress/fabricpress/batch"
	"github.com/fabricpress/fabricpress/fabric"
)

// apiError is an error with the HTTP status, a stable code and a message
// safe to show; Details carry field-level specifics.
type apiError struct {
	Status  int      `json:"-"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Details []string `json:"details,omitempty"`
	cause   error
}

func (e *apiError) Error() string { return e.Message }
func (e *apiError) Unwrap() error { return e.cause }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// classify maps errors of the lower layers to API errors; anything else is
// an internal error whose detail is logged, not shown.
func classify(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var se *batch.SpecError
	var fe *fabric.Error
	var syn *fabric.SyntaxError
	var he *batch.HeaderError
	var mf *fabric.MissingFieldError
	switch {
	case errors.As(err, &syn), errors.As(err, &fe), errors.As(err, &se):
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_template", Message: oneLine(err), cause: err}
	case errors.As(err, &he), errors.Is(err, batch.ErrNoColumn):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_csv", Message: oneLine(err), cause: err}
	case errors.As(err, &mf):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "missing_fields", Message: oneLine(err), cause: err}
	case errors.Is(err, batch.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "not found", cause: err}
	case errors.Is(err, batch.ErrBadTransition), errors.Is(err, batch.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: oneLine(err), cause: err}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error", cause: err}
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := classify(err)
	if ae.Status >= 500 {
		s.cfg.Logger.Error("request failed", "request_id", requestIDOf(r), "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if ae.Status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, ae.Status, map[string]any{"error": ae})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
