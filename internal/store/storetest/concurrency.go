package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// racers is how many goroutines contend for one record; rounds repeats each
// race, since one clean run of a race proves little.
const (
	racers = 16
	rounds = 3
)

func concurrencyTests() []subTest {
	return []subTest{
		{"ConsumeAuthCodeOnce", testConcurrentConsume},
		{"RotateRefreshTokenOnce", testConcurrentRotate},
		{"CreateUserSameEmail", testConcurrentSameEmail},
		{"IndependentWrites", testConcurrentWrites},
	}
}

// race runs f(i) for i in [0, n) in goroutines released together and
// returns their errors by index.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// checkOneWinner fails t unless exactly one error is nil and every other
// one is loser; it returns the winner's index (or -1).
func checkOneWinner(t *testing.T, what string, errs []error, loser error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("%s: callers %d and %d both succeeded", what, winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, loser):
			t.Errorf("%s: caller %d: err = %v, want nil or %v", what, i, err, loser)
		}
	}
	if winner < 0 {
		t.Errorf("%s: no caller succeeded", what)
	}
	return winner
}

func testConcurrentConsume(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	for range rounds {
		c := newAuthCode(sess)
		must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
		got := make([]store.AuthCode, racers)
		errs := race(racers, func(i int) error {
			var err error
			got[i], err = s.ConsumeAuthCode(ctx, c.Hash, at(time.Duration(i+1)*time.Second))
			return err
		})
		winner := checkOneWinner(t, "ConsumeAuthCode", errs, store.ErrAlreadyUsed)
		if winner < 0 {
			continue
		}
		// Winner and losers all see the winner's ConsumedAt.
		c.ConsumedAt = at(time.Duration(winner+1) * time.Second)
		for i := range got {
			checkRecord(t, "ConsumeAuthCode racer", c, got[i])
		}
	}
}

func testConcurrentRotate(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	for range rounds {
		old := createRefreshToken(t, s, sess)
		next := make([]store.RefreshToken, racers)
		for i := range next {
			next[i] = newRefreshToken(sess)
		}
		errs := race(racers, func(i int) error {
			_, err := s.RotateRefreshToken(ctx, old.Hash, at(time.Minute), next[i])
			return err
		})
		winner := checkOneWinner(t, "RotateRefreshToken", errs, store.ErrAlreadyUsed)
		// Only the winner's next token was stored: rotating each candidate
		// succeeds exactly for the winner.
		for i, n := range next {
			_, err := s.RotateRefreshToken(ctx, n.Hash, at(time.Hour), newRefreshToken(sess))
			if i == winner {
				must(t, "RotateRefreshToken of the winner's next token", err)
			} else {
				wantErr(t, "RotateRefreshToken of a loser's next token", err, store.ErrNotFound)
			}
		}
	}
}

func testConcurrentSameEmail(t *testing.T, s store.Store) {
	ctx := t.Context()
	users := make([]store.User, racers)
	for i := range users {
		users[i] = newUser()
		if i%2 == 1 {
			users[i].Email = "Race@X.test"
		} else {
			users[i].Email = "race@x.test"
		}
	}
	errs := race(racers, func(i int) error { return s.CreateUser(ctx, users[i]) })
	winner := checkOneWinner(t, "CreateUser", errs, store.ErrConflict)
	if winner < 0 {
		return
	}
	got, err := s.GetUserByEmail(ctx, "RACE@x.test")
	must(t, "GetUserByEmail", err)
	checkRecord(t, "GetUserByEmail", users[winner], got)
}

// testConcurrentWrites: unrelated writes at once all succeed (no "database
// is locked" surfaces) and all land.
func testConcurrentWrites(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := createApplication(t, s)
	genBefore, err := s.Generation(ctx)
	must(t, "Generation", err)
	orgs, users := make([]store.Organization, racers), make([]store.User, racers)
	for i := range racers {
		orgs[i], users[i] = newOrganization(), newUser()
	}
	errs := race(racers, func(i int) error {
		if err := s.CreateOrganization(ctx, orgs[i]); err != nil {
			return err
		}
		if err := s.CreateUser(ctx, users[i]); err != nil {
			return err
		}
		if err := s.CreateOrganizationMembership(ctx, newMembership(users[i].ID, orgs[i].ID)); err != nil {
			return err
		}
		return s.CreateSession(ctx, newSession(users[i].ID, app.ID, orgs[i].ID))
	})
	var failed []string
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err.Error())
		}
	}
	if len(failed) > 0 {
		t.Fatalf("%d of %d concurrent writers failed: %s", len(failed), racers, strings.Join(failed, "; "))
	}
	for i := range racers {
		ms, _, err := s.ListOrganizationMemberships(ctx, store.MembershipFilter{OrganizationID: orgs[i].ID}, store.ListOptions{})
		must(t, "ListOrganizationMemberships", err)
		if len(ms) != 1 || ms[0].UserID != users[i].ID {
			t.Errorf("memberships of organization %d = %v, want one of user %s", i, ids(ms), users[i].ID)
		}
		sessions, _, err := s.ListSessions(ctx, users[i].ID, store.ListOptions{})
		must(t, "ListSessions", err)
		if len(sessions) != 1 {
			t.Errorf("sessions of user %d = %v, want one", i, ids(sessions))
		}
	}
	genAfter, err := s.Generation(ctx)
	must(t, "Generation", err)
	if genAfter <= genBefore {
		t.Errorf("Generation after %d concurrent organizations = %d, want more than %d", racers, genAfter, genBefore)
	}
}
