package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/latchkeyhq/latchkey/internal/store/postgres/pgtest"
	"github.com/latchkeyhq/latchkey/usermanagement"
)

const (
	e2eClientID = "client_01JABCDEFGHJKMNPQRSTVWXYZ0"
	e2eOrgID    = "org_01JABCDEFGHJKMNPQRSTVWXYZ1"
	e2eConnID   = "conn_01JABCDEFGHJKMNPQRSTVWXYZ2"
	e2eRedirect = "http://localhost:3000/callback"
)

// e2eConfig is the configuration of an application signing in through a
// GenericOIDC connection at the dev-idp.
func e2eConfig(issuer string) string {
	return `
applications:
  - name: Example App
    client_id: ` + e2eClientID + `
    api_keys: [sk_test_example_key_1234]
    redirect_uris: [` + e2eRedirect + `]
    logout_redirect_uris: [http://localhost:3000/]
organizations:
  - id: ` + e2eOrgID + `
    name: Acme
    domains: [example.test]
connections:
  - id: ` + e2eConnID + `
    type: GenericOIDC
    organization_id: ` + e2eOrgID + `
    name: Acme IdP
    oidc:
      issuer: ` + issuer + `
      client_id: latchkey
      client_secret: anything
`
}

// browser follows redirects one by one like a browser with cookies, and
// stops at the application's redirect URI. callbackHost, when set, sends
// the callback to another node, as a load balancer might.
type browser struct {
	t            *testing.T
	client       *http.Client
	callbackHost string
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signIn opens authorizeURL and returns the final redirect to the app.
func (b *browser) signIn(authorizeURL string) *url.URL {
	b.t.Helper()
	next := authorizeURL
	for hop := 0; hop < 10; hop++ {
		u, err := url.Parse(next)
		if err != nil {
			b.t.Fatal(err)
		}
		if strings.HasPrefix(next, e2eRedirect) {
			return u
		}
		if b.callbackHost != "" && u.Path == "/sso/callback" {
			u.Host = b.callbackHost
		}
		resp, err := b.client.Get(u.String())
		if err != nil {
			b.t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			b.t.Fatalf("GET %s = %d, want a redirect", u, resp.StatusCode)
		}
		loc, err := u.Parse(resp.Header.Get("Location"))
		if err != nil {
			b.t.Fatal(err)
		}
		next = loc.String()
	}
	b.t.Fatal("too many redirects")
	return nil
}

// addr is the address the server bound, from its "listening" log line
// (the banner shows the public URL, which may point elsewhere).
func (r *running) addr(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`msg=listening addr=(\S+)`).FindStringSubmatch(r.stderr.String())
	if m == nil {
		t.Fatalf("no listening line in:\n%s", r.stderr)
	}
	return m[1]
}

func authorizeURLFor(base string, q url.Values) string {
	q.Set("client_id", e2eClientID)
	q.Set("redirect_uri", e2eRedirect)
	q.Set("response_type", "code")
	return base + "/user_management/authorize?" + q.Encode()
}

