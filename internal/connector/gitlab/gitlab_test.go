package gitlab

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow/oauthtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var tanuki = oauthtest.User{Subject: "1234567", Login: "tanuki", Name: "Tanuki Raccoon", Email: "tanuki@gitlab.test",
	EmailVerified: true, Picture: "https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png"}

// newConnector starts a GitLab stand-in and a connector that knows only
// its base URL, as for a self-managed instance.
func newConnector(t *testing.T, u oauthtest.User, returnTokens bool) (*oauthtest.Server, connector.CallbackConnector) {
	t.Helper()
	srv := oauthtest.NewGitLab(t, "gitlab-app-id", "gitlab-secret", u)
	c, err := New(Config{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, BaseURL: srv.Endpoints().BaseURL + "/",
		ReturnTokens: returnTokens}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestConformance(t *testing.T) {
	oauthtest.RunConformance(t, oauthtest.Setup{Kind: oauthtest.GitLab, User: tanuki,
		New: func(t *testing.T, u oauthtest.User, rt bool) (*oauthtest.Server, connector.CallbackConnector) {
			return newConnector(t, u, rt)
		}})
}

// TestLoginURL pins the exact authorization URL sent to GitLab.com and to
// a self-managed instance.
func TestLoginURL(t *testing.T) {
	base := connector.Request{CallbackURL: "https://auth.example.com/sso/callback", State: "state-abc", Nonce: "nonce-def",
		CodeVerifier: "verifier-0123456789-0123456789-0123456789-xyz"}
	hints := base
	hints.LoginHint, hints.DomainHint, hints.Prompt = "tanuki", "x.test", "login"
	scopes := base
	scopes.ExtraScopes = []string{"read_api", "read_user"}
	params := base
	params.QueryParams = map[string]string{"root_namespace_id": "42", "response_type": "token", "client_id": "x"}
	tests := []struct {
		name string
		cfg  Config
		req  connector.Request
	}{
		{"GitLab.com", Config{}, base},
		{"self-managed under a path", Config{BaseURL: "https://git.example.com/gitlab/"}, base},
		{"no hints forwarded", Config{}, hints},
		{"provider scopes merged without duplicates", Config{}, scopes},
		{"query params without protocol params", Config{}, params},
	}
	var b strings.Builder
	for _, tt := range tests {
		tt.cfg.ClientID, tt.cfg.ClientSecret = "gitlab-app-id", "secret"
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

func TestProfile(t *testing.T) {
	tests := []struct {
		name string
		user oauthtest.User
		want connector.Identity
	}{
		{"confirmed", tanuki, connector.Identity{Subject: "1234567", Email: "tanuki@gitlab.test", EmailVerified: true,
			FirstName: "Tanuki", LastName: "Raccoon", PictureURL: tanuki.Picture}},
		{"unconfirmed", oauthtest.User{Subject: "8", Login: "new", Name: "New", Email: "new@x.test"},
			connector.Identity{Subject: "8", Email: "new@x.test", FirstName: "New"}},
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

func TestNewRefusesBadBaseURL(t *testing.T) {
	for _, base := range []string{"gitlab.example.com", "ftp://gitlab.example.com", "https://"} {
		if _, err := New(Config{ClientID: "c", BaseURL: base}, nil); err == nil {
			t.Errorf("base URL %q accepted", base)
		}
	}
}
