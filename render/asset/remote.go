package asset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/fabricpress/fabricpress/internal/netguard"
)

// refusal is a rule violation found inside the HTTP client (dialer or
// redirect check); its message becomes the Error's.
type refusal struct{ msg string }

func (r *refusal) Error() string { return ErrNotAllowed.Error() + ": " + r.msg }
func (r *refusal) Unwrap() error { return ErrNotAllowed }

func refuse(format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...)}
}

// checkAddr refuses a dial to an address that is not public unicast.
func (l *Loader) checkAddr(address string) error {
	if l.allowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return refuse("cannot check dial address %q", address)
	}
	if reason := netguard.BlockedReason(ap.Addr()); reason != "" {
		return refuse("refusing to connect to %s (%s address)", ap.Addr().WithZone(""), reason)
	}
	return nil
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// safeDialer returns a dial function that connects only to checked
// addresses. Without base it is a net.Dialer whose Control function sees
// the resolved IP of every connection attempt. With base (the dial
// function of Options.Client's transport) names are resolved here, each
// IP is checked and base is asked to connect to the IP itself, so it
// cannot resolve the name again to something else.
func (l *Loader) safeDialer(base dialFunc) dialFunc {
	if base == nil {
		d := &net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
			Control: func(network, address string, _ syscall.RawConn) error {
				return l.checkAddr(address)
			},
		}
		return d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(host); err == nil {
			ips = []netip.Addr{ip}
		} else {
			ipNet := "ip"
			switch network {
			case "tcp4":
				ipNet = "ip4"
			case "tcp6":
				ipNet = "ip6"
			}
			if ips, err = net.DefaultResolver.LookupNetIP(ctx, ipNet, host); err != nil {
				return nil, err
			}
		}
		var firstErr error
		for _, ip := range ips {
			target := net.JoinHostPort(ip.String(), port)
			if err := l.checkAddr(target); err != nil {
				firstErr = cmpErr(firstErr, err)
				continue
			}
			c, err := base(ctx, network, target)
			if err != nil {
				firstErr = cmpErr(firstErr, err)
				continue
			}
			if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
				if err := l.checkAddr(ta.AddrPort().String()); err != nil {
					c.Close()
					firstErr = cmpErr(firstErr, err)
					continue
				}
			}
			return c, nil
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("no addresses for %s", host)
		}
		return nil, firstErr
	}
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// newClient builds the HTTP client from Options.Client (or defaults),
// with the checked dialer, no proxy and the redirect policy. It returns a
// reason instead when the address rules cannot be enforced.
func (l *Loader) newClient(base *http.Client) (*http.Client, string) {
	var tr *http.Transport
	switch {
	case base == nil || base.Transport == nil:
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			tr = t.Clone()
		} else {
			tr = &http.Transport{ForceAttemptHTTP2: true, MaxIdleConns: 100,
				IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second}
		}
	default:
		t, ok := base.Transport.(*http.Transport)
		if !ok {
			return nil, fmt.Sprintf("Options.Client.Transport is a %T; the address rules can only be enforced on an *http.Transport", base.Transport)
		}
		tr = t.Clone()
	}
	dial := dialFunc(tr.DialContext)
	if dial == nil && tr.Dial != nil { //nolint:staticcheck // honour the deprecated field
		old := tr.Dial //nolint:staticcheck
		dial = func(_ context.Context, network, addr string) (net.Conn, error) { return old(network, addr) }
	}
	tr.Proxy = nil          // a proxy would resolve names where we cannot check them
	tr.DialTLSContext = nil // would bypass DialContext
	tr.DialTLS = nil        //nolint:staticcheck
	tr.Dial = nil           //nolint:staticcheck
	tr.DialContext = l.safeDialer(dial)

	c := &http.Client{Transport: tr}
	var next func(*http.Request, []*http.Request) error
	if base != nil {
		c.Jar, c.Timeout, next = base.Jar, base.Timeout, base.CheckRedirect
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return refuse("stopped after %d redirects", maxRedirects)
		}
		u := req.URL
		if u.Scheme != "http" && u.Scheme != "https" {
			return refuse("redirect to a %s: URL", u.Scheme)
		}
		if len(via) > 0 && via[len(via)-1].URL.Scheme == "https" && u.Scheme == "http" {
			return refuse("redirect from https to http (%s)", u.Redacted())
		}
		if !l.hosts.Allow(u) {
			return refuse("redirect to host %q, which is not in the allowed hosts", u.Host)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return c, ""
}

