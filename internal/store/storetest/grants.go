package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// The reads and writes of the token grants: GetAuthCodeGrant,
// RedeemAuthCode, GetRefreshTokenGrant, and RotateRefreshToken moving the
// session to another organization.

func grantTests() []subTest {
	return []subTest{
		{"AuthCodeGrant", testGetAuthCodeGrant},
		{"AuthCodeGrantPartial", testAuthCodeGrantPartial},
		{"RedeemAuthCode", testRedeemAuthCode},
		{"RedeemAuthCodeRollsBack", testRedeemAuthCodeRollsBack},
		{"RedeemAuthCodeOnce", testConcurrentRedeem},
		{"RefreshTokenGrant", testGetRefreshTokenGrant},
		{"RotateMovesSession", testRotateMovesSession},
	}
}

// grantFixture stores a user with every field set, an active admin
// membership of theirs, and a session in that organization, and returns
// the grant a read should find for the session.
func grantFixture(t *testing.T, s store.Store) store.SessionGrant {
	t.Helper()
	ctx := t.Context()
	u := newUser()
	u.EmailVerified, u.ExternalID, u.ProfilePictureURL = true, "ext-"+u.ID, "https://img.test/ada.png"
	u.PasswordHash, u.LastSignInAt = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", at(time.Minute)
	must(t, "CreateUser", s.CreateUser(ctx, u))
	a, o := createApplication(t, s), createOrganization(t, s)
	m := newMembership(u.ID, o.ID)
	m.Role = "admin"
	must(t, "CreateOrganizationMembership", s.CreateOrganizationMembership(ctx, m))
	return store.SessionGrant{Session: createSession(t, s, u.ID, a.ID, o.ID), User: u, Membership: m}
}

// checkGrant compares two grants record by record.
func checkGrant(t *testing.T, what string, want, got store.SessionGrant) {
	t.Helper()
	checkRecord(t, what+": Session", want.Session, got.Session)
	checkRecord(t, what+": User", want.User, got.User)
	checkRecord(t, what+": Membership", want.Membership, got.Membership)
}

func testGetAuthCodeGrant(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := grantFixture(t, s)
	c := newAuthCode(g.Session)
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	gotCode, got, err := s.GetAuthCodeGrant(ctx, c.Hash)
	must(t, "GetAuthCodeGrant", err)
	checkRecord(t, "GetAuthCodeGrant: code", c, gotCode)
	checkGrant(t, "GetAuthCodeGrant", g, got)

	// A used code reads the same, with its use time.
	_, err = s.ConsumeAuthCode(ctx, c.Hash, at(time.Minute))
	must(t, "ConsumeAuthCode", err)
	c.ConsumedAt = at(time.Minute)
	gotCode, got, err = s.GetAuthCodeGrant(ctx, c.Hash)
	must(t, "GetAuthCodeGrant of a used code", err)
	checkRecord(t, "GetAuthCodeGrant of a used code: code", c, gotCode)
	checkGrant(t, "GetAuthCodeGrant of a used code", g, got)

	_, _, err = s.GetAuthCodeGrant(ctx, secretHash())
	wantErr(t, "GetAuthCodeGrant of an unknown hash", err, store.ErrNotFound)
}

// testAuthCodeGrantPartial: what a code's grant lacks reads as zero
// records, not as an error.
func testAuthCodeGrantPartial(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := grantFixture(t, s)
	for _, c := range []struct {
		name string
		edit func(c *store.AuthCode, want *store.SessionGrant)
	}{
		{"no organization", func(c *store.AuthCode, want *store.SessionGrant) {
			c.OrganizationID, want.Membership = "", store.OrganizationMembership{}
		}},
		{"no membership", func(c *store.AuthCode, want *store.SessionGrant) {
			c.OrganizationID, want.Membership = createOrganization(t, s).ID, store.OrganizationMembership{}
		}},
		{"no session", func(c *store.AuthCode, want *store.SessionGrant) {
			c.SessionID, *want = "", store.SessionGrant{}
		}},
	} {
		code, want := newAuthCode(g.Session), g
		c.edit(&code, &want)
		must(t, "CreateAuthCode "+c.name, s.CreateAuthCode(ctx, code))
		gotCode, got, err := s.GetAuthCodeGrant(ctx, code.Hash)
		must(t, "GetAuthCodeGrant "+c.name, err)
		checkRecord(t, "GetAuthCodeGrant "+c.name+": code", code, gotCode)
		checkGrant(t, "GetAuthCodeGrant "+c.name, want, got)
	}
}

