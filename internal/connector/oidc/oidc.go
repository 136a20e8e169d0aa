// Package oidc is the GenericOIDC connector: any OpenID Provider, reached
// with the authorization code flow, PKCE (S256) and a nonce. Discovery and
// ID token verification are coreos/go-oidc's; the code exchange is
// golang.org/x/oauth2's.
package oidc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
)

// Config is one GenericOIDC connection.
type Config struct {
	// Issuer is the provider's issuer URL; ID tokens must carry it as iss
	// byte for byte, and discovery is fetched below it.
	Issuer       string
	ClientID     string
	ClientSecret string
	// Scopes default to openid profile email; openid is always sent.
	Scopes []string

	// Endpoint overrides, for providers whose discovery document is
	// missing or wrong, and for tests and proxies. With the authorization,
	// token and JWKS URLs all given, discovery is skipped (and userinfo is
	// then used only if UserinfoURL is given too).
	AuthorizationURL string
	TokenURL         string
	UserinfoURL      string
	JWKSURL          string
}

// DefaultScopes are requested when a connection configures none.
func DefaultScopes() []string { return []string{"openid", "profile", "email"} }

// Connector signs people in at one OpenID Provider. It holds no per-login
// state: everything a login needs travels in connector.Request.
type Connector struct {
	issuer       string
	clientID     string
	clientSecret string
	scopes       []string
	endpoint     oauth2.Endpoint
	userinfoURL  string
	provider     *gooidc.Provider
	verifier     *gooidc.IDTokenVerifier
	client       *http.Client
}

var _ connector.CallbackConnector = (*Connector)(nil)

// New prepares a connector, fetching the provider's discovery document
// once unless the endpoints are all configured, so that LoginURL needs no
// network. client makes every request to the provider (discovery, JWKS,
// token, userinfo); nil means a client with a 30-second timeout.
func New(ctx context.Context, cfg Config, client *http.Client) (*Connector, error) {
	if err := checkURL("issuer", cfg.Issuer); err != nil {
		return nil, err
	}
	if cfg.ClientID == "" {
		return nil, errors.New("oidc: client ID is required")
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	ctx = gooidc.ClientContext(ctx, client)

	pc := gooidc.ProviderConfig{
		IssuerURL:   cfg.Issuer,
		AuthURL:     cfg.AuthorizationURL,
		TokenURL:    cfg.TokenURL,
		UserInfoURL: cfg.UserinfoURL,
		JWKSURL:     cfg.JWKSURL,
	}
	var authMethods []string
	if cfg.AuthorizationURL == "" || cfg.TokenURL == "" || cfg.JWKSURL == "" {
		d, err := discover(ctx, cfg.Issuer)
		if err != nil {
			return nil, err
		}
		pc.AuthURL = cmp.Or(pc.AuthURL, d.AuthURL)
		pc.TokenURL = cmp.Or(pc.TokenURL, d.TokenURL)
		pc.UserInfoURL = cmp.Or(pc.UserInfoURL, d.UserInfoURL)
		pc.JWKSURL = cmp.Or(pc.JWKSURL, d.JWKSURL)
		pc.Algorithms = signingAlgs(d.Algorithms)
		authMethods = d.AuthMethods
	}
	if err := checkEndpoints(pc); err != nil {
		return nil, err
	}

	provider := pc.NewProvider(ctx)
	return &Connector{
		issuer:       cfg.Issuer,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		scopes:       mergeScopes(orDefault(cfg.Scopes, DefaultScopes()), nil),
		endpoint:     oauth2.Endpoint{AuthURL: pc.AuthURL, TokenURL: pc.TokenURL, AuthStyle: authStyle(authMethods)},
		userinfoURL:  pc.UserInfoURL,
		provider:     provider,
		verifier:     provider.Verifier(&gooidc.Config{ClientID: cfg.ClientID}),
		client:       client,
	}, nil
}

// discovery is the part of the discovery document the connector uses.
type discovery struct {
	gooidc.ProviderConfig
	AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
}

// discover fetches the discovery document; go-oidc checks that it names
// the configured issuer exactly (OIDC Discovery §4.3).
func discover(ctx context.Context, issuer string) (discovery, error) {
	p, err := gooidc.NewProvider(ctx, issuer)
	if err != nil {
		return discovery{}, fmt.Errorf("oidc: discovery for %s: %w", issuer, err)
	}
	var d discovery
	if err := p.Claims(&d); err != nil {
		return discovery{}, fmt.Errorf("oidc: discovery for %s: %w", issuer, err)
	}
	return d, nil
}

// signingAlgs keeps the asymmetric algorithms go-oidc verifies: a provider
// that also lists HS256 or none must not widen what an ID token may use.
func signingAlgs(advertised []string) []string {
	var algs []string
	for _, a := range advertised {
		switch a {
		case gooidc.RS256, gooidc.RS384, gooidc.RS512, gooidc.ES256, gooidc.ES384, gooidc.ES512,
			gooidc.PS256, gooidc.PS384, gooidc.PS512, gooidc.EdDSA:
			algs = append(algs, a)
		}
	}
	return algs
}

// authStyle picks client_secret_basic unless the provider only supports
// client_secret_post. Basic is the default when the document says nothing
// (OIDC Discovery §3). Choosing up front avoids oauth2's auto-detection,
// which retries a refused exchange with the other method.
func authStyle(methods []string) oauth2.AuthStyle {
	if len(methods) == 0 || slices.Contains(methods, "client_secret_basic") || !slices.Contains(methods, "client_secret_post") {
		return oauth2.AuthStyleInHeader
	}
	return oauth2.AuthStyleInParams
}

func checkEndpoints(pc gooidc.ProviderConfig) error {
	for _, e := range []struct{ name, url string }{
		{"authorization endpoint", pc.AuthURL}, {"token endpoint", pc.TokenURL}, {"JWKS URL", pc.JWKSURL},
	} {
		if err := checkURL(e.name, e.url); err != nil {
			return err
		}
	}
	if pc.UserInfoURL != "" {
		return checkURL("userinfo endpoint", pc.UserInfoURL)
	}
	return nil
}

func checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("oidc: %s %q is not an absolute http(s) URL", name, raw)
	}
	return nil
}

