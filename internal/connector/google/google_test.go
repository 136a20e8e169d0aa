package google

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow/oauthtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var alice = oauthtest.User{Subject: "108234567890123456789", Email: "alice@acme.test", EmailVerified: true,
	GivenName: "Alice", FamilyName: "Liddell", Name: "Alice Liddell", Picture: "https://lh3.googleusercontent.com/a/alice"}

// newConnector starts a Google stand-in and a connector pointed at it.
func newConnector(t *testing.T, u oauthtest.User, returnTokens bool) (*oauthtest.Server, connector.CallbackConnector) {
	t.Helper()
	srv := oauthtest.NewGoogle(t, "google-client.apps.googleusercontent.com", "google-secret", u)
	e := srv.Endpoints()
	c, err := New(Config{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, AuthURL: e.Authorization, TokenURL: e.Token,
		ReturnTokens: returnTokens}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestConformance(t *testing.T) {
	oauthtest.RunConformance(t, oauthtest.Setup{Kind: oauthtest.Google, User: alice,
		New: func(t *testing.T, u oauthtest.User, rt bool) (*oauthtest.Server, connector.CallbackConnector) {
			return newConnector(t, u, rt)
		}})
}

// TestLoginURL pins the exact authorization URL sent to the real Google.
func TestLoginURL(t *testing.T) {
	req := func(change func(*connector.Request)) connector.Request {
		r := connector.Request{CallbackURL: "https://auth.example.com/sso/callback", State: "state-abc", Nonce: "nonce-def",
			CodeVerifier: "verifier-0123456789-0123456789-0123456789-xyz"}
		if change != nil {
			change(&r)
		}
		return r
	}
	tests := []struct {
		name string
		cfg  Config
		req  connector.Request
	}{
		{"minimal", Config{}, req(nil)},
		{"hints", Config{}, req(func(r *connector.Request) {
			r.LoginHint, r.DomainHint, r.Prompt = "alice@acme.test", "acme.test", "select_account"
		})},
		{"provider scopes merged without duplicates", Config{}, req(func(r *connector.Request) {
			r.ExtraScopes = []string{"email", "https://www.googleapis.com/auth/calendar.readonly", ""}
		})},
		{"configured scopes get openid", Config{Scopes: []string{"email"}}, req(nil)},
		{"query params without protocol params; hints win", Config{}, req(func(r *connector.Request) {
			r.DomainHint = "acme.test"
			r.QueryParams = map[string]string{"access_type": "offline", "hd": "evil.test", "include_granted_scopes": "true",
				"client_id": "x", "redirect_uri": "https://evil.test/cb", "state": "x", "nonce": "x", "code_challenge": "x",
				"code_challenge_method": "plain", "response_type": "token", "scope": "x", "response_mode": "form_post"}
		})},
	}
	var b strings.Builder
	for _, tt := range tests {
		tt.cfg.ClientID, tt.cfg.ClientSecret = "google-client.apps.googleusercontent.com", "secret"
		c, err := New(tt.cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		u, err := c.LoginURL(tt.req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		fmt.Fprintf(&b, "%s\n%s\n\n", tt.name, u)
	}
	oauthtest.Golden(t, "login_urls.golden", b.String(), *update)
}

func TestLoginURLRefusesIncompleteRequests(t *testing.T) {
	c, err := New(Config{ClientID: "c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*connector.Request){
		"no callback URL": func(r *connector.Request) { r.CallbackURL = "" },
		"no state":        func(r *connector.Request) { r.State = "" },
		"no nonce":        func(r *connector.Request) { r.Nonce = "" },
		"no verifier":     func(r *connector.Request) { r.CodeVerifier = "" },
	} {
		r := oauthtest.NewRequest()
		change(&r)
		if _, err := c.LoginURL(r); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestProfile maps Google's ID token claims.
func TestProfile(t *testing.T) {
	tests := []struct {
		name string
		user oauthtest.User
		want connector.Identity
	}{
		{"verified", alice, connector.Identity{Subject: alice.Subject, Email: "alice@acme.test", EmailVerified: true,
			FirstName: "Alice", LastName: "Liddell", PictureURL: alice.Picture}},
		{"unverified", oauthtest.User{Subject: "2", Email: "bob@gmail.test", GivenName: "Bob"},
			connector.Identity{Subject: "2", Email: "bob@gmail.test", FirstName: "Bob"}},
		{"name only", oauthtest.User{Subject: "3", Email: "c@acme.test", EmailVerified: true, Name: "Carol Ann Smith"},
			connector.Identity{Subject: "3", Email: "c@acme.test", EmailVerified: true, FirstName: "Carol", LastName: "Ann Smith"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newConnector(t, tt.user, false)
			got, err := oauthtest.SignIn(t, c, oauthtest.NewRequest())
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("identity %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestRefreshToken: with access_type=offline from provider_query_params,
// Google's refresh token and granted scopes reach oauth_tokens.
func TestRefreshToken(t *testing.T) {
	_, c := newConnector(t, alice, true)
	req := oauthtest.NewRequest()
	req.QueryParams = map[string]string{"access_type": "offline"}
	req.ExtraScopes = []string{"https://www.googleapis.com/auth/drive.readonly"}
	id, err := oauthtest.SignIn(t, c, req)
	if err != nil {
		t.Fatal(err)
	}
	tok := id.OAuthTokens
	want := "openid email profile https://www.googleapis.com/auth/drive.readonly"
	if tok == nil || !strings.HasPrefix(tok.RefreshToken, "rt-") || strings.Join(tok.Scopes, " ") != want {
		t.Errorf("oauth tokens %+v, want a refresh token and scopes %q", tok, want)
	}
}
