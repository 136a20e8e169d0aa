package oauthflow

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TestKeysFetchedOnFirstUse: a connector's key set costs nothing until a
// callback needs it, then fetches the keys once for every later use,
// however many callbacks ask at the same time.
func TestKeysFetchedOnFirstUse(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	}))
	defer srv.Close()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign([]byte(`{"sub":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	token, _ := jws.CompactSerialize()

	keys := Keys(srv.Client(), srv.URL+"/keys")
	if n := fetches.Load(); n != 0 {
		t.Fatalf("%d fetches before first use, want none", n)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if payload, err := keys.VerifySignature(context.Background(), token); err != nil || string(payload) != `{"sub":"1"}` {
				t.Errorf("VerifySignature = %q, %v", payload, err)
			}
		})
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches for four uses, want 1", n)
	}
}
