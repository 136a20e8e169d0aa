package apple

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow/oauthtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const servicesID = "com.example.web"

var alice = oauthtest.User{Subject: "001234.abcdef0123456789abcdef0123456789.1234", Email: "alice@privaterelay.appleid.test",
	EmailVerified: true, AppleName: &[2]string{"Alice", "Liddell"}}

type setup struct {
	srv  *oauthtest.Server
	team *oauthtest.AppleTeam
	conn *Connector
}

// newSetup starts an Apple stand-in for a fresh team and a connector
// pointed at it.
func newSetup(t *testing.T, u oauthtest.User, returnTokens bool, now func() time.Time) setup {
	t.Helper()
	team := oauthtest.NewAppleTeam(t)
	srv := oauthtest.NewApple(t, servicesID, team, u)
	e := srv.Endpoints()
	c, err := New(Config{ClientID: servicesID, TeamID: team.TeamID, KeyID: team.KeyID, PrivateKey: team.PEM,
		AuthURL: e.Authorization, TokenURL: e.Token, ReturnTokens: returnTokens, Now: now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return setup{srv, team, c}
}

func TestConformance(t *testing.T) {
	oauthtest.RunConformance(t, oauthtest.Setup{Kind: oauthtest.Apple, User: alice,
		New: func(t *testing.T, u oauthtest.User, rt bool) (*oauthtest.Server, connector.CallbackConnector) {
			s := newSetup(t, u, rt, nil)
			return s.srv, s.conn
		}})
}

// TestClientSecret checks the JWT sent as client_secret: ES256 under the
// key ID, iss the team, sub the Services ID, aud Apple, and a short life.
func TestClientSecret(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	s := newSetup(t, alice, false, func() time.Time { return now })
	if _, err := oauthtest.SignIn(t, s.conn, oauthtest.NewRequest()); err != nil {
		t.Fatal(err)
	}
	trs := s.srv.TokenRequests()
	if len(trs) != 1 {
		t.Fatalf("%d token requests", len(trs))
	}
	raw := trs[0].Form.Get("client_secret")
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("client_secret is not an ES256 JWT: %v", err)
	}
	if h := tok.Headers[0]; h.Algorithm != "ES256" || h.KeyID != s.team.KeyID {
		t.Errorf("header alg=%s kid=%s, want ES256 and %s", h.Algorithm, h.KeyID, s.team.KeyID)
	}
	var got map[string]any
	if err := tok.Claims(&s.team.Key.PublicKey, &got); err != nil {
		t.Fatalf("signature does not verify with the team's key: %v", err)
	}
	want := map[string]any{"iss": s.team.TeamID, "sub": servicesID, "aud": "https://appleid.apple.com",
		"iat": float64(now.Unix()), "exp": float64(now.Add(SecretTTL).Unix())}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("claims %v, want %v", got, want)
	}
	if _, err := s.team.ParseSecret(raw, servicesID, now); err != nil {
		t.Error(err)
	}
}

// TestLoginURL pins the exact authorization URL sent to the real Apple.
func TestLoginURL(t *testing.T) {
	team := oauthtest.NewAppleTeam(t)
	base := connector.Request{CallbackURL: "https://auth.example.com/sso/callback", State: "state-abc", Nonce: "nonce-def",
		CodeVerifier: "verifier-0123456789-0123456789-0123456789-xyz"}
	hints := base
	hints.LoginHint, hints.DomainHint, hints.Prompt = "alice@x.test", "x.test", "login"
	params := base
	params.QueryParams = map[string]string{"response_mode": "query", "locale": "fr_FR", "nonce": "x"}
	tests := []struct {
		name   string
		scopes []string
		req    connector.Request
	}{
		{"minimal: form_post, name and email", nil, base},
		{"no hints forwarded", nil, hints},
		{"response_mode cannot be overridden", nil, params},
		{"email only", []string{"email"}, base},
		{"provider scopes left out", nil, func() connector.Request { r := base; r.ExtraScopes = []string{"openid", "calendar"}; return r }()},
	}
	var b strings.Builder
	for _, tt := range tests {
		c, err := New(Config{ClientID: servicesID, TeamID: team.TeamID, KeyID: team.KeyID, PrivateKey: team.PEM, Scopes: tt.scopes}, nil)
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

// TestProfile: the name comes from the user form field, sent on the first
// sign-in only; the email only from the ID token.
func TestProfile(t *testing.T) {
	first := alice
	later := alice
	later.AppleName = nil
	unverified := oauthtest.User{Subject: "000001.x.0001", Email: "bob@x.test"}
	tests := []struct {
		name string
		user oauthtest.User
		form func(*http.Request) // changes the posted form
		want connector.Identity
	}{
		{"first sign-in", first, nil, connector.Identity{Subject: alice.Subject, Email: alice.Email, EmailVerified: true, FirstName: "Alice", LastName: "Liddell"}},
		{"later sign-in", later, nil, connector.Identity{Subject: alice.Subject, Email: alice.Email, EmailVerified: true}},
		{"unverified email", unverified, nil, connector.Identity{Subject: unverified.Subject, Email: "bob@x.test"}},
		{"user field cannot set the email", later, func(r *http.Request) {
			r.Form.Set("user", `{"name":{"firstName":"Mallory"},"email":"victim@x.test"}`)
		}, connector.Identity{Subject: alice.Subject, Email: alice.Email, EmailVerified: true, FirstName: "Mallory"}},
		{"malformed user field is ignored", later, func(r *http.Request) { r.Form.Set("user", "{") },
			connector.Identity{Subject: alice.Subject, Email: alice.Email, EmailVerified: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, tt.user, false, nil)
			req := oauthtest.NewRequest()
			u, err := s.conn.LoginURL(req)
			if err != nil {
				t.Fatal(err)
			}
			cb := oauthtest.Callback(t, u)
			if cb.Method != http.MethodPost {
				t.Fatalf("callback is a %s, want Apple's form_post", cb.Method)
			}
			if tt.form != nil {
				if err := cb.ParseForm(); err != nil {
					t.Fatal(err)
				}
				tt.form(cb)
			}
			got, err := s.conn.HandleCallback(t.Context(), req, cb)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("identity %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewRefusesBadKeys(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p8 := func(k any) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	for name, key := range map[string]string{
		"empty": "", "not PEM": "MIGTAgEAMBMG", "P-384": p8(p384), "RSA": p8(rsaKey),
		"SEC 1 PEM": "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
	} {
		if _, err := New(Config{ClientID: servicesID, TeamID: "TEAM123456", KeyID: "KEY1234567", PrivateKey: key}, nil); err == nil {
			t.Errorf("%s: key accepted", name)
		}
	}
}
