package authorize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/apple"
	"github.com/latchkeyhq/latchkey/internal/connector/github"
	"github.com/latchkeyhq/latchkey/internal/connector/gitlab"
	"github.com/latchkeyhq/latchkey/internal/connector/google"
	"github.com/latchkeyhq/latchkey/internal/connector/microsoft"
	"github.com/latchkeyhq/latchkey/internal/connector/oidc"
	samlconn "github.com/latchkeyhq/latchkey/internal/connector/saml"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// ErrUnsupportedConnection is returned by the factory for connection types
// that have no connector yet.
var ErrUnsupportedConnection = errors.New("authorize: connection type not supported")

// A ConnectorFactory makes the connector of a stored connection in two
// steps. The catalog keeps the first step's result for every connection it
// indexes, so a connector dropped to bound memory is built again without
// decoding JSON or opening secrets: with 100,000 organizations at random,
// four requests in five build one, and decoding was two thirds of that
// (BENCHMARKS.md).
type ConnectorFactory interface {
	// Prepare decodes what building needs from the row. No I/O.
	Prepare(c store.Connection) (*Prepared, error)
	// Build makes the connector. It may do network I/O (OIDC discovery);
	// the catalog calls it once per connection and generation, and again
	// only for a connector it dropped.
	Build(ctx context.Context, p *Prepared) (connector.CallbackConnector, error)
}

// Prepared is a connection ready to build: its settings decoded and its
// secrets opened. Builds read it and never change it: it is shared by every
// build of the connection.
type Prepared struct {
	ID       string
	Type     string
	Settings connector.Settings
	Secrets  connector.Secrets
}

// Connectors is the ConnectorFactory of the connection types Latchkey
// supports.
type Connectors struct {
	box         *secrets.Box
	client      *http.Client
	publicURL   string
	compressors *samlconn.Compressors // shared: each holds some 800 KB
}

// NewConnectorFactory returns the factory that builds a stored
// connection's connector: its settings decoded, its secrets opened with box
// (the connection ID is the associated data), and its HTTP calls made
// with client. publicURL is where browsers reach Latchkey (no trailing
// slash); SAML connections derive their entity ID and ACS URL from it.
func NewConnectorFactory(box *secrets.Box, client *http.Client, publicURL string) *Connectors {
	return &Connectors{box: box, client: client, publicURL: publicURL, compressors: new(samlconn.Compressors)}
}

// Prepare decodes the connection's settings and opens its secrets.
func (f *Connectors) Prepare(c store.Connection) (*Prepared, error) {
	p := &Prepared{ID: c.ID, Type: c.Type}
	if err := json.Unmarshal(c.Settings, &p.Settings); err != nil {
		return nil, fmt.Errorf("authorize: connection %s settings: %w", c.ID, err)
	}
	if len(c.Secrets) > 0 {
		pt, err := f.box.Open(c.Secrets, []byte(c.ID))
		if err != nil {
			return nil, fmt.Errorf("authorize: connection %s secrets: %w", c.ID, err)
		}
		if err := json.Unmarshal(pt, &p.Secrets); err != nil {
			return nil, fmt.Errorf("authorize: connection %s secrets: %w", c.ID, err)
		}
	}
	return p, nil
}

// Build makes the connector of a prepared connection.
func (f *Connectors) Build(ctx context.Context, p *Prepared) (connector.CallbackConnector, error) {
	s, sec, client := p.Settings, p.Secrets, f.client
	switch {
	case s.OIDC != nil:
		o := s.OIDC
		return oidc.New(ctx, oidc.Config{
			Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: sec.ClientSecret, Scopes: o.Scopes,
			AuthorizationURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token,
			UserinfoURL: o.Endpoints.Userinfo, JWKSURL: o.Endpoints.JWKS,
		}, client)
	case s.OAuth != nil && p.Type == "GoogleOAuth":
		o := s.OAuth
		return google.New(google.Config{ClientID: o.ClientID, ClientSecret: sec.ClientSecret, Scopes: o.Scopes,
			AuthURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token, ReturnTokens: o.ReturnOAuthTokens}, client)
	case s.OAuth != nil && p.Type == "MicrosoftOAuth":
		o := s.OAuth
		return microsoft.New(microsoft.Config{ClientID: o.ClientID, ClientSecret: sec.ClientSecret, Tenant: o.Tenant, Scopes: o.Scopes,
			AuthURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token, ReturnTokens: o.ReturnOAuthTokens}, client)
	case s.OAuth != nil && p.Type == "GitHubOAuth":
		o := s.OAuth
		return github.New(github.Config{ClientID: o.ClientID, ClientSecret: sec.ClientSecret, Scopes: o.Scopes,
			AuthURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token, UserURL: o.Endpoints.Userinfo,
			EmailsURL: o.Endpoints.Emails, ReturnTokens: o.ReturnOAuthTokens}, client)
	case s.OAuth != nil && p.Type == "AppleOAuth":
		o := s.OAuth
		return apple.New(apple.Config{ClientID: o.ClientID, TeamID: o.TeamID, KeyID: o.KeyID, PrivateKey: sec.PrivateKey,
			Scopes: o.Scopes, AuthURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token, ReturnTokens: o.ReturnOAuthTokens}, client)
	case s.OAuth != nil && p.Type == "GitLabOAuth":
		o := s.OAuth
		return gitlab.New(gitlab.Config{ClientID: o.ClientID, ClientSecret: sec.ClientSecret, Scopes: o.Scopes, BaseURL: o.Endpoints.BaseURL,
			AuthURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token, UserURL: o.Endpoints.Userinfo, ReturnTokens: o.ReturnOAuthTokens}, client)
	case s.SAML != nil: // GenericSAML and every vendor SAML type
		return newSAMLConnector(ctx, f.publicURL, p.ID, s.SAML, client, f.compressors)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupportedConnection, p.Type)
}
