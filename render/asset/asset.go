package asset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders whose headers DecodeConfig reads
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fabricpress/fabricpress/internal/netguard"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"
)

// Defaults for zero Options fields.
const (
	DefaultMaxBytes  = 20 << 20 // 20 MiB
	DefaultMaxPixels = 50e6
	DefaultTimeout   = 15 * time.Second

	maxRedirects = 5
)

// Sentinel errors. Errors returned by [Loader.Load] wrap one of them when a
// source is refused; test with errors.Is.
var (
	// ErrNotAllowed: the source's kind, scheme, host, address or path is
	// not permitted by the Options.
	ErrNotAllowed = errors.New("image source not allowed")
	// ErrTooLarge: the encoded size exceeds MaxBytes or the pixel
	// dimensions exceed MaxPixels.
	ErrTooLarge = errors.New("image too large")
	// ErrNotImage: the bytes (or the declared media type) are not a
	// supported image: PNG, JPEG, GIF, WebP or BMP.
	ErrNotImage = errors.New("not a supported image")
)

// Options configures a [Loader]. The zero value loads data: URLs only.
type Options struct {
	// Dir is the assets folder that local paths and file: URLs are
	// resolved in. Paths can never leave it. "" refuses local files.
	Dir string
	// AllowedHosts lists the hosts that http: and https: sources may name:
	// "cdn.example.com" (exact), "*.example.com" (any subdomain of
	// example.com, not example.com itself), each with an optional ":port"
	// that the URL's port (explicit or the scheme's default) must then
	// equal; without a port any port matches. Matching is
	// case-insensitive. IPv6 literals are written "[::1]" or "[::1]:8080".
	// Malformed entries are ignored. Empty refuses all remote loading.
	AllowedHosts []string
	// MaxBytes bounds each image's encoded size; default 20 MiB.
	MaxBytes int64
	// MaxPixels bounds width*height, read from the image header before
	// anything is decoded; default 50,000,000.
	MaxPixels int
	// Timeout bounds a whole HTTP load, including reading the body;
	// default 15s. The context passed to Load applies as well.
	Timeout time.Duration
	// AllowPrivate DISABLES THE PROTECTION AGAINST SERVER-SIDE REQUEST
	// FORGERY: with it the loader will connect to loopback, private,
	// link-local (cloud metadata!) and other internal addresses. It exists
	// ONLY for tests against httptest servers on 127.0.0.1. NEVER SET IT
	// IN PRODUCTION. AllowedHosts still applies.
	AllowPrivate bool
	// Client is an optional HTTP client to start from (TLS settings,
	// cookie jar, redirect policy). Its Transport must be nil or an
	// *http.Transport; the loader uses a clone whose dialer enforces the
	// address rules, with the proxy and any DialTLSContext removed.
	// With another RoundTripper type every remote load fails with
	// ErrNotAllowed, since the rules could not be enforced.
	Client *http.Client
}

// Loader loads image sources under the rules of its Options. It implements
// render.ImageLoader and is safe for concurrent use.
type Loader struct {
	dir          string
	hosts        netguard.Hosts
	maxBytes     int64
	maxPixels    int
	timeout      time.Duration
	allowPrivate bool

	client    *http.Client
	clientErr string // why remote loading cannot work with Options.Client
}

// New returns a Loader for opts, filling in defaults.
func New(opts Options) *Loader {
	l := &Loader{
		dir:          opts.Dir,
		maxBytes:     opts.MaxBytes,
		maxPixels:    opts.MaxPixels,
		timeout:      opts.Timeout,
		allowPrivate: opts.AllowPrivate,
	}
	if l.maxBytes <= 0 {
		l.maxBytes = DefaultMaxBytes
	}
	if l.maxPixels <= 0 {
		l.maxPixels = DefaultMaxPixels
	}
	if l.timeout <= 0 {
		l.timeout = DefaultTimeout
	}
	for _, h := range opts.AllowedHosts {
		if r, err := netguard.ParseHostRule(h); err == nil {
			l.hosts = append(l.hosts, r)
		}
	}
	if len(l.hosts) > 0 {
		l.client, l.clientErr = l.newClient(opts.Client)
	}
	return l
}

// CloseIdleConnections closes idle HTTP connections kept for reuse.
func (l *Loader) CloseIdleConnections() {
	if l.client != nil {
		l.client.CloseIdleConnections()
	}
}

