package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/reconcile"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/server"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// drainTimeout bounds how long a stopping server waits for in-flight
// requests.
const drainTimeout = 20 * time.Second

func serve(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c commonFlags
	c.register(fs, true)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations (run \"latchkey migrate\" first)")
	pprofAddr := fs.String("pprof", "", "serve Go profiles (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060; off by default")
	if err := parseFlags(fs, args, e.stderr); err != nil {
		return helpIsSuccess(err)
	}
	s, err := resolve(c, e)
	if err != nil {
		return err
	}
	target, err := parseDatabase(s.database)
	if err != nil {
		return usageError{err}
	}
	log := newLogger(s.logFormat, e.stderr)
	key, err := configuredMasterKey(first(envVal(e, "LATCHKEY_SECRET_KEY"), s.file.SecretKey), target)
	if err != nil {
		return err
	}

	// Bind first: a port in use must fail before anything is written.
	ln, err := net.Listen("tcp", s.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.listen, err)
	}
	defer ln.Close()
	if *pprofAddr != "" {
		if err := startPprof(ctx, *pprofAddr, log); err != nil {
			return err
		}
	}
	if s.publicURL == "" {
		s.publicURL = publicURLFor(ln.Addr())
	}

	db, err := openDatabase(ctx, target, !*noMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	if key == nil {
		if key, err = keyFile(target.url); err != nil {
			return err
		}
	}
	box, err := secrets.NewBox(key, "connection-secrets")
	if err != nil {
		return err
	}
	rec := reconcile.Reconciler{Store: db, Secrets: box, PasswordParams: password.DefaultParams(), Now: time.Now}
	// Nodes starting at once race to create what the file declares; the
	// loser of a race finds the winner's record on the next pass.
	res, err := rec.Apply(ctx, s.file)
	for try := 0; errors.Is(err, store.ErrConflict) && try < 3; try++ {
		res, err = rec.Apply(ctx, s.file)
	}
	if err != nil {
		return err
	}
	var dev *reconcile.DevApplication
	if len(s.file.Applications) == 0 {
		d, err := reconcile.EnsureDevApplication(ctx, db, time.Now())
		if err != nil {
			return err
		}
		dev = &d
	}

	srv := server.New(log, db)
	if err := routes(ctx, srv, routeDeps{db: db, masterKey: key, publicURL: s.publicURL, log: log, file: s.file}); err != nil {
		return err
	}
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("public_url", s.publicURL),
		slog.String("database", redactDatabase(target)))
	// The banner comes last, once every route is ready: scripts wait for it.
	if dev != nil {
		printDevBanner(e.stdout, s.publicURL, *dev)
	} else {
		printBanner(e.stdout, s.publicURL, res)
	}
	return server.Serve(ctx, ln, srv, log, drainTimeout)
}

// helpIsSuccess turns -h into a clean exit.
func helpIsSuccess(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// authorizeURL is a ready sign-up link for the banner.
func authorizeURL(publicURL, clientID, redirectURI string) string {
	q := url.Values{}
	q.Set("client_id", clientID)
	q.Set("redirect_uri", redirectURI)
	q.Set("response_type", "code")
	q.Set("provider", "authkit")
	q.Set("screen_hint", "sign-up")
	return publicURL + "/user_management/authorize?" + q.Encode()
}

func printDevBanner(w io.Writer, publicURL string, dev reconcile.DevApplication) {
	fmt.Fprintf(w, "\nLatchkey is running at %s\n\n", publicURL)
	fmt.Fprintf(w, "  Client ID:     %s\n", dev.ClientID)
	if dev.APIKey != "" {
		fmt.Fprintf(w, "  API key:       %s   (shown once: it is stored hashed)\n", dev.APIKey)
	} else {
		fmt.Fprintf(w, "  API key:       shown at first start only (it is stored hashed)\n")
	}
	fmt.Fprintf(w, "  Redirect URI:  %s\n", dev.RedirectURI)
	fmt.Fprintf(w, "  Sign-up URL:   %s\n\n", authorizeURL(publicURL, dev.ClientID, dev.RedirectURI))
}

func printBanner(w io.Writer, publicURL string, res reconcile.Result) {
	fmt.Fprintf(w, "\nLatchkey is running at %s\n\n", publicURL)
	for name, clientID := range res.Applications {
		fmt.Fprintf(w, "  %s: client ID %s\n", name, clientID)
		if k := res.GeneratedKeys[name]; k != "" {
			fmt.Fprintf(w, "    generated API key %s   (shown once: it is stored hashed)\n", k)
		}
	}
	fmt.Fprintln(w)
}

// redactDatabase names the database for logs without its password.
func redactDatabase(t dbTarget) string {
	if !t.postgres {
		return "sqlite:" + t.url
	}
	u, err := url.Parse(t.url)
	if err != nil {
		return "postgres (unparsable URL)"
	}
	return u.Redacted()
}
