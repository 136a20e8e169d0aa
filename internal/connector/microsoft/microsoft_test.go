package microsoft

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow/oauthtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const clientID = "6731de76-14a6-49ae-97bc-6eba6914391e"

// alice is a work account whose tenant owns her email's domain.
var alice = oauthtest.User{Subject: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", Email: "alice@acme.test", EmailVerified: true,
	Name: "Alice Liddell", Login: "alice@acme.test", Claims: map[string]any{"xms_edov": true}}

// newConnector starts a stand-in for tenant and a connector pointed at it.
func newConnector(t *testing.T, tenant string, u oauthtest.User, returnTokens bool) (*oauthtest.Server, connector.CallbackConnector) {
	t.Helper()
	srv := oauthtest.NewMicrosoft(t, tenant, clientID, "ms-secret", u)
	e := srv.Endpoints()
	c, err := New(Config{ClientID: clientID, ClientSecret: srv.ClientSecret, Tenant: tenant, AuthURL: e.Authorization,
		TokenURL: e.Token, ReturnTokens: returnTokens}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestConformance(t *testing.T) {
	oauthtest.RunConformance(t, oauthtest.Setup{Kind: oauthtest.Microsoft, User: alice,
		New: func(t *testing.T, u oauthtest.User, rt bool) (*oauthtest.Server, connector.CallbackConnector) {
			return newConnector(t, Common, u, rt)
		}})
}

// TestLoginURL pins the exact authorization URL sent to the real
// Microsoft identity platform.
func TestLoginURL(t *testing.T) {
	base := connector.Request{CallbackURL: "https://auth.example.com/sso/callback", State: "state-abc", Nonce: "nonce-def",
		CodeVerifier: "verifier-0123456789-0123456789-0123456789-xyz"}
	hints := base
	hints.LoginHint, hints.DomainHint, hints.Prompt = "alice@acme.test", "acme.test", "login"
	scopes := base
	scopes.ExtraScopes = []string{"offline_access", "User.Read", "email"}
	params := base
	params.QueryParams = map[string]string{"claims": `{"id_token":{"xms_edov":null}}`, "response_mode": "fragment", "scope": "x", "nonce": "x"}
	tests := []struct {
		name string
		cfg  Config
		req  connector.Request
	}{
		{"common by default", Config{}, base},
		{"organizations", Config{Tenant: Organizations}, base},
		{"a tenant ID", Config{Tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47"}, base},
		{"hints", Config{}, hints},
		{"provider scopes merged without duplicates", Config{}, scopes},
		{"query params without protocol params", Config{}, params},
	}
	var b strings.Builder
	for _, tt := range tests {
		tt.cfg.ClientID, tt.cfg.ClientSecret = clientID, "secret"
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

// TestTenants: the configured tenant limits whose tokens are accepted.
func TestTenants(t *testing.T) {
	const work, other = oauthtest.MicrosoftWorkTenant, "0b1f0c56-8a8e-4c44-a4a7-2f0d1b0c0a11"
	tests := []struct {
		tenant, tid string
		ok          bool
	}{
		{Common, work, true},
		{Common, ConsumersTenantID, true},
		{Organizations, work, true},
		{Organizations, ConsumersTenantID, false},
		{Consumers, ConsumersTenantID, true},
		{Consumers, work, false},
		{work, work, true},
		{work, other, false},
		{Common, "not-a-guid", false},
	}
	for _, tt := range tests {
		t.Run(tt.tenant+" "+tt.tid, func(t *testing.T) {
			u := alice
			u.TenantID = tt.tid
			_, c := newConnector(t, tt.tenant, u, false)
			_, err := oauthtest.SignIn(t, c, oauthtest.NewRequest())
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && (err == nil || !strings.Contains(err.Error(), "issuer")) {
				t.Fatalf("err = %v, want the issuer refused", err)
			}
		})
	}
}

// TestProfile: the email counts as verified only where Microsoft vouches
// for it (nOAuth).
func TestProfile(t *testing.T) {
	tests := []struct {
		name string
		user oauthtest.User
		want connector.Identity
	}{
		{"work account, domain verified (xms_edov)", alice,
			connector.Identity{Subject: alice.Subject, Email: "alice@acme.test", EmailVerified: true, FirstName: "Alice", LastName: "Liddell"}},
		{"work account without xms_edov", oauthtest.User{Subject: "s2", Email: "bob@acme.test", Name: "Bob"},
			connector.Identity{Subject: "s2", Email: "bob@acme.test", FirstName: "Bob"}},
		{"personal account", oauthtest.User{Subject: "s3", Email: "carol@outlook.test", TenantID: ConsumersTenantID,
			Claims: map[string]any{"given_name": "Carol", "family_name": "Smith"}},
			connector.Identity{Subject: "s3", Email: "carol@outlook.test", EmailVerified: true, FirstName: "Carol", LastName: "Smith"}},
		{"no email claim: the sign-in name, unverified", oauthtest.User{Subject: "s4", Login: "dave@acme.test", Claims: map[string]any{"xms_edov": true}},
			connector.Identity{Subject: "s4", Email: "dave@acme.test"}},
		{"xms_edov false", oauthtest.User{Subject: "s5", Email: "erin@acme.test", Claims: map[string]any{"xms_edov": false}},
			connector.Identity{Subject: "s5", Email: "erin@acme.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newConnector(t, Common, tt.user, false)
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

func TestNewRefusesBadTenant(t *testing.T) {
	for _, tenant := range []string{"a/b", "x?y", "a b"} {
		if _, err := New(Config{ClientID: clientID, Tenant: tenant}, nil); err == nil {
			t.Errorf("tenant %q accepted", tenant)
		}
	}
}
