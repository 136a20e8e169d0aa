// Package devidp is the development identity provider that `latchkey
// dev-idp` runs (spec/config.md, "The development identity provider"): a
// real OpenID Provider on loopback, so that a full SSO sign-in can be tried
// and tested without any outside service.
//
// The protocol is zitadel/oidc's op package — discovery, authorization
// (code flow, PKCE, nonce), token (client_secret_basic and _post),
// userinfo, JWKS — over an in-memory Storage; this package adds only what
// the spec asks of a development IdP: users from a file, clients made up
// on the fly for any ID and secret but only for loopback redirect URIs,
// and a sign-in page that login_hint can skip. The SAML IdP sits beside
// it under /saml/ (saml.go), with the same users.
package devidp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Options configure New.
type Options struct {
	// Issuer is the URL clients reach the provider at, scheme://host:port
	// without a path. It is the iss of every token, so it must be exactly
	// the URL a relying party is configured with.
	Issuer string
	// Users can sign in; without any, DefaultUser is served.
	Users []User
	// Interactive always shows the sign-in page, even with login_hint, and
	// asks for the password of users that have one.
	Interactive bool
	// SigningAlgorithm signs ID tokens: RS256 (the default when empty) or
	// ES256. SAML responses are signed with RSA either way.
	SigningAlgorithm string
	// Logger receives a line per sign-in. The protocol library logs its
	// own request errors to slog's default logger.
	Logger *slog.Logger
}

// redirectURIKey carries the checked redirect_uri of an authorization
// request to storage.GetClientByClientID.
type redirectURIKey struct{}

// New returns the identity provider's HTTP handler. It generates fresh
// signing keys, so tokens from an earlier run do not verify.
func New(opts Options) (http.Handler, error) {
	issuer, err := parseIssuer(opts.Issuer)
	if err != nil {
		return nil, err
	}
	users := slices.Clone(opts.Users)
	if len(users) == 0 {
		users = []User{DefaultUser()}
	}
	if err := validateUsers(users); err != nil {
		return nil, fmt.Errorf("devidp: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	alg, err := signingAlgorithm(opts.SigningAlgorithm)
	if err != nil {
		return nil, err
	}
	rsaKey, err := newRSAKey()
	if err != nil {
		return nil, err
	}
	key, err := newSigningKey(alg, rsaKey)
	if err != nil {
		return nil, err
	}
	store := newStorage(issuer, users, key)

	cfg := &op.Config{
		CodeMethodS256:  true,
		AuthMethodPost:  true,
		SupportedScopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail},
		SupportedClaims: append(slices.Clone(op.DefaultSupportedClaims), "groups"),
	}
	seal, err := newSealer()
	if err != nil {
		return nil, err
	}
	popts := []op.Option{op.WithCrypto(seal)}
	if strings.HasPrefix(issuer, "http://") {
		// The library refuses http issuers unless told otherwise; a
		// development IdP on loopback has no certificate to offer.
		popts = append(popts, op.WithAllowInsecure())
	}
	provider, err := op.NewProvider(cfg, store, op.StaticIssuer(issuer), popts...)
	if err != nil {
		return nil, fmt.Errorf("devidp: %w", err)
	}
	pages, err := newPages()
	if err != nil {
		return nil, err
	}
	l := &login{store: store, provider: provider, pages: pages, interactive: opts.Interactive, log: log}

	withIssuer := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	mux := http.NewServeMux()
	mux.Handle(provider.AuthorizationEndpoint().Relative(), requireLoopbackRedirect(pages, provider))
	mux.Handle("GET /login", withIssuer.HandlerFunc(l.show))
	mux.Handle("POST /login", http.NewCrossOriginProtection().Handler(withIssuer.HandlerFunc(l.submit)))
	sp, err := newSAMLIdP(issuer, store, rsaKey, pages, opts.Interactive, log)
	if err != nil {
		return nil, err
	}
	sp.register(mux)
	mux.Handle("/", provider)
	return mux, nil
}

// parseIssuer checks that issuer is an absolute http(s) URL without path,
// query or fragment: the routes are at the root, and a token's iss must
// match the configured issuer byte for byte.
func parseIssuer(issuer string) (string, error) {
	u, err := url.Parse(strings.TrimSuffix(issuer, "/"))
	switch {
	case issuer == "":
		return "", errors.New("devidp: issuer is required")
	case err != nil:
		return "", fmt.Errorf("devidp: issuer: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return "", fmt.Errorf("devidp: issuer %q: want http://host:port or https://host:port", issuer)
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return "", fmt.Errorf("devidp: issuer %q: want no path, query, fragment or user", issuer)
	}
	return u.String(), nil
}

// requireLoopbackRedirect lets an authorization request through only when
// its redirect_uri is on a loopback host, and hands that URI to the client
// lookup as the client's one registered redirect URI. Anything else gets
// an error page and never a redirect: an IdP that accepts any client must
// not become an open redirector.
func requireLoopbackRedirect(pages *pages, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			pages.error(w, http.StatusBadRequest, "The authorization request could not be parsed.")
			return
		}
		uris := r.Form["redirect_uri"]
		if len(uris) != 1 {
			// One value, so that the library's decoder and this check
			// cannot read different ones.
			pages.error(w, http.StatusBadRequest, "The authorization request must carry exactly one redirect_uri.")
			return
		}
		if err := checkLoopbackRedirect(uris[0]); err != nil {
			pages.error(w, http.StatusBadRequest, "The redirect_uri is refused: "+err.Error()+
				". This development identity provider only redirects to loopback hosts (127.0.0.1, [::1], localhost).")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), redirectURIKey{}, uris[0])))
	})
}

// checkLoopbackRedirect accepts http(s) URLs on localhost or a loopback IP
// literal (127.0.0.0/8, ::1), as RFC 8252 §7.3 and §8.3 describe for
// native clients.
func checkLoopbackRedirect(raw string) error {
	if strings.ContainsAny(raw, "\\#") || strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		// Browsers read a backslash as a slash, and a fragment is not
		// allowed in a redirect URI (RFC 6749 §3.1.2).
		return errors.New("it contains a backslash, a fragment or a control character")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("it is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("its scheme is not http or https")
	case u.User != nil:
		return errors.New("it carries user information")
	case !isLoopbackHost(u.Hostname()):
		return fmt.Errorf("host %q is not loopback", u.Hostname())
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}
