package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/fabricpress/fabricpress/batch"
)

// MailConfig is how a Mailer reaches its SMTP server: the service's
// SMTP_* settings.
type MailConfig struct {
	Host string // SMTP_HOST; required
	// Port is SMTP_PORT; default 465 with Secure, else 587.
	Port int
	// Secure (SMTP_SECURE) selects implicit TLS: the connection is TLS
	// from its first byte (SMTPS, usually port 465). Without it the mailer
	// upgrades the connection with STARTTLS whenever the server offers it
	// (submission, port 587), and sends in clear only to a server that
	// does not, unless RequireStartTLS is set.
	Secure bool
	// RequireStartTLS refuses (without Secure) a server that does not
	// offer STARTTLS, instead of sending in clear.
	RequireStartTLS bool
	// User and Pass (SMTP_USER, SMTP_PASS) log in with the strongest
	// mechanism the server offers (SCRAM, CRAM-MD5, PLAIN, LOGIN);
	// PLAIN and LOGIN only over TLS. No User: no AUTH.
	User, Pass string
	// From (SMTP_FROM) is the sender: "noreply@example.com" or
	// "Fabricpress <noreply@example.com>"; required. Its domain also
	// names the Message-IDs.
	From string
	// RootCAs, when set, are the certificate authorities the server's
	// certificate must chain to, instead of the system's (see CertPool to
	// trust a private CA as well as the system's). Certificates are
	// always verified, against Host.
	RootCAs *x509.CertPool
	// Timeout bounds the connection and each SMTP command; default 30s.
	Timeout time.Duration
	// HELO is the name given in EHLO; default the machine's host name.
	HELO string
	// AppURL (APP_URL) is the public URL of the app, for download links.
	AppURL string
}

// Mailer sends notification emails through one SMTP server. It is safe
// for concurrent use; each Send opens its own connection.
type Mailer struct {
	cfg    MailConfig
	from   *netmail.Address
	domain string // of Message-IDs
}

// DefaultMailTimeout is MailConfig.Timeout when zero.
const DefaultMailTimeout = 30 * time.Second

// MaxEmailRecipients bounds the addresses of one notifyEmail option.
const MaxEmailRecipients = 20

// NewMailer checks cfg and returns a Mailer.
func NewMailer(cfg MailConfig) (*Mailer, error) {
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.Host == "" {
		return nil, errors.New("smtp: no host")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.Secure {
			cfg.Port = 465
		}
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("smtp: port %d out of range", cfg.Port)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultMailTimeout
	}
	if strings.TrimSpace(cfg.From) == "" {
		return nil, errors.New("smtp: no sender address (SMTP_FROM)")
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtp: sender address %q: %v", cfg.From, err)
	}
	m := &Mailer{cfg: cfg, from: from, domain: "fabricpress.invalid"}
	if _, d, ok := strings.Cut(from.Address, "@"); ok && d != "" {
		m.domain = d
	}
	return m, nil
}

// CertPool returns the system's certificate authorities plus those in
// pemCerts (one or more PEM "CERTIFICATE" blocks), for MailConfig.RootCAs:
// how to trust a private CA (SMTP_CA_FILE) or a self-signed server.
func CertPool(pemCerts []byte) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemCerts) {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
}

// MessageID is the Message-ID of the email about notification n: the
// same on every attempt, so that a message sent twice (a crash between
// the send and its commit) is recognisable as one.
func (m *Mailer) MessageID(n batch.Notification) string {
	return "<fabricpress." + n.ID + "." + n.JobID + "@" + m.domain + ">"
}

