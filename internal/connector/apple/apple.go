// Package apple is the AppleOAuth connector: Sign in with Apple for the
// web, with PKCE and a nonce. Apple answers with a form_post to the
// callback; its client secret is a short-lived ES256 JWT that Latchkey
// signs with the team's key; who signed in comes from the ID token, and
// the person's name only from the form's user field, which Apple sends on
// the first sign-in alone.
package apple

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow"
)

// Apple's endpoints (https://appleid.apple.com/.well-known/openid-configuration).
const (
	AuthURL  = "https://appleid.apple.com/auth/authorize"
	TokenURL = "https://appleid.apple.com/auth/token"
	JWKSURL  = "https://appleid.apple.com/auth/keys"
	// Issuer is the iss of Apple's ID tokens and the aud of the client
	// secret.
	Issuer = "https://appleid.apple.com"
	// DiscoveryPath is where an overridden token endpoint's origin must
	// serve the discovery document that names its keys.
	DiscoveryPath = "/.well-known/openid-configuration"
)

// SecretTTL is how long a minted client secret is valid. Apple allows up
// to six months; one is minted per code exchange, so minutes suffice.
const SecretTTL = 5 * time.Minute

// Config is one AppleOAuth connection.
type Config struct {
	// ClientID is the Services ID (for the web), such as com.example.web.
	ClientID string
	// TeamID and KeyID identify the team and its Sign in with Apple key.
	TeamID string
	KeyID  string
	// PrivateKey is the key's .p8 file: PEM, PKCS #8, P-256.
	PrivateKey string
	// Scopes default to name email; Apple knows no others.
	Scopes []string
	// AuthURL and TokenURL override Apple's, for tests and proxies. With
	// TokenURL overridden, the signing keys are those named by the
	// discovery document at DiscoveryPath on its origin.
	AuthURL  string
	TokenURL string
	// ReturnTokens hands Apple's tokens to the application.
	ReturnTokens bool
	// Now is the clock of the client secret; nil means time.Now.
	Now func() time.Time
}

// DefaultScopes are requested when a connection configures none.
func DefaultScopes() []string { return []string{"name", "email"} }

// Connector signs people in with Apple.
type Connector struct {
	flow     *oauthflow.Flow
	idTokens *oauthflow.IDTokens
}

var _ connector.CallbackConnector = (*Connector)(nil)

// New returns a connector, checking the key. It does no network I/O.
// client makes every request to Apple; nil means a client with a
// 30-second timeout.
func New(cfg Config, client *http.Client) (*Connector, error) {
	switch {
	case cfg.ClientID == "":
		return nil, errors.New("apple: client ID (the Services ID) is required")
	case cfg.TeamID == "" || cfg.KeyID == "":
		return nil, errors.New("apple: team ID and key ID are required")
	}
	key, err := parseKey(cfg.PrivateKey)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	authURL, tokenURL := cmp.Or(cfg.AuthURL, AuthURL), cmp.Or(cfg.TokenURL, TokenURL)
	for _, e := range []struct{ name, url string }{{"apple: authorization endpoint", authURL}, {"apple: token endpoint", tokenURL}} {
		if err := oauthflow.CheckURL(e.name, e.url); err != nil {
			return nil, err
		}
	}
	keys := oauthflow.Keys(client, JWKSURL)
	if cfg.TokenURL != "" {
		keys = oauthflow.DiscoveredKeys(client, oauthflow.Origin(cfg.TokenURL)+DiscoveryPath)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes()
	}
	// The signer is made per token request rather than kept: it is
	// several times the size of the key, and most built connectors
	// never exchange a code.
	teamID, keyID, clientID := cfg.TeamID, cfg.KeyID, cfg.ClientID
	mint := func() (string, error) {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: keyID}}, nil)
		if err != nil {
			return "", fmt.Errorf("signer: %w", err)
		}
		return clientSecret(signer, teamID, clientID, now())
	}
	return &Connector{
		flow: &oauthflow.Flow{
			Name: "apple", Provider: "AppleOAuth", ClientID: cfg.ClientID,
			MintSecret: mint,
			Endpoint:   oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
			Scopes:     oauthflow.MergeScopes(scopes, nil), Nonce: true, ReturnTokens: cfg.ReturnTokens, Client: client,
		},
		idTokens: oauthflow.NewIDTokens("apple", cfg.ClientID, keys),
	}, nil
}

// parseKey reads the .p8 file Apple issues.
func parseKey(p8 string) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(p8)))
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("apple: private key must be the PEM of Apple's .p8 file (-----BEGIN PRIVATE KEY-----)")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("apple: private key is not PKCS #8")
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("apple: private key must be a P-256 (ES256) key")
	}
	return ec, nil
}

// clientSecret mints the client secret Apple expects
// (https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret):
// iss the team, sub the client, aud Apple, signed ES256 with kid the key ID.
func clientSecret(signer jose.Signer, teamID, clientID string, now time.Time) (string, error) {
	return jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: teamID, Subject: clientID, Audience: jwt.Audience{Issuer},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(SecretTTL)),
	}).Serialize()
}

// LoginURL returns Apple's authorization URL for req, asking for the
// answer as a form_post, which Apple requires when name or email is in
// scope. Apple takes no sign-in hints, and no scopes but name and email,
// so provider_scopes are left out. It does no network I/O.
func (c *Connector) LoginURL(req connector.Request) (string, error) {
	req.ExtraScopes = nil
	return c.flow.AuthURL(req, oauthflow.Param{Name: "response_mode", Value: "form_post"})
}

// HandleCallback exchanges the code, maps the verified ID token and takes
// the name from the user field when Apple sent one.
func (c *Connector) HandleCallback(ctx context.Context, req connector.Request, r *http.Request) (connector.Identity, error) {
	req.ExtraScopes = nil // as in LoginURL: the scopes reported with the tokens
	code, err := c.flow.Code(r, req.State)
	if err != nil {
		return connector.Identity{}, err
	}
	tok, err := c.flow.Exchange(ctx, req, code)
	if err != nil {
		return connector.Identity{}, err
	}
	// The form's id_token is ignored: the token endpoint's is the one
	// fetched with our secret and verifier.
	raw, _ := tok.Extra("id_token").(string)
	idt, err := c.idTokens.Verify(ctx, raw, req.Nonce, tok.AccessToken, func(t *gooidc.IDToken) bool { return t.Issuer == Issuer })
	if err != nil {
		return connector.Identity{}, err
	}
	var cl struct {
		Email         string         `json:"email"`
		EmailVerified oauthflow.Bool `json:"email_verified"`
	}
	if err := idt.Claims(&cl); err != nil {
		return connector.Identity{}, fmt.Errorf("apple: id token claims: %w", err)
	}
	id := connector.Identity{Subject: idt.Subject, Email: cl.Email, EmailVerified: cl.Email != "" && bool(cl.EmailVerified),
		OAuthTokens: c.flow.Tokens(tok, req)}
	// The user field is not signed, so it supplies the name only, never
	// the email.
	var u struct {
		Name struct {
			FirstName string `json:"firstName"`
			LastName  string `json:"lastName"`
		} `json:"name"`
	}
	if f := r.Form.Get("user"); f != "" && json.Unmarshal([]byte(f), &u) == nil {
		id.FirstName = oauthflow.Truncate(strings.TrimSpace(u.Name.FirstName), 128)
		id.LastName = oauthflow.Truncate(strings.TrimSpace(u.Name.LastName), 128)
	}
	return id, nil
}
