package authorize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oidc"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// ErrUnsupportedConnection is returned by the factory for connection types
// that have no connector yet.
var ErrUnsupportedConnection = errors.New("authorize: connection type not supported")

// NewConnectorFactory returns the factory that builds a stored
// connection's connector: its settings decoded, its secrets opened with box
// (the connection ID is the associated data), and its HTTP calls made
// with client.
func NewConnectorFactory(box *secrets.Box, client *http.Client) ConnectorFactory {
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
		}
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedConnection, c.Type)
	}
}
