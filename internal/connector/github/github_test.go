package github

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow/oauthtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var octocat = oauthtest.User{Subject: "583231", Login: "octocat", Name: "The Octocat", Email: "octocat@github.test",
	EmailVerified: true, Picture: "https://avatars.githubusercontent.com/u/583231?v=4"}

// newConnector starts a GitHub stand-in and a connector pointed at it,
// with the user API found the way cfg says (both URLs by default).
func newConnector(t *testing.T, u oauthtest.User, returnTokens bool) (*oauthtest.Server, connector.CallbackConnector) {
	t.Helper()
	srv := oauthtest.NewGitHub(t, "Iv1.8a61f9b3a7aba766", "gh-secret", u)
	e := srv.Endpoints()
	c, err := New(Config{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, AuthURL: e.Authorization, TokenURL: e.Token,
		UserURL: e.Userinfo, EmailsURL: e.Emails, ReturnTokens: returnTokens}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestConformance(t *testing.T) {
	oauthtest.RunConformance(t, oauthtest.Setup{Kind: oauthtest.GitHub, User: octocat,
		New: func(t *testing.T, u oauthtest.User, rt bool) (*oauthtest.Server, connector.CallbackConnector) {
			return newConnector(t, u, rt)
		}})
}

// TestLoginURL pins the exact authorization URL sent to the real GitHub.
func TestLoginURL(t *testing.T) {
	base := connector.Request{CallbackURL: "https://auth.example.com/sso/callback", State: "state-abc", Nonce: "nonce-def",
		CodeVerifier: "verifier-0123456789-0123456789-0123456789-xyz"}
	hint := base
	hint.LoginHint, hint.DomainHint, hint.Prompt = "octocat", "ignored.test", "login"
	scopes := base
	scopes.ExtraScopes = []string{"repo", "user:email", "read:org"}
	params := base
	params.QueryParams = map[string]string{"allow_signup": "false", "login": "mona", "redirect_uri": "https://evil.test", "scope": "admin:org"}
	paramsAndHint := params
	paramsAndHint.LoginHint = "octocat"
	tests := []struct {
		name string
		cfg  Config
		req  connector.Request
	}{
		{"minimal", Config{}, base},
		{"login_hint becomes login; no nonce, domain_hint or prompt", Config{}, hint},
		{"provider scopes merged without duplicates", Config{Scopes: []string{"read:user", "user:email"}}, scopes},
		{"query params without protocol params", Config{}, params},
		{"login_hint wins over a login query param", Config{}, paramsAndHint},
	}
	var b strings.Builder
	for _, tt := range tests {
		tt.cfg.ClientID, tt.cfg.ClientSecret = "Iv1.8a61f9b3a7aba766", "secret"
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

// TestEmails: only the verified primary address is taken.
func TestEmails(t *testing.T) {
	public := "public"
	tests := []struct {
		name   string
		emails []oauthtest.Email
		want   string // "" for none
	}{
		{"verified primary", []oauthtest.Email{{Email: "old@x.test", Verified: true}, {Email: "main@x.test", Primary: true, Verified: true, Visibility: &public}}, "main@x.test"},
		{"unverified primary, verified secondary", []oauthtest.Email{{Email: "main@x.test", Primary: true}, {Email: "other@x.test", Verified: true}}, ""},
		{"no primary", []oauthtest.Email{{Email: "other@x.test", Verified: true}}, ""},
		{"none", []oauthtest.Email{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := octocat
			u.Emails = tt.emails
			_, c := newConnector(t, u, false)
			id, err := oauthtest.SignIn(t, c, oauthtest.NewRequest())
			if err != nil {
				t.Fatal(err)
			}
			if id.Email != tt.want || id.EmailVerified != (tt.want != "") {
				t.Errorf("email %q verified=%v, want %q", id.Email, id.EmailVerified, tt.want)
			}
		})
	}
}

func TestProfile(t *testing.T) {
	tests := []struct {
		name string
		user oauthtest.User
		want connector.Identity
	}{
		{"full", octocat, connector.Identity{Subject: "583231", Email: "octocat@github.test", EmailVerified: true,
			FirstName: "The", LastName: "Octocat", PictureURL: octocat.Picture}},
		{"no name", oauthtest.User{Subject: "9", Login: "nameless", Email: "n@x.test", EmailVerified: true},
			connector.Identity{Subject: "9", Email: "n@x.test", EmailVerified: true}},
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

// TestEmailsURLFollowsUserURL: GitHub Enterprise Server needs only the
// user API's URL; the emails API is below it.
func TestEmailsURLFollowsUserURL(t *testing.T) {
	srv := oauthtest.NewGitHub(t, "client", "secret", octocat)
	e := srv.Endpoints()
	c, err := New(Config{ClientID: "client", ClientSecret: "secret", AuthURL: e.Authorization, TokenURL: e.Token, UserURL: e.Userinfo}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := oauthtest.SignIn(t, c, oauthtest.NewRequest())
	if err != nil || id.Email != octocat.Email {
		t.Fatalf("identity %+v, %v", id, err)
	}
}

// TestScopesFromGitHub: GitHub lists granted scopes comma-separated.
func TestScopesFromGitHub(t *testing.T) {
	_, c := newConnector(t, octocat, true)
	req := oauthtest.NewRequest()
	req.ExtraScopes = []string{"repo"}
	id, err := oauthtest.SignIn(t, c, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(id.OAuthTokens.Scopes, " "); got != "user:email repo" {
		t.Errorf("scopes %q, want user:email repo", got)
	}
}
