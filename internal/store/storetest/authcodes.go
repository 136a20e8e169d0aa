package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

func authCodeTests() []subTest {
	return []subTest{
		{"Consume", testConsumeAuthCode},
		{"OptionalFields", testAuthCodeOptionalFields},
		{"DeleteExpired", testDeleteExpiredAuthCodes},
	}
}

func testConsumeAuthCode(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	c := newAuthCode(sess)
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	dup := newAuthCode(sess)
	dup.Hash = c.Hash
	wantErr(t, "CreateAuthCode with a taken hash", s.CreateAuthCode(ctx, dup), store.ErrConflict)

	got, err := s.ConsumeAuthCode(ctx, c.Hash, at(time.Minute))
	must(t, "ConsumeAuthCode", err)
	c.ConsumedAt = at(time.Minute)
	checkRecord(t, "ConsumeAuthCode", c, got)

	// Every later call gets the record, still with the first ConsumedAt, so
	// the caller can revoke the session the code created.
	for _, later := range []time.Duration{2 * time.Minute, time.Hour} {
		got, err := s.ConsumeAuthCode(ctx, c.Hash, at(later))
		wantErr(t, "ConsumeAuthCode again", err, store.ErrAlreadyUsed)
		checkRecord(t, "ConsumeAuthCode again", c, got)
	}

	_, err = s.ConsumeAuthCode(ctx, secretHash(), at(time.Minute))
	wantErr(t, "ConsumeAuthCode of an unknown hash", err, store.ErrNotFound)
}

// testAuthCodeOptionalFields: a code without PKCE, organization or extra
// data round-trips with those fields empty.
func testAuthCodeOptionalFields(t *testing.T, s store.Store) {
	ctx := t.Context()
	u, app := createUser(t, s), createApplication(t, s)
	sess := createSession(t, s, u.ID, app.ID, "")
	c := newAuthCode(sess)
	c.CodeChallenge, c.Extra = "", nil
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	got, err := s.ConsumeAuthCode(ctx, c.Hash, at(time.Second))
	must(t, "ConsumeAuthCode", err)
	c.ConsumedAt = at(time.Second)
	checkRecord(t, "ConsumeAuthCode", c, got)
}

func testDeleteExpiredAuthCodes(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	now := at(time.Hour)
	code := func(expires time.Duration) store.AuthCode {
		c := newAuthCode(sess)
		c.ExpiresAt = now.Add(expires)
		must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
		return c
	}
	expired := []store.AuthCode{code(-time.Hour), code(-time.Minute), code(-time.Second)}
	live := []store.AuthCode{code(time.Second), code(10 * time.Minute)}
	// A consumed code goes when it expires, like any other.
	_, err := s.ConsumeAuthCode(ctx, expired[0].Hash, at(0))
	must(t, "ConsumeAuthCode", err)

	n, err := s.DeleteExpiredAuthCodes(ctx, now)
	must(t, "DeleteExpiredAuthCodes", err)
	if n != int64(len(expired)) {
		t.Errorf("DeleteExpiredAuthCodes = %d, want %d", n, len(expired))
	}
	for _, c := range expired {
		_, err := s.ConsumeAuthCode(ctx, c.Hash, now)
		wantErr(t, "ConsumeAuthCode of a deleted code", err, store.ErrNotFound)
	}
	for _, c := range live {
		_, err := s.ConsumeAuthCode(ctx, c.Hash, now)
		must(t, "ConsumeAuthCode of a live code", err)
	}
	n, err = s.DeleteExpiredAuthCodes(ctx, now)
	must(t, "DeleteExpiredAuthCodes again", err)
	if n != 0 {
		t.Errorf("DeleteExpiredAuthCodes again = %d, want 0", n)
	}
}
