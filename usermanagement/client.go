// Package usermanagement is the Go SDK for Latchkey's WorkOS-compatible User
// Management API: it builds authorization and logout URLs and exchanges
// codes, refresh tokens and passwords for sessions at
// POST /user_management/authenticate.
//
// The names follow the WorkOS documentation's Go API
// (usermanagement.GetAuthorizationURL(ctx, opts)) and, where that is silent,
// the official workos-go SDK (package pkg/usermanagement), so code written for
// WorkOS moves to Latchkey by changing the endpoint:
//
//	client := usermanagement.NewClient(apiKey)
//	client.Endpoint = "http://127.0.0.1:8080"
//	u, err := client.GetAuthorizationURL(ctx, usermanagement.GetAuthorizationURLOpts{...})
//
// The package-level functions use DefaultClient, as workos-go's do.
package usermanagement

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultEndpoint is the WorkOS API; point Client.Endpoint at a Latchkey
// server (for example http://127.0.0.1:8080) to use Latchkey instead.
const DefaultEndpoint = "https://api.workos.com"

// defaultTimeout bounds a call when the caller gave no HTTPClient, so that a
// hung server cannot hold a sign-in forever.
const defaultTimeout = 10 * time.Second

// Client talks to one Latchkey (or WorkOS) endpoint. A zero Client is usable:
// empty fields take their documented defaults. A Client is safe for
// concurrent use as long as its fields are not changed meanwhile.
type Client struct {
	// Endpoint is the base URL of the API, without a trailing path such as
	// /user_management. Defaults to DefaultEndpoint.
	Endpoint string

	// APIKey is the application's secret key (sk_…). It is sent as
	// client_secret by the Authenticate calls; leave it empty in a public
	// client (a browser or native app), which proves itself with PKCE.
	APIKey string

	// ClientID is the application's client ID (client_…), used when an
	// options struct leaves its own ClientID empty.
	ClientID string

	// HTTPClient sends the requests. Defaults to a client with a 10 second
	// timeout.
	HTTPClient *http.Client
}

// NewClient returns a Client for the WorkOS endpoint with apiKey, as
// workos-go's NewClient does; set Endpoint to reach Latchkey.
func NewClient(apiKey string) *Client {
	return &Client{
		Endpoint:   DefaultEndpoint,
		APIKey:     apiKey,
		HTTPClient: &http.Client{Timeout: defaultTimeout},
	}
}

// DefaultClient is the Client behind the package-level functions. It exists
// because the documented Go API is package-level
// (usermanagement.GetAuthorizationURL(ctx, opts)) and workos-go has the same
// variable; a program that needs more than one configuration, or tests that
// run in parallel, should construct its own Client instead.
var DefaultClient = NewClient("")

// SetAPIKey sets DefaultClient's API key. Call it once at start, before any
// package-level function runs.
func SetAPIKey(apiKey string) {
	DefaultClient.APIKey = apiKey
}

// GetAuthorizationURL builds an authorization URL with DefaultClient; see
// Client.GetAuthorizationURL.
func GetAuthorizationURL(ctx context.Context, opts GetAuthorizationURLOpts) (*url.URL, error) {
	return DefaultClient.GetAuthorizationURL(ctx, opts)
}

// AuthenticateWithCode exchanges an authorization code with DefaultClient;
// see Client.AuthenticateWithCode.
func AuthenticateWithCode(ctx context.Context, opts AuthenticateWithCodeOpts) (AuthenticateResponse, error) {
	return DefaultClient.AuthenticateWithCode(ctx, opts)
}

// AuthenticateWithRefreshToken refreshes a session with DefaultClient; see
// Client.AuthenticateWithRefreshToken.
func AuthenticateWithRefreshToken(ctx context.Context, opts AuthenticateWithRefreshTokenOpts) (AuthenticateResponse, error) {
	return DefaultClient.AuthenticateWithRefreshToken(ctx, opts)
}

// AuthenticateWithPassword signs a user in by email and password with
// DefaultClient; see Client.AuthenticateWithPassword.
func AuthenticateWithPassword(ctx context.Context, opts AuthenticateWithPasswordOpts) (AuthenticateResponse, error) {
	return DefaultClient.AuthenticateWithPassword(ctx, opts)
}

// GetJWKSURL returns DefaultClient's JWKS URL for clientID; see
// Client.GetJWKSURL.
func GetJWKSURL(clientID string) (*url.URL, error) {
	return DefaultClient.GetJWKSURL(clientID)
}

// GetLogoutURL returns DefaultClient's logout URL; see Client.GetLogoutURL.
func GetLogoutURL(opts GetLogoutURLOpts) (*url.URL, error) {
	return DefaultClient.GetLogoutURL(opts)
}

// endpointURL joins the endpoint and an API path. The path is appended
// rather than resolved, so an endpoint behind a proxy prefix
// (https://example.com/latchkey) keeps its prefix.
func (c *Client) endpointURL(path string) (*url.URL, error) {
	raw := c.Endpoint
	if raw == "" {
		raw = DefaultEndpoint
	}
	base, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("usermanagement: endpoint %q: %w", raw, err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("usermanagement: endpoint %q: want an absolute http or https URL", raw)
	}
	if base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return nil, fmt.Errorf("usermanagement: endpoint %q: want no query, fragment or user info", raw)
	}
	u := *base
	u.Path = strings.TrimSuffix(base.Path, "/") + path
	u.RawPath = ""
	return &u, nil
}

// clientID picks the options' client ID, else the Client's.
func (c *Client) clientID(fromOpts string) string {
	if fromOpts != "" {
		return fromOpts
	}
	return c.ClientID
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: defaultTimeout}
}
