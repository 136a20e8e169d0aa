package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/id"
)

// Kind is the family of a connection type; it decides which configuration
// block the connection takes and whether it belongs to an organization.
type Kind int

// The connection kinds.
const (
	KindOAuth Kind = iota + 1 // an OAuth provider of the application; block oauth
	KindOIDC                  // an OpenID Connect SSO connection of one organization; block oidc
	KindSAML                  // a SAML 2.0 SSO connection of one organization; block saml
)

// Connection states.
const (
	StateActive   = "active"
	StateInactive = "inactive"
)

// ConnectionKind returns the kind of a connection type as the WorkOS API
// spells it (GoogleOAuth, OktaSAML, …), and false for a type Latchkey does
// not support. Every vendor-named SAML type is plain SAML 2.0 and every
// vendor-named OIDC type plain OpenID Connect; the OAuth providers each
// have their own connector.
func ConnectionKind(connectionType string) (Kind, bool) {
	for _, t := range connectionTypes() {
		if t.name == connectionType {
			return t.kind, true
		}
	}
	return 0, false
}

type connectionType struct {
	name string
	kind Kind
}

// connectionTypes lists the supported types of the OpenAPI document's
// connection_type enum. Types that need more than the generic protocol
// (AdpOidc's mutual TLS, MagicLink, …) are left out until they have a
// connector.
func connectionTypes() []connectionType {
	types := []connectionType{
		{"AppleOAuth", KindOAuth}, {"GitHubOAuth", KindOAuth}, {"GitLabOAuth", KindOAuth},
		{"GoogleOAuth", KindOAuth}, {"MicrosoftOAuth", KindOAuth},
		{"GenericOIDC", KindOIDC}, {"EntraIdOIDC", KindOIDC}, {"GoogleOIDC", KindOIDC}, {"OktaOIDC", KindOIDC},
	}
	for _, name := range []string{
		"GenericSAML", "ADFSSAML", "Auth0SAML", "AzureSAML", "CasSAML", "ClassLinkSAML",
		"CloudflareSAML", "CyberArkSAML", "DuoSAML", "GoogleSAML", "JumpCloudSAML", "KeycloakSAML",
		"LastPassSAML", "MiniOrangeSAML", "NetIqSAML", "OktaSAML", "OneLoginSAML", "OracleSAML",
		"PingFederateSAML", "PingOneSAML", "RipplingSAML", "SalesforceSAML", "ShibbolethGenericSAML",
		"ShibbolethSAML", "SimpleSamlPhpSAML", "VMwareSAML",
	} {
		types = append(types, connectionType{name, KindSAML})
	}
	return types
}

func (k Kind) block() string {
	switch k {
	case KindOAuth:
		return "oauth"
	case KindOIDC:
		return "oidc"
	default:
		return "saml"
	}
}

func (d *decoder) connections(conns []Connection, orgIDs map[string]bool) {
	ids, providers := map[string]string{}, map[string]string{}
	var byKey []natural
	for i := range conns {
		c := &conns[i]
		p := fmt.Sprintf("connections[%d]", i)
		byKey = append(byKey, natural{key: c.OrganizationID + "\x00" + c.Type + "\x00" + c.Name, path: p, hasID: c.ID != ""})
		if c.ID != "" {
			if !id.Valid(id.Connection, c.ID) {
				d.report(p+".id", "not a connection ID: conn_ followed by a 26-character upper-case ULID")
			} else {
				d.unique(ids, c.ID, p+".id", "connection id")
			}
		}
		if c.State != "" && c.State != StateActive && c.State != StateInactive {
			d.report(p+".state", "must be active or inactive")
		}
		kind, ok := d.connectionType(p+".type", c.Type)
		if !ok {
			continue
		}
		d.blocks(p, c, kind)
		switch {
		case kind != KindOAuth && c.OrganizationID == "":
			d.report(p+".organization_id", "required: a %s connection belongs to one organization", c.Type)
		case kind != KindOAuth:
			d.orgRef(p+".organization_id", c.OrganizationID, orgIDs)
		case c.OrganizationID != "":
			d.report(p+".organization_id", "%s is a provider of the application, not of an organization: remove organization_id", c.Type)
		case c.State != StateInactive:
			// provider=GoogleOAuth must name one connection.
			d.unique(providers, c.Type, p+".type", "active "+c.Type+" connection")
		}
	}
	d.ambiguous(byKey, "a connection without an id is found by its organization, type and name")
}

