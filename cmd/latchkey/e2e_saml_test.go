package main

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/store/postgres/pgtest"
	"github.com/latchkeyhq/latchkey/usermanagement"
)

const (
	samlE2EOrgID  = "org_01JABCDEFGHJKMNPQRSTVWXYZ3"
	samlE2EConnID = "conn_01JABCDEFGHJKMNPQRSTVWXYZ4"
)

// samlE2EConfig is the application of e2eConfig signing in through a
// GenericSAML connection whose IdP metadata is the dev-idp's.
func samlE2EConfig(idpURL string) string {
	return `
applications:
  - name: Example App
    client_id: ` + e2eClientID + `
    redirect_uris: [` + e2eRedirect + `]
organizations:
  - id: ` + samlE2EOrgID + `
    name: Acme SAML
    domains: [example.test]
connections:
  - id: ` + samlE2EConnID + `
    type: GenericSAML
    organization_id: ` + samlE2EOrgID + `
    name: Acme SAML IdP
    saml:
      idp_metadata_url: ` + idpURL + `/saml/metadata
`
}

var (
	samlForm  = regexp.MustCompile(`(?is)<form[^>]*method="post"[^>]*action="([^"]+)"`)
	samlInput = regexp.MustCompile(`(?i)<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"`)
)

// samlSignIn is browser.signIn for SAML: besides redirects, it submits the
// dev-idp's auto-posting form (the HTTP-POST binding, which a browser runs
// with script) and follows the ACS's 303 to a GET, as a browser does. It
// returns the final redirect to the app and the form posted to the ACS.
// route, when set, may send a request to another host (a load balancer).
func samlSignIn(b *browser, authorizeURL string, route func(*url.URL)) (*url.URL, url.Values) {
	b.t.Helper()
	if route == nil {
		route = func(*url.URL) {}
	}
	var acsForm url.Values
	resp := samlStep(b, "GET", authorizeURL, nil)
	for hop := 0; hop < 10; hop++ {
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			b.t.Fatal(err)
		}
		switch resp.StatusCode {
		case http.StatusFound, http.StatusSeeOther:
			if strings.HasPrefix(loc.String(), e2eRedirect) {
				return loc, acsForm
			}
			route(loc)
			resp = samlStep(b, "GET", loc.String(), nil)
		case http.StatusOK:
			action, form := parseAutoPostForm(b.t, resp)
			u, err := url.Parse(action)
			if err != nil {
				b.t.Fatal(err)
			}
			route(u)
			if form.Has("SAMLResponse") {
				acsForm = form
			}
			resp = samlStep(b, "POST", u.String(), form)
		default:
			b.t.Fatalf("%s %s = %d", resp.Request.Method, resp.Request.URL, resp.StatusCode)
		}
	}
	b.t.Fatal("too many steps")
	return nil, nil
}

// samlStep makes one request; the body of a 200 is kept for the form.
func samlStep(b *browser, method, u string, form url.Values) *http.Response {
	b.t.Helper()
	var resp *http.Response
	var err error
	if method == "POST" {
		resp, err = b.client.PostForm(u, form)
	} else {
		resp, err = b.client.Get(u)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func parseAutoPostForm(t *testing.T, resp *http.Response) (string, url.Values) {
	t.Helper()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	page := sb.String()
	m := samlForm.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s answered a page without a form:\n%s", resp.Request.URL, page)
	}
	form := url.Values{}
	for _, in := range samlInput.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), form
}

// TestEndToEndSAML signs in through a GenericSAML connection at the
// dev-idp: AuthnRequest by HTTP-Redirect, the signed response posted to
// the ACS, the continue step, the code, and its exchange for a user.
func TestEndToEndSAML(t *testing.T) {
	idp := start(t, nil, "dev-idp", "--listen", "127.0.0.1:0")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "latchkey.yaml")
	if err := os.WriteFile(cfg, []byte(samlE2EConfig(idp.url)), 0o644); err != nil {
		t.Fatal(err)
	}
	lk := start(t, nil, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", filepath.Join(dir, "lk.db"))

	resp, err := http.Get(lk.url + "/sso/saml/metadata/" + samlE2EConnID)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/samlmetadata+xml" {
		t.Fatalf("SP metadata = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	client := &usermanagement.Client{Endpoint: lk.url, ClientID: e2eClientID}
	for name, q := range map[string]url.Values{
		"connection_id":   {"connection_id": {samlE2EConnID}},
		"organization_id": {"organization_id": {samlE2EOrgID}},
	} {
		t.Run(name, func(t *testing.T) {
			pkce, err := usermanagement.NewPKCE()
			if err != nil {
				t.Fatal(err)
			}
			state := "saml " + name
			q.Set("state", state)
			q.Set("login_hint", "dev@example.test")
			q.Set("code_challenge", pkce.CodeChallenge)
			q.Set("code_challenge_method", pkce.CodeChallengeMethod)
			final, _ := samlSignIn(newBrowser(t), authorizeURLFor(lk.url, q), nil)
			assertCode(t, final, state)

			res, err := client.AuthenticateWithCode(t.Context(), usermanagement.AuthenticateWithCodeOpts{
				Code: final.Query().Get("code"), CodeVerifier: pkce.CodeVerifier})
			if err != nil {
				t.Fatal(err)
			}
			if res.User.Email != "dev@example.test" || !res.User.EmailVerified || res.OrganizationID != samlE2EOrgID ||
				res.AuthenticationMethod != "SSO" {
				t.Fatalf("authenticate response %+v", res)
			}
		})
	}
	if !strings.Contains(idp.stderr.String(), "protocol=saml") {
		t.Errorf("the dev-idp logged no SAML sign-in:\n%s", idp.stderr)
	}
}

// TestEndToEndSAMLAcrossNodes: the ACS on one node, the continue step on
// another, and a replay of the same response at a third request on the
// second node, refused through the shared replay cache.
func TestEndToEndSAMLAcrossNodes(t *testing.T) {
	dbURL := pgtest.URL(t)
	idp := start(t, nil, "dev-idp", "--listen", "127.0.0.1:0")
	cfg := filepath.Join(t.TempDir(), "latchkey.yaml")
	if err := os.WriteFile(cfg, []byte(samlE2EConfig(idp.url)), 0o644); err != nil {
		t.Fatal(err)
	}
	const public = "127.0.0.1:9" // the balancer's address, in every SAML URL
	vars := map[string]string{"LATCHKEY_SECRET_KEY": secretKeyForTest(), "LATCHKEY_PUBLIC_URL": "http://" + public}
	a := start(t, vars, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", dbURL)
	b := start(t, vars, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", dbURL)
	route := func(u *url.URL) {
		switch {
		case u.Host != public:
		case strings.HasPrefix(u.Path, "/sso/saml/continue"):
			u.Host = b.addr(t)
		default:
			u.Host = a.addr(t)
		}
	}
	br := newBrowser(t)
	q := url.Values{"organization_id": {samlE2EOrgID}, "state": {"saml cross-node"}, "login_hint": {"dev@example.test"}}
	final, acsForm := samlSignIn(br, authorizeURLFor("http://"+a.addr(t), q), route)
	assertCode(t, final, "saml cross-node")
	if !strings.Contains(b.stderr.String(), `msg="signed in"`) {
		t.Fatal("the continue step did not complete on the second node")
	}

	resp, err := br.client.PostForm("http://"+b.addr(t)+"/sso/saml/acs/"+samlE2EConnID, acsForm)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(b.stderr.String(), "already used") {
		t.Fatalf("the replay at the second node was not refused as such:\n%s", b.stderr)
	}
}
