package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow/oauthtest"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
	"github.com/latchkeyhq/latchkey/usermanagement"
)

// oauthStandIns are one stand-in per OAuth provider.
type oauthStandIns struct {
	google, microsoft, github, apple, gitlab *oauthtest.Server
	team                                     *oauthtest.AppleTeam
}

func startStandIns(t *testing.T) oauthStandIns {
	team := oauthtest.NewAppleTeam(t)
	return oauthStandIns{
		google: oauthtest.NewGoogle(t, "google-client", "google-secret", oauthtest.User{Subject: "1001",
			Email: "gina@acme.test", EmailVerified: true, GivenName: "Gina", FamilyName: "Google"}),
		microsoft: oauthtest.NewMicrosoft(t, "common", "ms-client", "ms-secret", oauthtest.User{Subject: "ms-2002",
			Email: "mike@acme.test", Name: "Mike Soft", Claims: map[string]any{"xms_edov": true}}),
		github: oauthtest.NewGitHub(t, "github-client", "github-secret", oauthtest.User{Subject: "3003", Login: "octo",
			Name: "Octo Cat", Email: "octo@acme.test", EmailVerified: true}),
		apple: oauthtest.NewApple(t, "com.example.web", team, oauthtest.User{Subject: "004004.abc.0404",
			Email: "ann@acme.test", EmailVerified: true, AppleName: &[2]string{"Ann", "Apple"}}),
		gitlab: oauthtest.NewGitLab(t, "gitlab-client", "gitlab-secret", oauthtest.User{Subject: "5005", Login: "tanuki",
			Name: "Tara Lab", Email: "tara@acme.test", EmailVerified: true}),
		team: team,
	}
}

// oauthConfig declares one connection per provider, each pointed at its
// stand-in; Google and GitHub return the provider's tokens.
func oauthConfig(s oauthStandIns) string {
	g, m, gh, a, gl := s.google.Endpoints(), s.microsoft.Endpoints(), s.github.Endpoints(), s.apple.Endpoints(), s.gitlab.Endpoints()
	return `
applications:
  - name: Example App
    client_id: ` + e2eClientID + `
    api_keys: [sk_test_example_key_1234]
    redirect_uris: [` + e2eRedirect + `]
connections:
  - type: GoogleOAuth
    name: Google
    oauth:
      client_id: google-client
      client_secret: google-secret
      return_oauth_tokens: true
      endpoints: {authorization: "` + g.Authorization + `", token: "` + g.Token + `"}
  - type: MicrosoftOAuth
    name: Microsoft
    oauth:
      client_id: ms-client
      client_secret: ms-secret
      tenant: common
      endpoints: {authorization: "` + m.Authorization + `", token: "` + m.Token + `"}
  - type: GitHubOAuth
    name: GitHub
    oauth:
      client_id: github-client
      client_secret: github-secret
      return_oauth_tokens: true
      endpoints: {authorization: "` + gh.Authorization + `", token: "` + gh.Token + `", userinfo: "` + gh.Userinfo + `", emails: "` + gh.Emails + `"}
  - type: AppleOAuth
    name: Apple
    oauth:
      client_id: com.example.web
      team_id: ` + s.team.TeamID + `
      key_id: ` + s.team.KeyID + `
      private_key: |
        ` + strings.ReplaceAll(strings.TrimSpace(s.team.PEM), "\n", "\n        ") + `
      endpoints: {authorization: "` + a.Authorization + `", token: "` + a.Token + `"}
  - type: GitLabOAuth
    name: GitLab
    oauth:
      client_id: gitlab-client
      client_secret: gitlab-secret
      endpoints: {base_url: "` + gl.BaseURL + `"}
`
}

// oauthBrowser signs in like a browser: it follows redirects with its
// cookies and submits form_post pages. SameSite=Lax is played by hand,
// since Go's cookie jar ignores it: the cross-site POST of a form_post
// carries no cookie.
type oauthBrowser struct {
	t      *testing.T
	client *http.Client
	// formPosts are the answers to the form_post submissions.
	formPosts []*http.Response
}