func testRedeemAuthCode(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := grantFixture(t, s)

	// Without client details the session stays as it was.
	c := newAuthCode(g.Session)
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	rt := newRefreshToken(g.Session)
	must(t, "RedeemAuthCode", s.RedeemAuthCode(ctx, c.Hash, at(time.Minute), rt, "", ""))
	got, err := s.GetRefreshToken(ctx, rt.Hash)
	must(t, "GetRefreshToken of the stored token", err)
	checkRecord(t, "GetRefreshToken of the stored token", rt, got)
	sess, err := s.GetSession(ctx, g.Session.ID)
	must(t, "GetSession", err)
	checkRecord(t, "GetSession after RedeemAuthCode without client", g.Session, sess)

	// The code is spent: ConsumeAuthCode and RedeemAuthCode refuse it, and
	// the refused redemption stores nothing.
	c.ConsumedAt = at(time.Minute)
	gotCode, err := s.ConsumeAuthCode(ctx, c.Hash, at(2*time.Minute))
	wantErr(t, "ConsumeAuthCode of a redeemed code", err, store.ErrAlreadyUsed)
	checkRecord(t, "ConsumeAuthCode of a redeemed code", c, gotCode)
	again := newRefreshToken(g.Session)
	wantErr(t, "RedeemAuthCode again", s.RedeemAuthCode(ctx, c.Hash, at(2*time.Minute), again, "198.51.100.1", "x"),
		store.ErrAlreadyUsed)
	_, err = s.GetRefreshToken(ctx, again.Hash)
	wantErr(t, "GetRefreshToken of the refused redemption's token", err, store.ErrNotFound)
	sess, err = s.GetSession(ctx, g.Session.ID)
	must(t, "GetSession", err)
	checkRecord(t, "GetSession after a refused redemption", g.Session, sess)

	// With client details they land on the session.
	c = newAuthCode(g.Session)
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	must(t, "RedeemAuthCode with client", s.RedeemAuthCode(ctx, c.Hash, at(time.Minute), newRefreshToken(g.Session),
		"203.0.113.9", "Mozilla/5.0 (X11) é"))
	sess, err = s.GetSession(ctx, g.Session.ID)
	must(t, "GetSession", err)
	want := g.Session
	want.IPAddress, want.UserAgent = "203.0.113.9", "Mozilla/5.0 (X11) é"
	checkRecord(t, "GetSession after RedeemAuthCode with client", want, sess)

	unknown := newRefreshToken(g.Session)
	wantErr(t, "RedeemAuthCode of an unknown hash", s.RedeemAuthCode(ctx, secretHash(), at(time.Minute), unknown, "", ""),
		store.ErrNotFound)
	_, err = s.GetRefreshToken(ctx, unknown.Hash)
	wantErr(t, "GetRefreshToken after redeeming an unknown code", err, store.ErrNotFound)
}

// testRedeemAuthCodeRollsBack: a redemption that cannot store its refresh
// token leaves the code unused.
func testRedeemAuthCodeRollsBack(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := grantFixture(t, s)
	c := newAuthCode(g.Session)
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	taken := createRefreshToken(t, s, g.Session)
	clash := newRefreshToken(g.Session)
	clash.Hash = taken.Hash
	wantErr(t, "RedeemAuthCode to a taken hash", s.RedeemAuthCode(ctx, c.Hash, at(time.Minute), clash, "", ""),
		store.ErrConflict)
	orphan := newRefreshToken(g.Session)
	orphan.SessionID = id.New(id.Session)
	wantErr(t, "RedeemAuthCode with client details for a missing session",
		s.RedeemAuthCode(ctx, c.Hash, at(time.Minute), orphan, "203.0.113.9", ""), store.ErrNotFound)
	got, err := s.ConsumeAuthCode(ctx, c.Hash, at(2*time.Minute))
	must(t, "ConsumeAuthCode after the failed redemptions", err)
	c.ConsumedAt = at(2 * time.Minute)
	checkRecord(t, "ConsumeAuthCode after the failed redemptions", c, got)
}