// Load returns the encoded bytes of the image named by src: a data: URL, a
// path or file: URL inside Options.Dir, or an http(s) URL on an allowed
// host. The bytes are a PNG, JPEG, GIF, WebP or BMP image within the size
// and pixel limits.
func (l *Loader) Load(ctx context.Context, src string) ([]byte, error) {
	s := strings.TrimSpace(src)
	if s == "" {
		return nil, newError(src, ErrNotAllowed, nil, "empty image source")
	}
	if err := ctx.Err(); err != nil {
		return nil, newError(src, nil, err, "not loaded: %v", err)
	}
	switch scheme := schemeOf(s); scheme {
	case "data":
		return l.loadData(src, s)
	case "blob":
		return nil, newError(src, ErrNotAllowed, nil, "blob: URLs only exist inside the browser that made them")
	case "file":
		return l.loadFileURL(src, s)
	case "http", "https":
		return l.loadRemote(ctx, src, s)
	case "":
		if strings.HasPrefix(s, "//") { // protocol-relative, as on an https page
			return l.loadRemote(ctx, src, "https:"+s)
		}
		return l.loadLocal(src, s)
	default:
		return nil, newError(src, ErrNotAllowed, nil, "%s: URLs are not supported (use data:, http:, https: or a path in the assets folder)", scheme)
	}
}

// schemeOf returns the lower-cased URL scheme of s, or "" when s has none.
// A single letter followed by a colon is taken for a Windows drive, not a
// scheme.
func schemeOf(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':' && i > 1:
			return strings.ToLower(s[:i])
		default:
			return ""
		}
	}
	return ""
}

// Error is the error type of [Loader.Load].
type Error struct {
	// Source is the image source, shortened for messages.
	Source string
	// Kind is ErrNotAllowed, ErrTooLarge or ErrNotImage when the source
	// was refused, nil for I/O and network failures.
	Kind error
	// Msg is the one-line explanation.
	Msg string
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string {
	return "image " + strconv.Quote(e.Source) + ": " + e.Msg
}

// Unwrap returns Kind and Err, whichever are set.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func newError(src string, kind, cause error, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Source: shortSource(src), Kind: kind, Msg: msg, Err: cause}
}

// shortSource shortens src for messages: data URLs keep their header and
// a few characters of data, other sources are cut at 120 bytes, and
// passwords in URLs are hidden.
func shortSource(src string) string {
	const keep = 120
	s := strings.TrimSpace(src)
	if schemeOf(s) == "data" {
		if comma := strings.IndexByte(s, ','); comma >= 0 && comma < keep && len(s) > comma+1+24 {
			return fmt.Sprintf("%s…(%d bytes)", s[:comma+1+16], len(s))
		}
	}
	if at := strings.IndexByte(s, '@'); at >= 0 {
		if i := strings.Index(s, "://"); i >= 0 && i < at {
			if colon := strings.IndexByte(s[i+3:at], ':'); colon >= 0 && !strings.ContainsAny(s[i+3:at], "/?#") {
				s = s[:i+3+colon+1] + "xxxxx" + s[at:]
			}
		}
	}
	if len(s) > keep {
		cut := keep
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		return s[:cut] + "…"
	}
	return s
}

// supportedFormats are the image.DecodeConfig format names accepted; other
// registered decoders (linked in by other packages) are not.
var supportedFormats = map[string]bool{"png": true, "jpeg": true, "gif": true, "webp": true, "bmp": true}

// checkImage verifies that b is a supported image within MaxPixels,
// reading only its header.
func (l *Loader) checkImage(src string, b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, newError(src, ErrNotImage, nil, "empty image")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		if looksLikeSVG(b) {
			return nil, newError(src, ErrNotImage, nil, "SVG images are not supported")
		}
		return nil, newError(src, ErrNotImage, err, "not a PNG, JPEG, GIF, WebP or BMP image (%v)", err)
	}
	if !supportedFormats[format] {
		return nil, newError(src, ErrNotImage, nil, "%s images are not supported", format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, newError(src, ErrNotImage, nil, "%s image has no pixels (%dx%d)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(l.maxPixels) {
		return nil, newError(src, ErrTooLarge, nil, "%s image of %dx%d pixels exceeds the limit of %d pixels", format, cfg.Width, cfg.Height, l.maxPixels)
	}
	return b, nil
}

// looksLikeSVG reports whether the start of b contains an <svg tag.
func looksLikeSVG(b []byte) bool {
	head := b[:min(len(b), 1024)]
	return bytes.Contains(bytes.ToLower(head), []byte("<svg"))
}

// sniffsAsImage reports whether http.DetectContentType calls b an image.
func sniffsAsImage(b []byte) bool {
	return strings.HasPrefix(http.DetectContentType(b), "image/")
}

func tooLarge(src string, what string, n, limit int64) error {
	return newError(src, ErrTooLarge, nil, "%s of %d bytes exceeds the limit of %d bytes", what, n, limit)
}
