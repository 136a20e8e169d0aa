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
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow"
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
//
// A catalog keeps one built connector per connection, most of which only
// ever serve LoginURL, so a built connector holds its configuration and
// nothing more: the go-oidc provider and ID token verifier, with their
// key set, are made on the first callback (see oidcProvider).
type Connector struct {
	issuer       string
	clientID     string
	clientSecret string
	scopes       []string
	scope        string // scopes joined, the scope parameter without provider_scopes
	endpoint     oauth2.Endpoint
	userinfoURL  string
	jwksURL      string
	algorithms   []string // ID token signing algorithms; nil means go-oidc's default (RS256)
	client       *http.Client

	once     sync.Once
	provider *gooidc.Provider
	verifier *gooidc.IDTokenVerifier
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

	scopes := mergeScopes(orDefault(cfg.Scopes, DefaultScopes()), nil)
	return &Connector{
		issuer:       cfg.Issuer,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		scopes:       scopes,
		scope:        strings.Join(scopes, " "),
		endpoint:     oauth2.Endpoint{AuthURL: pc.AuthURL, TokenURL: pc.TokenURL, AuthStyle: authStyle(authMethods)},
		userinfoURL:  pc.UserInfoURL,
		jwksURL:      pc.JWKSURL,
		algorithms:   pc.Algorithms,
		client:       client,
	}, nil
}

// oidcProvider returns the go-oidc provider and the ID token verifier,
// making them on first use. They are kept from then on, so that the
// provider's signing keys are fetched once and cached across callbacks,
// not once per sign-in. Safe for concurrent use.
func (c *Connector) oidcProvider() (*gooidc.Provider, *gooidc.IDTokenVerifier) {
	c.once.Do(func() {
		pc := gooidc.ProviderConfig{
			IssuerURL: c.issuer, AuthURL: c.endpoint.AuthURL, TokenURL: c.endpoint.TokenURL,
			UserInfoURL: c.userinfoURL, JWKSURL: c.jwksURL, Algorithms: c.algorithms,
		}
		// The provider keeps the client from this context for its key
		// set, which outlives any one request.
		c.provider = pc.NewProvider(gooidc.ClientContext(context.Background(), c.client))
		c.verifier = c.provider.Verifier(&gooidc.Config{ClientID: c.clientID})
	})
	return c.provider, c.verifier
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
	scope := c.scope
	if len(req.ExtraScopes) > 0 {
		scope = strings.Join(mergeScopes(c.scopes, req.ExtraScopes), " ")
	}
	// Set with the precedence oauth2.Config.AuthCodeURL gave them: a later
	// parameter replaces an earlier one of the same name.
	var buf [16]oauthflow.Param
	q := append(buf[:0], // sorted by name, as SetParam keeps them
		oauthflow.Param{Name: "client_id", Value: c.clientID},
		oauthflow.Param{Name: "redirect_uri", Value: req.CallbackURL},
		oauthflow.Param{Name: "response_type", Value: "code"},
		oauthflow.Param{Name: "scope", Value: scope},
		oauthflow.Param{Name: "state", Value: req.State})
	for k, v := range req.QueryParams {
		if k != "" && !protocolParam(k) {
			q = oauthflow.SetParam(q, k, v)
		}
	}
	// Set after the query parameters, so that the request's own hints win.
	if req.LoginHint != "" {
		q = oauthflow.SetParam(q, "login_hint", req.LoginHint)
	}
	if req.Prompt != "" {
		q = oauthflow.SetParam(q, "prompt", req.Prompt)
	}
	if req.MaxAge != "" {
		if _, err := strconv.ParseUint(req.MaxAge, 10, 32); err != nil {
			return "", fmt.Errorf("oidc: login URL: max_age %q is not a number of seconds", req.MaxAge)
		}
		q = oauthflow.SetParam(q, "max_age", req.MaxAge)
	}
	q = oauthflow.SetParam(q, "nonce", req.Nonce)
	q = oauthflow.SetParam(q, "code_challenge", oauth2.S256ChallengeFromVerifier(req.CodeVerifier))
	q = oauthflow.SetParam(q, "code_challenge_method", "S256")
	return oauthflow.AuthCodeURL(c.endpoint.AuthURL, q), nil
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
