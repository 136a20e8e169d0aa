package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/latchkeyhq/latchkey/usermanagement"
)

// The hosted login (provider=authkit) in a real browser: Chromium, no
// script of ours (the pages have none), against the whole binary started
// in-process, with the dev-idp for SSO and small stand-ins for the
// application and an OAuth provider.

// testApp is the application: it shows its logo and, at /callback, what
// the sign-in sent back.
type testApp struct {
	srv *httptest.Server
}

func newTestApp(t *testing.T) *testApp {
	a := &testApp{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /logo.svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" width="170" height="40" viewBox="0 0 170 40">`+
			`<rect width="40" height="40" rx="10" fill="#0f766e"/><path d="M12 28V12h5v11h9v5z" fill="#fff"/>`+
			`<text x="50" y="27" font-family="system-ui,sans-serif" font-size="18" font-weight="700" fill="#0f172a">Acme Notes</text></svg>`)
	})
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q := r.URL.Query()
		status := "Signed in: the application received a code."
		if q.Get("error") != "" {
			status = "Sign-in failed: " + q.Get("error")
		}
		fmt.Fprintf(w, `<!doctype html><title>Acme Notes</title><body style="font:18px system-ui;margin:3rem">`+
			`<h1 id="app-landed">Acme Notes</h1><p id="app-status">%s</p></body>`, status)
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *testApp) callback() string { return a.srv.URL + "/callback" }

// fakeProvider stands in for Google's authorization endpoint: it records
// the request and shows a page.
type fakeProvider struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []url.Values
}

func newFakeProvider(t *testing.T) *fakeProvider {
	p := &fakeProvider{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hits = append(p.hits, r.URL.Query())
		p.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Fake Google</title><h1 id="fake-provider">Fake Google sign-in</h1>`)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// hostedConfig declares the application with its branding, the SSO
// organization at the dev-idp, a GoogleOAuth provider at the fake, and a
// user with a password.
func hostedConfig(app *testApp, idpURL, googleURL string) string {
	return `
applications:
  - name: Acme Notes
    client_id: ` + e2eClientID + `
    api_keys: [sk_test_example_key_1234]
    redirect_uris: [` + app.callback() + `]
    branding: {logo_url: "` + app.srv.URL + `/logo.svg", accent_color: "#0f766e"}
organizations:
  - id: ` + e2eOrgID + `
    name: Acme
    domains: [example.test]
connections:
  - id: ` + e2eConnID + `
    type: GenericOIDC
    organization_id: ` + e2eOrgID + `
    name: Acme IdP
    oidc: {issuer: ` + idpURL + `, client_id: latchkey, client_secret: anything}
  - type: GoogleOAuth
    name: Google
    oauth:
      client_id: google-client
      client_secret: google-secret
      endpoints: {authorization: ` + googleURL + `/authorize, token: ` + googleURL + `/token}
users:
  - email: grace@hopper.test
    password: cobol compiler 1959
    email_verified: true
    first_name: Grace
`
}

// hostedEnv is a running Latchkey with its neighbours.
type hostedEnv struct {
	lk     *running
	app    *testApp
	google *fakeProvider
	client *usermanagement.Client
}

func startHosted(t *testing.T) *hostedEnv {
	t.Helper()
	idp := start(t, nil, "dev-idp", "--listen", "127.0.0.1:0")
	e := &hostedEnv{app: newTestApp(t), google: newFakeProvider(t)}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "latchkey.yaml")
	if err := os.WriteFile(cfg, []byte(hostedConfig(e.app, idp.url, e.google.srv.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	e.lk = start(t, nil, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", filepath.Join(dir, "lk.db"))
	e.client = &usermanagement.Client{Endpoint: e.lk.url, ClientID: e2eClientID}
	return e
}

// authorizeURL is the application's sign-in link, with PKCE.
func (e *hostedEnv) authorizeURL(t *testing.T, pkce usermanagement.PKCE, q url.Values) string {
	t.Helper()
	q.Set("client_id", e2eClientID)
	q.Set("redirect_uri", e.app.callback())
	q.Set("response_type", "code")
	q.Set("provider", "authkit")
	q.Set("state", "browser-state")
	q.Set("code_challenge", pkce.CodeChallenge)
	q.Set("code_challenge_method", "S256")
	return e.lk.url + "/user_management/authorize?" + q.Encode()
}

// landed checks that the browser is on the application's callback with a
// code and the state, and exchanges the code with the PKCE verifier as
// the application's back end would: POST /user_management/authenticate.
func (e *hostedEnv) landed(t *testing.T, c *chrome, pkce usermanagement.PKCE) map[string]any {
	t.Helper()
	c.do(chromedp.WaitVisible(chromedp.CSS("#app-landed")))
	u, err := url.Parse(c.location())
	if err != nil || !strings.HasPrefix(u.String(), e.app.callback()) {
		t.Fatalf("the browser is at %s, want the application's callback", c.location())
	}
	q := u.Query()
	if q.Get("error") != "" || q.Get("code") == "" || q.Get("state") != "browser-state" {
		t.Fatalf("callback %s: want a code and the state", u)
	}
	body, _ := json.Marshal(map[string]string{"grant_type": "authorization_code", "client_id": e2eClientID,
		"code": q.Get("code"), "code_verifier": pkce.CodeVerifier})
	resp, err := http.Post(e.lk.url+"/user_management/authenticate", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("authenticate answered %d: %v %v", resp.StatusCode, out, err)
	}
	if out["access_token"] == nil || out["refresh_token"] == nil {
		t.Fatalf("authenticate response without tokens: %v", out)
	}
	return out
}

func newPKCE(t *testing.T) usermanagement.PKCE {
	t.Helper()
	p, err := usermanagement.NewPKCE()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// outboxCode reads the newest code from the development outbox in a
// second tab, as a developer would.
func (e *hostedEnv) outboxCode(c *chrome) string {
	var code string
	c.inNewTab(func(tab *chrome) {
		tab.do(chromedp.Navigate(e.lk.url+"/authkit/dev/outbox"), chromedp.WaitVisible(chromedp.CSS(".code-value")))
		code = tab.text(".code-value")
		tab.screenshot("outbox")
	})
	if len(code) != 6 {
		c.t.Fatalf("outbox code %q", code)
	}
	return code
}
