// Package mail sends the hosted login's email (verification codes,
// password reset links) through an SMTP relay with net/smtp, upgrading the
// connection with STARTTLS before any credential or content is sent.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// Message is one plain-text email to one recipient.
type Message struct {
	To      string // a bare address
	Subject string
	Text    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTP sends through an SMTP relay. The zero Timeout means 30 seconds.
type SMTP struct {
	Host     string
	Port     string
	Username string // empty: no authentication
	Password string
	From     string // "no-reply@example.com" or "Example <no-reply@example.com>"
	// StartTLS requires the relay to offer STARTTLS and upgrades to TLS
	// before authenticating. Without it the session stays in the clear,
	// which net/smtp allows with a password only towards localhost.
	StartTLS bool
	// TLSConfig verifies the relay; nil verifies Host against the system
	// roots.
	TLSConfig *tls.Config
	Timeout   time.Duration
	Now       func() time.Time
}

var errHeader = errors.New("mail: a header value holds a line break")

// Send delivers m. It honours ctx's deadline for the whole session.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("mail: from: %w", err)
	}
	if strings.ContainsAny(m.To+m.Subject, "\r\n") {
		return errHeader
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("mail: to: %w", err)
	}
	body, err := s.compose(from, to, m)
	if err != nil {
		return err
	}

	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(s.Host, s.Port))
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	// Closing the connection aborts a session blocked in a read when ctx
	// is cancelled before its deadline.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := s.session(conn, from.Address, to.Address, body); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	return nil
}

func (s *SMTP) session(conn net.Conn, from, to string, body []byte) error {
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return err
	}
	defer c.Close()
	if s.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the relay does not offer STARTTLS (set smtp.starttls: false only for a relay on this host)")
		}
		cfg := s.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return err
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose renders the message: headers with RFC 2047 encoding where
// needed, and a quoted-printable UTF-8 body with CRLF line ends.
func (s *SMTP) compose(from, to *mail.Address, m Message) ([]byte, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var b bytes.Buffer
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", now().Format(time.RFC1123Z))
	header("Message-ID", "<"+rand.Text()+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(text)); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return b.Bytes(), nil
}
