package authenticate_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// TestJWKS checks GET /sso/jwks/{client_id}; every answer is validated
// against the document's JwksResponse and 404 schemas.
func TestJWKS(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		t.Run("known client", func(t *testing.T) {
			res := e.do(t, rawRequest(http.MethodGet, "/sso/jwks/"+e.app.ID, "", ""))
			if res.status != http.StatusOK {
				t.Fatalf("%d %s", res.status, res.body)
			}
			if cc := res.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") || strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control %q, want a max-age", cc)
			}
			var set jose.JSONWebKeySet
			if err := json.Unmarshal(res.body, &set); err != nil {
				t.Fatal(err)
			}
			if len(set.Keys) == 0 || len(set.Key(e.keys.KeyID())) != 1 {
				t.Fatalf("the signing key %s is not published: %s", e.keys.KeyID(), res.body)
			}
			for _, k := range set.Keys {
				if !k.IsPublic() {
					t.Fatalf("key %s is not public", k.KeyID)
				}
			}
		})
		t.Run("rotation", func(t *testing.T) {
			before, _ := e.signIn(t)
			oldKID := e.keys.KeyID()
			if _, err := e.keys.Rotate(e.ctx); err != nil {
				t.Fatal(err)
			}
			if e.keys.KeyID() == oldKID {
				t.Fatal("Rotate kept the signing key")
			}
			after, _ := e.signIn(t)
			// Both verify against the JWKS: the retired key stays published
			// until every token it signed expired.
			e.verify(t, e.app.ID, before.AccessToken)
			e.verify(t, e.app.ID, after.AccessToken)
			// A refresh signs with the new key.
			next := e.refresh(t, before.RefreshToken, nil).wantTokens(t)
			e.verify(t, e.app.ID, next.AccessToken)
		})
		t.Run("unknown client", func(t *testing.T) {
			res := e.do(t, rawRequest(http.MethodGet, "/sso/jwks/client_01UNKNOWN0000000000000000", "", ""))
			if res.status != http.StatusNotFound {
				t.Fatalf("%d %s, want 404", res.status, res.body)
			}
		})
	})
}