// Message builds the email about n (with its decoded payload rep):
// From, To, an encoded UTF-8 Subject, Date, a stable Message-ID,
// X-Fabricpress-Event and X-Fabricpress-Delivery (n.ID) headers and a
// multipart/alternative body of a text/plain and a text/html part.
func (m *Mailer) Message(n batch.Notification, rep batch.Report, now time.Time) (*mail.Msg, error) {
	to, err := parseRecipients(rep.To)
	if err != nil {
		return nil, err
	}
	e, err := ComposeEmail(n.Event, rep, m.cfg.AppURL)
	if err != nil {
		return nil, permanentf("compose email: %v", err)
	}
	msg := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP), mail.WithNoDefaultUserAgent())
	msg.FromMailAddress(m.from)
	msg.ToMailAddress(to...)
	msg.Subject(e.Subject)
	msg.SetDateWithValue(now)
	msg.SetMessageIDWithValue(strings.Trim(m.MessageID(n), "<>"))
	msg.SetGenHeader(mail.HeaderXMailer, "fabricpress")
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader("X-Fabricpress-Event", n.Event)
	msg.SetGenHeader("X-Fabricpress-Delivery", n.ID)
	msg.SetBodyString(mail.TypeTextPlain, e.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	return msg, nil
}

// parseRecipients reads a notifyEmail option: one address or a list
// ("a@example.com, Jörg <j@example.com>").
func parseRecipients(s string) ([]*netmail.Address, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, permanentf("email: no recipient")
	}
	to, err := netmail.ParseAddressList(s)
	if err != nil {
		return nil, permanentf("email: recipient %q: %v", oneLine(s, 200), err)
	}
	if len(to) > MaxEmailRecipients {
		return nil, permanentf("email: %d recipients, at most %d", len(to), MaxEmailRecipients)
	}
	return to, nil
}

// Send delivers the email about n. Errors say which server and what went
// wrong; IsPermanent reports those that retrying cannot fix (a bad
// recipient address, a recipient or message the server refuses with a
// 5xx code).
func (m *Mailer) Send(ctx context.Context, n batch.Notification, rep batch.Report, now time.Time) error {
	msg, err := m.Message(n, rep, now)
	if err != nil {
		return err
	}
	opts := []mail.Option{
		mail.WithPort(m.cfg.Port),
		mail.WithTimeout(m.cfg.Timeout),
		mail.WithTLSConfig(&tls.Config{ServerName: m.cfg.Host, RootCAs: m.cfg.RootCAs, MinVersion: tls.VersionTLS12}),
	}
	switch {
	case m.cfg.Secure:
		opts = append(opts, mail.WithSSL())
	case m.cfg.RequireStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if m.cfg.User != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(m.cfg.User), mail.WithPassword(m.cfg.Pass))
	}
	if m.cfg.HELO != "" {
		opts = append(opts, mail.WithHELO(m.cfg.HELO))
	}
	c, err := mail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return permanentf("smtp: %v", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return m.sendError(err)
	}
	return nil
}

// sendError turns a go-mail error into a one-line message naming the
// server, marked permanent when the server refused the recipient or the
// message for good.
func (m *Mailer) sendError(err error) error {
	server := m.cfg.Host + ":" + strconv.Itoa(m.cfg.Port)
	msg := oneLine(err.Error(), 500)
	switch {
	case strings.Contains(msg, "SMTP AUTH failed"):
		return fmt.Errorf("smtp %s: authentication as %q failed (check the SMTP user and password): %s", server, m.cfg.User, msg)
	case strings.Contains(msg, "does not support SMTP AUTH") || strings.Contains(msg, "no supported SMTP AUTH"):
		return fmt.Errorf("smtp %s: cannot log in: %s", server, msg)
	case strings.Contains(msg, "x509:") || strings.Contains(msg, "tls:"):
		return fmt.Errorf("smtp %s: TLS: %s (to trust a private CA, give its certificate: SMTP_CA_FILE)", server, msg)
	}
	var se *mail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		switch se.Reason {
		case mail.ErrSMTPRcptTo, mail.ErrSMTPData, mail.ErrSMTPDataClose, mail.ErrGetRcpts:
			return permanent(fmt.Errorf("smtp %s: refused: %s", server, msg))
		}
	}
	return fmt.Errorf("smtp %s: %s", server, msg)
}
