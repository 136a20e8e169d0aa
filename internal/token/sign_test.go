package token

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/secrets"
)

var fullClaims = Claims{
	Subject: "user_01", SessionID: "session_01", OrganizationID: "org_01", Role: "admin",
	Roles: []string{"admin", "member"}, Permissions: []string{"posts:read", "posts:write"},
	Entitlements: []string{"audit-logs"}, FeatureFlags: []string{"beta"},
}

func TestSignVerifiesAgainstJWKS(t *testing.T) {
	cases := []struct {
		name string
		alg  string
		ttl  time.Duration
	}{
		{"RS256 by default", "", 0},
		{"RS256", RS256, 10 * time.Minute},
		{"ES256", ES256, time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := newClock()
			k := mustKeys(t, openSQLite(t), newBox(t, secrets.NewMasterKey()),
				Options{Algorithm: c.alg, AccessTokenTTL: c.ttl, Now: clk.Now})
			tok, expiresAt, err := k.Sign(fullClaims)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			h, claims := verifyWithJWKS(t, k.JWKS(), tok)
			wantAlg := c.alg
			if wantAlg == "" {
				wantAlg = RS256
			}
			if h.KeyID != k.KeyID() || h.Algorithm != wantAlg || h.ExtraHeaders["typ"] != "JWT" {
				t.Fatalf("header kid=%q alg=%q typ=%v, want %s %s JWT", h.KeyID, h.Algorithm, h.ExtraHeaders["typ"], k.KeyID(), wantAlg)
			}
			for name, want := range map[string]any{
				"iss": issuer, "sub": "user_01", "sid": "session_01", "org_id": "org_01", "role": "admin",
				"roles": []any{"admin", "member"}, "permissions": []any{"posts:read", "posts:write"},
				"entitlements": []any{"audit-logs"}, "feature_flags": []any{"beta"},
			} {
				if !reflect.DeepEqual(claims[name], want) {
					t.Errorf("claim %s = %#v, want %#v", name, claims[name], want)
				}
			}
			jti, _ := claims["jti"].(string)
			iat, _ := claims["iat"].(float64)
			exp, _ := claims["exp"].(float64)
			if jti == "" || iat == 0 || exp == 0 {
				t.Fatalf("jti=%#v iat=%#v exp=%#v, want a string and two numbers", claims["jti"], claims["iat"], claims["exp"])
			}
			ttl := c.ttl
			if ttl == 0 {
				ttl = DefaultAccessTokenTTL
			}
			if time.Duration(exp-iat)*time.Second != ttl {
				t.Errorf("exp - iat = %vs, want %v", exp-iat, ttl)
			}
			if int64(iat) != clk.Now().Unix() || !expiresAt.Equal(time.Unix(int64(exp), 0)) {
				t.Errorf("iat %v exp %v expiresAt %v; now %v", iat, exp, expiresAt, clk.Now())
			}

			got, err := k.Verify(tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !reflect.DeepEqual(got.Claims, fullClaims) || got.ID != jti || got.KeyID != k.KeyID() || !got.ExpiresAt.Equal(expiresAt) {
				t.Fatalf("Verify = %+v", got)
			}
		})
	}
}

func TestSignMinimalClaims(t *testing.T) {
	k := mustKeys(t, openSQLite(t), newBox(t, secrets.NewMasterKey()), Options{})
	tok, _, err := k.Sign(Claims{Subject: "user_01", SessionID: "session_01"})
	if err != nil {
		t.Fatal(err)
	}
	_, claims := verifyWithJWKS(t, k.JWKS(), tok)
	for _, name := range []string{"org_id", "role"} {
		if _, ok := claims[name]; ok {
			t.Errorf("claim %s present without a value", name)
		}
	}
	for _, name := range []string{"roles", "permissions", "entitlements", "feature_flags"} {
		if v, ok := claims[name].([]any); !ok || len(v) != 0 {
			t.Errorf("claim %s = %#v, want []", name, claims[name])
		}
	}
}

func TestJTIUnique(t *testing.T) {
	k := mustKeys(t, openSQLite(t), newBox(t, secrets.NewMasterKey()), Options{Algorithm: ES256})
	seen := make(map[string]bool)
	for range 1000 {
		tok, _, err := k.Sign(Claims{Subject: "user_01", SessionID: "session_01"})
		if err != nil {
			t.Fatal(err)
		}
		at, err := k.Verify(tok)
		if err != nil {
			t.Fatal(err)
		}
		if seen[at.ID] {
			t.Fatalf("jti %s repeated", at.ID)
		}
		seen[at.ID] = true
	}
}

func TestVerifyRejects(t *testing.T) {
	clk := newClock()
	st := openSQLite(t)
	box := newBox(t, secrets.NewMasterKey())
	k := mustKeys(t, st, box, Options{Now: clk.Now})
	tok, _, err := k.Sign(fullClaims)
	if err != nil {
		t.Fatal(err)
	}
	otherIssuer := mustKeys(t, st, box, Options{Issuer: "https://elsewhere.test", Now: clk.Now})
	stranger := mustKeys(t, openSQLite(t), newBox(t, secrets.NewMasterKey()), Options{Now: clk.Now})
	strangerTok, _, _ := stranger.Sign(fullClaims)

	parts := strings.Split(tok, ".")
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString(mustJSON(t, map[string]any{"iss": issuer, "sub": "user_admin"})) + "." + parts[2]
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"`+k.KeyID()+`"}`)) + "." + parts[1] + "."

	cases := []struct {
		name  string
		keys  *Keys
		token string
		want  error
	}{
		{"garbage", k, "not.a.jwt", ErrInvalidToken},
		{"empty", k, "", ErrInvalidToken},
		{"tampered claims", k, forged, ErrInvalidToken},
		{"alg none", k, none, ErrInvalidToken},
		{"unknown key", k, strangerTok, ErrInvalidToken},
		{"other issuer", otherIssuer, tok, ErrInvalidToken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.keys.Verify(c.token); !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}

	t.Run("expired", func(t *testing.T) {
		clk.Advance(DefaultAccessTokenTTL - time.Second)
		if _, err := k.Verify(tok); err != nil {
			t.Fatalf("Verify just before exp: %v", err)
		}
		clk.Advance(time.Second)
		at, err := k.Verify(tok)
		if !errors.Is(err, ErrExpiredToken) || at.SessionID != fullClaims.SessionID {
			t.Fatalf("Verify at exp = %+v, %v; want the token and ErrExpiredToken", at, err)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRefreshToken(t *testing.T) {
	raw, hash := NewRefreshToken()
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) != 32 {
		t.Fatalf("refresh token %q: %d bytes, %v; want 32 bytes of base64url", raw, len(b), err)
	}
	if hash != HashRefreshToken(raw) || len(hash) != 64 || strings.Contains(hash, raw) {
		t.Fatalf("hash %q of %q", hash, raw)
	}
	// SHA-256 of "abc" (FIPS 180-2 test vector).
	if got := HashRefreshToken("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("HashRefreshToken(abc) = %s", got)
	}
	if other, _ := NewRefreshToken(); other == raw {
		t.Fatal("two refresh tokens are equal")
	}
}
