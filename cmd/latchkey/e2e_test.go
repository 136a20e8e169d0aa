package main

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/store/postgres/pgtest"
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