func testConcurrentRedeem(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := grantFixture(t, s)
	for range rounds {
		c := newAuthCode(g.Session)
		must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
		next := make([]store.RefreshToken, racers)
		for i := range next {
			next[i] = newRefreshToken(g.Session)
		}
		errs := race(racers, func(i int) error {
			return s.RedeemAuthCode(ctx, c.Hash, at(time.Duration(i+1)*time.Second), next[i], "", "")
		})
		winner := checkOneWinner(t, "RedeemAuthCode", errs, store.ErrAlreadyUsed)
		for i, n := range next {
			_, err := s.GetRefreshToken(ctx, n.Hash)
			if i == winner {
				must(t, "GetRefreshToken of the winner's token", err)
			} else {
				wantErr(t, "GetRefreshToken of a loser's token", err, store.ErrNotFound)
			}
		}
	}
}

func testGetRefreshTokenGrant(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := grantFixture(t, s)
	rt := createRefreshToken(t, s, g.Session)
	// Another organization, where the user is an inactive member.
	other := createOrganization(t, s)
	inactive := newMembership(g.User.ID, other.ID)
	inactive.Status = store.MembershipInactive
	must(t, "CreateOrganizationMembership", s.CreateOrganizationMembership(ctx, inactive))
	none := createOrganization(t, s)

	for _, c := range []struct {
		name, org string
		want      store.OrganizationMembership
	}{
		{"the token's organization", "", g.Membership},
		{"the token's organization by ID", g.Membership.OrganizationID, g.Membership},
		{"an organization of an inactive membership", other.ID, inactive},
		{"an organization without membership", none.ID, store.OrganizationMembership{}},
	} {
		gotToken, got, err := s.GetRefreshTokenGrant(ctx, rt.Hash, c.org)
		must(t, "GetRefreshTokenGrant in "+c.name, err)
		checkRecord(t, "GetRefreshTokenGrant in "+c.name+": token", rt, gotToken)
		want := g
		want.Membership = c.want
		checkGrant(t, "GetRefreshTokenGrant in "+c.name, want, got)
	}

	// A token without organization has no membership to read.
	u, a := createUser(t, s), createApplication(t, s)
	plain := createSession(t, s, u.ID, a.ID, "")
	plainRT := createRefreshToken(t, s, plain)
	_, got, err := s.GetRefreshTokenGrant(ctx, plainRT.Hash, "")
	must(t, "GetRefreshTokenGrant without organization", err)
	checkGrant(t, "GetRefreshTokenGrant without organization", store.SessionGrant{Session: plain, User: u}, got)

	// A used token reads the same, with its use time.
	_, err = s.RotateRefreshToken(ctx, rt.Hash, at(time.Minute), newRefreshToken(g.Session))
	must(t, "RotateRefreshToken", err)
	rt.UsedAt = at(time.Minute)
	gotToken, _, err := s.GetRefreshTokenGrant(ctx, rt.Hash, "")
	must(t, "GetRefreshTokenGrant of a used token", err)
	checkRecord(t, "GetRefreshTokenGrant of a used token", rt, gotToken)

	_, _, err = s.GetRefreshTokenGrant(ctx, secretHash(), "")
	wantErr(t, "GetRefreshTokenGrant of an unknown hash", err, store.ErrNotFound)
}

// testRotateMovesSession: a rotation to a token of another organization
// moves the session there; one that stays leaves the session alone.
func testRotateMovesSession(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := grantFixture(t, s)
	rt := createRefreshToken(t, s, g.Session)
	other := createOrganization(t, s)
	for i, org := range []string{g.Session.OrganizationID, other.ID, "", other.ID} {
		next := newRefreshToken(g.Session)
		next.OrganizationID = org
		_, err := s.RotateRefreshToken(ctx, rt.Hash, at(time.Duration(i+1)*time.Minute), next)
		must(t, "RotateRefreshToken to "+org, err)
		sess, err := s.GetSession(ctx, g.Session.ID)
		must(t, "GetSession", err)
		want := g.Session
		want.OrganizationID = org
		checkRecord(t, "GetSession after rotating to organization "+org, want, sess)
		rt = next
	}
}
