package devidp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkSignIn drives one sign-in through the handler the way a relying
// party's browser and back end do: authorize with login_hint, the login
// step, and the code exchange that signs the ID token.
func BenchmarkSignIn(b *testing.B) {
	for _, alg := range []string{"RS256", "ES256"} {
		b.Run(alg, func(b *testing.B) {
			h, err := New(Options{Issuer: "http://127.0.0.1:9000", Users: testUsers, SigningAlgorithm: alg})
			if err != nil {
				b.Fatal(err)
			}
			authz := "/authorize?" + url.Values{
				"client_id": {"any-client"}, "redirect_uri": {testRedirect}, "response_type": {"code"},
				"scope": {"openid profile email"}, "state": {"st"}, "nonce": {"n"}, "login_hint": {"alice@acme.test"},
			}.Encode()
			b.ReportAllocs()
			for b.Loop() {
				benchSignIn(b, h, authz)
			}
		})
	}
}

func benchSignIn(b *testing.B, h http.Handler, authz string) {
	loc := serveBench(b, h, httptest.NewRequest(http.MethodGet, authz, nil), http.StatusFound).Header().Get("Location")
	loc = serveBench(b, h, httptest.NewRequest(http.MethodGet, strings.TrimPrefix(loc, "http://127.0.0.1:9000"), nil), http.StatusFound).Header().Get("Location")
	u, err := url.Parse(loc)
	if err != nil || u.Query().Get("code") == "" {
		b.Fatalf("no code in %q", loc)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")}, "redirect_uri": {testRedirect}}
	req := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("any-client", "secret")
	w := serveBench(b, h, req, http.StatusOK)
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || tok.IDToken == "" {
		b.Fatalf("token response %s: %v", w.Body, err)
	}
}

func serveBench(b *testing.B, h http.Handler, r *http.Request, want int) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != want {
		b.Fatalf("%s %s: status %d, want %d: %s", r.Method, r.URL.Path, w.Code, want, w.Body)
	}
	return w
}
