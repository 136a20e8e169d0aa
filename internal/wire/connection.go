package wire

import (
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Connection is the OpenAPI Connection schema, plus the connection's
// settings (oidc, oauth or saml, named and shaped as in the configuration
// file), which the document has no field for. Secrets are write-only: the
// settings blocks are built from connector.Settings, which holds none, and
// their secret fields are never set here.
type Connection struct {
	Object         string             `json:"object"` // "connection"
	ID             string             `json:"id"`
	OrganizationID string             `json:"organization_id,omitempty"` // absent for OAuth providers
	ConnectionType string             `json:"connection_type"`
	Name           string             `json:"name"`
	State          string             `json:"state"`
	Status         string             `json:"status"` // deprecated: linked when active
	Domains        []ConnectionDomain `json:"domains"`
	Options        *ConnectionOptions `json:"options,omitempty"` // SAML connections only
	CreatedAt      string             `json:"created_at"`
	UpdatedAt      string             `json:"updated_at"`

	OIDC  *OIDCSettings  `json:"oidc,omitempty"`
	OAuth *OAuthSettings `json:"oauth,omitempty"`
	SAML  *SAMLSettings  `json:"saml,omitempty"`
}

// ConnectionDomain is one domain of the connection's organization.
type ConnectionDomain struct {
	Object string `json:"object"` // "connection_domain"
	ID     string `json:"id"`
	Domain string `json:"domain"`
}

// ConnectionOptions are a SAML connection's options.
type ConnectionOptions struct {
	SigningCert *string `json:"signing_cert"`
}

// OIDCSettings is the oidc block of a GenericOIDC (or vendor OIDC)
// connection. ClientSecret is accepted, never returned.
type OIDCSettings struct {
	Issuer       string         `json:"issuer"`
	ClientID     string         `json:"client_id"`
	ClientSecret string         `json:"client_secret,omitempty"`
	Scopes       []string       `json:"scopes,omitempty"`
	Endpoints    *OIDCEndpoints `json:"endpoints,omitempty"`
}

// OIDCEndpoints override what discovery reports.
type OIDCEndpoints struct {
	Authorization string `json:"authorization,omitempty"`
	Token         string `json:"token,omitempty"`
	Userinfo      string `json:"userinfo,omitempty"`
	JWKS          string `json:"jwks,omitempty"`
}

// OAuthSettings is the oauth block of an OAuth provider connection.
// ClientSecret and PrivateKey are accepted, never returned.
type OAuthSettings struct {
	ClientID          string          `json:"client_id"`
	ClientSecret      string          `json:"client_secret,omitempty"`
	Scopes            []string        `json:"scopes,omitempty"`
	Endpoints         *OAuthEndpoints `json:"endpoints,omitempty"`
	Tenant            string          `json:"tenant,omitempty"`
	TeamID            string          `json:"team_id,omitempty"`
	KeyID             string          `json:"key_id,omitempty"`
	PrivateKey        string          `json:"private_key,omitempty"`
	ReturnOAuthTokens bool            `json:"return_oauth_tokens,omitempty"`
}

// OAuthEndpoints override a provider's endpoints.
type OAuthEndpoints struct {
	Authorization string `json:"authorization,omitempty"`
	Token         string `json:"token,omitempty"`
	Userinfo      string `json:"userinfo,omitempty"`
	Emails        string `json:"emails,omitempty"`
	BaseURL       string `json:"base_url,omitempty"`
}

// SAMLSettings is the saml block of a SAML connection.
type SAMLSettings struct {
	IDPMetadataURL   string                `json:"idp_metadata_url,omitempty"`
	IDPMetadata      string                `json:"idp_metadata,omitempty"`
	AttributeMapping *SAMLAttributeMapping `json:"attribute_mapping,omitempty"`
}

// SAMLAttributeMapping names the assertion attributes of the profile.
type SAMLAttributeMapping struct {
	Email     string `json:"email,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Groups    string `json:"groups,omitempty"`
}

// FromConnection converts a stored connection, its decoded settings and
// its organization's domains.
func FromConnection(c store.Connection, s connector.Settings, domains []store.OrganizationDomain) Connection {
	out := Connection{
		Object: "connection", ID: c.ID, OrganizationID: c.OrganizationID, ConnectionType: c.Type, Name: c.Name,
		State: string(c.State), Status: "unlinked", Domains: []ConnectionDomain{},
		CreatedAt: Time(c.CreatedAt), UpdatedAt: Time(c.UpdatedAt),
	}
	if c.State == store.ConnectionActive {
		out.Status = "linked"
	}
	for _, d := range domains {
		out.Domains = append(out.Domains, ConnectionDomain{Object: "connection_domain", ID: d.ID, Domain: d.Domain})
	}
	if o := s.OIDC; o != nil {
		out.OIDC = &OIDCSettings{Issuer: o.Issuer, ClientID: o.ClientID, Scopes: o.Scopes}
		if e := (OIDCEndpoints{o.Endpoints.Authorization, o.Endpoints.Token, o.Endpoints.Userinfo, o.Endpoints.JWKS}); e != (OIDCEndpoints{}) {
			out.OIDC.Endpoints = &e
		}
	}
	if o := s.OAuth; o != nil {
		out.OAuth = &OAuthSettings{ClientID: o.ClientID, Scopes: o.Scopes, Tenant: o.Tenant, TeamID: o.TeamID,
			KeyID: o.KeyID, ReturnOAuthTokens: o.ReturnOAuthTokens}
		if e := (OAuthEndpoints{o.Endpoints.Authorization, o.Endpoints.Token, o.Endpoints.Userinfo, o.Endpoints.Emails, o.Endpoints.BaseURL}); e != (OAuthEndpoints{}) {
			out.OAuth.Endpoints = &e
		}
	}
	if sm := s.SAML; sm != nil {
		out.Options = &ConnectionOptions{}
		out.SAML = &SAMLSettings{IDPMetadataURL: sm.IDPMetadataURL, IDPMetadata: sm.IDPMetadata}
		m := sm.AttributeMapping
		if a := (SAMLAttributeMapping{m.Email, m.FirstName, m.LastName, m.Groups}); a != (SAMLAttributeMapping{}) {
			out.SAML.AttributeMapping = &a
		}
	}
	return out
}

// Config returns the block as the configuration file declares it.
func (o *OIDCSettings) Config() *config.OIDC {
	if o == nil {
		return nil
	}
	c := &config.OIDC{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret, Scopes: o.Scopes}
	if e := o.Endpoints; e != nil {
		c.Endpoints = config.OIDCEndpoints{Authorization: e.Authorization, Token: e.Token, Userinfo: e.Userinfo, JWKS: e.JWKS}
	}
	return c
}

// Config returns the block as the configuration file declares it.
func (o *OAuthSettings) Config() *config.OAuth {
	if o == nil {
		return nil
	}
	c := &config.OAuth{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Scopes: o.Scopes, Tenant: o.Tenant,
		TeamID: o.TeamID, KeyID: o.KeyID, PrivateKey: o.PrivateKey, ReturnOAuthTokens: o.ReturnOAuthTokens}
	if e := o.Endpoints; e != nil {
		c.Endpoints = config.OAuthEndpoints{Authorization: e.Authorization, Token: e.Token, Userinfo: e.Userinfo,
			Emails: e.Emails, BaseURL: e.BaseURL}
	}
	return c
}

// Config returns the block as the configuration file declares it.
func (s *SAMLSettings) Config() *config.SAML {
	if s == nil {
		return nil
	}
	c := &config.SAML{IDPMetadataURL: s.IDPMetadataURL, IDPMetadata: s.IDPMetadata}
	if m := s.AttributeMapping; m != nil {
		c.AttributeMapping = config.AttributeMapping{Email: m.Email, FirstName: m.FirstName, LastName: m.LastName, Groups: m.Groups}
	}
	return c
}
