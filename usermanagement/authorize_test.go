package usermanagement

import (
	"context"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// RFC 7636 Appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

const (
	testClientID = "client_01JABCDEFGHJKMNPQRSTVWXYZ0"
	testRedirect = "http://localhost:3000/callback"
	testOrgID    = "org_01JABCDEFGHJKMNPQRSTVWXYZ1"
	testConnID   = "conn_01JABCDEFGHJKMNPQRSTVWXYZ2"
)

func latchkeyClient() *Client {
	return &Client{Endpoint: "http://127.0.0.1:8080"}
}

// TestGetAuthorizationURLGolden fixes the exact URL of each option set, so
// any change in order or encoding shows up in review as a golden diff.
func TestGetAuthorizationURLGolden(t *testing.T) {
	base := GetAuthorizationURLOpts{ClientID: testClientID, RedirectURI: testRedirect}
	with := func(f func(*GetAuthorizationURLOpts)) GetAuthorizationURLOpts {
		o := base
		o.ProviderScopes = slices.Clone(base.ProviderScopes)
		f(&o)
		return o
	}
	cases := []struct {
		name   string
		client *Client
		opts   GetAuthorizationURLOpts
	}{
		{"authkit", latchkeyClient(), with(func(o *GetAuthorizationURLOpts) { o.Provider = ProviderAuthKit })},
		{"connection", latchkeyClient(), with(func(o *GetAuthorizationURLOpts) { o.ConnectionID = testConnID })},
		{"organization", latchkeyClient(), with(func(o *GetAuthorizationURLOpts) { o.OrganizationID = testOrgID })},
		{"every_parameter", latchkeyClient(), with(func(o *GetAuthorizationURLOpts) {
			o.CodeChallenge = rfcChallenge
			o.CodeChallengeMethod = CodeChallengeMethodS256
			o.OrganizationID = testOrgID
			o.Provider = ProviderAuthKit
			o.State = "opaque-state"
			o.LoginHint = "alice@acme.test"
			o.DomainHint = "acme.test"
			o.ScreenHint = SignUp
			o.ProviderScopes = []string{"openid", "email"}
		})},
		{"provider_scopes", latchkeyClient(), with(func(o *GetAuthorizationURLOpts) {
			o.Provider = ProviderGoogleOAuth
			// An empty entry is skipped; a comma is encoded (the server
			// will split there).
			o.ProviderScopes = []string{"https://www.googleapis.com/auth/calendar.readonly", "", "openid", "a,b"}
		})},
		{"escaping", latchkeyClient(), with(func(o *GetAuthorizationURLOpts) {
			o.RedirectURI = "http://localhost:3000/callback?next=/a b&x=1"
			o.Provider = ProviderAuthKit
			o.State = "a b&c=d+e#f%g/h?i é ☃ 日本"
			o.LoginHint = "user+tag@example.com & co=1"
			o.DomainHint = "exämple.test"
		})},
		{"client_defaults", &Client{ClientID: testClientID}, GetAuthorizationURLOpts{
			RedirectURI: testRedirect, Provider: ProviderMicrosoftOAuth, ScreenHint: SignIn,
		}},
		{"endpoint_prefix", &Client{Endpoint: "https://example.com/latchkey/"}, with(func(o *GetAuthorizationURLOpts) {
			o.Provider = ProviderGitHubOAuth
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := tc.client.GetAuthorizationURL(context.Background(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "authorize_"+tc.name+".golden", u.String()+"\n")
			checkRoundTrip(t, tc.client, tc.opts, u)
		})
	}
}

// checkRoundTrip decodes the URL as the server will and compares every
// parameter with the options, byte for byte.
func checkRoundTrip(t *testing.T, c *Client, o GetAuthorizationURLOpts, u *url.URL) {
	t.Helper()
	parsed, err := url.Parse(u.String())
	if err != nil {
		t.Fatal(err)
	}
	q, err := url.ParseQuery(parsed.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"response_type": "code", "client_id": c.clientID(o.ClientID), "redirect_uri": o.RedirectURI,
		"code_challenge": o.CodeChallenge, "code_challenge_method": o.CodeChallengeMethod,
		"connection_id": o.ConnectionID, "organization_id": o.OrganizationID, "provider": o.Provider,
		"state": o.State, "login_hint": o.LoginHint, "domain_hint": o.DomainHint, "screen_hint": string(o.ScreenHint),
	}
	for k, v := range want {
		if got := q[k]; (v == "" && got != nil) || (v != "" && !slices.Equal(got, []string{v})) {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	wantScopes := slices.DeleteFunc(slices.Clone(o.ProviderScopes), func(s string) bool { return s == "" })
	if got := q["provider_scopes"]; !slices.Equal(got, wantScopes) {
		t.Errorf("provider_scopes = %q, want %q", got, wantScopes)
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s:\n got %s\nwant %s", path, got, want)
	}
}

func TestGetAuthorizationURLErrors(t *testing.T) {
	ok := GetAuthorizationURLOpts{ClientID: testClientID, RedirectURI: testRedirect, Provider: ProviderAuthKit}
	with := func(f func(*GetAuthorizationURLOpts)) GetAuthorizationURLOpts {
		o := ok
		f(&o)
		return o
	}
	cases := []struct {
		name string
		opts GetAuthorizationURLOpts
		want error
	}{
		{"no client ID", with(func(o *GetAuthorizationURLOpts) { o.ClientID = "" }), ErrMissingClientID},
		{"no redirect URI", with(func(o *GetAuthorizationURLOpts) { o.RedirectURI = "" }), ErrMissingRedirectURI},
		{"relative redirect URI", with(func(o *GetAuthorizationURLOpts) { o.RedirectURI = "/callback" }), ErrInvalidRedirectURI},
		{"redirect URI with fragment", with(func(o *GetAuthorizationURLOpts) { o.RedirectURI = testRedirect + "#x" }), ErrInvalidRedirectURI},
		{"unparsable redirect URI", with(func(o *GetAuthorizationURLOpts) { o.RedirectURI = "http://[::1" }), ErrInvalidRedirectURI},
		{"no selector", with(func(o *GetAuthorizationURLOpts) { o.Provider = "" }), ErrSelectorRequired},
		{"connection and organization", with(func(o *GetAuthorizationURLOpts) {
			o.Provider, o.ConnectionID, o.OrganizationID = "", testConnID, testOrgID
		}), ErrMultipleSelectors},
		{"connection and provider", with(func(o *GetAuthorizationURLOpts) { o.ConnectionID = testConnID }), ErrMultipleSelectors},
		{"oauth provider and organization", with(func(o *GetAuthorizationURLOpts) {
			o.Provider, o.OrganizationID = ProviderGoogleOAuth, testOrgID
		}), ErrMultipleSelectors},
		{"all three selectors", with(func(o *GetAuthorizationURLOpts) {
			o.ConnectionID, o.OrganizationID = testConnID, testOrgID
		}), ErrMultipleSelectors},
		{"plain method", with(func(o *GetAuthorizationURLOpts) {
			o.CodeChallenge, o.CodeChallengeMethod = rfcChallenge, "plain"
		}), ErrCodeChallengeMethod},
		{"lower-case s256", with(func(o *GetAuthorizationURLOpts) {
			o.CodeChallenge, o.CodeChallengeMethod = rfcChallenge, "s256"
		}), ErrCodeChallengeMethod},
		{"challenge without method", with(func(o *GetAuthorizationURLOpts) { o.CodeChallenge = rfcChallenge }), ErrCodeChallengeMethod},
		{"method without challenge", with(func(o *GetAuthorizationURLOpts) { o.CodeChallengeMethod = "S256" }), ErrCodeChallengeMethod},
		{"short challenge", with(func(o *GetAuthorizationURLOpts) {
			o.CodeChallenge, o.CodeChallengeMethod = rfcChallenge[:42], "S256"
		}), ErrInvalidCodeChallenge},
		{"long challenge", with(func(o *GetAuthorizationURLOpts) {
			o.CodeChallenge, o.CodeChallengeMethod = strings.Repeat("a", 129), "S256"
		}), ErrInvalidCodeChallenge},
		{"challenge with padding", with(func(o *GetAuthorizationURLOpts) {
			o.CodeChallenge, o.CodeChallengeMethod = rfcChallenge+"=", "S256"
		}), ErrInvalidCodeChallenge},
		{"state not UTF-8", with(func(o *GetAuthorizationURLOpts) { o.State = "a\xff" }), ErrInvalidUTF8},
		{"scope not UTF-8", with(func(o *GetAuthorizationURLOpts) { o.ProviderScopes = []string{"ok", "\xc3"} }), ErrInvalidUTF8},
		{"unknown screen hint", with(func(o *GetAuthorizationURLOpts) { o.ScreenHint = "signup" }), ErrInvalidScreenHint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := latchkeyClient().GetAuthorizationURL(context.Background(), tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if u != nil {
				t.Errorf("url = %v, want nil with an error", u)
			}
		})
	}
}

func TestGetAuthorizationURLAccepts(t *testing.T) {
	cases := map[string]GetAuthorizationURLOpts{
		"authkit with organization": {Provider: ProviderAuthKit, OrganizationID: testOrgID},
		"longest challenge":         {Provider: ProviderAuthKit, CodeChallenge: strings.Repeat("~", 128), CodeChallengeMethod: "S256"},
		"screen hint elsewhere":     {ConnectionID: testConnID, ScreenHint: SignUp},
		"provider outside the list": {Provider: "SlackOAuth"},
		"custom scheme redirect":    {Provider: ProviderAuthKit, RedirectURI: "myapp://callback"},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			o.ClientID = testClientID
			if o.RedirectURI == "" {
				o.RedirectURI = testRedirect
			}
			if _, err := latchkeyClient().GetAuthorizationURL(context.Background(), o); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEndpointErrors(t *testing.T) {
	opts := GetAuthorizationURLOpts{ClientID: testClientID, RedirectURI: testRedirect, Provider: ProviderAuthKit}
	for _, endpoint := range []string{"127.0.0.1:8080", "ftp://example.com", "http://", "http://h/?q=1", "http://u:p@h", "http://h/#f", "http://[::1"} {
		c := &Client{Endpoint: endpoint}
		if u, err := c.GetAuthorizationURL(context.Background(), opts); err == nil {
			t.Errorf("endpoint %q: got %v, want an error", endpoint, u)
		}
	}
}

func TestPackageLevelFunctionsUseDefaultClient(t *testing.T) {
	saved := *DefaultClient
	t.Cleanup(func() { *DefaultClient = saved })
	SetAPIKey("sk_test_default")
	DefaultClient.Endpoint = "http://127.0.0.1:8080"
	if DefaultClient.APIKey != "sk_test_default" {
		t.Fatal("SetAPIKey did not set DefaultClient.APIKey")
	}
	u, err := GetAuthorizationURL(context.Background(), GetAuthorizationURLOpts{
		ClientID: testClientID, RedirectURI: testRedirect, Provider: ProviderAuthKit,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.String(), "http://127.0.0.1:8080/user_management/authorize?") {
		t.Errorf("url = %s", u)
	}
	if NewClient("k").Endpoint != DefaultEndpoint {
		t.Error("NewClient does not default to the WorkOS endpoint")
	}
}

// FuzzAuthorizationURL checks that whatever the state and login hint hold,
// the server reads back exactly what the caller passed.
func FuzzAuthorizationURL(f *testing.F) {
	f.Add("a b&c=d+e#f%g", "user+tag@example.com")
	f.Add("\x00\u00ff;,/?", "日本")
	f.Add("\xff", "")
	f.Fuzz(func(t *testing.T, state, hint string) {
		o := GetAuthorizationURLOpts{ClientID: testClientID, RedirectURI: testRedirect, Provider: ProviderAuthKit, State: state, LoginHint: hint}
		u, err := latchkeyClient().GetAuthorizationURL(context.Background(), o)
		if !utf8.ValidString(state) || !utf8.ValidString(hint) {
			if !errors.Is(err, ErrInvalidUTF8) {
				t.Fatalf("err = %v, want ErrInvalidUTF8", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkRoundTrip(t, latchkeyClient(), o, u)
	})
}