func newOAuthBrowser(t *testing.T) *oauthBrowser {
	jar, _ := cookiejar.New(nil)
	return &oauthBrowser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signIn opens authorizeURL and returns the final redirect to the app.
func (b *oauthBrowser) signIn(authorizeURL string) *url.URL {
	b.t.Helper()
	resp, err := b.client.Get(authorizeURL)
	for hop := 0; hop < 10; hop++ {
		if err != nil {
			b.t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusFound, http.StatusSeeOther:
			loc, perr := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if perr != nil {
				b.t.Fatal(perr)
			}
			if strings.HasPrefix(loc.String(), e2eRedirect) {
				return loc
			}
			resp, err = b.client.Get(loc.String())
			continue
		case http.StatusOK:
			action, fields, perr := oauthtest.ParseFormPost(strings.NewReader(string(body)))
			if perr != nil {
				b.t.Fatalf("GET %s answered a page that is no form_post: %v", resp.Request.URL, perr)
			}
			cookieless := &http.Client{CheckRedirect: b.client.CheckRedirect}
			resp, err = cookieless.PostForm(action, fields)
			if err == nil {
				b.formPosts = append(b.formPosts, resp)
			}
			continue
		}
		b.t.Fatalf("%s %s = %d: %s", resp.Request.Method, resp.Request.URL, resp.StatusCode, body)
	}
	b.t.Fatal("too many redirects")
	return nil
}

// TestEndToEndOAuth signs in with each provider through the real server
// (config, reconcile, authorize, callback) and exchanges the code with
// the SDK, as an application would.
func TestEndToEndOAuth(t *testing.T) {
	s := startStandIns(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "latchkey.yaml")
	if err := os.WriteFile(cfg, []byte(oauthConfig(s)), 0o644); err != nil {
		t.Fatal(err)
	}
	lk := start(t, nil, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", filepath.Join(dir, "lk.db"))
	client := &usermanagement.Client{Endpoint: lk.url, ClientID: e2eClientID}

	tests := []struct {
		provider  string
		srv       *oauthtest.Server
		email     string
		first     string
		tokens    bool
		scopes    []string // provider_scopes
		wantScope string   // the scope parameter the provider saw
	}{
		{"GoogleOAuth", s.google, "gina@acme.test", "Gina", true, []string{"https://www.googleapis.com/auth/drive.readonly", "email"},
			"openid email profile https://www.googleapis.com/auth/drive.readonly"},
		{"MicrosoftOAuth", s.microsoft, "mike@acme.test", "Mike", false, nil, "openid profile email"},
		{"GitHubOAuth", s.github, "octo@acme.test", "Octo", true, []string{"repo"}, "user:email repo"},
		{"AppleOAuth", s.apple, "ann@acme.test", "Ann", false, nil, "name email"},
		{"GitLabOAuth", s.gitlab, "tara@acme.test", "Tara", false, nil, "read_user"},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			pkce, err := usermanagement.NewPKCE()
			if err != nil {
				t.Fatal(err)
			}
			u, err := client.GetAuthorizationURL(context.Background(), usermanagement.GetAuthorizationURLOpts{
				RedirectURI: e2eRedirect, Provider: tt.provider, State: "st " + tt.provider, LoginHint: tt.email,
				ProviderScopes: tt.scopes, CodeChallenge: pkce.CodeChallenge, CodeChallengeMethod: pkce.CodeChallengeMethod,
			})
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("provider_query_params[access_type]", "offline")
			u.RawQuery = q.Encode()

			br := newOAuthBrowser(t)
			final := br.signIn(u.String())
			assertCode(t, final, "st "+tt.provider)
			az := tt.srv.Authorizations()
			if len(az) == 0 || az[len(az)-1].Get("redirect_uri") != lk.url+"/sso/callback" || az[len(az)-1].Get("scope") != tt.wantScope {
				t.Fatalf("the provider saw %v, want redirect_uri %s/sso/callback and scope %q", az, lk.url, tt.wantScope)
			}
			if tt.provider == "AppleOAuth" {
				assertFormPostBounce(t, br, lk.url)
			}

			res, err := client.AuthenticateWithCode(context.Background(), usermanagement.AuthenticateWithCodeOpts{
				Code: final.Query().Get("code"), CodeVerifier: pkce.CodeVerifier})
			if err != nil {
				t.Fatal(err)
			}
			if res.User.Email != tt.email || !res.User.EmailVerified || res.User.FirstName != tt.first ||
				string(res.AuthenticationMethod) != tt.provider || res.OrganizationID != "" {
				t.Errorf("authenticate response %+v", res)
			}
			switch tok := res.OAuthTokens; {
			case !tt.tokens && tok != nil:
				t.Errorf("oauth_tokens %+v from a connection that does not return them", tok)
			case tt.tokens && (tok == nil || tok.Provider != tt.provider || !strings.HasPrefix(tok.AccessToken, "at-") ||
				strings.Join(tok.Scopes, " ") != tt.wantScope):
				t.Errorf("oauth_tokens %+v, want %s's tokens with scopes %q", tok, tt.provider, tt.wantScope)
			case tt.provider == "GoogleOAuth" && (!strings.HasPrefix(tok.RefreshToken, "rt-") || tok.ExpiresAt == 0):
				t.Errorf("oauth_tokens %+v, want Google's refresh token (access_type=offline) and expiry", tok)
			}
			for _, secret := range []string{final.Query().Get("code"), res.AccessToken, res.RefreshToken} {
				if strings.Contains(lk.stderr.String(), secret) {
					t.Errorf("the server logged a secret %.8s…", secret)
				}
			}
			if tok := res.OAuthTokens; tok != nil && strings.Contains(lk.stderr.String(), tok.AccessToken) {
				t.Error("the server logged the provider's access token")
			}
		})
	}
}

