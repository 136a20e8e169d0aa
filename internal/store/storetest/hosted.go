package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Conformance of the hosted login's records: email verifications,
// password resets, rate-limit counters and branding.

func hostedTests() []subTest {
	return []subTest{
		{"EmailVerificationAttempts", testEmailVerificationAttempts},
		{"EmailVerificationConcurrentGuesses", testEmailVerificationConcurrent},
		{"EmailVerificationNeedsUser", testEmailVerificationNeedsUser},
		{"PasswordResetOnce", testPasswordResetOnce},
		{"DeleteExpiredLoginTokens", testDeleteExpiredLoginTokens},
		{"RateLimitWindows", testRateLimitWindows},
		{"RateLimitConcurrentHits", testRateLimitConcurrent},
		{"Branding", testBranding},
	}
}

func newEmailVerification(userID string) store.EmailVerification {
	return store.EmailVerification{ID: id.New("email_verification"), UserID: userID, CodeHash: secretHash(),
		CreatedAt: at(0), ExpiresAt: at(10 * time.Minute)}
}

func testEmailVerificationAttempts(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := createUser(t, s)
	v := newEmailVerification(u.ID)
	must(t, "CreateEmailVerification", s.CreateEmailVerification(ctx, v))
	got, err := s.GetEmailVerification(ctx, v.ID)
	must(t, "GetEmailVerification", err)
	checkRecord(t, "GetEmailVerification", v, got)
	wantErr(t, "CreateEmailVerification with a taken ID", s.CreateEmailVerification(ctx, v), store.ErrConflict)

	steps := []struct {
		name     string
		hash     string
		wantErr  error
		attempts int
		consumed bool
	}{
		{"wrong code", "wrong", nil, 1, false},
		{"wrong again", "wrong", nil, 2, false},
		{"right code", v.CodeHash, nil, 3, true},
		{"after consumption", v.CodeHash, store.ErrAlreadyUsed, 3, true},
	}
	for i, st := range steps {
		got, err := s.AttemptEmailVerification(ctx, v.ID, st.hash, 5, at(time.Duration(i+1)*time.Second))
		if st.wantErr != nil {
			wantErr(t, st.name, err, st.wantErr)
		} else {
			must(t, st.name, err)
		}
		if got.Attempts != st.attempts || got.ConsumedAt.IsZero() == st.consumed {
			t.Errorf("%s: attempts %d consumed %v, want %d %v", st.name, got.Attempts, got.ConsumedAt, st.attempts, st.consumed)
		}
	}
	if got, _ := s.GetEmailVerification(ctx, v.ID); !got.ConsumedAt.Equal(stored(at(3 * time.Second))) {
		t.Errorf("ConsumedAt = %v, want the time of the right attempt", got.ConsumedAt)
	}

	// Once the attempts are spent, even the right code is refused.
	spent := newEmailVerification(u.ID)
	must(t, "CreateEmailVerification", s.CreateEmailVerification(ctx, spent))
	for range 3 {
		_, err := s.AttemptEmailVerification(ctx, spent.ID, "wrong", 3, at(time.Second))
		must(t, "AttemptEmailVerification", err)
	}
	got, err = s.AttemptEmailVerification(ctx, spent.ID, spent.CodeHash, 3, at(time.Second))
	wantErr(t, "right code after the attempts are spent", err, store.ErrAlreadyUsed)
	if got.Attempts != 3 || !got.ConsumedAt.IsZero() {
		t.Errorf("spent verification: %+v", got)
	}
	_, err = s.AttemptEmailVerification(ctx, id.New("email_verification"), "x", 5, at(0))
	wantErr(t, "AttemptEmailVerification of an unknown ID", err, store.ErrNotFound)
	_, err = s.GetEmailVerification(ctx, id.New("email_verification"))
	wantErr(t, "GetEmailVerification of an unknown ID", err, store.ErrNotFound)
}

