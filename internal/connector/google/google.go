// Package google is the GoogleOAuth connector: Sign in with Google over
// OpenID Connect, with PKCE and a nonce. Who signed in, and whether Google
// verified their email, comes from the ID token of the token response;
// no userinfo call is needed.
package google

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow"
)

// Google's endpoints (https://accounts.google.com/.well-known/openid-configuration).
const (
	AuthURL  = "https://accounts.google.com/o/oauth2/v2/auth"
	TokenURL = "https://oauth2.googleapis.com/token"
	JWKSURL  = "https://www.googleapis.com/oauth2/v3/certs"
	// Issuer is the iss of Google's ID tokens; Google also writes it
	// without the scheme.
	Issuer = "https://accounts.google.com"
	// DiscoveryPath is where an overridden token endpoint's origin must
	// serve the discovery document that names its keys.
	DiscoveryPath = "/.well-known/openid-configuration"
)

// Config is one GoogleOAuth connection.
type Config struct {
	ClientID     string
	ClientSecret string
	// Scopes default to openid email profile; openid is always sent.
	Scopes []string
	// AuthURL and TokenURL override Google's, for tests and proxies. With
	// TokenURL overridden, the signing keys are those named by the
	// discovery document at DiscoveryPath on its origin.
	AuthURL  string
	TokenURL string
	// ReturnTokens hands Google's tokens to the application
	// (oauth_tokens).
	ReturnTokens bool
}

// DefaultScopes are requested when a connection configures none.
func DefaultScopes() []string { return []string{"openid", "email", "profile"} }

// Connector signs people in with Google.
type Connector struct {
	flow     *oauthflow.Flow
	idTokens *oauthflow.IDTokens
}

var _ connector.CallbackConnector = (*Connector)(nil)

// New returns a connector. It does no network I/O: the signing keys are
// fetched on the first callback. client makes every request to Google;
// nil means a client with a 30-second timeout.
func New(cfg Config, client *http.Client) (*Connector, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("google: client ID is required")
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	authURL, tokenURL := cmp.Or(cfg.AuthURL, AuthURL), cmp.Or(cfg.TokenURL, TokenURL)
	for _, e := range []struct{ name, url string }{{"google: authorization endpoint", authURL}, {"google: token endpoint", tokenURL}} {
		if err := oauthflow.CheckURL(e.name, e.url); err != nil {
			return nil, err
		}
	}
	keys := oauthflow.Keys(client, JWKSURL)
	if cfg.TokenURL != "" {
		keys = oauthflow.DiscoveredKeys(client, oauthflow.Origin(cfg.TokenURL)+DiscoveryPath)
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes()
	}
	return &Connector{
		flow: &oauthflow.Flow{
			Name: "google", Provider: "GoogleOAuth", ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			// Google documents the secret in the body (client_secret_post).
			Endpoint: oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
			Scopes:   oauthflow.MergeScopes([]string{"openid"}, scopes), Nonce: true,
			ReturnTokens: cfg.ReturnTokens, Client: client,
		},
		idTokens: oauthflow.NewIDTokens("google", cfg.ClientID, keys),
	}, nil
}

// LoginURL returns Google's authorization URL for req: login_hint, hd
// from domain_hint and prompt are forwarded. It does no network I/O.
func (c *Connector) LoginURL(req connector.Request) (string, error) {
	return c.flow.AuthURL(req, oauthflow.Param{Name: "login_hint", Value: req.LoginHint},
		oauthflow.Param{Name: "hd", Value: req.DomainHint}, oauthflow.Param{Name: "prompt", Value: req.Prompt})
}

// HandleCallback exchanges the code and maps the verified ID token.
func (c *Connector) HandleCallback(ctx context.Context, req connector.Request, r *http.Request) (connector.Identity, error) {
	code, err := c.flow.Code(r, req.State)
	if err != nil {
		return connector.Identity{}, err
	}
	tok, err := c.flow.Exchange(ctx, req, code)
	if err != nil {
		return connector.Identity{}, err
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := c.idTokens.Verify(ctx, raw, req.Nonce, tok.AccessToken, func(t *gooidc.IDToken) bool {
		return t.Issuer == Issuer || t.Issuer == "accounts.google.com"
	})
	if err != nil {
		return connector.Identity{}, err
	}
	var cl struct {
		Email         string         `json:"email"`
		EmailVerified oauthflow.Bool `json:"email_verified"`
		GivenName     string         `json:"given_name"`
		FamilyName    string         `json:"family_name"`
		Name          string         `json:"name"`
		Picture       string         `json:"picture"`
	}
	if err := idt.Claims(&cl); err != nil {
		return connector.Identity{}, fmt.Errorf("google: id token claims: %w", err)
	}
	id := connector.Identity{Subject: idt.Subject, Email: cl.Email, EmailVerified: bool(cl.EmailVerified),
		FirstName: cl.GivenName, LastName: cl.FamilyName, PictureURL: cl.Picture, OAuthTokens: c.flow.Tokens(tok, req)}
	if id.FirstName == "" && id.LastName == "" {
		id.FirstName, id.LastName = oauthflow.SplitName(cl.Name)
	}
	return id, nil
}
