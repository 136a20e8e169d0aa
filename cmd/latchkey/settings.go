package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"

	"github.com/latchkeyhq/latchkey/internal/config"
)

// settings is the resolved configuration of one command: the file (if any)
// with flags and environment variables applied over it.
type settings struct {
	file       *config.File
	configPath string // "" when no file was loaded
	listen     string
	database   string
	publicURL  string
	logFormat  string
}

// commonFlags are the flags serve and migrate share.
type commonFlags struct {
	config, listen, database, publicURL, logFormat string
}

func (c *commonFlags) register(fs *flag.FlagSet, withServe bool) {
	fs.StringVar(&c.config, "config", "", "configuration file (default ./latchkey.yaml when present; env LATCHKEY_CONFIG)")
	fs.StringVar(&c.database, "database", "", "sqlite:PATH, a bare path, or postgres://… (env LATCHKEY_DATABASE_URL)")
	fs.StringVar(&c.logFormat, "log-format", "", "text or json (default text)")
	if withServe {
		fs.StringVar(&c.listen, "listen", "", "address to listen on (default 127.0.0.1:8080; env LATCHKEY_LISTEN)")
		fs.StringVar(&c.publicURL, "public-url", "", "URL browsers and SDKs reach this server at (env LATCHKEY_PUBLIC_URL)")
	}
}

// parseFlags parses args; -h prints the flags and reports flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// resolve applies the precedence flag > environment variable > file >
// default, loading the configuration file first.
func resolve(c commonFlags, e env) (settings, error) {
	var s settings
	s.configPath = first(c.config, envVal(e, "LATCHKEY_CONFIG"))
	if s.configPath == "" {
		if _, err := os.Stat("latchkey.yaml"); err == nil {
			s.configPath = "latchkey.yaml"
		} else if !errors.Is(err, fs.ErrNotExist) {
			return s, usageError{fmt.Errorf("latchkey.yaml: %w", err)}
		}
	}
	s.file = &config.File{}
	if s.configPath != "" {
		f, err := config.Load(s.configPath, e.lookup)
		if err != nil {
			return s, usageError{err}
		}
		s.file = f
	}
	// Environment over file, flags over environment; Apply checks each
	// value by the file's own rules.
	for _, o := range []config.Overrides{config.EnvOverrides(e.lookup), {Listen: c.listen, Database: c.database, PublicURL: c.publicURL}} {
		if err := s.file.Apply(o); err != nil {
			return s, usageError{err}
		}
	}
	def := config.Default()
	s.listen = first(s.file.Listen, def.Listen)
	s.database = first(s.file.Database, def.Database)
	// An unset public URL is derived from the address actually bound
	// (see publicURLFor), which is only known once listening.
	s.publicURL = s.file.PublicURL
	s.logFormat = first(c.logFormat, s.file.LogFormat, "text")
	if s.logFormat != "text" && s.logFormat != "json" {
		return s, usageError{fmt.Errorf("--log-format: want text or json, got %q", s.logFormat)}
	}
	return s, nil
}

func envVal(e env, name string) string {
	v, _ := e.lookup(name)
	return v
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// publicURLFor derives the public URL from the bound address when none is
// configured: a wildcard address is reached through loopback.
func publicURLFor(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
