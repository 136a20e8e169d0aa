package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/devidp"
	"github.com/latchkeyhq/latchkey/internal/server"
)

// devIDP runs the development identity provider (spec/config.md).
func devIDP(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("dev-idp", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9000", "address to listen on (a loopback address unless --unsafe-listen-anywhere)")
	usersFile := fs.String("users", "", "YAML list of users (default: one user, dev@example.test)")
	interactive := fs.Bool("interactive", false, "always show the sign-in page, even with login_hint, and ask for passwords")
	alg := fs.String("signing-algorithm", devidp.RS256, "algorithm that signs ID tokens: RS256, or ES256 (much cheaper to sign; SAML stays RSA)")
	anywhere := fs.Bool("unsafe-listen-anywhere", false, "allow a non-loopback listen address: anyone who reaches it can sign in as any user")
	if err := parseFlags(fs, args, e.stderr); err != nil {
		return helpIsSuccess(err)
	}
	if !*anywhere {
		if err := checkLoopbackListen(*listen); err != nil {
			return usageError{err}
		}
	}
	if *alg != devidp.RS256 && *alg != devidp.ES256 {
		return usageError{fmt.Errorf("--signing-algorithm %q: want RS256 or ES256", *alg)}
	}
	var users []devidp.User
	if *usersFile != "" {
		var err error
		if users, err = devidp.LoadUsers(*usersFile); err != nil {
			return usageError{err}
		}
	}
	log := newLogger("text", e.stderr)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	defer ln.Close()
	// The issuer is the bound address (a wildcard one is reached through
	// loopback), so --listen 127.0.0.1:0 works and is printed correctly.
	issuer := publicURLFor(ln.Addr())
	h, err := devidp.New(devidp.Options{Issuer: issuer, Users: users, Interactive: *interactive,
		SigningAlgorithm: *alg, Logger: log})
	if err != nil {
		return err
	}
	if len(users) == 0 {
		users = []devidp.User{devidp.DefaultUser()}
	}
	printDevIDPBanner(e.stdout, issuer, users, *interactive)
	log.Info("dev-idp listening", slog.String("addr", ln.Addr().String()), slog.String("issuer", issuer))
	return server.Serve(ctx, ln, h, log, drainTimeout)
}

// checkLoopbackListen refuses addresses other hosts can reach: the
// dev-idp accepts any client and signs in any user without a password.
func checkLoopbackListen(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		return nil
	}
	return fmt.Errorf("--listen %q is not a loopback address; the dev-idp signs anyone in as any user, "+
		"so it listens on loopback only (pass --unsafe-listen-anywhere to override)", addr)
}

func printDevIDPBanner(w io.Writer, issuer string, users []devidp.User, interactive bool) {
	fmt.Fprintf(w, "\nLatchkey dev-idp (OpenID Connect) is running at %s\n\n", issuer)
	fmt.Fprintf(w, "  Issuer:     %s\n", issuer)
	fmt.Fprintf(w, "  Discovery:  %s/.well-known/openid-configuration\n", issuer)
	fmt.Fprintf(w, "  SAML:       %s/saml/metadata (IdP metadata; service providers with a loopback ACS URL)\n", issuer)
	fmt.Fprintf(w, "  Clients:    any client ID and secret; redirect URIs on loopback hosts only\n\n")
	fmt.Fprintf(w, "  Users:\n")
	for _, u := range users {
		var notes []string
		if u.Name() != "" {
			notes = append(notes, u.Name())
		}
		if !u.EmailVerified {
			notes = append(notes, "email not verified")
		}
		if len(u.Groups) > 0 {
			notes = append(notes, "groups: "+strings.Join(u.Groups, ", "))
		}
		if interactive && u.Password != "" {
			notes = append(notes, "password required")
		}
		fmt.Fprintf(w, "    %-32s %s\n", u.Email, strings.Join(notes, "; "))
	}
	if interactive {
		fmt.Fprintf(w, "\n  Interactive: the sign-in page is always shown.\n\n")
	} else {
		fmt.Fprintf(w, "\n  Add login_hint=<email> to an authorization request to sign in without a page.\n\n")
	}
}
