package manage

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Connection is a connection with its settings (never its secrets) and the
// domains of its organization.
type Connection struct {
	store.Connection
	Settings connector.Settings
	Domains  []store.OrganizationDomain
}

// ConnectionInput is a new connection, in the configuration file's terms:
// the block that fits the type (OIDC, OAuth or SAML) carries its settings
// and its secrets.
type ConnectionInput struct {
	Type           string
	OrganizationID string // SSO connections only
	Name           string
	State          store.ConnectionState // empty means active
	OIDC           *config.OIDC
	OAuth          *config.OAuth
	SAML           *config.SAML
}

// ConnectionUpdate changes the fields that are set. A block replaces the
// connection's settings; a secret left empty in it keeps the stored one,
// so a client can change the scopes without sending the secret again.
type ConnectionUpdate struct {
	Name  *string
	State *store.ConnectionState
	OIDC  *config.OIDC
	OAuth *config.OAuth
	SAML  *config.SAML
}

// CreateConnection checks and stores a connection, its secrets sealed.
func (s *Service) CreateConnection(ctx context.Context, in ConnectionInput) (Connection, error) {
	now := s.now()
	c := config.Connection{ID: id.New(id.Connection), Type: in.Type, OrganizationID: in.OrganizationID, Name: in.Name,
		State: string(in.State), OIDC: in.OIDC, OAuth: in.OAuth, SAML: in.SAML}
	if c.State == "" {
		c.State = config.StateActive
	}
	if err := checkConnection(c); err != nil {
		return Connection{}, err
	}
	if c.OrganizationID != "" {
		if _, err := existing(ctx, s.Store.GetOrganization, "Organization", c.OrganizationID); err != nil {
			return Connection{}, err
		}
	}
	rec, err := s.seal(c)
	if err != nil {
		return Connection{}, err
	}
	rec.CreatedAt, rec.UpdatedAt = now, now
	if err := s.oneActiveProvider(ctx, rec); err != nil {
		return Connection{}, err
	}
	if err := s.Store.CreateConnection(ctx, rec); err != nil {
		return Connection{}, orNotFound(err, "Organization", c.OrganizationID)
	}
	return s.GetConnection(ctx, rec.ID)
}

// UpdateConnection changes a connection. Its type and organization stay.
func (s *Service) UpdateConnection(ctx context.Context, connID string, up ConnectionUpdate) (Connection, error) {
	old, err := existing(ctx, s.Store.GetConnection, "Connection", connID)
	if err != nil {
		return Connection{}, err
	}
	c, sec, err := s.open(old)
	if err != nil {
		return Connection{}, err
	}
	if up.Name != nil {
		c.Name = *up.Name
	}
	if up.State != nil {
		c.State = string(*up.State)
	}
	if up.OIDC != nil || up.OAuth != nil || up.SAML != nil {
		c.OIDC, c.OAuth, c.SAML = keepSecrets(up.OIDC, sec), keepOAuthSecrets(up.OAuth, sec), up.SAML
	}
	if err := checkConnection(c); err != nil {
		return Connection{}, err
	}
	rec, err := s.seal(c)
	if err != nil {
		return Connection{}, err
	}
	rec.CreatedAt, rec.UpdatedAt = old.CreatedAt, s.now()
	if err := s.oneActiveProvider(ctx, rec); err != nil {
		return Connection{}, err
	}
	if err := s.Store.UpdateConnection(ctx, rec); err != nil {
		return Connection{}, orNotFound(err, "Connection", connID)
	}
	return s.GetConnection(ctx, connID)
}

// checkConnection checks c by the configuration file's rules.
func checkConnection(c config.Connection) error {
	var p problems
	for _, e := range config.CheckConnection(c) {
		field := e.Path
		if field == "type" {
			field = "connection_type" // the API's name for it
		}
		p.add(field, "invalid", "%s", e.Msg)
	}
	return p.err()
}

// seal splits c into its stored settings and its sealed secrets, as
// reconcile stores a declared connection.
func (s *Service) seal(c config.Connection) (store.Connection, error) {
	settings, secret := connector.Split(c)
	settingsJSON, err := json.Marshal(settings)
	if err != nil {
		return store.Connection{}, fail("encode connection settings", err)
	}
	rec := store.Connection{ID: c.ID, OrganizationID: c.OrganizationID, Type: c.Type, Name: c.Name,
		State: store.ConnectionState(c.State), Settings: settingsJSON}
	if secret != (connector.Secrets{}) {
		secretJSON, err := json.Marshal(secret)
		if err != nil {
			return store.Connection{}, fail("encode connection secrets", err)
		}
		rec.Secrets = s.Secrets.Seal(secretJSON, []byte(c.ID))
	}
	return rec, nil
}

