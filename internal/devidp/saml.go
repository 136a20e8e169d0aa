package devidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAML endpoints, below the issuer.
const (
	samlMetadataPath = "/saml/metadata"
	samlSSOPath      = "/saml/sso"
	samlLoginPath    = "/saml/login"
)

// samlIdP is the SAML 2.0 identity provider beside the OpenID Provider:
// crewjam/saml's IdentityProvider, answering any service provider whose
// ACS URL is on a loopback host, with the same users. Its entity ID is its
// metadata URL; assertions and responses are signed (RSA-SHA256).
type samlIdP struct {
	idp         *saml.IdentityProvider
	store       *storage
	pages       *pages
	interactive bool
	log         *slog.Logger
}

// acsURLKey carries the checked ACS URL of an AuthnRequest to the service
// provider lookup.
type acsURLKey struct{}

// newSAMLIdP builds the IdP. It signs with key, the RSA key made at
// start (the OpenID Provider's signing key too, unless that is ES256),
// under a self-signed certificate made at each start.
func newSAMLIdP(issuer string, store *storage, key *rsa.PrivateKey, pages *pages, interactive bool, log *slog.Logger) (*samlIdP, error) {
	base, err := url.Parse(issuer)
	if err != nil {
		return nil, fmt.Errorf("devidp: saml: %w", err)
	}
	cert, err := selfSignedCertificate(base.Host, key)
	if err != nil {
		return nil, err
	}
	pages, err = newSAMLPages(pages)
	if err != nil {
		return nil, err
	}
	s := &samlIdP{store: store, pages: pages, interactive: interactive, log: log}
	s.idp = &saml.IdentityProvider{
		Key:                     key,
		Certificate:             cert,
		Logger:                  slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		MetadataURL:             *base.JoinPath(samlMetadataPath),
		SSOURL:                  *base.JoinPath(samlSSOPath),
		ServiceProviderProvider: loopbackServiceProviders{},
		SessionProvider:         s,
		AssertionMaker:          saml.DefaultAssertionMaker{},
		SignatureMethod:         dsig.RSASHA256SignatureMethod,
		NameIDFormats:           []saml.NameIDFormat{saml.PersistentNameIDFormat},
		OnError: func(w http.ResponseWriter, r *http.Request, status int, err error) {
			log.InfoContext(r.Context(), "saml request refused", slog.Any("err", err))
			pages.error(w, status, "The SAML request is refused: "+err.Error()+".")
		},
	}
	return s, nil
}

// register mounts the metadata, the SSO endpoint (HTTP-Redirect binding
// by GET, HTTP-POST by POST) and the picker's form target.
func (s *samlIdP) register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+samlMetadataPath, s.idp.ServeMetadata)
	mux.Handle("GET "+samlSSOPath, s.requireLoopbackACS(s.idp.ServeSSO))
	mux.Handle("POST "+samlSSOPath, s.requireLoopbackACS(s.idp.ServeSSO))
	// The picker posts the request back with the chosen user; unlike the
	// SSO endpoint, which service providers post to from their origin,
	// it only ever receives same-origin posts.
	mux.Handle("POST "+samlLoginPath, http.NewCrossOriginProtection().Handler(s.requireLoopbackACS(s.idp.ServeSSO)))
}

// requireLoopbackACS lets an AuthnRequest through only when it names an
// AssertionConsumerServiceURL on a loopback host, and hands that URL to
// the service provider lookup. Anything else gets an error page and never
// a response: an IdP that signs assertions for any service provider must
// not post them to hosts elsewhere.
func (s *samlIdP) requireLoopbackACS(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acs, err := requestedACS(s.idp, r)
		if err != nil {
			s.pages.error(w, http.StatusBadRequest, "The SAML request is refused: "+err.Error()+
				". This development identity provider only answers service providers whose ACS URL is on a loopback host (127.0.0.1, [::1], localhost).")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), acsURLKey{}, acs)))
	})
}

// requestedACS decodes the AuthnRequest far enough to read its ACS URL.
// The library decodes it again; should the two readings differ, the
// library finds no ACS in the metadata built from this one, and refuses.
func requestedACS(idp *saml.IdentityProvider, r *http.Request) (string, error) {
	req, err := saml.NewIdpAuthnRequest(idp, r)
	if err != nil {
		return "", errors.New("it could not be decoded")
	}
	var ar struct {
		ACS string `xml:"AssertionConsumerServiceURL,attr"`
	}
	if err := xml.Unmarshal(req.RequestBuffer, &ar); err != nil { //nolint:gosec // reads one attribute; the library validates the document
		return "", errors.New("it is not XML")
	}
	if ar.ACS == "" {
		return "", errors.New("it names no AssertionConsumerServiceURL")
	}
	if err := checkLoopbackRedirect(ar.ACS); err != nil {
		return "", fmt.Errorf("its ACS URL is refused: %v", err)
	}
	return ar.ACS, nil
}

// loopbackServiceProviders makes up the metadata of any service provider:
// its entity ID as the request names it, and the loopback ACS URL that
// requireLoopbackACS checked, with the HTTP-POST binding.
type loopbackServiceProviders struct{}

// GetServiceProvider implements saml.ServiceProviderProvider.
func (loopbackServiceProviders) GetServiceProvider(r *http.Request, entityID string) (*saml.EntityDescriptor, error) {
	acs, ok := r.Context().Value(acsURLKey{}).(string)
	if !ok || entityID == "" {
		return nil, os.ErrNotExist
	}
	return &saml.EntityDescriptor{
		EntityID: entityID,
		SPSSODescriptors: []saml.SPSSODescriptor{{
			SSODescriptor: saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{
				ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
			}},
			AssertionConsumerServices: []saml.IndexedEndpoint{{Binding: saml.HTTPPostBinding, Location: acs, Index: 1}},
		}},
	}, nil
}

// selfSignedCertificate wraps key in the certificate the metadata
// publishes. Service providers trust it because the metadata names it, not
// because of who signed it.
func selfSignedCertificate(host string, key *rsa.PrivateKey) (*x509.Certificate, error) {
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(randomBytes(16)),
		Subject:      pkix.Name{CommonName: "Latchkey dev-idp " + host},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("devidp: saml certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}
