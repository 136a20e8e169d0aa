package config

import (
	"errors"
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
)

// The modes of a server. Development (the default) shows the email that
// the hosted login sends on a development-only outbox page and logs its
// codes; production never does, and without SMTP turns hosted sign-up and
// password reset off, since nobody could receive their email.
const (
	ModeDevelopment = "development"
	ModeProduction  = "production"
)

// DefaultSMTPPort is the submission port (RFC 6409).
const DefaultSMTPPort = "587"

// SMTP is the relay that the hosted login sends email through.
type SMTP struct {
	Host     string `yaml:"host"`
	Port     string `yaml:"port"` // default 587
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	From     string `yaml:"from"`     // no-reply@example.com or "Example <no-reply@example.com>"
	StartTLS *bool  `yaml:"starttls"` // default true
}

// Production reports whether the file sets mode: production.
func (f *File) Production() bool { return f.Mode == ModeProduction }

// RequireStartTLS reports whether the relay must upgrade to TLS with
// STARTTLS before anything is sent (the default).
func (s *SMTP) RequireStartTLS() bool { return s.StartTLS == nil || *s.StartTLS }

// mail checks mode and smtp.
func (d *decoder) mail(f *File) {
	if f.Mode != "" && f.Mode != ModeDevelopment && f.Mode != ModeProduction {
		d.report("mode", "must be development or production")
	}
	s := f.SMTP
	if s == nil {
		return
	}
	loopback := false
	if d.required("smtp.host", s.Host) {
		if addr, err := netip.ParseAddr(s.Host); err == nil {
			loopback = loopbackIP(addr)
		} else if err := checkDNSName(s.Host); err != nil {
			d.report("smtp.host", "%v", err)
		} else {
			loopback = strings.EqualFold(s.Host, "localhost")
		}
	}
	if s.Port != "" {
		if n, err := strconv.Atoi(s.Port); err != nil || n < 1 || n > 65535 || !isDigits(s.Port) {
			d.report("smtp.port", "must be a port number, such as 587")
		}
	}
	if d.required("smtp.from", s.From) {
		d.check("smtp.from", checkFrom(s.From))
	}
	if (s.Username == "") != (s.Password == "") {
		d.report("smtp.username", "username and password go together: set both or neither")
	}
	if !s.RequireStartTLS() && s.Password != "" && !loopback {
		d.report("smtp.starttls", "the password would cross the network in the clear: keep starttls on, or use a relay on this host")
	}
}

// checkFrom accepts an address with or without a display name.
func checkFrom(s string) error {
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return errors.New(`not an email address (no-reply@example.com or "Example <no-reply@example.com>")`)
	}
	at := strings.LastIndexByte(addr.Address, '@')
	return checkDNSName(addr.Address[at+1:])
}
