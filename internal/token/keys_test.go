package token

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// TestKeyStore runs the tests that depend on what the store keeps on every
// backend.
func TestKeyStore(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, st store.Store)
	}{
		{"PrivateKeyAtRest", testPrivateKeyAtRest},
		{"WrongMasterKey", testWrongMasterKey},
		{"Restart", testRestart},
		{"Rotation", testRotation},
		{"SecondNodeSeesRotation", testSecondNode},
		{"ConcurrentFirstStart", testConcurrentFirstStart},
		{"SignerRetiredByHand", testSignerRetiredByHand},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, b.open(t)) })
			}
		})
	}
}

func testPrivateKeyAtRest(t *testing.T, st store.Store) {
	for _, alg := range []string{RS256, ES256} {
		t.Run(alg, func(t *testing.T) {
			master := secrets.NewMasterKey()
			clk := newClock()
			k := mustKeys(t, st, newBox(t, master), Options{Algorithm: alg, Now: clk.Now})
			var rec store.SigningKey
			for _, r := range listKeys(t, st, clk.Now()) {
				if r.ID == k.KeyID() {
					rec = r
				}
			}
			if rec.ID == "" || !id.Valid(id.SigningKey, rec.ID) || rec.Algorithm != alg {
				t.Fatalf("stored key = %q alg %q, want a jwk_ ID of %s", rec.ID, rec.Algorithm, alg)
			}

			der, err := newBox(t, master).Open(rec.PrivateKey, []byte(rec.ID))
			if err != nil {
				t.Fatalf("the right box cannot open the key: %v", err)
			}
			priv, err := x509.ParsePKCS8PrivateKey(der)
			if err != nil {
				t.Fatalf("sealed key is not PKCS #8: %v", err)
			}
			if bytes.Contains(rec.PrivateKey, der) || bytes.Contains(rec.PrivateKey, der[len(der)/2:len(der)/2+32]) ||
				bytes.Contains(rec.PrivateKey, []byte("PRIVATE KEY")) {
				t.Fatal("the private key is stored in clear")
			}
			var pub jose.JSONWebKey
			if err := json.Unmarshal(rec.PublicKey, &pub); err != nil || !pub.IsPublic() {
				t.Fatalf("stored public key %s: public=%v err=%v", rec.PublicKey, pub.IsPublic(), err)
			}
			if !priv.(crypto.Signer).Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub.Key) {
				t.Fatal("stored public key is not the private key's")
			}
			if pub.KeyID != rec.ID || pub.Algorithm != alg || pub.Use != "sig" {
				t.Fatalf("public JWK kid=%q alg=%q use=%q", pub.KeyID, pub.Algorithm, pub.Use)
			}

			other, _ := secrets.NewBox(master, "connection-secrets")
			for name, open := range map[string]func() ([]byte, error){
				"other master key": func() ([]byte, error) {
					return newBox(t, secrets.NewMasterKey()).Open(rec.PrivateKey, []byte(rec.ID))
				},
				"other purpose": func() ([]byte, error) { return other.Open(rec.PrivateKey, []byte(rec.ID)) },
				"other kid":     func() ([]byte, error) { return newBox(t, master).Open(rec.PrivateKey, []byte(id.New(id.SigningKey))) },
			} {
				if _, err := open(); !errors.Is(err, secrets.ErrOpen) {
					t.Errorf("%s: Open = %v, want ErrOpen", name, err)
				}
			}
		})
	}
}

func testWrongMasterKey(t *testing.T, st store.Store) {
	clk := newClock()
	mustKeys(t, st, newBox(t, secrets.NewMasterKey()), Options{Now: clk.Now})
	_, err := NewKeys(t.Context(), st, newBox(t, secrets.NewMasterKey()), Options{Issuer: issuer, Now: clk.Now})
	if !errors.Is(err, secrets.ErrOpen) || !strings.Contains(err.Error(), "secret key") {
		t.Fatalf("NewKeys with another master key = %v, want a clear ErrOpen", err)
	}
	if n := len(listKeys(t, st, clk.Now())); n != 1 {
		t.Fatalf("%d keys stored, want 1: a wrong master key must not add one", n)
	}
}

func testRestart(t *testing.T, st store.Store) {
	clk := newClock()
	box := newBox(t, secrets.NewMasterKey())
	first := mustKeys(t, st, box, Options{Now: clk.Now})
	clk.Advance(time.Hour)
	second := mustKeys(t, st, box, Options{Now: clk.Now})
	if first.KeyID() != second.KeyID() {
		t.Fatalf("restart signs with %s, want %s", second.KeyID(), first.KeyID())
	}
	if n := len(listKeys(t, st, clk.Now())); n != 1 {
		t.Fatalf("%d keys stored after a restart, want 1", n)
	}
}