// protocolParam reports whether name is an authorization parameter the
// connector owns, which provider_query_params may not override
// (spec/authorize.md). response_mode, request and request_uri count too:
// each could change where or how the answer is delivered.
func protocolParam(name string) bool {
	switch name {
	case "client_id", "redirect_uri", "state", "nonce", "code_challenge", "code_challenge_method",
		"response_type", "scope", "response_mode", "request", "request_uri":
		return true
	}
	return false
}

// LoginURL returns the provider's authorization URL for req. It does no
// network I/O.
func (c *Connector) LoginURL(req connector.Request) (string, error) {
	switch {
	case req.CallbackURL == "":
		return "", errors.New("oidc: login URL: no callback URL")
	case req.State == "":
		return "", errors.New("oidc: login URL: no state")
	case req.Nonce == "":
		return "", errors.New("oidc: login URL: no nonce")
	case req.CodeVerifier == "":
		return "", errors.New("oidc: login URL: no PKCE verifier")
	}
	var opts []oauth2.AuthCodeOption
	for _, k := range slices.Sorted(maps.Keys(req.QueryParams)) {
		if k != "" && !protocolParam(k) {
			opts = append(opts, oauth2.SetAuthURLParam(k, req.QueryParams[k]))
		}
	}
	// Set after the query parameters, so that the request's own hints win.
	if req.LoginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", req.LoginHint))
	}
	if req.Prompt != "" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", req.Prompt))
	}
	if req.MaxAge != "" {
		if _, err := strconv.ParseUint(req.MaxAge, 10, 32); err != nil {
			return "", fmt.Errorf("oidc: login URL: max_age %q is not a number of seconds", req.MaxAge)
		}
		opts = append(opts, oauth2.SetAuthURLParam("max_age", req.MaxAge))
	}
	opts = append(opts, gooidc.Nonce(req.Nonce), oauth2.S256ChallengeOption(req.CodeVerifier))
	return c.oauth2Config(req.CallbackURL, mergeScopes(c.scopes, req.ExtraScopes)).AuthCodeURL(req.State, opts...), nil
}

// oauth2Config is built per call: oauth2.Config must not be copied once
// used, and the redirect URL and scopes vary per request.
func (c *Connector) oauth2Config(redirectURL string, scopes []string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.clientID,
		ClientSecret: c.clientSecret,
		Endpoint:     c.endpoint,
		RedirectURL:  redirectURL,
		Scopes:       scopes,
	}
}

// mergeScopes returns openid followed by base and extra in order, without
// duplicates or empty entries.
func mergeScopes(base, extra []string) []string {
	out := []string{"openid"}
	for _, s := range slices.Concat(base, extra) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func orDefault(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}