func assertCode(t *testing.T, final *url.URL, state string) {
	t.Helper()
	q := final.Query()
	if q.Get("error") != "" {
		t.Fatalf("sign-in failed: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if len(q.Get("code")) < 43 {
		t.Fatalf("final redirect %s lacks a code", final)
	}
	if got := q.Get("state"); got != state {
		t.Fatalf("state = %q, want %q", got, state)
	}
}

func TestEndToEndSSO(t *testing.T) {
	idp := start(t, nil, "dev-idp", "--listen", "127.0.0.1:0")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "latchkey.yaml")
	if err := os.WriteFile(cfg, []byte(e2eConfig(idp.url)), 0o644); err != nil {
		t.Fatal(err)
	}
	lk := start(t, nil, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", filepath.Join(dir, "lk.db"))

	for name, q := range map[string]url.Values{
		"connection_id":   {"connection_id": {e2eConnID}},
		"organization_id": {"organization_id": {e2eOrgID}},
	} {
		t.Run(name, func(t *testing.T) {
			state := "st " + name + " & é"
			q.Set("state", state)
			q.Set("login_hint", "dev@example.test")
			final := newBrowser(t).signIn(authorizeURLFor(lk.url, q))
			assertCode(t, final, state)
		})
	}
}

func TestEndToEndAcrossNodes(t *testing.T) {
	dbURL := pgtest.URL(t)
	idp := start(t, nil, "dev-idp", "--listen", "127.0.0.1:0")
	cfg := filepath.Join(t.TempDir(), "latchkey.yaml")
	if err := os.WriteFile(cfg, []byte(e2eConfig(idp.url)), 0o644); err != nil {
		t.Fatal(err)
	}
	// Two nodes behind one public URL, as behind a load balancer; the
	// browser below plays the balancer and sends the callback to node b.
	vars := map[string]string{"LATCHKEY_SECRET_KEY": secretKeyForTest(), "LATCHKEY_PUBLIC_URL": "http://127.0.0.1:9"}
	a := start(t, vars, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", dbURL)
	b := start(t, vars, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", dbURL)

	br := newBrowser(t)
	br.callbackHost = b.addr(t)
	q := url.Values{"organization_id": {e2eOrgID}, "state": {"cross-node"}, "login_hint": {"dev@example.test"}}
	final := br.signIn(authorizeURLFor("http://"+a.addr(t), q))
	assertCode(t, final, "cross-node")
	if !strings.Contains(b.stderr.String(), `msg="signed in"`) || strings.Contains(a.stderr.String(), `msg="signed in"`) {
		t.Fatal("the callback was not completed by the second node")
	}
}

// TestConcurrentStartsOnPostgres starts three nodes at once against one
// empty database with the same file: all must come up and agree.
func TestConcurrentStartsOnPostgres(t *testing.T) {
	dbURL := pgtest.URL(t)
	cfg := filepath.Join(t.TempDir(), "latchkey.yaml")
	if err := os.WriteFile(cfg, []byte(e2eConfig("http://127.0.0.1:9")), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"LATCHKEY_SECRET_KEY": secretKeyForTest()}
	nodes := make(chan *running, 3)
	for range 3 {
		go func() {
			var r *running
			// start fails the test with Fatalf, which ends this goroutine
			// only: the deferred send still tells the test goroutine.
			defer func() { nodes <- r }()
			r = start(t, vars, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", dbURL)
		}()
	}
	for range 3 {
		n := <-nodes
		if n == nil {
			t.FailNow()
		}
		if !strings.Contains(n.stdout.String(), e2eClientID) {
			t.Fatalf("node banner lacks the declared client:\n%s", n.stdout)
		}
	}
}

// TestGoSDKEndToEnd signs in with our own SDK: authorization URL with PKCE,
// the SSO flow through dev-idp, the code exchange as a public client, the
// access token checked against the JWKS the SDK points at, a refresh, and
// logout.
func TestGoSDKEndToEnd(t *testing.T) {
	idp := start(t, nil, "dev-idp", "--listen", "127.0.0.1:0")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "latchkey.yaml")
	if err := os.WriteFile(cfg, []byte(e2eConfig(idp.url)), 0o644); err != nil {
		t.Fatal(err)
	}
	lk := start(t, nil, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", filepath.Join(dir, "lk.db"))
	ctx := t.Context()
	client := &usermanagement.Client{Endpoint: lk.url, ClientID: e2eClientID}
	pkce, err := usermanagement.NewPKCE()
	if err != nil {
		t.Fatal(err)
	}
	u, err := client.GetAuthorizationURL(ctx, usermanagement.GetAuthorizationURLOpts{
		RedirectURI: e2eRedirect, OrganizationID: e2eOrgID, State: "go sdk", LoginHint: "dev@example.test",
		CodeChallenge: pkce.CodeChallenge, CodeChallengeMethod: pkce.CodeChallengeMethod,
	})
	if err != nil {
		t.Fatal(err)
	}
	final := newBrowser(t).signIn(u.String())
	assertCode(t, final, "go sdk")

	res, err := client.AuthenticateWithCode(ctx, usermanagement.AuthenticateWithCodeOpts{Code: final.Query().Get("code"), CodeVerifier: pkce.CodeVerifier})
	if err != nil {
		t.Fatal(err)
	}
	if res.User.Email != "dev@example.test" || res.OrganizationID != e2eOrgID || res.AuthenticationMethod != "SSO" {
		t.Fatalf("authenticate response %+v", res)
	}
	jwksURL, err := client.GetJWKSURL(e2eClientID)
	if err != nil {
		t.Fatal(err)
	}
	claims := verifyJWT(t, jwksURL.String(), res.AccessToken)
	if claims["iss"] != lk.url || claims["sub"] != res.User.ID || claims["org_id"] != e2eOrgID || claims["sid"] == "" {
		t.Fatalf("claims %v", claims)
	}

	// A second exchange of the same code fails and ends the session.
	_, err = client.AuthenticateWithCode(ctx, usermanagement.AuthenticateWithCodeOpts{Code: final.Query().Get("code"), CodeVerifier: pkce.CodeVerifier})
	var apiErr *usermanagement.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "invalid_grant" {
		t.Fatalf("replayed code: %v", err)
	}
	if _, err := client.AuthenticateWithRefreshToken(ctx, usermanagement.AuthenticateWithRefreshTokenOpts{RefreshToken: res.RefreshToken}); err == nil {
		t.Fatal("the refresh token of a replayed code's session still works")
	}

	// A fresh sign-in refreshes and logs out.
	pkce, _ = usermanagement.NewPKCE()
	u, _ = client.GetAuthorizationURL(ctx, usermanagement.GetAuthorizationURLOpts{RedirectURI: e2eRedirect, ConnectionID: e2eConnID,
		LoginHint: "dev@example.test", CodeChallenge: pkce.CodeChallenge, CodeChallengeMethod: pkce.CodeChallengeMethod})
	final = newBrowser(t).signIn(u.String())
	res, err = client.AuthenticateWithCode(ctx, usermanagement.AuthenticateWithCodeOpts{Code: final.Query().Get("code"), CodeVerifier: pkce.CodeVerifier})
	if err != nil {
		t.Fatal(err)
	}
	refreshed, err := client.AuthenticateWithRefreshToken(ctx, usermanagement.AuthenticateWithRefreshTokenOpts{RefreshToken: res.RefreshToken})
	if err != nil || refreshed.RefreshToken == res.RefreshToken || refreshed.User.ID != res.User.ID {
		t.Fatalf("refresh: %+v %v", refreshed, err)
	}
	sid := verifyJWT(t, jwksURL.String(), refreshed.AccessToken)["sid"].(string)
	logout, err := client.GetLogoutURL(usermanagement.GetLogoutURLOpts{SessionID: sid, ReturnTo: "http://localhost:3000/"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := newBrowser(t).client.Get(logout.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://localhost:3000/" {
		t.Fatalf("logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := client.AuthenticateWithRefreshToken(ctx, usermanagement.AuthenticateWithRefreshTokenOpts{RefreshToken: refreshed.RefreshToken}); err == nil {
		t.Fatal("refresh works after logout")
	}
}

// verifyJWT checks an RS256 JWT against the key set at jwksURL and returns
// its claims.
func verifyJWT(t *testing.T, jwksURL, raw string) map[string]any {
	t.Helper()
	resp, err := http.Get(jwksURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in the JWKS", tok.Headers[0].KeyID)
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("signature: %v", err)
	}
	return claims
}
