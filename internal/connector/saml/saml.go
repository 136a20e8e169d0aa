// Package saml is the SAML 2.0 connector of GenericSAML and the vendor SAML
// types: SP-initiated Web Browser SSO, the AuthnRequest sent with the
// HTTP-Redirect binding and the response received with HTTP-POST.
//
// The protocol is crewjam/saml's ServiceProvider (signature checks through
// goxmldsig, which resists the classic signature-wrapping shapes: the
// verified element is read from what the signature covers, never from the
// document as received). This package adds what a multi-tenant server
// needs: one service provider per connection, IdP metadata loaded once
// when the connection is built, an AuthnRequest ID derived from the
// sign-in transaction so no server-side state is kept, a tighter clock
// skew, and the mapping of assertion attributes to an Identity.
package saml

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
)

// ClockSkew is how far the IdP's clock may be from ours when the validity
// window of an assertion (NotBefore, NotOnOrAfter) is checked. The library
// allows three minutes, Shibboleth's default; one is enough for servers
// that keep time with NTP.
const ClockSkew = time.Minute

// Config is one SAML connection.
type Config struct {
	// EntityID is Latchkey's entity ID at the IdP. By convention it is the
	// URL its metadata is served at, so an IdP can be pointed at it.
	EntityID string
	// ACSURL is where the IdP posts its response: the Recipient and
	// Destination it must name.
	ACSURL string
	// IDPMetadata is the IdP's metadata XML; without it, the metadata is
	// fetched from IDPMetadataURL when the connector is built.
	IDPMetadata    string
	IDPMetadataURL string
	// AttributeMapping names the attributes that carry the profile; an
	// empty field means the usual names (see DefaultAttributes).
	AttributeMapping config.AttributeMapping
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Compressors encode the AuthnRequests; share one among connectors.
	// Nil means a set of the connector's own.
	Compressors *Compressors
}

// Connector signs people in at one SAML IdP. It holds no per-login state:
// the AuthnRequest ID is derived from the transaction's state.
type Connector struct {
	sp     *saml.ServiceProvider
	ssoURL string
	acsURL url.URL
	attrs  attributeNames
	now    func() time.Time
	// redirect encodes AuthnRequests; nil when the library must (see
	// libraryRedirect).
	redirect *redirectEncoder
}

var _ connector.SAMLConnector = (*Connector)(nil)

// New prepares a connector, fetching the IdP metadata once when it is not
// given inline, so that LoginURL needs no network. client fetches the
// metadata; nil means a client with a 30-second timeout.
func New(ctx context.Context, cfg Config, client *http.Client) (*Connector, error) {
	entityID, err := parseURL("entity ID", cfg.EntityID)
	if err != nil {
		return nil, err
	}
	acsURL, err := parseURL("ACS URL", cfg.ACSURL)
	if err != nil {
		return nil, err
	}
	idp, err := loadMetadata(ctx, cfg, client)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	sp := &saml.ServiceProvider{
		EntityID:    cfg.EntityID,
		MetadataURL: *entityID,
		AcsURL:      *acsURL,
		IDPMetadata: idp,
		// The IdP chooses the NameID format it is configured with; asking
		// for transient (the library's default) would give a new subject
		// at every sign-in.
		AuthnNameIDFormat: saml.UnspecifiedNameIDFormat,
		// Responses come by HTTP-POST only; artifacts would need a back
		// channel to the IdP.
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
	}
	ssoURL := sp.GetSSOBindingLocation(saml.HTTPRedirectBinding)
	if ssoURL == "" {
		return nil, fmt.Errorf("saml: IdP metadata of %s has no SingleSignOnService with the HTTP-Redirect binding", idp.EntityID)
	}
	if n, err := signingCertCount(idp); err != nil || n == 0 {
		return nil, fmt.Errorf("saml: IdP metadata of %s has no usable signing certificate: %v", idp.EntityID, err)
	}
	sp.IDPMetadata = verificationMetadata(idp)
	c := &Connector{sp: sp, ssoURL: ssoURL, acsURL: *acsURL, attrs: attributeNamesFor(cfg.AttributeMapping), now: now}
	if !c.libraryRedirect() {
		// An SSO URL that does not parse is left to the library, which
		// reports it at each sign-in as it always has.
		c.redirect, _ = newRedirectEncoder(ssoURL, cfg.Compressors)
	}
	return c, nil
}

// libraryRedirect reports whether AuthnRequests must be encoded by the
// library: when they are signed (SigAlg and Signature in the query) or
// the RelayState length is limited, which redirectEncoder does not do.
// Neither is configured today.
func (c *Connector) libraryRedirect() bool {
	return c.sp.SignatureMethod != "" || c.sp.LimitRelayStateLength
}