// assertFormPostBounce checks the answer to Apple's cookieless form_post:
// a 303 to the same callback as a GET with the form's fields, except the
// id_token.
func assertFormPostBounce(t *testing.T, br *oauthBrowser, public string) {
	t.Helper()
	if len(br.formPosts) != 1 {
		t.Fatalf("%d form posts, want 1", len(br.formPosts))
	}
	resp := br.formPosts[0]
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.String(), public+"/sso/callback?") {
		t.Fatalf("form_post answered %d Location=%q, want 303 to the callback", resp.StatusCode, resp.Header.Get("Location"))
	}
	got := loc.Query()
	for _, k := range []string{"code", "state", "user"} {
		if got.Get(k) == "" {
			t.Errorf("the GET lost the form field %s: %v", k, got)
		}
	}
	if got.Has("id_token") || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("the GET carries the id_token or may leak via Referer: %v %v", got, resp.Header)
	}
}

// TestEndToEndOAuthFailures: a provider that refuses or answers garbage
// ends the sign-in with access_denied, a description that says so, and no
// user created.
func TestEndToEndOAuthFailures(t *testing.T) {
	s := startStandIns(t)
	dir := t.TempDir()
	cfg, dbPath := filepath.Join(dir, "latchkey.yaml"), filepath.Join(dir, "lk.db")
	if err := os.WriteFile(cfg, []byte(oauthConfig(s)), 0o644); err != nil {
		t.Fatal(err)
	}
	lk := start(t, nil, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", dbPath)
	db, err := sqlite.Open(t.Context(), dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	refused, unverifiable := "The identity provider refused the sign-in", "The identity provider's answer could not be verified"
	tests := []struct {
		name     string
		srv      *oauthtest.Server
		provider string
		fault    oauthtest.Fault
		desc     string
	}{
		{"Google: user denies", s.google, "GoogleOAuth", oauthtest.Deny, refused},
		{"Google: token endpoint refuses", s.google, "GoogleOAuth", oauthtest.TokenError, refused},
		{"Google: token endpoint answers 502 HTML", s.google, "GoogleOAuth", oauthtest.TokenGarbage, unverifiable},
		{"Google: ID token badly signed", s.google, "GoogleOAuth", oauthtest.BadSignature, unverifiable},
		{"GitHub: bad verification code", s.github, "GitHubOAuth", oauthtest.TokenError, refused},
		{"GitHub: user API answers HTML", s.github, "GitHubOAuth", oauthtest.APIGarbage, unverifiable},
		{"Apple: token endpoint answers 200 HTML", s.apple, "AppleOAuth", oauthtest.TokenNotJSON, unverifiable},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			email := "victim" + string(rune('a'+i)) + "@fail.test"
			tt.srv.SetUser(oauthtest.User{Subject: "9000" + string(rune('0'+i)), Login: "v", Email: email, EmailVerified: true})
			tt.srv.SetFault(tt.fault)
			defer tt.srv.SetFault(oauthtest.None)
			q := url.Values{"provider": {tt.provider}, "state": {"fail"}}
			final := newOAuthBrowser(t).signIn(authorizeURLFor(lk.url, q))
			got := final.Query()
			t.Logf("error_description: %s", got.Get("error_description"))
			if got.Get("error") != "access_denied" || got.Get("state") != "fail" || !strings.Contains(got.Get("error_description"), tt.desc) {
				t.Fatalf("final redirect %s, want access_denied saying %q", final, tt.desc)
			}
			if got.Has("code") {
				t.Error("a failed sign-in carries a code")
			}
			if _, err := db.GetUserByEmail(t.Context(), email); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("user lookup after a failed sign-in: %v, want no user", err)
			}
		})
	}
	if users, _, err := db.ListUsers(t.Context(), store.UserFilter{}, store.ListOptions{Limit: 100, Order: store.Asc}); err != nil || slices.ContainsFunc(users, func(u store.User) bool {
		return strings.HasSuffix(u.Email, "@fail.test")
	}) {
		t.Errorf("users %v (%v): a failed sign-in created one", users, err)
	}
}
