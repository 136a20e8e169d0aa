package saml_test

import (
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	crewjam "github.com/crewjam/saml"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/saml"
	"github.com/latchkeyhq/latchkey/internal/connector/saml/samltest"
)

const (
	spEntity = "https://lk.test/sso/saml/metadata/conn_01JABCDEFGHJKMNPQRSTVWXYZ2"
	acsURL   = "https://lk.test/sso/saml/acs/conn_01JABCDEFGHJKMNPQRSTVWXYZ2"
	state    = "3qD9c4F1aXb2Yk7LmN0pQw"
)

// t0 is the connector's clock. It is near the real time because the test
// IdP's certificate is checked for validity at it.
var t0 = time.Now().UTC().Truncate(time.Second)

// The IdP keys are made once: RSA key generation is slow.
var (
	idpOnce           sync.Once
	theIdP, impostorP *samltest.IdP
)

func testIdP(t testing.TB) (idp, impostor *samltest.IdP) {
	t.Helper()
	idpOnce.Do(func() {
		theIdP = samltest.NewIdP(t, "https://idp.test")
		impostorP = theIdP.Impostor(t)
	})
	return theIdP, impostorP
}

func newConnector(t testing.TB, m config.AttributeMapping) *saml.Connector {
	t.Helper()
	idp, _ := testIdP(t)
	c, err := saml.New(t.Context(), saml.Config{EntityID: spEntity, ACSURL: acsURL, IDPMetadata: idp.Metadata(t),
		AttributeMapping: m, Now: func() time.Time { return t0 }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNew(t *testing.T) {
	idp, _ := testIdP(t)
	md := idp.Metadata(t)
	withoutRedirect := strings.Replace(md, crewjam.HTTPRedirectBinding, "urn:example:other-binding", 1)
	withoutCert := regexp.MustCompile(`<KeyDescriptor[\s\S]*?</KeyDescriptor>`).ReplaceAllString(md, "")

	mdServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metadata" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, md)
	}))
	defer mdServer.Close()

	for _, tc := range []struct {
		name    string
		cfg     saml.Config
		wantErr string
	}{
		{"inline metadata", saml.Config{EntityID: spEntity, ACSURL: acsURL, IDPMetadata: md}, ""},
		{"metadata URL", saml.Config{EntityID: spEntity, ACSURL: acsURL, IDPMetadataURL: mdServer.URL + "/metadata"}, ""},
		{"metadata URL answers 404", saml.Config{EntityID: spEntity, ACSURL: acsURL, IDPMetadataURL: mdServer.URL + "/missing"}, "IdP metadata from"},
		{"metadata not XML", saml.Config{EntityID: spEntity, ACSURL: acsURL, IDPMetadata: "<html"}, "IdP metadata"},
		{"no HTTP-Redirect SSO", saml.Config{EntityID: spEntity, ACSURL: acsURL, IDPMetadata: withoutRedirect}, "HTTP-Redirect"},
		{"no signing certificate", saml.Config{EntityID: spEntity, ACSURL: acsURL, IDPMetadata: withoutCert}, "signing certificate"},
		{"entity ID not a URL", saml.Config{EntityID: "conn_1", ACSURL: acsURL, IDPMetadata: md}, "entity ID"},
		{"ACS URL not a URL", saml.Config{EntityID: spEntity, ACSURL: "/acs", IDPMetadata: md}, "ACS URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := saml.New(t.Context(), tc.cfg, mdServer.Client())
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("New: err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestKeptMetadata checks that what New keeps of the IdP metadata still
// verifies as the whole did: a key without a use signs, and a key for
// encryption only does not.
func TestKeptMetadata(t *testing.T) {
	idp, impostor := testIdP(t)
	md := idp.Metadata(t)
	encryption := regexp.MustCompile(`<KeyDescriptor use="encryption">[\s\S]*?</KeyDescriptor>`)
	idpCert := base64.StdEncoding.EncodeToString(idp.Cert.Raw)
	impostorCert := base64.StdEncoding.EncodeToString(impostor.Cert.Raw)
	if !encryption.MatchString(md) || !strings.Contains(md, idpCert) {
		t.Fatal("the test IdP's metadata has changed shape")
	}
	noUse := strings.Replace(encryption.ReplaceAllString(md, ""), `<KeyDescriptor use="signing">`, `<KeyDescriptor>`, 1)
	impostorEncrypts := encryption.ReplaceAllStringFunc(md, func(kd string) string { return strings.ReplaceAll(kd, idpCert, impostorCert) })
	for _, tc := range []struct {
		name, metadata string
		signer         *samltest.IdP
		ok             bool
	}{
		{"key without a use", noUse, idp, true},
		{"signing key, another for encryption", impostorEncrypts, idp, true},
		{"signed with the encryption key", impostorEncrypts, impostor, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := saml.New(t.Context(), saml.Config{EntityID: spEntity, ACSURL: acsURL, IDPMetadata: tc.metadata,
				Now: func() time.Time { return t0 }}, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.HandlePOST(t.Context(), samltest.Encode(tc.signer.Make(t, good())), c.RequestID(state))
			if (err == nil) != tc.ok {
				t.Errorf("HandlePOST: err = %v, want ok = %t", err, tc.ok)
			}
		})
	}
}

func TestLoginURL(t *testing.T) {
	idp, _ := testIdP(t)
	c := newConnector(t, config.AttributeMapping{})
	for _, tc := range []struct {
		name, hint string
	}{
		{"no hint", ""},
		{"login_hint passed on", "alice+x@acme.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := c.LoginURL(connector.Request{State: state, LoginHint: tc.hint, CallbackURL: "https://lk.test/sso/callback"})
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Scheme + "://" + u.Host + u.Path; got != idp.SSOURL {
				t.Errorf("LoginURL goes to %s, want the IdP's SSO URL %s", got, idp.SSOURL)
			}
			q := u.Query()
			if q.Get("RelayState") != state {
				t.Errorf("RelayState = %q, want the state %q", q.Get("RelayState"), state)
			}
			if q.Get("login_hint") != tc.hint {
				t.Errorf("login_hint = %q, want %q", q.Get("login_hint"), tc.hint)
			}
			ar := decodeAuthnRequest(t, q.Get("SAMLRequest"))
			for _, f := range []struct{ name, got, want string }{
				{"ID", ar.ID, c.RequestID(state)},
				{"Destination", ar.Destination, idp.SSOURL},
				{"AssertionConsumerServiceURL", ar.AssertionConsumerServiceURL, acsURL},
				{"ProtocolBinding", ar.ProtocolBinding, crewjam.HTTPPostBinding},
				{"Issuer", ar.Issuer.Value, spEntity},
				{"IssueInstant", ar.IssueInstant.UTC().Format(time.RFC3339), t0.Format(time.RFC3339)},
			} {
				if f.got != f.want {
					t.Errorf("AuthnRequest %s = %q, want %q", f.name, f.got, f.want)
				}
			}
		})
	}
	if _, err := c.LoginURL(connector.Request{}); err == nil {
		t.Error("LoginURL without a state succeeded")
	}
}

func TestRequestIDIsAnNCName(t *testing.T) {
	c := newConnector(t, config.AttributeMapping{})
	// xs:ID values are NCNames: a transaction ID may start with a digit
	// or "-", which the prefix covers.
	for _, s := range []string{"0abc", "-abc", "_abc", "abc"} {
		if id := c.RequestID(s); !strings.HasPrefix(id, "_") || id[1:] != s {
			t.Errorf("RequestID(%q) = %q", s, id)
		}
	}
}

func TestMetadata(t *testing.T) {
	c := newConnector(t, config.AttributeMapping{})
	b, err := c.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var ed crewjam.EntityDescriptor
	if err := xml.Unmarshal(b, &ed); err != nil {
		t.Fatalf("metadata is not an EntityDescriptor: %v\n%s", err, b)
	}
	if ed.EntityID != spEntity || len(ed.SPSSODescriptors) != 1 {
		t.Fatalf("metadata: entity %q, %d SP descriptors", ed.EntityID, len(ed.SPSSODescriptors))
	}
	d := ed.SPSSODescriptors[0]
	if len(d.AssertionConsumerServices) != 1 || d.AssertionConsumerServices[0].Location != acsURL ||
		d.AssertionConsumerServices[0].Binding != crewjam.HTTPPostBinding {
		t.Errorf("ACS endpoints = %+v, want %s with HTTP-POST only", d.AssertionConsumerServices, acsURL)
	}
	if d.WantAssertionsSigned == nil || !*d.WantAssertionsSigned {
		t.Error("metadata does not ask for signed assertions")
	}
}

func TestHandleCallbackRefuses(t *testing.T) {
	c := newConnector(t, config.AttributeMapping{})
	r := httptest.NewRequest("GET", "/sso/callback?state="+state+"&code=x", nil)
	if _, err := c.HandleCallback(t.Context(), connector.Request{State: state}, r); err == nil {
		t.Fatal("a SAML connector accepted an OAuth callback")
	}
}

func decodeAuthnRequest(t *testing.T, s string) crewjam.AuthnRequest {
	t.Helper()
	raw := []byte(inflate(t, s))
	var ar crewjam.AuthnRequest
	if err := xml.Unmarshal(raw, &ar); err != nil {
		t.Fatalf("SAMLRequest is not an AuthnRequest: %v\n%s", err, raw)
	}
	return ar
}
