package token

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/postgres"
	"github.com/latchkeyhq/latchkey/internal/store/postgres/pgtest"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

const issuer = "https://auth.example.test"

// backends are the stores the key-store tests run on.
var backends = []struct {
	name string
	open func(t testing.TB) store.Store
}{
	{"sqlite", openSQLite},
	{"postgres", func(t testing.TB) store.Store {
		s, err := postgres.Open(context.Background(), pgtest.URL(t), postgres.Options{Migrate: true})
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

func openSQLite(t testing.TB) store.Store {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// clock is a settable time source shared by the nodes of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2031, 3, 4, 5, 6, 7, 891011121, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

func newBox(t testing.TB, master []byte) *secrets.Box {
	t.Helper()
	b, err := secrets.NewBox(master, BoxPurpose)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustKeys(t testing.TB, st store.Store, box *secrets.Box, o Options) *Keys {
	t.Helper()
	if o.Issuer == "" {
		o.Issuer = issuer
	}
	k, err := NewKeys(context.Background(), st, box, o)
	if err != nil {
		t.Fatalf("NewKeys: %v", err)
	}
	return k
}

func listKeys(t *testing.T, st store.Store, now time.Time) []store.SigningKey {
	t.Helper()
	recs, err := st.ListSigningKeys(t.Context(), now)
	if err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	return recs
}

// verifyWithJWKS checks tok the way an SDK does: against the published key
// set only, with go-jose. It returns the header and the claims as JSON
// values, so that the test sees their wire types.
func verifyWithJWKS(t *testing.T, jwks []byte, tok string) (jose.Header, map[string]any) {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("JWKS does not parse: %v\n%s", err, jwks)
	}
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatalf("ParseSigned: %v", err)
	}
	h := parsed.Headers[0]
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys with kid %q, want 1:\n%s", len(keys), h.KeyID, jwks)
	}
	var claims map[string]any
	if err := parsed.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("signature does not verify against the JWKS: %v", err)
	}
	return h, claims
}

// kidsOf lists the kids in a JWKS.
func kidsOf(t *testing.T, jwks []byte) []string {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("JWKS does not parse: %v", err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}