// connectionType checks a connection's type and returns its kind.
func (d *decoder) connectionType(path, typ string) (Kind, bool) {
	if !d.required(path, typ) {
		return 0, false
	}
	if kind, ok := ConnectionKind(typ); ok {
		return kind, true
	}
	for _, t := range connectionTypes() {
		if strings.EqualFold(t.name, typ) {
			d.report(path, "unknown connection type %q (did you mean %s?)", truncate(typ), t.name)
			return 0, false
		}
	}
	d.report(path, "unknown connection type %q: use GenericOIDC, GenericSAML, a vendor variant such as OktaSAML or EntraIdOIDC, or one of AppleOAuth, GitHubOAuth, GitLabOAuth, GoogleOAuth, MicrosoftOAuth", truncate(typ))
	return 0, false
}

// blocks checks that the connection has the block its kind needs and no
// other, then checks that block.
func (d *decoder) blocks(p string, c *Connection, kind Kind) {
	want := kind.block()
	for _, b := range []struct {
		key string
		set bool
	}{{"oauth", c.OAuth != nil}, {"oidc", c.OIDC != nil}, {"saml", c.SAML != nil}} {
		if b.set && b.key != want {
			d.report(p+"."+b.key, "does not apply to a %s connection, which takes %s", c.Type, want)
		}
	}
	switch {
	case kind == KindOAuth && c.OAuth != nil:
		d.oauth(p+".oauth", c.Type, c.OAuth)
	case kind == KindOIDC && c.OIDC != nil:
		d.oidc(p+".oidc", c.OIDC)
	case kind == KindSAML && c.SAML != nil:
		d.saml(p+".saml", c.SAML)
	default:
		d.report(p+"."+want, "required for a %s connection", c.Type)
	}
}

func (d *decoder) oidc(p string, o *OIDC) {
	if d.required(p+".issuer", o.Issuer) {
		d.check(p+".issuer", checkIssuer(o.Issuer))
	}
	d.required(p+".client_id", o.ClientID)
	d.scopes(p+".scopes", o.Scopes)
	if len(o.Scopes) > 0 && !slices.Contains(o.Scopes, "openid") {
		d.report(p+".scopes", "must include openid")
	}
	e := o.Endpoints
	d.endpoints(p+".endpoints", []field{
		{"authorization", e.Authorization}, {"token", e.Token}, {"userinfo", e.Userinfo}, {"jwks", e.JWKS},
	})
}