// verificationMetadata is the part of the IdP metadata the connector
// reads once it is built: the entity ID (the issuer of responses), the
// signing certificates and the validity periods. Only it is kept, which
// matters for the large, signed metadata of AD FS and Entra ID; the
// encryption keys would only serve for encrypting to the IdP, which the
// connector never does, and the SSO URL has been read.
func verificationMetadata(ed *saml.EntityDescriptor) *saml.EntityDescriptor {
	kept := &saml.EntityDescriptor{EntityID: ed.EntityID, ID: ed.ID, ValidUntil: ed.ValidUntil, CacheDuration: ed.CacheDuration,
		IDPSSODescriptors: make([]saml.IDPSSODescriptor, len(ed.IDPSSODescriptors))}
	for i, d := range ed.IDPSSODescriptors {
		r := &kept.IDPSSODescriptors[i].RoleDescriptor
		r.ID, r.ValidUntil, r.CacheDuration = d.ID, d.ValidUntil, d.CacheDuration
		r.ProtocolSupportEnumeration = d.ProtocolSupportEnumeration
		for _, kd := range d.KeyDescriptors {
			if kd.Use == "" || kd.Use == "signing" {
				r.KeyDescriptors = append(r.KeyDescriptors, saml.KeyDescriptor{Use: kd.Use, KeyInfo: kd.KeyInfo})
			}
		}
	}
	return kept
}

func parseURL(what, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("saml: %s %q is not an http(s) URL", what, raw)
	}
	return u, nil
}

// loadMetadata parses the inline metadata or fetches it: the one network
// call of the connector, made when the catalog builds it.
func loadMetadata(ctx context.Context, cfg Config, client *http.Client) (*saml.EntityDescriptor, error) {
	if cfg.IDPMetadata != "" {
		ed, err := samlsp.ParseMetadata([]byte(cfg.IDPMetadata))
		if err != nil {
			return nil, fmt.Errorf("saml: IdP metadata: %w", err)
		}
		return ed, nil
	}
	u, err := parseURL("IdP metadata URL", cfg.IDPMetadataURL)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	ed, err := samlsp.FetchMetadata(ctx, client, *u)
	if err != nil {
		return nil, fmt.Errorf("saml: IdP metadata from %s: %w", u.Redacted(), err)
	}
	return ed, nil
}

// signingCertCount counts the certificates the IdP may sign with, so that
// a connection that could never verify a response fails when it is built.
func signingCertCount(ed *saml.EntityDescriptor) (int, error) {
	n := 0
	for _, d := range ed.IDPSSODescriptors {
		for _, kd := range d.KeyDescriptors {
			if kd.Use == "" || kd.Use == "signing" {
				n += len(kd.KeyInfo.X509Data.X509Certificates)
			}
		}
	}
	if n == 0 {
		return 0, errors.New("no KeyDescriptor for signing")
	}
	return n, nil
}

// serviceProvider returns a copy of the service provider whose clock reads
// c.now, so that concurrent requests never share a mutable field.
func (c *Connector) serviceProvider() *saml.ServiceProvider {
	sp := *c.sp
	sp.Clock = dsig.NewFakeClockAt(c.now())
	return &sp
}

// RequestID is "_" followed by the state: the state is the random
// transaction ID, already an NCName once prefixed (xs:ID may not start
// with a digit or "-"), and sent alongside as RelayState. Deriving the ID
// keeps the sealed transaction as it is and the ACS stateless.
func (c *Connector) RequestID(state string) string { return "_" + state }

// LoginURL returns the IdP's SSO URL with an AuthnRequest (HTTP-Redirect
// binding) and the state as RelayState. An AuthnRequest has no place for
// a login hint, so one is passed on as a login_hint query parameter, which
// some IdPs (the dev-idp among them) honour and the others ignore.
func (c *Connector) LoginURL(req connector.Request) (string, error) {
	if req.State == "" {
		return "", errors.New("saml: no state to send as RelayState")
	}
	sp := c.serviceProvider()
	ar, err := sp.MakeAuthenticationRequest(c.ssoURL, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", fmt.Errorf("saml: authn request: %w", err)
	}
	ar.ID = c.RequestID(req.State)
	if c.redirect != nil {
		// What ar.Redirect does, without a compressor per request.
		return c.redirect.url(ar, req.State, req.LoginHint)
	}
	u, err := ar.Redirect(req.State, sp)
	if err != nil {
		return "", fmt.Errorf("saml: authn request: %w", err)
	}
	if req.LoginHint != "" {
		// Appended, not re-encoded: the IdP's own query stays as it was.
		u.RawQuery += "&login_hint=" + url.QueryEscape(req.LoginHint)
	}
	return u.String(), nil
}

// HandleCallback refuses: a SAML IdP answers at the ACS, never at the
// OAuth callback, so a callback for a SAML transaction is forged.
func (c *Connector) HandleCallback(context.Context, connector.Request, *http.Request) (connector.Identity, error) {
	return connector.Identity{}, errors.New("saml: a SAML connection answers at its ACS, not at the callback")
}

// Metadata is the service provider metadata: entity ID, the ACS with the
// HTTP-POST binding, and that assertions must be signed.
func (c *Connector) Metadata() ([]byte, error) {
	md, err := xml.MarshalIndent(c.serviceProvider().Metadata(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("saml: metadata: %w", err)
	}
	return append([]byte(xml.Header), bytes.TrimSpace(md)...), nil
}
