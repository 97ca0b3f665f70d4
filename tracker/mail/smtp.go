// Package mail writes the tracker's emails (digests and notices, each with
// a plain-text and an HTML part) and sends them over SMTP with go-mail.
// It imports neither gin nor gorm: the store keeps the emails, and the job
// queue (tracker/jobs) hands each to a Sender.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/civic-tracker/tracker/tracker"
)

// Config is where mail goes: an SMTP server, how to reach it and who the
// emails come from.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is "none", "starttls" (required), "opportunistic" (STARTTLS
	// when offered) or "tls" (implicit TLS, as smtps://).
	TLS  string
	From string
}

// DefaultFrom is the sender when TRACKER_SMTP_URL names none.
const DefaultFrom = "tracker@localhost"

// ParseURL reads TRACKER_SMTP_URL: smtp://[user:pass@]host[:port][?tls=none|starttls|opportunistic|tls&from=ADDRESS],
// or smtps://… for implicit TLS. The port defaults to 25 (smtp) or 465
// (smtps); TLS to opportunistic STARTTLS for smtp.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return Config{}, fmt.Errorf("TRACKER_SMTP_URL must look like smtp://user:password@host:587?tls=starttls&from=tracker@example.org, not %q", redact(raw))
	}
	c := Config{Host: u.Hostname(), TLS: "opportunistic", Port: 25, From: DefaultFrom}
	if u.Scheme == "smtps" {
		c.TLS, c.Port = "tls", 465
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, fmt.Errorf("TRACKER_SMTP_URL: the port %q must be a number from 1 to 65535", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q := u.Query()
	if t := q.Get("tls"); t != "" {
		switch t {
		case "none", "starttls", "opportunistic", "tls":
			c.TLS = t
		default:
			return Config{}, fmt.Errorf("TRACKER_SMTP_URL: tls=%q must be none, starttls, opportunistic or tls", t)
		}
	}
	if f := q.Get("from"); f != "" {
		if !tracker.ValidEmail(f) {
			return Config{}, fmt.Errorf("TRACKER_SMTP_URL: from=%q is not an email address", f)
		}
		c.From = f
	}
	return c, nil
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	return raw
}

// Sender hands emails to an SMTP server.
type Sender struct {
	cfg Config
}

// NewSender returns a Sender for cfg.
func NewSender(cfg Config) *Sender { return &Sender{cfg: cfg} }

// From is the address the emails come from.
func (s *Sender) From() string { return s.cfg.From }

// ErrNotConfigured is returned by a nil Sender: no TRACKER_SMTP_URL.
var ErrNotConfigured = errors.New("no SMTP server is configured (set TRACKER_SMTP_URL)")

// Message builds the email e as it goes out: plain text with an HTML
// alternative, and the one-click unsubscribe headers (RFC 8058) when e has
// an unsubscribe link.
func Message(from string, e tracker.Email) (*gomail.Msg, error) {
	m := gomail.NewMsg()
	if err := m.From(from); err != nil {
		return nil, fmt.Errorf("from address: %w", err)
	}
	if err := m.To(e.To); err != nil {
		return nil, fmt.Errorf("to address: %w", err)
	}
	m.Subject(e.Subject)
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(gomail.TypeTextPlain, e.Text)
	m.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	if e.UnsubscribeURL != "" {
		m.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+e.UnsubscribeURL+">")
		m.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	return m, nil
}

// Send delivers e, or says why the server did not take it.
func (s *Sender) Send(ctx context.Context, e tracker.Email) error {
	if s == nil {
		return ErrNotConfigured
	}
	m, err := Message(s.cfg.From, e)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(30 * time.Second)}
	switch s.cfg.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("smtp %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}