func (d *decoder) oauth(p, typ string, o *OAuth) {
	d.required(p+".client_id", o.ClientID)
	if typ == "AppleOAuth" {
		d.apple(p, o)
	} else {
		d.required(p+".client_secret", o.ClientSecret)
		d.only(p, typ, "AppleOAuth", []field{{"team_id", o.TeamID}, {"key_id", o.KeyID}, {"private_key", o.PrivateKey}})
	}
	d.only(p, typ, "MicrosoftOAuth", []field{{"tenant", o.Tenant}})
	if o.Tenant != "" && strings.ContainsFunc(o.Tenant, func(r rune) bool {
		return !(r == '-' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) {
		d.report(p+".tenant", "must be common, organizations, consumers, a tenant ID or a tenant domain")
	}
	e := o.Endpoints
	d.only(p+".endpoints", typ, "GitHubOAuth", []field{{"emails", e.Emails}})
	d.only(p+".endpoints", typ, "GitLabOAuth", []field{{"base_url", e.BaseURL}})
	d.scopes(p+".scopes", o.Scopes)
	d.endpoints(p+".endpoints", []field{
		{"authorization", e.Authorization}, {"token", e.Token}, {"userinfo", e.Userinfo}, {"emails", e.Emails}, {"base_url", e.BaseURL},
	})
}

// field is a key of a block and its value, for checks that loop over
// several keys in the order they are documented.
type field struct{ key, value string }

// only reports each set key of a block that applies to another type only.
func (d *decoder) only(p, typ, owner string, fields []field) {
	if typ == owner {
		return
	}
	for _, f := range fields {
		if f.value != "" {
			d.report(p+"."+f.key, "applies only to %s connections", owner)
		}
	}
}

// apple checks Sign in with Apple, whose client secret is a JWT that
// Latchkey signs with the team's key, so there is no static secret.
func (d *decoder) apple(p string, o *OAuth) {
	if o.ClientSecret != "" {
		d.report(p+".client_secret", "AppleOAuth has no static secret: set team_id, key_id and private_key")
	}
	for _, f := range []field{{"team_id", o.TeamID}, {"key_id", o.KeyID}} {
		if d.required(p+"."+f.key, f.value) && !isAppleID(f.value) {
			d.report(p+"."+f.key, "must be the 10-character identifier Apple shows (upper-case letters and digits)")
		}
	}
	if d.required(p+".private_key", o.PrivateKey) {
		d.check(p+".private_key", checkApplePrivateKey(o.PrivateKey))
	}
}

func isAppleID(s string) bool {
	return len(s) == 10 && !strings.ContainsFunc(s, func(r rune) bool {
		return !('A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
}

// checkApplePrivateKey checks that the key is the PKCS #8 P-256 key Apple
// issues (a .p8 file), so a bad paste fails at start, not at sign-in.
func checkApplePrivateKey(s string) error {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "PRIVATE KEY" {
		return errors.New("must be the PEM-encoded key of Apple's .p8 file (-----BEGIN PRIVATE KEY-----)")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return errors.New("not a PKCS #8 private key")
	}
	if ec, ok := key.(*ecdsa.PrivateKey); !ok || ec.Curve != elliptic.P256() {
		return errors.New("must be a P-256 (ES256) key")
	}
	return nil
}

func (d *decoder) saml(p string, s *SAML) {
	switch {
	case s.IDPMetadataURL == "" && s.IDPMetadata == "":
		d.report(p, "set one of idp_metadata_url and idp_metadata")
	case s.IDPMetadataURL != "" && s.IDPMetadata != "":
		d.report(p+".idp_metadata", "set only one of idp_metadata_url and idp_metadata")
	case s.IDPMetadataURL != "":
		_, _, err := checkWebURL(s.IDPMetadataURL)
		d.check(p+".idp_metadata_url", err)
	default:
		d.check(p+".idp_metadata", checkMetadataXML(s.IDPMetadata))
	}
}

// checkMetadataXML checks that inline metadata is well-formed XML whose
// root is an EntityDescriptor or EntitiesDescriptor (SAML metadata §2.3).
func checkMetadataXML(s string) error {
	dec := xml.NewDecoder(strings.NewReader(s))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %v", err)
		}
		if start, ok := tok.(xml.StartElement); ok && root == "" {
			root = start.Name.Local
		}
	}
	if root != "EntityDescriptor" && root != "EntitiesDescriptor" {
		return errors.New("not SAML metadata: the root element must be EntityDescriptor")
	}
	return nil
}

// scopes checks each scope token (RFC 6749 §3.3): one word, no spaces.
func (d *decoder) scopes(path string, scopes []string) {
	for i, s := range scopes {
		if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == '"' || r == '\\' || r >= 0x7f }) {
			d.report(fmt.Sprintf("%s[%d]", path, i), "a scope is one word of printable ASCII, without spaces, \" or \\")
		}
	}
}

// endpoints checks each set endpoint override.
func (d *decoder) endpoints(path string, urls []field) {
	for _, f := range urls {
		if f.value != "" {
			_, _, err := checkWebURL(f.value)
			d.check(path+"."+f.key, err)
		}
	}
}
