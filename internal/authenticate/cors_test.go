package authenticate_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/authenticate"
)

// TestCORS checks that browsers of registered origins, and only those, may
// call the token endpoint and the JWKS (server.CORS with the catalog).
func TestCORS(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		cases := []struct {
			name    string
			method  string
			path    func() string
			origin  string
			allowed bool
			methods string // the preflight's Access-Control-Allow-Methods
		}{
			{"token from a registered origin", http.MethodPost, func() string { return authenticate.Path }, appOrigin, true, ""},
			{"token preflight from a registered origin", http.MethodOptions, func() string { return authenticate.Path }, appOrigin, true, "POST"},
			{"token from an unregistered origin", http.MethodPost, func() string { return authenticate.Path }, "https://evil.example", false, ""},
			{"token preflight from an unregistered origin", http.MethodOptions, func() string { return authenticate.Path }, "https://evil.example", false, ""},
			{"token from a lookalike origin", http.MethodPost, func() string { return authenticate.Path }, appOrigin + ".evil.example", false, ""},
			{"token from the origin with a trailing slash", http.MethodPost, func() string { return authenticate.Path }, appOrigin + "/", false, ""},
			{"token from the null origin", http.MethodPost, func() string { return authenticate.Path }, "null", false, ""},
			{"token without Origin", http.MethodPost, func() string { return authenticate.Path }, "", false, ""},
			{"JWKS from a registered origin", http.MethodGet, func() string { return "/sso/jwks/" + e.app.ID }, appOrigin, true, ""},
			{"JWKS preflight from a registered origin", http.MethodOptions, func() string { return "/sso/jwks/" + e.app.ID }, appOrigin, true, "GET"},
			{"JWKS from an unregistered origin", http.MethodGet, func() string { return "/sso/jwks/" + e.app.ID }, "https://evil.example", false, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var r *http.Request
				if c.method == http.MethodPost {
					// A public client finishing sign-in with PKCE.
					g := e.ssoGrant()
					g.CodeChallenge = challenge(verifier)
					r = authRequest(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
						"code": e.issueCode(t, g), "code_verifier": verifier})
				} else {
					r = rawRequest(c.method, c.path(), "", "")
				}
				if c.origin != "" {
					r.Header.Set("Origin", c.origin)
				}
				if c.method == http.MethodOptions {
					want := http.MethodGet
					if c.path() == authenticate.Path {
						want = http.MethodPost
					}
					r.Header.Set("Access-Control-Request-Method", want)
					r.Header.Set("Access-Control-Request-Headers", "content-type")
				}
				var res *result
				if c.method == http.MethodOptions {
					res = e.serve(r) // the document has no OPTIONS operations
				} else {
					res = e.do(t, r)
				}
				if !slices.Contains(res.header.Values("Vary"), "Origin") {
					t.Errorf("Vary %q, want Origin", res.header.Values("Vary"))
				}
				acao := res.header.Get("Access-Control-Allow-Origin")
				switch {
				case c.allowed && acao != c.origin:
					t.Errorf("Access-Control-Allow-Origin %q, want %q", acao, c.origin)
				case !c.allowed && len(res.header.Values("Access-Control-Allow-Origin")) > 0:
					t.Errorf("Access-Control-Allow-Origin %q for an origin that is not registered", acao)
				case res.header.Get("Access-Control-Allow-Credentials") != "":
					t.Error("credentials allowed: the endpoints take no cookies")
				}
				if c.method == http.MethodOptions {
					if res.status != http.StatusNoContent || len(res.body) != 0 {
						t.Errorf("preflight answered %d %s, want 204 without body", res.status, res.body)
					}
					m := res.header.Get("Access-Control-Allow-Methods")
					switch {
					case c.allowed && m != c.methods:
						t.Errorf("Access-Control-Allow-Methods %q, want %q", m, c.methods)
					case c.allowed && !strings.Contains(strings.ToLower(res.header.Get("Access-Control-Allow-Headers")), "content-type"):
						t.Errorf("Access-Control-Allow-Headers %q lacks Content-Type", res.header.Get("Access-Control-Allow-Headers"))
					case !c.allowed && m != "":
						t.Errorf("Access-Control-Allow-Methods %q for an origin that is not registered", m)
					}
					return
				}
				if res.status != http.StatusOK {
					t.Errorf("got %d %s, want 200: CORS must not change the answer", res.status, res.body)
				}
			})
		}
	})
}
