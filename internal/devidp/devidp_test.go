package devidp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const testRedirect = "http://127.0.0.1:1/callback"

var testUsers = []User{
	{Email: "alice@acme.test", FirstName: "Alice", LastName: "Liddell", EmailVerified: true, Groups: []string{"engineering"}},
	{Email: "bob@acme.test", FirstName: "Bob", LastName: "Builder", EmailVerified: false, Password: "hunter2"},
}

// newServer starts a dev-idp whose issuer is its own URL: the listener is
// bound first so that the handler can be built knowing the address.
func newServer(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	opts.Issuer = "http://" + srv.Listener.Addr().String()
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// noRedirects is a client that shows every redirect to the test.
func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func authorizeURL(srv *httptest.Server, extra url.Values) string {
	q := url.Values{
		"client_id":             {"any-client"},
		"redirect_uri":          {testRedirect},
		"response_type":         {"code"},
		"scope":                 {"openid profile email"},
		"state":                 {"st-123"},
		"nonce":                 {"n-456"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(testVerifier)},
		"code_challenge_method": {"S256"},
	}
	for k, v := range extra {
		q[k] = v
	}
	return srv.URL + "/authorize?" + q.Encode()
}

const testVerifier = "verifier-0123456789-0123456789-0123456789-abcdef"

// authorize follows the dev-idp's own redirects and returns the first
// response that is not one: a page, or a redirect to the client.
func authorize(t *testing.T, srv *httptest.Server, u string) *http.Response {
	t.Helper()
	return authorizeAt(t, srv.URL, u)
}

// authorizeAt is authorize for the dev-idp at issuer.
func authorizeAt(t *testing.T, issuer, u string) *http.Response {
	t.Helper()
	c := noRedirects()
	for range 5 {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, issuer) {
			t.Cleanup(func() { resp.Body.Close() })
			return resp
		}
		resp.Body.Close()
		u = loc
	}
	t.Fatal("too many redirects inside the dev-idp")
	return nil
}

