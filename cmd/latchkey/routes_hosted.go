package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/hostedui"
	"github.com/latchkeyhq/latchkey/internal/mail"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/server"
)

// hostedCleanup is how often expired codes, reset links and idle rate
// counters are deleted.
const hostedCleanup = 10 * time.Minute

// hostedRoutes serves the hosted login (provider=authkit) with the email
// delivery the configuration sets: SMTP when configured, and in
// development mode also the development outbox.
func hostedRoutes(ctx context.Context, srv *server.Server, d routeDeps, az *authorize.Handler, catalog *authorize.Catalog, txBox *secrets.Box) error {
	f := d.file
	if f == nil {
		f = &config.File{}
	}
	stateBox, err := secrets.NewBox(d.masterKey, "hosted-login-state")
	if err != nil {
		return err
	}
	secret, err := hkdf.Key(sha256.New, d.masterKey, nil, "latchkey hosted-login", 32)
	if err != nil {
		return err
	}
	o := hostedui.Options{Flow: az, Directory: catalog, Store: d.db, TxBox: txBox, StateBox: stateBox, Secret: secret,
		PublicURL: d.publicURL, PasswordParams: password.DefaultParams(), Log: d.log, Now: time.Now, TraceID: server.TraceID}
	if s := f.SMTP; s != nil {
		o.Mail = &mail.SMTP{Host: s.Host, Port: first(s.Port, config.DefaultSMTPPort), Username: s.Username,
			Password: s.Password, From: s.From, StartTLS: s.RequireStartTLS()}
	}
	switch {
	case !f.Production():
		o.Outbox = &hostedui.Outbox{}
		// The outbox shows every code and reset link: serve it only where
		// no one but the developer can reach it.
		o.OutboxPage = loopbackURL(d.publicURL)
		if o.OutboxPage {
			d.log.Info("development mode: emails are logged and shown in the outbox",
				slog.String("outbox", d.publicURL+authorize.HostedPath+"/dev/outbox"))
		} else {
			d.log.Warn("development mode on a public URL that is not loopback: the outbox page is off, codes are only logged; set mode: production for real use")
		}
	case o.Mail == nil:
		d.log.Warn("production mode without smtp: hosted sign-up and password reset are off")
	}
	h, err := hostedui.New(o)
	if err != nil {
		return err
	}
	h.Register(srv.Handle)
	go h.Run(ctx, hostedCleanup)
	return nil
}

// loopbackURL reports whether u's host is localhost or a loopback address.
func loopbackURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := p.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
