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

// NewConnectorFactory returns the factory that builds a stored
// connection's connector: its settings decoded, its secrets opened with box
// (the connection ID is the associated data), and its HTTP calls made
// with client. publicURL is where browsers reach Latchkey (no trailing
// slash); SAML connections derive their entity ID and ACS URL from it.
func NewConnectorFactory(box *secrets.Box, client *http.Client, publicURL string) ConnectorFactory {
	compressors := new(samlconn.Compressors) // shared: each holds some 800 KB
	return func(ctx context.Context, c store.Connection) (connector.CallbackConnector, error) {
		var s connector.Settings
		if err := json.Unmarshal(c.Settings, &s); err != nil {
			return nil, fmt.Errorf("authorize: connection %s settings: %w", c.ID, err)
		}
		var sec connector.Secrets
		if len(c.Secrets) > 0 {
			pt, err := box.Open(c.Secrets, []byte(c.ID))
			if err != nil {
				return nil, fmt.Errorf("authorize: connection %s secrets: %w", c.ID, err)
			}
			if err := json.Unmarshal(pt, &sec); err != nil {
				return nil, fmt.Errorf("authorize: connection %s secrets: %w", c.ID, err)
			}
		}
		switch {
		case s.OIDC != nil:
			o := s.OIDC
			return oidc.New(ctx, oidc.Config{
				Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: sec.ClientSecret, Scopes: o.Scopes,
				AuthorizationURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token,
				UserinfoURL: o.Endpoints.Userinfo, JWKSURL: o.Endpoints.JWKS,
			}, client)
		case s.OAuth != nil && c.Type == "GoogleOAuth":
			o := s.OAuth
			return google.New(google.Config{ClientID: o.ClientID, ClientSecret: sec.ClientSecret, Scopes: o.Scopes,
				AuthURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token, ReturnTokens: o.ReturnOAuthTokens}, client)
		case s.OAuth != nil && c.Type == "MicrosoftOAuth":
			o := s.OAuth
			return microsoft.New(microsoft.Config{ClientID: o.ClientID, ClientSecret: sec.ClientSecret, Tenant: o.Tenant, Scopes: o.Scopes,
				AuthURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token, ReturnTokens: o.ReturnOAuthTokens}, client)
		case s.OAuth != nil && c.Type == "GitHubOAuth":
			o := s.OAuth
			return github.New(github.Config{ClientID: o.ClientID, ClientSecret: sec.ClientSecret, Scopes: o.Scopes,
				AuthURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token, UserURL: o.Endpoints.Userinfo,
				EmailsURL: o.Endpoints.Emails, ReturnTokens: o.ReturnOAuthTokens}, client)
		case s.OAuth != nil && c.Type == "AppleOAuth":
			o := s.OAuth
			return apple.New(apple.Config{ClientID: o.ClientID, TeamID: o.TeamID, KeyID: o.KeyID, PrivateKey: sec.PrivateKey,
				Scopes: o.Scopes, AuthURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token, ReturnTokens: o.ReturnOAuthTokens}, client)
		case s.OAuth != nil && c.Type == "GitLabOAuth":
			o := s.OAuth
			return gitlab.New(gitlab.Config{ClientID: o.ClientID, ClientSecret: sec.ClientSecret, Scopes: o.Scopes, BaseURL: o.Endpoints.BaseURL,
				AuthURL: o.Endpoints.Authorization, TokenURL: o.Endpoints.Token, UserURL: o.Endpoints.Userinfo, ReturnTokens: o.ReturnOAuthTokens}, client)
		case s.SAML != nil: // GenericSAML and every vendor SAML type
			return newSAMLConnector(ctx, publicURL, c.ID, s.SAML, client, compressors)
		}
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedConnection, c.Type)
	}
}
