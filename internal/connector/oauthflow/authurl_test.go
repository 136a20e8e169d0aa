package oauthflow

import (
	"net/url"
	"testing"

	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
)

// TestAuthURLMatchesOAuth2 checks AuthURL against what
// oauth2.Config.AuthCodeURL, which it replaced, writes for the same
// request: the same URL byte for byte, order included.
func TestAuthURLMatchesOAuth2(t *testing.T) {
	base := connector.Request{CallbackURL: "https://auth.example.com/sso/callback?x=1 2", State: "st/ate+=",
		Nonce: "n0nce", CodeVerifier: "verifier-0123456789-0123456789-0123456789-xyz"}
	tests := []struct {
		name   string
		flow   Flow
		req    func(*connector.Request)
		params []Param
		oauth2 []oauth2.AuthCodeOption // the options the old code passed, besides PKCE
	}{
		{name: "minimal", flow: Flow{ClientID: "c", Scopes: []string{"openid"}}},
		{name: "no scopes", flow: Flow{ClientID: "c"}},
		{name: "scopes merged and escaped", flow: Flow{ClientID: "c id", Scopes: []string{"openid", "https://x.test/a b"}},
			req: func(r *connector.Request) { r.ExtraScopes = []string{"extra", "openid", " "} }},
		{name: "unmerged configured scopes", flow: Flow{ClientID: "c", Scopes: []string{"b", " a ", "b", ""}}},
		{name: "nonce", flow: Flow{ClientID: "c", Nonce: true},
			oauth2: []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("nonce", "n0nce")}},
		{name: "auth URL with a query", flow: Flow{ClientID: "c", Endpoint: oauth2.Endpoint{AuthURL: "https://idp.test/authorize?tenant=a&zz=1"}}},
		{name: "query params filtered, params win, empty params left out",
			flow: Flow{ClientID: "c"},
			req: func(r *connector.Request) {
				r.QueryParams = map[string]string{"hd": "q", "login_hint": "q", "acr_values": "é&=", "": "x",
					"client_id": "evil", "state": "evil", "response_mode": "fragment", "request_uri": "x", "nonce": "x"}
			},
			params: []Param{{"login_hint", "alice@acme.test"}, {"prompt", ""}, {"zz", "last"}},
			oauth2: []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("acr_values", "é&="), oauth2.SetAuthURLParam("hd", "q"),
				oauth2.SetAuthURLParam("login_hint", "alice@acme.test"), oauth2.SetAuthURLParam("zz", "last")}},
		{name: "params may set a protocol parameter", flow: Flow{ClientID: "c"}, params: []Param{{"response_mode", "form_post"}},
			oauth2: []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("response_mode", "form_post")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.flow
			if f.Endpoint.AuthURL == "" {
				f.Endpoint.AuthURL = "https://idp.test/authorize"
			}
			req := base
			if tt.req != nil {
				tt.req(&req)
			}
			got, err := f.AuthURL(req, tt.params...)
			if err != nil {
				t.Fatal(err)
			}
			cfg := &oauth2.Config{ClientID: f.ClientID, Endpoint: f.Endpoint, RedirectURL: req.CallbackURL, Scopes: f.RequestedScopes(req)}
			want := cfg.AuthCodeURL(req.State, append(tt.oauth2, oauth2.S256ChallengeOption(req.CodeVerifier))...)
			if got != want {
				t.Errorf("AuthURL =\n  %s\nwant what oauth2 wrote:\n  %s", got, want)
			}
			u, _ := url.Parse(got)
			if _, has := u.Query()["scope"]; has != (len(f.Scopes) > 0 || len(req.ExtraScopes) > 0) {
				t.Errorf("scope present = %v with scopes %q and %q", has, f.Scopes, req.ExtraScopes)
			}
		})
	}
}

func TestSetParam(t *testing.T) {
	var q []Param
	for _, p := range []Param{{"state", "1"}, {"a", "1"}, {"z", "1"}, {"m", "1"}, {"a", "2"}, {"state", "2"}} {
		q = SetParam(q, p.Name, p.Value)
	}
	want := []Param{{"a", "2"}, {"m", "1"}, {"state", "2"}, {"z", "1"}}
	if len(q) != len(want) {
		t.Fatalf("SetParam = %v, want %v", q, want)
	}
	for i := range q {
		if q[i] != want[i] {
			t.Fatalf("SetParam = %v, want %v", q, want)
		}
	}
}

// FuzzAuthCodeURL: the URL is what url.Values.Encode writes for the
// same parameters, whatever the bytes, and in whatever order they come.
func FuzzAuthCodeURL(f *testing.F) {
	f.Add("https://idp.test/a", "login_hint", "alice@acme.test", "scope", "openid email")
	f.Add("https://idp.test/a?x=1", "k y", "%zz\x00\xff", "é", "+&=;#?/")
	f.Fuzz(func(t *testing.T, authURL, k1, v1, k2, v2 string) {
		if k1 == k2 {
			return
		}
		got := AuthCodeURL(authURL, []Param{{k2, v2}, {k1, v1}})
		sep := "?"
		for i := range len(authURL) {
			if authURL[i] == '?' {
				sep = "&"
				break
			}
		}
		want := authURL + sep + url.Values{k1: {v1}, k2: {v2}}.Encode()
		if got != want {
			t.Fatalf("AuthCodeURL = %q, want %q", got, want)
		}
	})
}

func BenchmarkAuthURL(b *testing.B) {
	f := &Flow{ClientID: "google-client.apps.googleusercontent.com", Scopes: []string{"openid", "email", "profile"}, Nonce: true,
		Endpoint: oauth2.Endpoint{AuthURL: "https://accounts.google.com/o/oauth2/v2/auth"}}
	req := connector.Request{CallbackURL: "https://auth.example.com/sso/callback", State: "Zm9vYmFyYmF6cXV4cXV1eA",
		Nonce: "bm9uY2Vub25jZW5vbmNl", CodeVerifier: "dmVyaWZpZXJ2ZXJpZmllcnZlcmlmaWVydmVyaWZpZXI", LoginHint: "dev@example.test"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.AuthURL(req, Param{"login_hint", req.LoginHint}, Param{"hd", req.DomainHint}, Param{"prompt", req.Prompt}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestUnreserved(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		if got, want := unreserved(b), url.QueryEscape(string([]byte{b})) == string([]byte{b}); got != want {
			t.Errorf("unreserved(%q) = %v, want %v", b, got, want)
		}
	}
}
