package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// The zero-configuration defaults (spec/config.md "CLI").
const (
	DefaultPath      = "latchkey.yaml" // read when present and no other file is named
	DefaultListen    = "127.0.0.1:8080"
	DefaultDatabase  = "sqlite:latchkey.db"
	DefaultLogFormat = "text"
)

// The environment variables that override the file's settings; a flag
// wins over the variable, the variable over the file.
const (
	EnvConfig    = "LATCHKEY_CONFIG"
	EnvListen    = "LATCHKEY_LISTEN"
	EnvDatabase  = "LATCHKEY_DATABASE_URL"
	EnvPublicURL = "LATCHKEY_PUBLIC_URL"
)

// SecretKeySize is the length of the key that encrypts secrets at rest
// (an AES-256 key).
const SecretKeySize = 32

// Default returns the configuration of a start without any file, flag or
// variable: listen on 127.0.0.1:8080, SQLite in ./latchkey.db.
func Default() *File {
	f := &File{}
	f.FillDefaults()
	return f
}

// FillDefaults sets the process settings that the file, the environment
// and the flags left empty. Call it after Apply: public_url is derived from
// the final listen address, so that --listen :9000 alone still yields
// callbacks that point at the server.
func (f *File) FillDefaults() {
	if f.Listen == "" {
		f.Listen = DefaultListen
	}
	if f.Database == "" {
		f.Database = DefaultDatabase
	}
	if f.LogFormat == "" {
		f.LogFormat = DefaultLogFormat
	}
	if f.PublicURL == "" {
		f.PublicURL = PublicURLFor(f.Listen)
	}
}

// PublicURLFor returns the URL at which a server listening on listen is
// reached from the same machine: http://127.0.0.1:8080 for
// 127.0.0.1:8080, and also for :8080 or 0.0.0.0:8080, where the listen
// address names no host to visit.
func PublicURLFor(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	if addr, err := netip.ParseAddr(host); host == "" || err == nil && addr.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Overrides are the settings that flags and environment variables set
// over the file's. Empty fields override nothing.
type Overrides struct {
	Listen    string
	Database  string
	PublicURL string
}

// EnvOverrides reads LATCHKEY_LISTEN, LATCHKEY_DATABASE_URL and
// LATCHKEY_PUBLIC_URL through lookupEnv (os.LookupEnv in production).
func EnvOverrides(lookupEnv func(string) (string, bool)) Overrides {
	get := func(name string) string {
		v, _ := lookupEnv(name)
		return v
	}
	return Overrides{Listen: get(EnvListen), Database: get(EnvDatabase), PublicURL: get(EnvPublicURL)}
}

// Apply sets the non-empty fields of o on f, checked by the rules the file
// obeys so that a bad flag fails as a bad file would. The caller applies
// the environment first and the flags second.
func (f *File) Apply(o Overrides) error {
	var errs []error
	set := func(key string, dst *string, value string, check func(string) error) {
		if value == "" {
			return
		}
		if err := check(value); err != nil {
			// Not quoted: a database URL may hold a password.
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
			return
		}
		*dst = value
	}
	set("listen", &f.Listen, o.Listen, checkListen)
	set("database", &f.Database, o.Database, checkDatabase)
	set("public_url", &f.PublicURL, o.PublicURL, checkPublicURL)
	return errors.Join(errs...)
}

// settings checks the top-level process settings.
func (d *decoder) settings(f *File) {
	for _, s := range []struct {
		key, value string
		check      func(string) error
	}{
		{"public_url", f.PublicURL, checkPublicURL},
		{"listen", f.Listen, checkListen},
		{"database", f.Database, checkDatabase},
		{"secret_key", f.SecretKey, func(s string) error { _, err := ParseSecretKey(s); return err }},
		{"log_format", f.LogFormat, checkLogFormat},
		{"token_algorithm", f.TokenAlgorithm, checkTokenAlgorithm},
	} {
		if s.value != "" {
			d.check(s.key, s.check(s.value))
		}
	}
}

// ParseSecretKey decodes the key that encrypts secrets at rest: base64
// (standard or URL alphabet, padded or not) of exactly 32 bytes, as
// `openssl rand -base64 32` prints. The error never quotes the key.
func ParseSecretKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != SecretKeySize {
				return nil, fmt.Errorf("must be base64 of %d bytes, got %d bytes (openssl rand -base64 %d)", SecretKeySize, len(key), SecretKeySize)
			}
			return key, nil
		}
	}
	return nil, fmt.Errorf("must be base64 of %d random bytes (openssl rand -base64 %d)", SecretKeySize, SecretKeySize)
}

// checkPublicURL checks the issuer and base of hosted pages. It is compared
// exactly as the iss of tokens, so a trailing slash is refused rather than
// silently kept or dropped.
func checkPublicURL(raw string) error {
	if err := checkIssuer(raw); err != nil {
		return err
	}
	if strings.HasSuffix(raw, "/") {
		return errors.New("drop the trailing /: the public URL is the token issuer and is compared exactly")
	}
	return nil
}

// checkIssuer checks an OpenID issuer: an http(s) URL without query or
// fragment (OpenID Connect Discovery 1.0 §3).
func checkIssuer(raw string) error {
	u, _, err := checkWebURL(raw)
	if err != nil {
		return err
	}
	if u.RawQuery != "" || u.ForceQuery {
		return errors.New("must not have a query")
	}
	return nil
}

// checkWebURL checks an absolute http(s) URL that Latchkey itself fetches
// or serves, and reports whether its host is a loopback host.
func checkWebURL(raw string) (*url.URL, bool, error) {
	u, err := parseURI(raw)
	if err != nil {
		return nil, false, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, false, errors.New("must be an http or https URL")
	}
	if u.Host == "" {
		return nil, false, errors.New("must have a host")
	}
	if err := checkPort(u); err != nil {
		return nil, false, err
	}
	loopback, err := checkHost(u.Host, u.Hostname())
	return u, loopback, err
}

// checkListen checks a host:port listen address. The port is numeric (0
// picks a free one); the host is empty, an IP address or a host name.
func checkListen(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("must be host:port, such as 127.0.0.1:8080 or :8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || !isDigits(port) {
		return fmt.Errorf("invalid port %q", truncate(port))
	}
	if host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	return checkDNSName(host)
}

// checkDatabase checks the form of a database URL: sqlite:PATH, a bare
// path, or postgres:// (postgresql://). The store checks the rest.
func checkDatabase(s string) error {
	if strings.TrimSpace(s) != s {
		return errors.New("must not start or end with spaces")
	}
	if path, ok := strings.CutPrefix(s, "sqlite:"); ok {
		if path == "" {
			return errors.New("sqlite: needs a path (sqlite:latchkey.db)")
		}
		return nil
	}
	if scheme, _, ok := strings.Cut(s, "://"); ok && scheme != "postgres" && scheme != "postgresql" {
		return fmt.Errorf("unsupported database %q: use sqlite:PATH or postgres://…", truncate(scheme))
	}
	return nil
}

func checkLogFormat(s string) error {
	if s != "text" && s != "json" {
		return errors.New("must be text or json")
	}
	return nil
}

func checkTokenAlgorithm(s string) error {
	if s != "RS256" && s != "ES256" {
		return errors.New("must be RS256 or ES256")
	}
	return nil
}