// loadRemote fetches an http(s) URL from an allowed host.
func (l *Loader) loadRemote(ctx context.Context, src, s string) ([]byte, error) {
	if len(l.hosts) == 0 {
		return nil, newError(src, ErrNotAllowed, nil, "remote images are disabled (no allowed hosts configured)")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, newError(src, ErrNotAllowed, nil, "malformed URL")
	}
	if u.Host == "" {
		return nil, newError(src, ErrNotAllowed, nil, "URL has no host")
	}
	if !l.hosts.Allow(u) {
		return nil, newError(src, ErrNotAllowed, nil, "host %q is not in the allowed hosts", u.Host)
	}
	if l.clientErr != "" {
		return nil, newError(src, ErrNotAllowed, nil, "%s", l.clientErr)
	}

	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, newError(src, ErrNotAllowed, err, "malformed URL")
	}
	req.Header.Set("Accept", "image/png,image/jpeg,image/webp,image/gif,image/bmp;q=0.9,image/*;q=0.5")
	req.Header.Set("User-Agent", "fabricpress-asset/1")
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, l.fetchError(parent, ctx, src, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return nil, newError(src, nil, nil, "HTTP status %s", resp.Status)
	}
	sniff := false
	ct := strings.TrimSpace(resp.Header.Get("Content-Type"))
	mt := ""
	if ct != "" {
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, newError(src, ErrNotImage, err, "unreadable Content-Type %q", ct)
		}
	}
	switch {
	case mt == "image/svg+xml":
		return nil, newError(src, ErrNotImage, nil, "SVG images are not supported")
	case strings.HasPrefix(mt, "image/"):
	case mt == "", mt == "application/octet-stream", mt == "binary/octet-stream":
		sniff = true
	default:
		return nil, newError(src, ErrNotImage, nil, "Content-Type %s is not an image", mt)
	}
	if resp.ContentLength > l.maxBytes {
		return nil, tooLarge(src, "response", resp.ContentLength, l.maxBytes)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, l.maxBytes+1))
	if err != nil {
		return nil, l.fetchError(parent, ctx, src, err)
	}
	if int64(len(b)) > l.maxBytes {
		return nil, newError(src, ErrTooLarge, nil, "response exceeds the limit of %d bytes", l.maxBytes)
	}
	if sniff && !sniffsAsImage(b) {
		if looksLikeSVG(b) {
			return nil, newError(src, ErrNotImage, nil, "SVG images are not supported")
		}
		return nil, newError(src, ErrNotImage, nil, "Content-Type %q and the bytes are not an image", ct)
	}
	return l.checkImage(src, b)
}

// fetchError turns a client or body-read error into an *Error.
// parent is the caller's context, ctx the one with Options.Timeout.
func (l *Loader) fetchError(parent, ctx context.Context, src string, err error) error {
	var r *refusal
	if errors.As(err, &r) {
		return newError(src, ErrNotAllowed, err, "%s", r.msg)
	}
	if perr := parent.Err(); perr != nil {
		return newError(src, nil, err, "not loaded: %v", perr)
	}
	if ctx.Err() != nil {
		return newError(src, nil, err, "timed out after %v", l.timeout)
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error() // without the repeated URL
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return newError(src, nil, err, "timed out: %s", strings.ReplaceAll(msg, "\n", " "))
	}
	return newError(src, nil, err, "fetch failed: %s", strings.ReplaceAll(msg, "\n", " "))
}
