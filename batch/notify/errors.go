package notify

import (
	"errors"
	"fmt"
	"time"
)

// permanentError marks a failure that trying again cannot fix (a URL that
// is not allowed, an address the mail server rejects for good, a payload
// that does not decode): the dispatcher gives up at once.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

func permanentf(format string, args ...any) error {
	return &permanentError{fmt.Errorf(format, args...)}
}

// IsPermanent reports whether err, returned by Mailer.Send or
// Webhooks.Send, is a failure that retrying cannot fix.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// retryAfterError carries a receiver's Retry-After hint (429, 503): the
// dispatcher waits at least that long, within its backoff cap.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

func retryAfter(err error) time.Duration {
	var r *retryAfterError
	if errors.As(err, &r) {
		return r.after
	}
	return 0
}
