package batch

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fabricpress/fabricpress/fabric"
	"github.com/fabricpress/fabricpress/render/asset"
	"github.com/fabricpress/fabricpress/render/code"
)

// transientError marks an error that retrying may fix.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// Transient marks err as retryable whatever it wraps: the runner tries the
// recipient again after Runner.Backoff, until the job's MaxAttempts is used
// up. Image loaders and tests use it for failures that Permanent would
// otherwise judge to be bad data. Transient(nil) is nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return &transientError{err: err}
}

// Permanent reports whether err, the failure of one recipient, is caused by
// the recipient's data or the template and would fail again however often it
// were retried: a missing or empty required field, a binding or placeholder
// error (*fabric.Error, *fabric.BindError, *fabric.MissingFieldError,
// ErrMissingField), content a QR code cannot hold, an image source that is
// refused, too large, not an image or not found, an image that does not
// decode. Those fail the recipient at once.
//
// Failures of the world around the recipient are retryable (Permanent is
// false): an error marked with Transient, a timeout (context deadline, a
// net.Error), other network errors, an HTTP status 408, 429 or 5xx from a
// remote image host, a truncated download, and system I/O errors such as a
// full disk (ENOSPC). The runner marks every error writing a piece file as
// Transient.
//
// An error matching none of these counts as permanent: rendering is
// deterministic, so an unexplained failure would most likely repeat.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	var te *transientError
	if errors.As(err, &te) {
		return false
	}
	// A source refused by the loader's rules, or bytes that are not an
	// image: retrying gets the same answer.
	if errors.Is(err, asset.ErrNotAllowed) || errors.Is(err, asset.ErrTooLarge) || errors.Is(err, asset.ErrNotImage) {
		return true
	}
	if errors.Is(err, code.ErrCapacity) || errors.Is(err, ErrMissingField) {
		return true
	}
	var mf *fabric.MissingFieldError
	if errors.As(err, &mf) {
		return true
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return true // a local image that is not there (or not ours to read)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false // a timeout of a remote image, or a load cut short
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return false
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return false
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) {
		return false
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return false // ENOSPC, EIO, EMFILE, ...: the machine, not the data
	}
	var ae *asset.Error
	if errors.As(err, &ae) && ae.Kind == nil {
		if code, ok := httpStatus(ae.Msg); ok {
			return !(code == 408 || code == 429 || code >= 500)
		}
	}
	return true
}

// httpStatus reads the code of an asset loader's "HTTP status 503 Service
// Unavailable" message.
func httpStatus(msg string) (int, bool) {
	rest, ok := strings.CutPrefix(msg, "HTTP status ")
	if !ok {
		return 0, false
	}
	if i := strings.IndexByte(rest, ' '); i >= 0 {
		rest = rest[:i]
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

// Retry delays of DefaultBackoff.
const (
	DefaultBackoffBase = time.Second
	DefaultBackoffMax  = 5 * time.Minute
)

// DefaultBackoff is the delay before attempt+1 of a recipient whose attempt
// (1 for the first) failed with a retryable error: 1s·2^(attempt-1), with
// ±20% jitter so that recipients failing together do not retry together,
// capped at 5 minutes.
func DefaultBackoff(attempt int) time.Duration {
	attempt = max(attempt, 1)
	d := DefaultBackoffMax
	if attempt < 20 {
		d = min(DefaultBackoffBase<<(attempt-1), DefaultBackoffMax)
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return min(time.Duration(float64(d)*jitter), DefaultBackoffMax)
}