func testRotation(t *testing.T, st store.Store) {
	ctx := t.Context()
	clk := newClock()
	k := mustKeys(t, st, newBox(t, secrets.NewMasterKey()), Options{Now: clk.Now})
	oldKID := k.KeyID()
	oldTok, _, err := k.Sign(Claims{Subject: "user_1", SessionID: "session_1"})
	if err != nil {
		t.Fatal(err)
	}

	clk.Advance(time.Minute)
	rotatedAt := storeTime(clk.Now())
	newKID, err := k.Rotate(ctx)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if newKID == oldKID || k.KeyID() != newKID {
		t.Fatalf("after Rotate: new %s, signing %s, old %s", newKID, k.KeyID(), oldKID)
	}
	newTok, _, err := k.Sign(Claims{Subject: "user_1", SessionID: "session_1"})
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := verifyWithJWKS(t, k.JWKS(), newTok); h.KeyID != newKID {
		t.Fatalf("token after rotation has kid %s, want %s", h.KeyID, newKID)
	}
	if h, _ := verifyWithJWKS(t, k.JWKS(), oldTok); h.KeyID != oldKID {
		t.Fatalf("token before rotation has kid %s, want %s", h.KeyID, oldKID)
	}

	recs := listKeys(t, st, clk.Now())
	if len(recs) != 2 || recs[0].ID != newKID || recs[1].ID != oldKID {
		t.Fatalf("stored keys = %v, want [%s %s]", recs, newKID, oldKID)
	}
	wantExpiry := rotatedAt.Add(DefaultAccessTokenTTL + RetireSkew)
	if !recs[0].RetiredAt.IsZero() || !recs[1].RetiredAt.Equal(rotatedAt) || !recs[1].ExpiresAt.Equal(wantExpiry) {
		t.Fatalf("old key retired %v until %v, want %v until %v; new key retired %v",
			recs[1].RetiredAt, recs[1].ExpiresAt, rotatedAt, wantExpiry, recs[0].RetiredAt)
	}

	// Published up to and including ExpiresAt, as the store lists it.
	clk.Set(wantExpiry)
	if kids := kidsOf(t, k.JWKS()); !slices.Contains(kids, oldKID) {
		t.Fatalf("old key gone at its ExpiresAt: %v", kids)
	}
	clk.Advance(time.Second)
	if kids := kidsOf(t, k.JWKS()); !slices.Equal(kids, []string{newKID}) {
		t.Fatalf("JWKS after the old key expired = %v, want [%s]", kids, newKID)
	}
	if _, err := k.Verify(oldTok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("Verify of a token by an unpublished key = %v, want ErrInvalidToken", err)
	}
	if recs := listKeys(t, st, clk.Now()); len(recs) != 1 || recs[0].ID != newKID {
		t.Fatalf("ListSigningKeys after expiry = %v, want only %s", recs, newKID)
	}
	if err := k.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if kids := kidsOf(t, k.JWKS()); !slices.Equal(kids, []string{newKID}) {
		t.Fatalf("JWKS after Refresh = %v, want [%s]", kids, newKID)
	}
}

func testSecondNode(t *testing.T, st store.Store) {
	ctx := t.Context()
	clk := newClock()
	box := newBox(t, secrets.NewMasterKey())
	a := mustKeys(t, st, box, Options{Now: clk.Now})
	b := mustKeys(t, st, box, Options{Now: clk.Now})
	oldKID := b.KeyID()
	newKID, err := a.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Sign(Claims{Subject: "user_1", SessionID: "session_1"})
	if err != nil {
		t.Fatal(err)
	}
	if b.KeyID() != oldKID {
		t.Fatal("node b changed keys without a Refresh")
	}
	before := b.set.Load()
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if b.KeyID() != newKID {
		t.Fatalf("node b signs with %s after Refresh, want %s", b.KeyID(), newKID)
	}
	if kids := kidsOf(t, b.JWKS()); !slices.Equal(kids, []string{newKID, oldKID}) {
		t.Fatalf("node b publishes %v, want [%s %s]", kids, newKID, oldKID)
	}
	if _, err := b.Verify(tok); err != nil {
		t.Fatalf("node b cannot verify node a's token: %v", err)
	}
	// Nothing changed since: the set is kept, not rebuilt.
	after := b.set.Load()
	if after == before {
		t.Fatal("Refresh kept a stale set")
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if b.set.Load() != after {
		t.Fatal("Refresh rebuilt an unchanged set")
	}
}

func testConcurrentFirstStart(t *testing.T, st store.Store) {
	clk := newClock()
	box := newBox(t, secrets.NewMasterKey())
	nodes := make([]*Keys, 3)
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { nodes[i], errs[i] = NewKeys(t.Context(), st, box, Options{Issuer: issuer, Now: clk.Now}) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent NewKeys: %v", err)
	}
	newest := listKeys(t, st, clk.Now())[0].ID
	for i, n := range nodes {
		if err := n.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n.KeyID() != newest {
			t.Errorf("node %d signs with %s, want the newest %s", i, n.KeyID(), newest)
		}
	}
	for i, n := range nodes {
		tok, _, err := n.Sign(Claims{Subject: "user_1", SessionID: "session_1"})
		if err != nil {
			t.Fatal(err)
		}
		for j, m := range nodes {
			if _, err := m.Verify(tok); err != nil {
				t.Errorf("node %d cannot verify node %d's token: %v", j, i, err)
			}
		}
	}
}

func testSignerRetiredByHand(t *testing.T, st store.Store) {
	clk := newClock()
	k := mustKeys(t, st, newBox(t, secrets.NewMasterKey()), Options{Now: clk.Now})
	old := k.KeyID()
	now := storeTime(clk.Now())
	if err := st.RetireSigningKey(t.Context(), old, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := k.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if k.KeyID() == old {
		t.Fatal("still signing with a retired key after Refresh")
	}
	if kids := kidsOf(t, k.JWKS()); !slices.Equal(kids, []string{k.KeyID(), old}) {
		t.Fatalf("JWKS = %v, want the new key and the retired one", kids)
	}
}

func TestNewKeysOptions(t *testing.T) {
	st := openSQLite(t)
	box := newBox(t, secrets.NewMasterKey())
	for _, o := range []Options{{Algorithm: "HS256"}, {Algorithm: "none"}, {AccessTokenTTL: time.Millisecond}} {
		if _, err := NewKeys(t.Context(), st, box, o); err == nil {
			t.Errorf("NewKeys(%+v) accepted", o)
		}
	}
	if _, err := NewKeys(t.Context(), st, nil, Options{}); err == nil {
		t.Error("NewKeys without a box accepted")
	}
}
