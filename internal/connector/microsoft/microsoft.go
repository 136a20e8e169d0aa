// Package microsoft is the MicrosoftOAuth connector: the Microsoft
// identity platform (v2.0 endpoints) over OpenID Connect, with PKCE and a
// nonce, for work and school accounts, personal accounts or both,
// depending on the tenant.
package microsoft

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow"
)

// Host is the Microsoft identity platform's authority.
const Host = "https://login.microsoftonline.com"

// Tenants with a meaning of their own; any other value is a tenant ID or
// a tenant's domain.
const (
	Common        = "common"        // work, school and personal accounts
	Organizations = "organizations" // work and school accounts only
	Consumers     = "consumers"     // personal accounts only
	// ConsumersTenantID is the tenant of every personal account (tid).
	ConsumersTenantID = "9188040d-6c67-4c5b-b112-36a304b66dad"
)

// Config is one MicrosoftOAuth connection.
type Config struct {
	ClientID     string
	ClientSecret string
	// Tenant is common (the default), organizations, consumers, a tenant
	// ID or a tenant's domain.
	Tenant string
	// Scopes default to openid profile email; openid is always sent. Add
	// offline_access for a refresh token in oauth_tokens.
	Scopes []string
	// AuthURL and TokenURL override the tenant's, for tests and proxies.
	// With TokenURL overridden, the signing keys are those named by the
	// tenant's discovery document on its origin
	// (/{tenant}/v2.0/.well-known/openid-configuration).
	AuthURL  string
	TokenURL string
	// ReturnTokens hands Microsoft's tokens to the application.
	ReturnTokens bool
}

// DefaultScopes are requested when a connection configures none.
func DefaultScopes() []string { return []string{"openid", "profile", "email"} }

// Connector signs people in with Microsoft.
type Connector struct {
	tenant   string
	flow     *oauthflow.Flow
	idTokens *oauthflow.IDTokens
}

var _ connector.CallbackConnector = (*Connector)(nil)

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// New returns a connector. It does no network I/O. client makes every
// request to Microsoft; nil means a client with a 30-second timeout.
func New(cfg Config, client *http.Client) (*Connector, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("microsoft: client ID is required")
	}
	tenant := cmp.Or(cfg.Tenant, Common)
	if tenant != url.PathEscape(tenant) { // it becomes a path segment
		return nil, fmt.Errorf("microsoft: tenant %q is not a tenant name, ID or domain", tenant)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	authority := Host + "/" + tenant
	authURL := cmp.Or(cfg.AuthURL, authority+"/oauth2/v2.0/authorize")
	tokenURL := cmp.Or(cfg.TokenURL, authority+"/oauth2/v2.0/token")
	for _, e := range []struct{ name, url string }{{"microsoft: authorization endpoint", authURL}, {"microsoft: token endpoint", tokenURL}} {
		if err := oauthflow.CheckURL(e.name, e.url); err != nil {
			return nil, err
		}
	}
	keys := oauthflow.Keys(client, authority+"/discovery/v2.0/keys")
	if cfg.TokenURL != "" {
		keys = oauthflow.DiscoveredKeys(client, oauthflow.Origin(cfg.TokenURL)+"/"+tenant+"/v2.0/.well-known/openid-configuration")
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes()
	}
	return &Connector{
		tenant: tenant,
		flow: &oauthflow.Flow{
			Name: "microsoft", Provider: "MicrosoftOAuth", ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			Endpoint: oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
			Scopes:   oauthflow.MergeScopes([]string{"openid"}, scopes), Nonce: true,
			ReturnTokens: cfg.ReturnTokens, Client: client,
		},
		idTokens: oauthflow.NewIDTokens("microsoft", cfg.ClientID, keys),
	}, nil
}

// LoginURL returns the tenant's authorization URL for req: login_hint,
// domain_hint and prompt are forwarded. It does no network I/O.
func (c *Connector) LoginURL(req connector.Request) (string, error) {
	return c.flow.AuthURL(req, oauthflow.Param{Name: "login_hint", Value: req.LoginHint},
		oauthflow.Param{Name: "domain_hint", Value: req.DomainHint}, oauthflow.Param{Name: "prompt", Value: req.Prompt})
}

// claims are the ID token claims Latchkey reads
// (https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference).
type claims struct {
	TenantID          string         `json:"tid"`
	Email             string         `json:"email"`
	PreferredUsername string         `json:"preferred_username"`
	Name              string         `json:"name"`
	GivenName         string         `json:"given_name"`
	FamilyName        string         `json:"family_name"`
	DomainVerified    oauthflow.Bool `json:"xms_edov"`
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
	var cl claims
	raw, _ := tok.Extra("id_token").(string)
	idt, err := c.idTokens.Verify(ctx, raw, req.Nonce, tok.AccessToken, func(t *gooidc.IDToken) bool {
		return t.Claims(&cl) == nil && c.issuerOK(t.Issuer, cl.TenantID)
	})
	if err != nil {
		return connector.Identity{}, err
	}
	id := connector.Identity{Subject: idt.Subject, Email: cl.Email, FirstName: cl.GivenName, LastName: cl.FamilyName,
		OAuthTokens: c.flow.Tokens(tok, req)}
	// The email claim of a work or school account is whatever an
	// administrator typed, unchecked (the "nOAuth" flaw): it counts as
	// verified only for personal accounts, whose address Microsoft has
	// confirmed, or with the xms_edov claim, set when the tenant owns
	// the address's domain.
	id.EmailVerified = id.Email != "" && (cl.TenantID == ConsumersTenantID || bool(cl.DomainVerified))
	if id.Email == "" && strings.Contains(cl.PreferredUsername, "@") {
		id.Email = cl.PreferredUsername // the sign-in name; never counted as verified
	}
	if id.FirstName == "" && id.LastName == "" {
		id.FirstName, id.LastName = oauthflow.SplitName(cl.Name)
	}
	return id, nil
}

// issuerOK checks iss against the tenant that issued the token: the v2.0
// issuer is per tenant, so a multi-tenant authority cannot name it in
// advance. The configured tenant limits which tenants may sign in.
func (c *Connector) issuerOK(iss, tid string) bool {
	if !guid.MatchString(tid) || iss != Host+"/"+tid+"/v2.0" {
		return false
	}
	switch {
	case c.tenant == Common:
		return true
	case c.tenant == Organizations:
		return tid != ConsumersTenantID
	case c.tenant == Consumers:
		return tid == ConsumersTenantID
	case guid.MatchString(c.tenant):
		return strings.EqualFold(tid, c.tenant)
	}
	// A tenant's domain: its authority signs in its own users only, and
	// the domain cannot be compared with a tenant ID offline.
	return true
}
