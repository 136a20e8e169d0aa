package authenticate_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCodeExchange measures one code exchange through the whole
// handler stack (middleware, CORS, handler, store, signing): by a public
// client with PKCE, and by a confidential client with its secret once the
// API-key cache is warm (the argon2id check happens once per key and TTL).
func BenchmarkCodeExchange(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			e := newEnv(b, be.open(b))
			for _, c := range []struct {
				name   string
				params func(code string) params
				pkce   bool
			}{
				{"public-pkce", func(code string) params {
					return params{"grant_type": "authorization_code", "client_id": e.app.ID, "code": code, "code_verifier": verifier}
				}, true},
				{"confidential-secret", func(code string) params {
					return params{"grant_type": "authorization_code", "client_id": e.app.ID, "code": code, "client_secret": e.secret}
				}, false},
			} {
				b.Run(c.name, func(b *testing.B) {
					g := e.ssoGrant()
					if c.pkce {
						g.CodeChallenge = challenge(verifier)
					}
					exchange := func(code string) {
						rec := httptest.NewRecorder()
						e.handler.ServeHTTP(rec, authRequest(b, asJSON, c.params(code)))
						if rec.Code != http.StatusOK {
							b.Fatalf("exchange: %d %s", rec.Code, rec.Body)
						}
					}
					exchange(e.issueCode(b, g)) // warms the key cache and the catalog
					codes := make([]string, b.N)
					for i := range codes {
						codes[i] = e.issueCode(b, g)
					}
					b.ReportAllocs()
					b.ResetTimer()
					for i := range b.N {
						exchange(codes[i])
					}
				})
			}
		})
	}
}

// BenchmarkRefresh measures one refresh-token rotation through the whole
// handler stack, each use spending the token the previous one returned.
func BenchmarkRefresh(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			e := newEnv(b, be.open(b))
			tk, _ := e.signIn(b)
			rt := tk.RefreshToken
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				rec := httptest.NewRecorder()
				e.handler.ServeHTTP(rec, authRequest(b, asJSON, params{"grant_type": "refresh_token", "client_id": e.app.ID, "refresh_token": rt}))
				if rec.Code != http.StatusOK {
					b.Fatalf("refresh: %d %s", rec.Code, rec.Body)
				}
				var next struct {
					RefreshToken string `json:"refresh_token"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &next); err != nil {
					b.Fatal(err)
				}
				rt = next.RefreshToken
			}
		})
	}
}
