package devidp

import (
	"encoding/base64"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
)

const (
	testSPEntity = "http://127.0.0.1:3000/sso/saml/metadata/conn_1"
	testACS      = "http://127.0.0.1:3000/sso/saml/acs/conn_1"
)

var (
	responseField = regexp.MustCompile(`name="SAMLResponse" value="([^"]*)"`)
	relayField    = regexp.MustCompile(`name="RelayState" value="([^"]*)"`)
)

// newSAMLTest serves a dev-idp and returns it with a service provider
// that trusts its metadata.
func newSAMLTest(t *testing.T, interactive bool) (*httptest.Server, *saml.ServiceProvider) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	h, err := New(Options{Issuer: issuer, Users: []User{
		{Email: "alice@acme.test", FirstName: "Alice", LastName: "Liddell", EmailVerified: true, Groups: []string{"eng", "ops"}},
		{Email: "bob@acme.test", Password: "hunter2", EmailVerified: true},
	}, Interactive: interactive})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)

	resp, err := http.Get(issuer + samlMetadataPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	md, err := samlsp.ParseMetadata(raw)
	if err != nil {
		t.Fatalf("metadata: %v\n%s", err, raw)
	}
	if md.EntityID != issuer+samlMetadataPath {
		t.Fatalf("entity ID %q, want the metadata URL", md.EntityID)
	}
	acs, _ := url.Parse(testACS)
	entity, _ := url.Parse(testSPEntity)
	return srv, &saml.ServiceProvider{EntityID: testSPEntity, MetadataURL: *entity, AcsURL: *acs, IDPMetadata: md}
}

// authnRequest is the SP's request; edit changes it before it is sent.
func authnRequest(t *testing.T, sp *saml.ServiceProvider, edit func(*saml.AuthnRequest)) *saml.AuthnRequest {
	t.Helper()
	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(req)
	}
	return req
}

func redirectBinding(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest, hint string) *http.Request {
	t.Helper()
	u, err := req.Redirect("relay-1", sp)
	if err != nil {
		t.Fatal(err)
	}
	if hint != "" {
		u.RawQuery += "&login_hint=" + url.QueryEscape(hint)
	}
	r, _ := http.NewRequest("GET", u.String(), nil)
	return r
}

func postBinding(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest, path, hint string, extra url.Values) *http.Request {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(req.Element())
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(b)}, "RelayState": {"relay-1"}}
	for k, v := range extra {
		form[k] = v
	}
	u, _ := url.Parse(sp.GetSSOBindingLocation(saml.HTTPPostBinding))
	u.Path = path
	if hint != "" {
		u.RawQuery = "login_hint=" + url.QueryEscape(hint)
	}
	r, _ := http.NewRequest("POST", u.String(), strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestSAMLSignIn(t *testing.T) {
	for _, tc := range []struct {
		name        string
		interactive bool
		request     func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request
		wantEmail   string // signed in; "" when another outcome is expected
		wantStatus  string // a SAML error status sent to the SP
		wantPage    int    // an HTML page with this status, no response
	}{
		{name: "HTTP-Redirect with login_hint", wantEmail: "alice@acme.test",
			request: func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request {
				return redirectBinding(t, sp, req, "Alice@acme.test")
			}},
		{name: "HTTP-POST with login_hint", wantEmail: "alice@acme.test",
			request: func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request {
				return postBinding(t, sp, req, samlSSOPath, "alice@acme.test", nil)
			}},
		{name: "picked on the page", wantEmail: "bob@acme.test",
			request: func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request {
				return postBinding(t, sp, req, samlLoginPath, "", url.Values{"email": {"bob@acme.test"}})
			}},
		{name: "no login_hint shows the picker", wantPage: http.StatusOK,
			request: func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request {
				return redirectBinding(t, sp, req, "")
			}},
		{name: "unknown login_hint", wantStatus: saml.StatusResponder,
			request: func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request {
				return redirectBinding(t, sp, req, "carol@acme.test")
			}},
		{name: "IsPassive without a hint", wantStatus: saml.StatusResponder,
			request: func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request {
				passive := true
				req.IsPassive = &passive
				return redirectBinding(t, sp, req, "")
			}},
		{name: "ACS URL not on loopback", wantPage: http.StatusBadRequest,
			request: func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request {
				req.AssertionConsumerServiceURL = "https://evil.example/acs"
				return redirectBinding(t, sp, req, "alice@acme.test")
			}},
		{name: "interactive: login_hint still shows the picker", interactive: true, wantPage: http.StatusOK,
			request: func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request {
				return redirectBinding(t, sp, req, "alice@acme.test")
			}},
		{name: "interactive: wrong password", interactive: true, wantPage: http.StatusUnauthorized,
			request: func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request {
				return postBinding(t, sp, req, samlLoginPath, "", url.Values{"email": {"bob@acme.test"}, "password": {"nope"}})
			}},
		{name: "interactive: right password", interactive: true, wantEmail: "bob@acme.test",
			request: func(t *testing.T, sp *saml.ServiceProvider, req *saml.AuthnRequest) *http.Request {
				return postBinding(t, sp, req, samlLoginPath, "", url.Values{"email": {"bob@acme.test"}, "password": {"hunter2"}})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, sp := newSAMLTest(t, tc.interactive)
			req := authnRequest(t, sp, nil)
			resp, err := http.DefaultClient.Do(tc.request(t, sp, req))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			m := responseField.FindSubmatch(body)
			if tc.wantPage != 0 {
				if resp.StatusCode != tc.wantPage || m != nil {
					t.Fatalf("status %d, SAML response %v; want a %d page:\n%s", resp.StatusCode, m != nil, tc.wantPage, body)
				}
				return
			}
			if m == nil {
				t.Fatalf("status %d, no SAML response in:\n%s", resp.StatusCode, body)
			}
			if rs := relayField.FindSubmatch(body); rs == nil || string(rs[1]) != "relay-1" {
				t.Errorf("RelayState not sent back: %q", rs)
			}
			raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(string(m[1])))
			if err != nil {
				t.Fatal(err)
			}
			a, err := sp.ParseXMLResponse(raw, []string{req.ID}, sp.AcsURL)
			if tc.wantStatus != "" {
				var bad saml.ErrBadStatus
				if !errors.As(err, &bad) || bad.Status != tc.wantStatus {
					t.Fatalf("err = %v, want the status %s", err, tc.wantStatus)
				}
				return
			}
			if err != nil {
				var ire *saml.InvalidResponseError
				errors.As(err, &ire)
				t.Fatalf("the service provider refuses the response: %v", ire.PrivateErr)
			}
			checkAssertion(t, a, tc.wantEmail)
		})
	}
}

// checkAssertion: persistent NameID (the OIDC sub) and WorkOS's attributes.
func checkAssertion(t *testing.T, a *saml.Assertion, email string) {
	t.Helper()
	if a.Subject.NameID.Value != subject(email) || a.Subject.NameID.Format != string(saml.PersistentNameIDFormat) {
		t.Errorf("NameID %+v, want the persistent %s", a.Subject.NameID, subject(email))
	}
	got := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				got[at.Name] = append(got[at.Name], v.Value)
			}
		}
	}
	if strings.Join(got["email"], ",") != email {
		t.Errorf("email attribute %q, want %q", got["email"], email)
	}
	if email == "alice@acme.test" && (strings.Join(got["groups"], ",") != "eng,ops" || strings.Join(got["firstName"], "") != "Alice") {
		t.Errorf("attributes %v", got)
	}
}