// testEmailVerificationConcurrent: parallel guesses never get more
// attempts than the limit, and the right code wins at most once.
func testEmailVerificationConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	v := newEmailVerification(createUser(t, s).ID)
	must(t, "CreateEmailVerification", s.CreateEmailVerification(ctx, v))
	const limit = 5
	counted := 0
	for _, err := range race(racers, func(int) error {
		_, err := s.AttemptEmailVerification(ctx, v.ID, "wrong", limit, at(time.Second))
		return err
	}) {
		switch {
		case err == nil:
			counted++
		case !errors.Is(err, store.ErrAlreadyUsed):
			t.Errorf("concurrent guess: %v", err)
		}
	}
	got, _ := s.GetEmailVerification(ctx, v.ID)
	if counted != limit || got.Attempts != limit {
		t.Errorf("%d guesses counted, attempts %d; want %d", counted, got.Attempts, limit)
	}

	right := newEmailVerification(v.UserID)
	must(t, "CreateEmailVerification", s.CreateEmailVerification(ctx, right))
	errs := race(racers, func(int) error {
		got, err := s.AttemptEmailVerification(ctx, right.ID, right.CodeHash, limit, at(time.Second))
		if err == nil && got.ConsumedAt.IsZero() {
			return errors.New("counted but not consumed")
		}
		return err
	})
	checkOneWinner(t, "concurrent right codes", errs, store.ErrAlreadyUsed)
}

func testEmailVerificationNeedsUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	err := s.CreateEmailVerification(ctx, newEmailVerification(id.New(id.User)))
	wantErr(t, "CreateEmailVerification for a missing user", err, store.ErrNotFound)
	err = s.CreatePasswordReset(ctx, store.PasswordReset{Hash: secretHash(), UserID: id.New(id.User), CreatedAt: at(0), ExpiresAt: at(time.Hour)})
	wantErr(t, "CreatePasswordReset for a missing user", err, store.ErrNotFound)

	// Deleting the user deletes what hangs off it.
	u := createUser(t, s)
	v := newEmailVerification(u.ID)
	must(t, "CreateEmailVerification", s.CreateEmailVerification(ctx, v))
	must(t, "DeleteUser", s.DeleteUser(ctx, u.ID))
	_, err = s.GetEmailVerification(ctx, v.ID)
	wantErr(t, "GetEmailVerification after DeleteUser", err, store.ErrNotFound)
}

func testPasswordResetOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := createUser(t, s)
	p := store.PasswordReset{Hash: secretHash(), UserID: u.ID, CreatedAt: at(0), ExpiresAt: at(time.Hour)}
	must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, p))
	wantErr(t, "CreatePasswordReset with a taken hash", s.CreatePasswordReset(ctx, p), store.ErrConflict)
	got, err := s.GetPasswordReset(ctx, p.Hash)
	must(t, "GetPasswordReset", err)
	checkRecord(t, "GetPasswordReset", p, got)

	errs := race(racers, func(int) error {
		_, err := s.ConsumePasswordReset(ctx, p.Hash, at(time.Minute))
		return err
	})
	checkOneWinner(t, "concurrent ConsumePasswordReset", errs, store.ErrAlreadyUsed)
	got, err = s.ConsumePasswordReset(ctx, p.Hash, at(2*time.Minute))
	wantErr(t, "ConsumePasswordReset again", err, store.ErrAlreadyUsed)
	p.UsedAt = at(time.Minute)
	checkRecord(t, "ConsumePasswordReset again", p, got)
	_, err = s.ConsumePasswordReset(ctx, secretHash(), at(0))
	wantErr(t, "ConsumePasswordReset of an unknown hash", err, store.ErrNotFound)
	_, err = s.GetPasswordReset(ctx, secretHash())
	wantErr(t, "GetPasswordReset of an unknown hash", err, store.ErrNotFound)
}

func testDeleteExpiredLoginTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := createUser(t, s)
	now := at(time.Hour)
	var live, expired []string // verification IDs and reset hashes
	for _, d := range []time.Duration{-time.Hour, -time.Second, time.Second, time.Hour} {
		v := newEmailVerification(u.ID)
		v.ExpiresAt = now.Add(d)
		must(t, "CreateEmailVerification", s.CreateEmailVerification(ctx, v))
		p := store.PasswordReset{Hash: secretHash(), UserID: u.ID, CreatedAt: at(0), ExpiresAt: now.Add(d)}
		must(t, "CreatePasswordReset", s.CreatePasswordReset(ctx, p))
		if d < 0 {
			expired = append(expired, v.ID, p.Hash)
		} else {
			live = append(live, v.ID, p.Hash)
		}
	}
	n, err := s.DeleteExpiredLoginTokens(ctx, now)
	must(t, "DeleteExpiredLoginTokens", err)
	if n != int64(len(expired)) {
		t.Errorf("DeleteExpiredLoginTokens = %d, want %d", n, len(expired))
	}
	exists := func(key string) bool {
		_, verr := s.GetEmailVerification(ctx, key)
		_, perr := s.GetPasswordReset(ctx, key)
		return verr == nil || perr == nil
	}
	for _, k := range expired {
		if exists(k) {
			t.Errorf("expired record %s survived", k)
		}
	}
	for _, k := range live {
		if !exists(k) {
			t.Errorf("live record %s was deleted", k)
		}
	}
}