// callbackQuery asserts a redirect to testRedirect and returns its query.
func callbackQuery(t *testing.T, resp *http.Response) url.Values {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, testRedirect+"?") {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("want a redirect to %s, got %d Location=%q body=%s", testRedirect, resp.StatusCode, loc, body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestDiscovery(t *testing.T) {
	srv := newServer(t, Options{})
	resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer           string   `json:"issuer"`
		Authorization    string   `json:"authorization_endpoint"`
		Token            string   `json:"token_endpoint"`
		Userinfo         string   `json:"userinfo_endpoint"`
		JWKS             string   `json:"jwks_uri"`
		ResponseTypes    []string `json:"response_types_supported"`
		Challenges       []string `json:"code_challenge_methods_supported"`
		TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
		Algs             []string `json:"id_token_signing_alg_values_supported"`
		Claims           []string `json:"claims_supported"`
		Scopes           []string `json:"scopes_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string][2]string{
		"issuer":                 {doc.Issuer, srv.URL},
		"authorization_endpoint": {doc.Authorization, srv.URL + "/authorize"},
		"token_endpoint":         {doc.Token, srv.URL + "/oauth/token"},
		"userinfo_endpoint":      {doc.Userinfo, srv.URL + "/userinfo"},
		"jwks_uri":               {doc.JWKS, srv.URL + "/keys"},
	} {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	for name, c := range map[string]struct{ got, want []string }{
		"response_types_supported":              {doc.ResponseTypes, []string{"code"}},
		"code_challenge_methods_supported":      {doc.Challenges, []string{"S256"}},
		"token_endpoint_auth_methods_supported": {doc.TokenAuthMethods, []string{"client_secret_basic", "client_secret_post"}},
		"id_token_signing_alg_values_supported": {doc.Algs, []string{"RS256"}},
		"claims_supported":                      {doc.Claims, []string{"sub", "email", "email_verified", "given_name", "family_name", "name", "groups", "nonce"}},
		"scopes_supported":                      {doc.Scopes, []string{"openid", "profile", "email"}},
	} {
		for _, w := range c.want {
			if !slices.Contains(c.got, w) {
				t.Errorf("%s = %q, missing %q", name, c.got, w)
			}
		}
	}

	// The JWKS publishes the one RS256 signing key.
	kresp, err := http.Get(doc.JWKS)
	if err != nil {
		t.Fatal(err)
	}
	defer kresp.Body.Close()
	var jwks struct {
		Keys []struct{ Kty, Use, Alg, Kid, N, E string } `json:"keys"`
	}
	if err := json.NewDecoder(kresp.Body).Decode(&jwks); err != nil {
		t.Fatal(err)
	}
	if len(jwks.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(jwks.Keys))
	}
	if k := jwks.Keys[0]; k.Kty != "RSA" || k.Use != "sig" || k.Alg != "RS256" || k.Kid == "" || k.N == "" {
		t.Errorf("JWKS key = %+v", k)
	}
}

func TestRedirectURIMustBeLoopback(t *testing.T) {
	srv := newServer(t, Options{Users: testUsers})
	tests := []struct {
		name  string
		uris  []string
		allow bool
	}{
		{"127.0.0.1 with port", []string{"http://127.0.0.1:3000/callback"}, true},
		{"other 127/8 address", []string{"http://127.4.5.6/cb"}, true},
		{"localhost", []string{"http://localhost:8080/auth/callback?x=1"}, true},
		{"LOCALHOST", []string{"http://LOCALHOST/cb"}, true},
		{"ipv6 loopback", []string{"http://[::1]:9999/cb"}, true},
		{"https loopback", []string{"https://localhost/cb"}, true},
		{"public host", []string{"https://example.com/callback"}, false},
		{"loopback-looking name", []string{"http://127.0.0.1.nip.io/cb"}, false},
		{"localhost subdomain", []string{"http://localhost.evil.test/cb"}, false},
		{"userinfo trick", []string{"http://evil.test@127.0.0.1/cb"}, false},
		{"backslash trick", []string{`http://127.0.0.1\@evil.test/cb`}, false},
		{"unspecified address", []string{"http://0.0.0.0/cb"}, false},
		{"custom scheme", []string{"myapp://127.0.0.1/cb"}, false},
		{"fragment", []string{"http://127.0.0.1/cb#frag"}, false},
		{"relative", []string{"/callback"}, false},
		{"missing", nil, false},
		{"repeated", []string{"http://127.0.0.1/cb", "https://evil.test/cb"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := authorizeURL(srv, url.Values{"redirect_uri": tt.uris, "login_hint": {"alice@acme.test"}})
			if tt.uris == nil {
				u = strings.Replace(u, "redirect_uri=&", "", 1)
			}
			resp, err := noRedirects().Get(u)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			loc := resp.Header.Get("Location")
			if tt.allow {
				if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, srv.URL+"/login?id=") {
					t.Fatalf("got %d Location=%q, want a redirect to the sign-in step", resp.StatusCode, loc)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || loc != "" {
				t.Fatalf("got %d Location=%q, want 400 and no redirect", resp.StatusCode, loc)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want an HTML error page", ct)
			}
		})
	}
}

// TestLoginHintCodeFlow runs the non-interactive flow end to end with
// go-oidc as the relying party, for both client authentication methods.
func TestLoginHintCodeFlow(t *testing.T) {
	srv := newServer(t, Options{Users: testUsers})
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		t.Run(map[oauth2.AuthStyle]string{oauth2.AuthStyleInHeader: "client_secret_basic", oauth2.AuthStyleInParams: "client_secret_post"}[style], func(t *testing.T) {
			resp := authorize(t, srv, authorizeURL(srv, url.Values{"login_hint": {"Alice@Acme.test"}}))
			q := callbackQuery(t, resp)
			if q.Get("state") != "st-123" || q.Get("code") == "" {
				t.Fatalf("callback query = %v, want state st-123 and a code", q)
			}
			ep := provider.Endpoint()
			ep.AuthStyle = style
			cfg := oauth2.Config{ClientID: "any-client", ClientSecret: "any secret", Endpoint: ep, RedirectURL: testRedirect}
			tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(testVerifier))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := provider.Verifier(&oidc.Config{ClientID: "any-client"}).Verify(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			var claims struct {
				Email         string   `json:"email"`
				EmailVerified bool     `json:"email_verified"`
				GivenName     string   `json:"given_name"`
				FamilyName    string   `json:"family_name"`
				Name          string   `json:"name"`
				Groups        []string `json:"groups"`
			}
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			if idt.Nonce != "n-456" || idt.Subject != subject("alice@acme.test") {
				t.Errorf("nonce %q sub %q", idt.Nonce, idt.Subject)
			}
			if claims.Email != "alice@acme.test" || !claims.EmailVerified || claims.GivenName != "Alice" ||
				claims.FamilyName != "Liddell" || claims.Name != "Alice Liddell" || !slices.Equal(claims.Groups, []string{"engineering"}) {
				t.Errorf("claims = %+v", claims)
			}
			ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil || ui.Email != "alice@acme.test" || ui.Subject != idt.Subject {
				t.Errorf("userinfo = %+v, %v", ui, err)
			}
			// The code is single-use.
			if _, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(testVerifier)); err == nil {
				t.Error("second exchange of the same code succeeded")
			}
		})
	}
}

