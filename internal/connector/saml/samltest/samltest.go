// Package samltest makes SAML responses for tests, good and bad: an
// identity provider built on crewjam/saml's IdP side that signs what it is
// told to, and the classic XML signature wrapping (XSW) rewrites of a
// signed response. It is for tests only.
package samltest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"math/big"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// IdP is an identity provider with its own key.
type IdP struct {
	EntityID string // its metadata URL, as crewjam/saml's IdP has it
	SSOURL   string
	Key      *rsa.PrivateKey
	Cert     *x509.Certificate
}

// NewIdP returns an IdP at base (scheme://host) with a fresh key.
func NewIdP(tb testing.TB, base string) *IdP {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "samltest"},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &IdP{EntityID: base + "/saml/metadata", SSOURL: base + "/saml/sso", Key: key, Cert: cert}
}

// Impostor returns an IdP with the same entity ID and URLs but another
// key: what an attacker who knows the IdP's name can be.
func (p *IdP) Impostor(tb testing.TB) *IdP {
	tb.Helper()
	o := NewIdP(tb, "http://impostor.test")
	o.EntityID, o.SSOURL = p.EntityID, p.SSOURL
	return o
}

func (p *IdP) library(at time.Time) *saml.IdentityProvider {
	must := func(s string) url.URL {
		u, err := url.Parse(s)
		if err != nil {
			panic(err)
		}
		return *u
	}
	return &saml.IdentityProvider{Key: p.Key, Certificate: p.Cert, MetadataURL: must(p.EntityID), SSOURL: must(p.SSOURL),
		SignatureMethod: dsig.RSASHA256SignatureMethod, Clock: dsig.NewFakeClockAt(at)}
}

// Metadata is the IdP's metadata XML: both SSO bindings, its certificate.
func (p *IdP) Metadata(tb testing.TB) string {
	tb.Helper()
	b, err := xml.Marshal(p.library(time.Now()).Metadata())
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// Response describes the response to make. The zero values of the
// booleans make an unsigned response with an unsigned assertion.
type Response struct {
	Audience     string // the SP's entity ID
	ACS          string // Destination and Recipient
	InResponseTo string // "" for an unsolicited (IdP-initiated) response
	IssuedAt     time.Time
	NameID       string
	NameIDFormat string // default persistent
	Attributes   map[string][]string
	// Status, when set, makes an error response with this second-level
	// status and no assertion (signed).
	Status        string
	SignAssertion bool
	SignResponse  bool
	// Edit changes the assertion before it is signed.
	Edit func(*saml.Assertion)
}

// Make returns the response XML.
func (p *IdP) Make(tb testing.TB, r Response) []byte {
	tb.Helper()
	if r.IssuedAt.IsZero() {
		r.IssuedAt = time.Now()
	}
	if r.NameIDFormat == "" {
		r.NameIDFormat = string(saml.PersistentNameIDFormat)
	}
	req := &saml.IdpAuthnRequest{
		IDP: p.library(r.IssuedAt), HTTPRequest: httptest.NewRequest("POST", "/saml/sso", nil),
		Request:                 saml.AuthnRequest{ID: r.InResponseTo, IssueInstant: r.IssuedAt},
		ServiceProviderMetadata: &saml.EntityDescriptor{EntityID: r.Audience}, SPSSODescriptor: &saml.SPSSODescriptor{},
		ACSEndpoint: &saml.IndexedEndpoint{Binding: saml.HTTPPostBinding, Location: r.ACS}, Now: r.IssuedAt,
	}
	if r.Status != "" {
		if err := req.MakeErrorResponse(saml.StatusResponder, r.Status, "refused by samltest"); err != nil {
			tb.Fatal(err)
		}
		return serialize(tb, req.ResponseEl)
	}
	sess := &saml.Session{ID: "s1", Index: "i1", CreateTime: r.IssuedAt, ExpireTime: r.IssuedAt.Add(time.Hour),
		NameID: r.NameID, NameIDFormat: r.NameIDFormat}
	for name, values := range r.Attributes {
		a := saml.Attribute{Name: name}
		for _, v := range values {
			a.Values = append(a.Values, saml.AttributeValue{Type: "xs:string", Value: v})
		}
		sess.CustomAttributes = append(sess.CustomAttributes, a)
	}
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, sess); err != nil {
		tb.Fatal(err)
	}
	if r.Edit != nil {
		r.Edit(req.Assertion)
	}
	if r.SignAssertion {
		if err := req.MakeAssertionEl(); err != nil {
			tb.Fatal(err)
		}
	} else {
		req.AssertionEl = req.Assertion.Element()
	}
	if r.SignResponse {
		if err := req.MakeResponse(); err != nil {
			tb.Fatal(err)
		}
		return serialize(tb, req.ResponseEl)
	}
	resp := &saml.Response{
		Destination: r.ACS, ID: "_resp" + randomHex(), InResponseTo: r.InResponseTo, IssueInstant: r.IssuedAt, Version: "2.0",
		Issuer: &saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: p.EntityID},
		Status: saml.Status{StatusCode: saml.StatusCode{Value: saml.StatusSuccess}},
	}
	el := resp.Element()
	el.AddChild(req.AssertionEl)
	return serialize(tb, el)
}

// Encode is the HTTP-POST binding's encoding of a response.
func Encode(xmlDoc []byte) string { return base64.StdEncoding.EncodeToString(xmlDoc) }

func serialize(tb testing.TB, el *etree.Element) []byte {
	tb.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return new(big.Int).SetBytes(b).Text(16)
}