func testRateLimitWindows(t *testing.T, s store.Store) {
	ctx := t.Context()
	w1, w2 := at(0), at(time.Minute)
	steps := []struct {
		name       string
		window, at time.Time
		count      int64
		start      time.Time
	}{
		{"first hit", w1, at(time.Second), 1, w1},
		{"same window", w1, at(2 * time.Second), 2, w1},
		{"same window again", w1, at(3 * time.Second), 3, w1},
		{"next window starts over", w2, at(61 * time.Second), 1, w2},
		{"a lagging node's window counts into the current one", w1, at(62 * time.Second), 2, w2},
	}
	for _, st := range steps {
		got, err := s.HitRateLimit(ctx, "ip:192.0.2.1", st.window, st.at)
		must(t, st.name, err)
		want := store.RateLimit{Key: "ip:192.0.2.1", WindowStart: st.start, Count: st.count, LastAt: st.at}
		checkRecord(t, st.name, want, got)
	}
	got, err := s.GetRateLimit(ctx, "ip:192.0.2.1")
	must(t, "GetRateLimit", err)
	if got.Count != 2 {
		t.Errorf("GetRateLimit count = %d, want 2", got.Count)
	}
	if other, _ := s.HitRateLimit(ctx, "ip:192.0.2.2", w2, at(time.Minute)); other.Count != 1 {
		t.Errorf("another key's count = %d, want 1", other.Count)
	}

	must(t, "DeleteRateLimit", s.DeleteRateLimit(ctx, "ip:192.0.2.1"))
	must(t, "DeleteRateLimit of a missing key", s.DeleteRateLimit(ctx, "ip:192.0.2.1"))
	_, err = s.GetRateLimit(ctx, "ip:192.0.2.1")
	wantErr(t, "GetRateLimit after delete", err, store.ErrNotFound)

	_, err = s.HitRateLimit(ctx, "old", w1, at(0))
	must(t, "HitRateLimit", err)
	n, err := s.DeleteIdleRateLimits(ctx, at(30*time.Second))
	must(t, "DeleteIdleRateLimits", err)
	if n != 1 {
		t.Errorf("DeleteIdleRateLimits = %d, want 1 (only the counter last hit at 0)", n)
	}
	if _, err := s.GetRateLimit(ctx, "ip:192.0.2.2"); err != nil {
		t.Errorf("a recent counter was deleted: %v", err)
	}
}

// testRateLimitConcurrent: every concurrent hit counts exactly once.
func testRateLimitConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	seen := make([]int64, racers)
	for _, err := range race(racers, func(i int) error {
		l, err := s.HitRateLimit(ctx, "acct:x", at(0), at(time.Second))
		seen[i] = l.Count
		return err
	}) {
		must(t, "concurrent HitRateLimit", err)
	}
	counts := map[int64]bool{}
	for _, c := range seen {
		counts[c] = true
	}
	for c := int64(1); c <= racers; c++ {
		if !counts[c] {
			t.Errorf("no hit saw count %d: counts %v", c, seen)
		}
	}
}

func testBranding(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := createApplication(t, s)
	got, err := s.GetApplicationBranding(ctx, app.ID)
	must(t, "GetApplicationBranding before any", err)
	if got != (store.Branding{}) {
		t.Errorf("branding before any = %+v, want zero", got)
	}
	for _, b := range []store.Branding{
		{LogoURL: "https://cdn.example.com/logo.svg", AccentColor: "#0a7"},
		{AccentColor: "#123456"},
		{},
	} {
		must(t, "SetApplicationBranding", s.SetApplicationBranding(ctx, app.ID, b))
		got, err := s.GetApplicationBranding(ctx, app.ID)
		must(t, "GetApplicationBranding", err)
		if got != b {
			t.Errorf("branding = %+v, want %+v", got, b)
		}
	}
	err = s.SetApplicationBranding(ctx, id.New(id.Application), store.Branding{AccentColor: "#fff"})
	wantErr(t, "SetApplicationBranding of a missing application", err, store.ErrNotFound)
}
