package oidc

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/devidp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const callbackURL = "http://127.0.0.1:1/callback"

var idpUsers = []devidp.User{
	{Email: "alice@acme.test", FirstName: "Alice", LastName: "Liddell", EmailVerified: true, Groups: []string{"engineering"}},
	{Email: "bob@acme.test", FirstName: "Bob", LastName: "Builder"},
}

// startIdP runs the real development IdP in-process. Its issuer must be
// its own URL, so the listener is bound before the handler is built.
func startIdP(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	h, err := devidp.New(devidp.Options{Issuer: "http://" + srv.Listener.Addr().String(), Users: idpUsers})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func newConnector(t *testing.T, cfg Config) *Connector {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID, cfg.ClientSecret = "latchkey", "s3cret"
	}
	c, err := New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newRequest(hint string) connector.Request {
	return connector.Request{
		CallbackURL:  callbackURL,
		State:        "state-abc",
		Nonce:        "nonce-def",
		CodeVerifier: "verifier-0123456789-0123456789-0123456789-xyz",
		LoginHint:    hint,
	}
}

// signIn plays the browser: from LoginURL through the IdP, up to the
// redirect to Latchkey's callback, which it returns unfollowed.
func signIn(t *testing.T, c *Connector, req connector.Request) *http.Request {
	t.Helper()
	u, err := c.LoginURL(req)
	if err != nil {
		t.Fatal(err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), callbackURL) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, callbackURL+"?") {
		t.Fatalf("want a redirect to the callback, got %d Location=%q", resp.StatusCode, loc)
	}
	return httptest.NewRequest(http.MethodGet, loc, nil)
}

func TestSignInWithDevIdP(t *testing.T) {
	idp := startIdP(t)
	c := newConnector(t, Config{Issuer: idp.URL})
	tests := []struct {
		hint string
		want connector.Identity
	}{
		{"alice@acme.test", connector.Identity{Email: "alice@acme.test", EmailVerified: true, FirstName: "Alice", LastName: "Liddell", Groups: []string{"engineering"}}},
		{"bob@acme.test", connector.Identity{Email: "bob@acme.test", EmailVerified: false, FirstName: "Bob", LastName: "Builder"}},
	}
	for _, tt := range tests {
		t.Run(tt.hint, func(t *testing.T) {
			var subjects []string
			for range 2 {
				req := newRequest(tt.hint)
				got, err := c.HandleCallback(context.Background(), req, signIn(t, c, req))
				if err != nil {
					t.Fatal(err)
				}
				subjects = append(subjects, got.Subject)
				got.Subject = ""
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("identity = %+v, want %+v", got, tt.want)
				}
			}
			if subjects[0] == "" || subjects[0] != subjects[1] {
				t.Errorf("subjects %q: want one stable, non-empty subject", subjects)
			}
		})
	}
}

