package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

func signingKeyTests() []subTest {
	return []subTest{
		{"List", testListSigningKeys},
		{"Retire", testRetireSigningKey},
	}
}

func testListSigningKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	// Minted and created oldest first.
	expired := newSigningKey(at(-48 * time.Hour))
	expired.RetiredAt, expired.ExpiresAt = at(-24*time.Hour), at(-time.Hour)
	k1 := newSigningKey(at(0))         // published indefinitely
	k2 := newSigningKey(at(time.Hour)) // published indefinitely
	k2.Algorithm = "RS256"
	k3 := newSigningKey(at(2 * time.Hour)) // retired, published until 3h
	k3.RetiredAt, k3.ExpiresAt = at(2*time.Hour+time.Minute), at(3*time.Hour)
	for _, k := range []store.SigningKey{expired, k1, k2, k3} {
		must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k))
	}
	dup := newSigningKey(at(0))
	dup.ID = k1.ID
	wantErr(t, "CreateSigningKey with a taken ID", s.CreateSigningKey(ctx, dup), store.ErrConflict)

	cases := []struct {
		name string
		now  time.Time
		want []store.SigningKey
	}{
		{"before any expiry", at(-2 * time.Hour), []store.SigningKey{k3, k2, k1, expired}},
		{"one expired", at(2*time.Hour + 30*time.Minute), []store.SigningKey{k3, k2, k1}},
		{"two expired", at(4 * time.Hour), []store.SigningKey{k2, k1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ListSigningKeys(ctx, c.now)
			must(t, "ListSigningKeys", err)
			checkRecords(t, "ListSigningKeys", c.want, got)
		})
	}
}

func testRetireSigningKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	k1, k2 := newSigningKey(at(0)), newSigningKey(at(time.Hour))
	for _, k := range []store.SigningKey{k1, k2} {
		must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k))
	}
	must(t, "RetireSigningKey", s.RetireSigningKey(ctx, k1.ID, at(2*time.Hour), at(26*time.Hour)))
	k1.RetiredAt, k1.ExpiresAt = at(2*time.Hour), at(26*time.Hour)

	got, err := s.ListSigningKeys(ctx, at(3*time.Hour))
	must(t, "ListSigningKeys while the retired key is published", err)
	checkRecords(t, "ListSigningKeys while the retired key is published", []store.SigningKey{k2, k1}, got)
	got, err = s.ListSigningKeys(ctx, at(27*time.Hour))
	must(t, "ListSigningKeys after the retired key expired", err)
	checkRecords(t, "ListSigningKeys after the retired key expired", []store.SigningKey{k2}, got)

	wantErr(t, "RetireSigningKey of a missing key",
		s.RetireSigningKey(ctx, id.New(id.SigningKey), at(0), at(time.Hour)), store.ErrNotFound)
}
