package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

func refreshTokenTests() []subTest {
	return []subTest{
		{"Rotate", testRotateRefreshToken},
		{"Get", testGetRefreshToken},
		{"Reuse", testRefreshTokenReuse},
		{"Conflicts", testRefreshTokenConflicts},
	}
}

// checkRotated checks the record RotateRefreshToken returned on success: the
// old token, whatever UsedAt it reports (the contract leaves that open).
func checkRotated(t *testing.T, want, got store.RefreshToken) {
	t.Helper()
	want.UsedAt = got.UsedAt
	checkRecord(t, "RotateRefreshToken", want, got)
}

func testRotateRefreshToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	rt1 := createRefreshToken(t, s, sess)
	// The chain rt1 → rt2 → rt3: each next token is stored and rotatable,
	// which also proves it round-trips whole.
	rt2, rt3 := newRefreshToken(sess), newRefreshToken(sess)
	rt2.CreatedAt, rt3.CreatedAt = at(time.Minute), at(2*time.Minute)
	got, err := s.RotateRefreshToken(ctx, rt1.Hash, at(time.Minute), rt2)
	must(t, "RotateRefreshToken rt1", err)
	checkRotated(t, rt1, got)
	got, err = s.RotateRefreshToken(ctx, rt2.Hash, at(2*time.Minute), rt3)
	must(t, "RotateRefreshToken rt2", err)
	checkRotated(t, rt2, got)

	_, err = s.RotateRefreshToken(ctx, secretHash(), at(time.Minute), newRefreshToken(sess))
	wantErr(t, "RotateRefreshToken of an unknown hash", err, store.ErrNotFound)
}

func testGetRefreshToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	rt := createRefreshToken(t, s, sess)
	got, err := s.GetRefreshToken(ctx, rt.Hash)
	must(t, "GetRefreshToken", err)
	checkRecord(t, "GetRefreshToken", rt, got)
	_, err = s.RotateRefreshToken(ctx, rt.Hash, at(time.Minute), newRefreshToken(sess))
	must(t, "RotateRefreshToken", err)
	got, err = s.GetRefreshToken(ctx, rt.Hash)
	must(t, "GetRefreshToken of a used token", err)
	rt.UsedAt = at(time.Minute)
	checkRecord(t, "GetRefreshToken of a used token", rt, got)
	_, err = s.GetRefreshToken(ctx, secretHash())
	wantErr(t, "GetRefreshToken of an unknown hash", err, store.ErrNotFound)
}

// testRefreshTokenReuse: rotating a used token returns the old record with
// ErrAlreadyUsed and stores nothing.
func testRefreshTokenReuse(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	rt := createRefreshToken(t, s, sess)
	_, err := s.RotateRefreshToken(ctx, rt.Hash, at(time.Minute), newRefreshToken(sess))
	must(t, "RotateRefreshToken", err)

	rt.UsedAt = at(time.Minute)
	for _, later := range []time.Duration{2 * time.Minute, time.Hour} {
		stolen := newRefreshToken(sess)
		got, err := s.RotateRefreshToken(ctx, rt.Hash, at(later), stolen)
		wantErr(t, "RotateRefreshToken of a used token", err, store.ErrAlreadyUsed)
		checkRecord(t, "RotateRefreshToken of a used token", rt, got)
		_, err = s.RotateRefreshToken(ctx, stolen.Hash, at(later), newRefreshToken(sess))
		wantErr(t, "RotateRefreshToken of the refused next token", err, store.ErrNotFound)
	}
}

func testRefreshTokenConflicts(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	rt := createRefreshToken(t, s, sess)
	sameID, sameHash := newRefreshToken(sess), newRefreshToken(sess)
	sameID.ID, sameHash.Hash = rt.ID, rt.Hash
	wantErr(t, "CreateRefreshToken with a taken ID", s.CreateRefreshToken(ctx, sameID), store.ErrConflict)
	wantErr(t, "CreateRefreshToken with a taken hash", s.CreateRefreshToken(ctx, sameHash), store.ErrConflict)

	// A next token whose hash is taken fails the rotation as a whole: the
	// old token stays usable.
	other := createRefreshToken(t, s, sess)
	clash := newRefreshToken(sess)
	clash.Hash = other.Hash
	_, err := s.RotateRefreshToken(ctx, rt.Hash, at(time.Minute), clash)
	wantErr(t, "RotateRefreshToken to a taken hash", err, store.ErrConflict)
	got, err := s.RotateRefreshToken(ctx, rt.Hash, at(2*time.Minute), newRefreshToken(sess))
	must(t, "RotateRefreshToken after the failed rotation", err)
	checkRotated(t, rt, got)
}