func TestCallbackFailures(t *testing.T) {
	idp, other := startIdP(t), startIdP(t)
	c := newConnector(t, Config{Issuer: idp.URL})
	// Discovery from idp, but keys from another instance: every ID token
	// from idp fails its signature check.
	wrongKeys := newConnector(t, Config{Issuer: idp.URL, JWKSURL: other.URL + "/keys"})

	tests := []struct {
		name         string
		conn         *Connector
		hint         string
		callback     func(q url.Values)         // changes the callback query
		request      func(r *connector.Request) // changes the transaction
		twice        bool                       // handle the same callback twice
		wantUpstream string                     // an *UpstreamError with this code
		wantErr      string                     // or an error containing this
	}{
		{name: "wrong state", callback: func(q url.Values) { q.Set("state", "forged") }, wantErr: "state does not match"},
		{name: "no state", callback: func(q url.Values) { q.Del("state") }, wantErr: "state does not match"},
		{name: "wrong nonce", request: func(r *connector.Request) { r.Nonce = "another-nonce" }, wantErr: "nonce does not match"},
		{name: "wrong PKCE verifier", request: func(r *connector.Request) { r.CodeVerifier += "x" }, wantUpstream: "invalid_grant"},
		{name: "code replayed", twice: true, wantUpstream: "invalid_grant"},
		{name: "no code", callback: func(q url.Values) { q.Del("code") }, wantErr: "no code"},
		{name: "other issuer in callback", callback: func(q url.Values) { q.Set("iss", "http://evil.test") }, wantErr: "not the configured issuer"},
		{name: "upstream error param", callback: func(q url.Values) {
			q.Del("code")
			q.Set("error", "temporarily_unavailable")
			q.Set("error_description", "try later")
		}, wantUpstream: "temporarily_unavailable"},
		{name: "unknown login_hint", hint: "mallory@acme.test", wantUpstream: "access_denied"},
		{name: "id token signed by another key", conn: wrongKeys, wantErr: "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := c
			if tt.conn != nil {
				conn = tt.conn
			}
			hint := tt.hint
			if hint == "" {
				hint = "alice@acme.test"
			}
			req := newRequest(hint)
			cb := signIn(t, conn, req)
			if tt.callback != nil {
				q := cb.URL.Query()
				tt.callback(q)
				cb.URL.RawQuery = q.Encode()
			}
			if tt.request != nil {
				tt.request(&req)
			}
			_, err := conn.HandleCallback(context.Background(), req, cb)
			if tt.twice {
				if err != nil {
					t.Fatalf("first use: %v", err)
				}
				_, err = conn.HandleCallback(context.Background(), req, cb)
			}
			checkErr(t, err, tt.wantUpstream, tt.wantErr)
		})
	}
}

// checkErr asserts an *UpstreamError with code wantUpstream, or else an
// error containing wantErr; never one that leaks the client secret.
func checkErr(t *testing.T, err error, wantUpstream, wantErr string) {
	t.Helper()
	if err == nil {
		t.Fatal("HandleCallback succeeded")
	}
	var ue *connector.UpstreamError
	switch {
	case wantUpstream != "" && (!errors.As(err, &ue) || ue.Code != wantUpstream):
		t.Errorf("error = %v, want an upstream %s", err, wantUpstream)
	case wantUpstream == "" && errors.As(err, &ue):
		t.Errorf("error = %v, want a verification failure, not an upstream error", err)
	case wantErr != "" && !strings.Contains(err.Error(), wantErr):
		t.Errorf("error = %v, want it to contain %q", err, wantErr)
	}
	for _, secret := range []string{"s3cret", "eyJ", "at-1"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains %q", err, secret)
		}
	}
}