func TestTokenEndpointChecksPKCE(t *testing.T) {
	srv := newServer(t, Options{Users: testUsers})
	q := callbackQuery(t, authorize(t, srv, authorizeURL(srv, url.Values{"login_hint": {"alice@acme.test"}})))
	cfg := oauth2.Config{ClientID: "any-client", ClientSecret: "s", RedirectURL: testRedirect,
		Endpoint: oauth2.Endpoint{TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	_, err := cfg.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(testVerifier+"x"))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("exchange with a wrong verifier: %v, want invalid_grant", err)
	}
}

func TestErrorRedirects(t *testing.T) {
	tests := []struct {
		name        string
		interactive bool
		params      url.Values
		wantError   string
	}{
		{"unknown login_hint", false, url.Values{"login_hint": {"mallory@acme.test"}}, "access_denied"},
		{"prompt=none without hint", false, url.Values{"prompt": {"none"}}, "login_required"},
		{"prompt=none in interactive mode", true, url.Values{"prompt": {"none"}, "login_hint": {"alice@acme.test"}}, "login_required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, Options{Users: testUsers, Interactive: tt.interactive})
			q := callbackQuery(t, authorize(t, srv, authorizeURL(srv, tt.params)))
			if q.Get("error") != tt.wantError || q.Get("state") != "st-123" || q.Get("code") != "" {
				t.Fatalf("callback query = %v, want error %s with the state", q, tt.wantError)
			}
		})
	}
}

func TestOnlyCodeFlow(t *testing.T) {
	srv := newServer(t, Options{Users: testUsers})
	resp := authorize(t, srv, authorizeURL(srv, url.Values{"response_type": {"id_token"}, "login_hint": {"alice@acme.test"}}))
	// The library refuses an implicit flow to an http redirect URI before
	// anything else, without redirecting: no token leaves in a fragment.
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Fatalf("implicit flow: status %d Location=%q, want 400", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestUnverifiedEmailIsExplicit checks that email_verified is false in the
// ID token, not just absent, for a user whose email is not verified.
func TestUnverifiedEmailIsExplicit(t *testing.T) {
	srv := newServer(t, Options{Users: testUsers})
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := callbackQuery(t, authorize(t, srv, authorizeURL(srv, url.Values{"login_hint": {"bob@acme.test"}})))
	cfg := oauth2.Config{ClientID: "any-client", ClientSecret: "x", Endpoint: provider.Endpoint(), RedirectURL: testRedirect}
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(testVerifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: "any-client"}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if v, ok := claims["email_verified"]; !ok || v != false {
		t.Errorf("email_verified = %v (present %v), want an explicit false", v, ok)
	}
	if _, ok := claims["groups"]; ok {
		t.Error("groups present for a user without groups")
	}
	if _, ok := claims["password"]; ok {
		t.Error("the password leaked into the ID token")
	}
}
