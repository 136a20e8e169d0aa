// Command webapp is a small web application that signs users in through
// Latchkey with the usermanagement SDK: PKCE and state on the way out, a code
// exchange on the way back, an in-memory session, and logout. See README.md
// for running it next to `latchkey serve` and `latchkey dev-idp`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// config is what the flags and environment say; parsed once, then passed down.
type config struct {
	Latchkey       string // Latchkey's base URL
	ClientID       string
	APIKey         string // empty: act as a public client (PKCE only)
	Listen         string
	RedirectURI    string
	ReturnTo       string // where Latchkey sends the browser after logout
	Provider       string
	OrganizationID string
	ConnectionID   string
}

// parseConfig reads flags, with LATCHKEY_API_KEY as the API key's fallback so
// that it need not appear in the process list.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("webapp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Latchkey, "latchkey", "http://127.0.0.1:8080", "Latchkey's base URL")
	fs.StringVar(&c.ClientID, "client-id", "", "the application's client ID (client_…), as latchkey serve prints it (required)")
	fs.StringVar(&c.APIKey, "api-key", "", "the application's API key (sk_…); default $LATCHKEY_API_KEY; none: sign in as a public client with PKCE only")
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:3000", "address to listen on")
	fs.StringVar(&c.RedirectURI, "redirect-uri", "http://localhost:3000/callback", "redirect URI registered for the application")
	fs.StringVar(&c.ReturnTo, "return-to", "http://localhost:3000/", "where to land after logout (one of the application's logout redirect URIs)")
	fs.StringVar(&c.Provider, "provider", "authkit", "provider to sign in with: authkit (hosted login), GoogleOAuth, …")
	fs.StringVar(&c.OrganizationID, "organization-id", "", "sign in through this organization's SSO connection")
	fs.StringVar(&c.ConnectionID, "connection-id", "", "sign in through this SSO connection")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if c.ClientID == "" {
		return config{}, errors.New("--client-id is required (latchkey serve prints it at first start)")
	}
	if c.APIKey == "" {
		c.APIKey = getenv("LATCHKEY_API_KEY")
	}
	// --organization-id and --connection-id replace the default provider;
	// a --provider given as well is kept, so that authkit plus an
	// organization (a preselected organization) stays possible.
	provided := false
	fs.Visit(func(f *flag.Flag) { provided = provided || f.Name == "provider" })
	if !provided && (c.OrganizationID != "" || c.ConnectionID != "") {
		c.Provider = ""
	}
	return c, nil
}

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	a, err := newApp(cfg, nil, log)
	if err != nil {
		return err
	}
	if cfg.APIKey == "" {
		log.Warn("no API key: exchanging codes as a public client, with the PKCE verifier only")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Addr: cfg.Listen, Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("example app listening", slog.String("addr", cfg.Listen), slog.String("open", a.origin()+"/"))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