// offline fails any request: LoginURL and New with every endpoint given
// must not touch the network.
func offline(t *testing.T) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request to %s", r.URL)
		return nil, errors.New("offline")
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestLoginURL(t *testing.T) {
	base := Config{
		Issuer: "https://idp.example.test", ClientID: "latchkey", ClientSecret: "s3cret",
		AuthorizationURL: "https://idp.example.test/oauth2/authorize",
		TokenURL:         "https://idp.example.test/oauth2/token",
		JWKSURL:          "https://idp.example.test/oauth2/keys",
	}
	withQuery := base
	withQuery.AuthorizationURL += "?tenant=acme"
	ownScopes := base
	ownScopes.Scopes = []string{"email", "offline_access", "email"}

	tests := []struct {
		name string
		cfg  Config
		req  func(r *connector.Request)
	}{
		{"minimal", base, nil},
		{"hints", base, func(r *connector.Request) { r.LoginHint, r.Prompt, r.MaxAge = "alice@acme.test", "login", "300" }},
		{"extra scopes merged", base, func(r *connector.Request) { r.ExtraScopes = []string{"groups", "email", "", "groups"} }},
		{"configured scopes get openid", ownScopes, nil},
		{"authorization URL with a query", withQuery, nil},
		{"query params without protocol params", base, func(r *connector.Request) {
			r.LoginHint = "alice@acme.test"
			r.QueryParams = map[string]string{
				"hd": "acme.test", "acr_values": "mfa", "login_hint": "overridden",
				"client_id": "evil", "redirect_uri": "https://evil.test/cb", "state": "x", "nonce": "x",
				"code_challenge": "x", "code_challenge_method": "plain", "response_type": "token",
				"scope": "admin", "response_mode": "fragment", "request_uri": "https://evil.test/r",
			}
		}},
	}
	var golden strings.Builder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(context.Background(), tt.cfg, offline(t))
			if err != nil {
				t.Fatal(err)
			}
			req := newRequest("")
			if tt.req != nil {
				tt.req(&req)
			}
			got, err := c.LoginURL(req)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&golden, "%s\n%s\n\n", tt.name, got)
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			for k, want := range map[string]string{
				"response_type": "code", "client_id": "latchkey", "redirect_uri": callbackURL,
				"state": req.State, "nonce": req.Nonce, "code_challenge_method": "S256",
				// S256 of the verifier (RFC 7636 §4.2), computed independently.
				"code_challenge": "T4YjWk-GNtStPwgRiyNPtJ2vV6RCk7LiRYlABzfZbO8",
			} {
				if vs := q[k]; len(vs) != 1 || vs[0] != want {
					t.Errorf("%s = %q, want exactly %q", k, vs, want)
				}
			}
			if scopes := strings.Fields(q.Get("scope")); len(scopes) == 0 || scopes[0] != "openid" || len(slices.Compact(slices.Sorted(slices.Values(scopes)))) != len(scopes) {
				t.Errorf("scope = %q: want openid first and no duplicates", q.Get("scope"))
			}
		})
	}
	path := filepath.Join("testdata", "login_urls.golden")
	if *update {
		if err := os.WriteFile(path, []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if golden.String() != string(want) {
		t.Errorf("login URLs differ from %s (run go test -update after checking):\n%s", path, golden.String())
	}
}

func TestLoginURLRefusesIncompleteRequests(t *testing.T) {
	c, err := New(context.Background(), Config{
		Issuer: "https://idp.example.test", ClientID: "latchkey",
		AuthorizationURL: "https://idp.example.test/a", TokenURL: "https://idp.example.test/t", JWKSURL: "https://idp.example.test/k",
	}, offline(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  func(r *connector.Request)
		want string
	}{
		{"no callback URL", func(r *connector.Request) { r.CallbackURL = "" }, "callback"},
		{"no state", func(r *connector.Request) { r.State = "" }, "state"},
		{"no nonce", func(r *connector.Request) { r.Nonce = "" }, "nonce"},
		{"no verifier", func(r *connector.Request) { r.CodeVerifier = "" }, "PKCE"},
		{"bad max_age", func(r *connector.Request) { r.MaxAge = "soon" }, "max_age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest("")
			tt.req(&req)
			if _, err := c.LoginURL(req); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoginURL error = %v, want one about %s", err, tt.want)
			}
		})
	}
}

// TestProviderMadeOnFirstCallback: a built connector holds no go-oidc
// provider or key set until a callback needs one; then concurrent first
// callbacks share one, and the keys are fetched once.
func TestProviderMadeOnFirstCallback(t *testing.T) {
	idp := startIdP(t)
	var jwksFetches atomic.Int32
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.Contains(r.URL.Path, "jwks") || strings.Contains(r.URL.Path, "keys") {
			jwksFetches.Add(1)
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := New(context.Background(), Config{Issuer: idp.URL, ClientID: "latchkey", ClientSecret: "s3cret"}, client)
	if err != nil {
		t.Fatal(err)
	}
	if c.provider != nil || c.verifier != nil {
		t.Fatal("New made the provider; it should wait for the first callback")
	}
	const n = 4
	reqs := make([]connector.Request, n)
	callbacks := make([]*http.Request, n)
	for i := range n {
		reqs[i] = newRequest("alice@acme.test")
		reqs[i].State = fmt.Sprintf("state-%d", i)
		callbacks[i] = signIn(t, c, reqs[i])
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := c.HandleCallback(context.Background(), reqs[i], callbacks[i]); err != nil {
				t.Errorf("callback %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if got := jwksFetches.Load(); got != 1 {
		t.Errorf("%d key set fetches for %d callbacks, want 1", got, n)
	}
}
