package oidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/latchkeyhq/latchkey/internal/connector"
)

// fakeOP is a provider whose answers a test writes by hand, to reach the
// verification paths a well-behaved IdP never triggers: foreign audiences
// and issuers, expired tokens, alg confusion, odd claim shapes.
type fakeOP struct {
	srv       *httptest.Server
	published *rsa.PrivateKey // its public half is the JWKS
	signer    jose.SigningKey // signs the ID token
	claims    map[string]any  // of the next ID token
	userinfo  map[string]any
	noIDToken bool
	tokenFail bool // answer the token request with a 500 and a body
}

func newFakeOP(t *testing.T, published *rsa.PrivateKey) *fakeOP {
	t.Helper()
	op := &fakeOP{published: published, signer: jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: published, KeyID: "k1"}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		u := op.srv.URL
		writeJSON(w, map[string]any{
			"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token",
			"userinfo_endpoint": u + "/userinfo", "jwks_uri": u + "/keys",
			// HS256 must be ignored by the connector (alg confusion).
			"id_token_signing_alg_values_supported": []string{"RS256", "HS256"},
			// Only post: the connector must not use basic here.
			"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &op.published.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case op.tokenFail:
			http.Error(w, "stack trace with at-1 and s3cret", http.StatusInternalServerError)
			return
		case r.PostFormValue("client_secret") != "s3cret" || r.PostFormValue("code_verifier") != newRequest("").CodeVerifier:
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(w, map[string]string{"error": "invalid_client"})
			return
		}
		resp := map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}
		if !op.noIDToken {
			resp["id_token"] = op.sign(t)
		}
		writeJSON(w, resp)
	})
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer at-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		writeJSON(w, op.userinfo)
	})
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	op.claims = map[string]any{
		"iss": op.srv.URL, "aud": "latchkey", "sub": "user-1", "nonce": newRequest("").Nonce,
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}
	return op
}

func (op *fakeOP) sign(t *testing.T) string {
	signer, err := jose.NewSigner(op.signer, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Error(err)
		return ""
	}
	payload, _ := json.Marshal(op.claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Error(err)
		return ""
	}
	s, _ := jws.CompactSerialize()
	return s
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func TestIDTokenVerification(t *testing.T) {
	key, other := mustKey(t), mustKey(t)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	later := time.Now().Add(-time.Minute).Unix()

	tests := []struct {
		name         string
		setup        func(op *fakeOP)
		want         *connector.Identity
		wantUpstream string
		wantErr      string
	}{
		{name: "all claims", setup: func(op *fakeOP) {
			op.claims["email"], op.claims["email_verified"] = "alice@acme.test", true
			op.claims["given_name"], op.claims["family_name"] = "Alice", "Liddell"
			op.claims["picture"], op.claims["groups"] = "https://img.test/a.png", []string{"eng", "ops"}
		}, want: &connector.Identity{Subject: "user-1", Email: "alice@acme.test", EmailVerified: true,
			FirstName: "Alice", LastName: "Liddell", PictureURL: "https://img.test/a.png", Groups: []string{"eng", "ops"}}},
		{name: "absent email_verified is false", setup: func(op *fakeOP) { op.claims["email"] = "a@acme.test" },
			want: &connector.Identity{Subject: "user-1", Email: "a@acme.test"}},
		{name: "string email_verified", setup: func(op *fakeOP) { op.claims["email"], op.claims["email_verified"] = "a@acme.test", "true" },
			want: &connector.Identity{Subject: "user-1", Email: "a@acme.test", EmailVerified: true}},
		{name: "name split", setup: func(op *fakeOP) { op.claims["email"], op.claims["name"] = "m@acme.test", "Mary Ann Smith" },
			want: &connector.Identity{Subject: "user-1", Email: "m@acme.test", FirstName: "Mary", LastName: "Ann Smith"}},
		{name: "single group string", setup: func(op *fakeOP) { op.claims["email"], op.claims["groups"] = "a@acme.test", "eng" },
			want: &connector.Identity{Subject: "user-1", Email: "a@acme.test", Groups: []string{"eng"}}},
		{name: "email from userinfo", setup: func(op *fakeOP) {
			op.userinfo = map[string]any{"sub": "user-1", "email": "u@acme.test", "email_verified": true, "given_name": "U", "family_name": "Ser"}
		}, want: &connector.Identity{Subject: "user-1", Email: "u@acme.test", EmailVerified: true, FirstName: "U", LastName: "Ser"}},
		{name: "several audiences with azp", setup: func(op *fakeOP) {
			op.claims["aud"], op.claims["azp"], op.claims["email"] = []string{"latchkey", "api"}, "latchkey", "a@acme.test"
		}, want: &connector.Identity{Subject: "user-1", Email: "a@acme.test"}},

		{name: "userinfo about someone else", setup: func(op *fakeOP) { op.userinfo = map[string]any{"sub": "user-2", "email": "x@acme.test"} }, wantErr: "another subject"},
		{name: "another audience", setup: func(op *fakeOP) { op.claims["aud"] = "someone-else" }, wantErr: "audience"},
		{name: "several audiences without azp", setup: func(op *fakeOP) { op.claims["aud"] = []string{"latchkey", "api"} }, wantErr: "azp"},
		{name: "another issuer", setup: func(op *fakeOP) { op.claims["iss"] = "https://evil.test" }, wantErr: "different provider"},
		{name: "expired", setup: func(op *fakeOP) { op.claims["exp"] = later }, wantErr: "expired"},
		{name: "signed by another key", setup: func(op *fakeOP) {
			op.signer = jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: other, KeyID: "k1"}}
		}, wantErr: "signature"},
		{name: "HS256 with the public key as secret", setup: func(op *fakeOP) {
			op.signer = jose.SigningKey{Algorithm: jose.HS256, Key: der}
		}, wantErr: "HS256"},
		{name: "nonce mismatch", setup: func(op *fakeOP) { op.claims["nonce"] = "replayed" }, wantErr: "nonce"},
		{name: "no nonce", setup: func(op *fakeOP) { delete(op.claims, "nonce") }, wantErr: "nonce"},
		{name: "no sub", setup: func(op *fakeOP) { delete(op.claims, "sub") }, wantErr: "no sub"},
		{name: "at_hash mismatch", setup: func(op *fakeOP) { op.claims["at_hash"] = "bm90LXRoZS1oYXNo" }, wantErr: "at_hash"},
		{name: "no id_token", setup: func(op *fakeOP) { op.noIDToken = true }, wantErr: "no id_token"},
		{name: "token endpoint fails", setup: func(op *fakeOP) { op.tokenFail = true }, wantErr: "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newFakeOP(t, key)
			tt.setup(op)
			c := newConnector(t, Config{Issuer: op.srv.URL})
			req := newRequest("")
			cb := httptest.NewRequest(http.MethodGet, callbackURL+"?code=c-1&state="+req.State, nil)
			got, err := c.HandleCallback(context.Background(), req, cb)
			if tt.want == nil {
				checkErr(t, err, tt.wantUpstream, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != tt.want.Subject || got.Email != tt.want.Email || got.EmailVerified != tt.want.EmailVerified ||
				got.FirstName != tt.want.FirstName || got.LastName != tt.want.LastName ||
				got.PictureURL != tt.want.PictureURL || !slices.Equal(got.Groups, tt.want.Groups) {
				t.Errorf("identity = %+v\nwant       %+v", got, *tt.want)
			}
		})
	}
}

func mustKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
