package devidp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
	lkoidc "github.com/latchkeyhq/latchkey/internal/connector/oidc"
)

// TestSigningAlgorithm checks each algorithm end to end: discovery names
// it, the JWKS publishes a key of its kind, the ID token's header carries
// it, and both go-oidc and Latchkey's GenericOIDC connector verify the
// token, taking the algorithm from discovery as a relying party does.
func TestSigningAlgorithm(t *testing.T) {
	tests := []struct {
		alg, kty, crv string
	}{
		{"", "RSA", ""}, // the default
		{"RS256", "RSA", ""},
		{"ES256", "EC", "P-256"},
	}
	for _, tt := range tests {
		t.Run("alg="+tt.alg, func(t *testing.T) {
			srv := newServer(t, Options{Users: testUsers, SigningAlgorithm: tt.alg})
			want := tt.alg
			if want == "" {
				want = "RS256"
			}
			var doc struct {
				Algs []string `json:"id_token_signing_alg_values_supported"`
			}
			getJSON(t, srv.URL+"/.well-known/openid-configuration", &doc)
			if len(doc.Algs) != 1 || doc.Algs[0] != want {
				t.Errorf("id_token_signing_alg_values_supported = %q, want [%s]", doc.Algs, want)
			}
			var jwks struct {
				Keys []struct{ Kty, Use, Alg, Kid, Crv string } `json:"keys"`
			}
			getJSON(t, srv.URL+"/keys", &jwks)
			if len(jwks.Keys) != 1 {
				t.Fatalf("JWKS has %d keys, want 1", len(jwks.Keys))
			}
			if k := jwks.Keys[0]; k.Kty != tt.kty || k.Crv != tt.crv || k.Alg != want || k.Use != "sig" || k.Kid == "" {
				t.Errorf("JWKS key = %+v, want kty %s crv %q alg %s", k, tt.kty, tt.crv, want)
			}

			ctx := context.Background()
			provider, err := oidc.NewProvider(ctx, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			q := callbackQuery(t, authorize(t, srv, authorizeURL(srv, url.Values{"login_hint": {"alice@acme.test"}})))
			cfg := oauth2.Config{ClientID: "any-client", ClientSecret: "s", Endpoint: provider.Endpoint(), RedirectURL: testRedirect}
			tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(testVerifier))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := tok.Extra("id_token").(string)
			if got := jwtAlg(t, raw); got != want {
				t.Errorf("ID token alg = %q, want %s", got, want)
			}
			idt, err := provider.Verifier(&oidc.Config{ClientID: "any-client"}).Verify(ctx, raw)
			if err != nil {
				t.Fatalf("go-oidc: %v", err)
			}
			if idt.Subject != subject("alice@acme.test") || idt.Nonce != "n-456" {
				t.Errorf("sub %q nonce %q", idt.Subject, idt.Nonce)
			}

			ident := connectorSignIn(t, srv.URL, "alice@acme.test")
			if ident.Subject != idt.Subject || ident.Email != "alice@acme.test" || !ident.EmailVerified {
				t.Errorf("connector identity = %+v", ident)
			}
		})
	}
}

func TestSigningAlgorithmRefused(t *testing.T) {
	for _, alg := range []string{"HS256", "none", "rs256", "ES384", "PS256"} {
		if _, err := New(Options{Issuer: "http://127.0.0.1:9000", SigningAlgorithm: alg}); err == nil {
			t.Errorf("New with SigningAlgorithm %q succeeded", alg)
		}
	}
}

// connectorSignIn signs in through Latchkey's GenericOIDC connector, as
// Latchkey's callback does, and returns the verified identity.
func connectorSignIn(t *testing.T, issuer, hint string) connector.Identity {
	t.Helper()
	ctx := context.Background()
	c, err := lkoidc.New(ctx, lkoidc.Config{Issuer: issuer, ClientID: "latchkey", ClientSecret: "s"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := connector.Request{CallbackURL: testRedirect, State: "st-conn", Nonce: "n-conn", CodeVerifier: testVerifier, LoginHint: hint}
	u, err := c.LoginURL(req)
	if err != nil {
		t.Fatal(err)
	}
	loc := callbackQuery(t, authorizeAt(t, issuer, u))
	ident, err := c.HandleCallback(ctx, req, &http.Request{Method: http.MethodGet, URL: &url.URL{RawQuery: loc.Encode()}})
	if err != nil {
		t.Fatalf("connector: %v", err)
	}
	return ident
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
}

// jwtAlg reads the alg of a compact JWS's header.
func jwtAlg(t *testing.T, raw string) string {
	t.Helper()
	head, _, ok := strings.Cut(raw, ".")
	js, err := base64.RawURLEncoding.DecodeString(head)
	if !ok || err != nil {
		t.Fatalf("ID token %q is not a compact JWS", raw)
	}
	var h struct{ Alg string }
	if err := json.Unmarshal(js, &h); err != nil {
		t.Fatal(err)
	}
	return h.Alg
}