// open turns a stored connection back into its declared form, secrets
// included, so that an update is checked as a whole.
func (s *Service) open(rec store.Connection) (config.Connection, connector.Secrets, error) {
	c := config.Connection{ID: rec.ID, Type: rec.Type, OrganizationID: rec.OrganizationID, Name: rec.Name, State: string(rec.State)}
	var settings connector.Settings
	if err := json.Unmarshal(rec.Settings, &settings); err != nil {
		return c, connector.Secrets{}, fail("decode settings of "+rec.ID, err)
	}
	var sec connector.Secrets
	if len(rec.Secrets) > 0 {
		pt, err := s.Secrets.Open(rec.Secrets, []byte(rec.ID))
		if err != nil {
			return c, sec, fail("open secrets of "+rec.ID+" (is secret_key the one the server uses?)", err)
		}
		if err := json.Unmarshal(pt, &sec); err != nil {
			return c, sec, fail("decode secrets of "+rec.ID, err)
		}
	}
	c.OIDC, c.OAuth, c.SAML = keepSecrets(settings.OIDC, sec), keepOAuthSecrets(settings.OAuth, sec), settings.SAML
	return c, sec, nil
}

// keepSecrets fills the empty client secret of an OIDC block with the
// stored one.
func keepSecrets(o *config.OIDC, sec connector.Secrets) *config.OIDC {
	if o == nil {
		return nil
	}
	c := *o
	if c.ClientSecret == "" {
		c.ClientSecret = sec.ClientSecret
	}
	return &c
}

// keepOAuthSecrets fills the empty secrets of an OAuth block with the
// stored ones.
func keepOAuthSecrets(o *config.OAuth, sec connector.Secrets) *config.OAuth {
	if o == nil {
		return nil
	}
	c := *o
	if c.ClientSecret == "" && c.PrivateKey == "" {
		c.ClientSecret, c.PrivateKey = sec.ClientSecret, sec.PrivateKey
	}
	return &c
}

// oneActiveProvider refuses a second active OAuth provider connection of
// one type: provider=GoogleOAuth must name one connection, as the
// configuration file's rules say.
func (s *Service) oneActiveProvider(ctx context.Context, rec store.Connection) error {
	if kind, _ := config.ConnectionKind(rec.Type); kind != config.KindOAuth || rec.State != store.ConnectionActive {
		return nil
	}
	opts := store.ListOptions{Limit: 100}
	for {
		page, meta, err := s.Store.ListConnections(ctx, store.ConnectionFilter{Type: rec.Type}, opts)
		if err != nil {
			return fail("list connections", err)
		}
		for _, c := range page {
			if c.ID != rec.ID && c.OrganizationID == "" && c.State == store.ConnectionActive {
				return &Error{Kind: Conflict, Code: "conflict",
					Message: fmt.Sprintf("%s already has an active connection (%s): deactivate it first.", rec.Type, c.ID)}
			}
		}
		if meta.After == "" {
			return nil
		}
		opts.After = meta.After
	}
}

// GetConnection returns a connection, without its secrets.
func (s *Service) GetConnection(ctx context.Context, connID string) (Connection, error) {
	rec, err := existing(ctx, s.Store.GetConnection, "Connection", connID)
	if err != nil {
		return Connection{}, err
	}
	return s.describe(ctx, rec)
}

// describe decodes a connection's settings and finds its organization's
// domains.
func (s *Service) describe(ctx context.Context, rec store.Connection) (Connection, error) {
	out := Connection{Connection: rec}
	if len(rec.Settings) > 0 {
		if err := json.Unmarshal(rec.Settings, &out.Settings); err != nil {
			return out, fail("decode settings of "+rec.ID, err)
		}
	}
	if rec.OrganizationID != "" {
		ds, err := s.Store.ListOrganizationDomains(ctx, rec.OrganizationID)
		if err != nil {
			return out, fail("list domains", err)
		}
		out.Domains = ds
	}
	out.Secrets = nil // never leaves the service
	return out, nil
}

// ListConnections returns a page of connections.
func (s *Service) ListConnections(ctx context.Context, f store.ConnectionFilter, opts store.ListOptions) ([]Connection, store.ListMetadata, error) {
	recs, meta, err := s.Store.ListConnections(ctx, f, opts)
	if err != nil {
		return nil, meta, fail("list connections", err)
	}
	out := make([]Connection, len(recs))
	for i, r := range recs {
		if out[i], err = s.describe(ctx, r); err != nil {
			return nil, meta, err
		}
	}
	return out, meta, nil
}

// DeleteConnection deletes a connection and the identities linked through
// it; the users stay.
func (s *Service) DeleteConnection(ctx context.Context, connID string) error {
	if err := s.Store.DeleteConnection(ctx, connID); err != nil {
		return orNotFound(err, "Connection", connID)
	}
	return nil
}
