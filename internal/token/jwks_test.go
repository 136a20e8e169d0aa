package token

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/secrets"
)

func TestJWKSHandler(t *testing.T) {
	st := openSQLite(t)
	box := newBox(t, secrets.NewMasterKey())
	rsaKeys := mustKeys(t, st, box, Options{})
	ecKeys := mustKeys(t, st, box, Options{Algorithm: ES256}) // publishes both keys
	if err := rsaKeys.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	known := func(_ context.Context, clientID string) (bool, error) {
		if clientID == "client_down" {
			return false, errors.New("database is down")
		}
		return clientID == "client_known", nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+JWKSPath, rsaKeys.JWKSHandler(known))

	cases := []struct {
		name, clientID string
		status         int
		code           string
	}{
		{"known client", "client_known", http.StatusOK, ""},
		{"unknown client", "client_unknown", http.StatusNotFound, "entity_not_found"},
		{"lookup fails", "client_down", http.StatusServiceUnavailable, "service_unavailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sso/jwks/"+c.clientID, nil))
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if c.status != http.StatusOK {
				var body struct{ Code, Message string }
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Code != c.code || body.Message == "" {
					t.Fatalf("error body %s (%v), want code %s and a message", rec.Body, err, c.code)
				}
				if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
					t.Errorf("error Cache-Control %q, want no-store", cc)
				}
				return
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=300" {
				t.Errorf("Cache-Control %q", cc)
			}
			checkPublicJWKS(t, rec.Body.Bytes(), map[string]string{rsaKeys.KeyID(): RS256, ecKeys.KeyID(): ES256})
		})
	}
}

// checkPublicJWKS checks that jwks holds exactly the wanted keys (kid →
// alg), each with the members verifiers need and no private one.
func checkPublicJWKS(t *testing.T, jwks []byte, want map[string]string) {
	t.Helper()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("body is not a key set: %v\n%s", err, jwks)
	}
	if len(set.Keys) != len(want) {
		t.Fatalf("%d keys, want %d:\n%s", len(set.Keys), len(want), jwks)
	}
	for _, k := range set.Keys {
		kid, _ := k["kid"].(string)
		alg, ok := want[kid]
		if !ok || k["alg"] != alg || k["use"] != "sig" {
			t.Errorf("key kid=%v alg=%v use=%v not wanted", k["kid"], k["alg"], k["use"])
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("key %s publishes private member %q", kid, private)
			}
		}
		required := []string{"kty", "x5c", "x5t#S256"} // the WorkOS schema requires the certificate
		if alg == RS256 {
			required = append(required, "n", "e")
		} else {
			required = append(required, "crv", "x", "y")
		}
		for _, m := range required {
			if _, ok := k[m]; !ok {
				t.Errorf("key %s lacks %q", kid, m)
			}
		}
	}
}
