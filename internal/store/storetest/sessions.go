package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

func sessionTests() []subTest {
	return []subTest{
		{"CRUD", testSessionCRUD},
		{"UpdateOrganization", testUpdateSessionOrganization},
		{"UpdateClient", testUpdateSessionClient},
		{"Revoke", testRevokeSession},
	}
}

func testSessionCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	u, other := createUser(t, s), createUser(t, s)
	app, org := createApplication(t, s), createOrganization(t, s)
	withOrg := newSession(u.ID, app.ID, org.ID)
	withoutOrg := newSession(u.ID, app.ID, "")
	withoutOrg.IPAddress, withoutOrg.UserAgent = "", ""
	for _, sess := range []store.Session{withOrg, withoutOrg} {
		must(t, "CreateSession", s.CreateSession(ctx, sess))
		got, err := s.GetSession(ctx, sess.ID)
		must(t, "GetSession", err)
		checkRecord(t, "GetSession", sess, got) // RevokedAt comes back zero
	}
	dup := newSession(u.ID, app.ID, "")
	dup.ID = withOrg.ID
	wantErr(t, "CreateSession with a taken ID", s.CreateSession(ctx, dup), store.ErrConflict)
	_, err := s.GetSession(ctx, id.New(id.Session))
	wantErr(t, "GetSession of a missing ID", err, store.ErrNotFound)

	list, _, err := s.ListSessions(ctx, u.ID, store.ListOptions{Order: store.Asc})
	must(t, "ListSessions", err)
	checkRecords(t, "ListSessions", []store.Session{withOrg, withoutOrg}, list)
	list, _, err = s.ListSessions(ctx, other.ID, store.ListOptions{})
	must(t, "ListSessions of a user without sessions", err)
	checkRecords(t, "ListSessions of a user without sessions", nil, list)
}

func testUpdateSessionOrganization(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	next := createOrganization(t, s)
	must(t, "UpdateSessionOrganization", s.UpdateSessionOrganization(ctx, sess.ID, next.ID))
	sess.OrganizationID = next.ID
	got, err := s.GetSession(ctx, sess.ID)
	must(t, "GetSession", err)
	checkRecord(t, "GetSession after switching organization", sess, got)
	wantErr(t, "UpdateSessionOrganization of a missing session",
		s.UpdateSessionOrganization(ctx, id.New(id.Session), next.ID), store.ErrNotFound)
}

func testUpdateSessionClient(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	must(t, "UpdateSessionClient", s.UpdateSessionClient(ctx, sess.ID, "203.0.113.7", "Mozilla/5.0 (X11)"))
	sess.IPAddress, sess.UserAgent = "203.0.113.7", "Mozilla/5.0 (X11)"
	got, err := s.GetSession(ctx, sess.ID)
	must(t, "GetSession", err)
	checkRecord(t, "GetSession after UpdateSessionClient", sess, got)
	wantErr(t, "UpdateSessionClient of a missing session",
		s.UpdateSessionClient(ctx, id.New(id.Session), "", ""), store.ErrNotFound)
}

func testRevokeSession(t *testing.T, s store.Store) {
	ctx := t.Context()
	sess := sessionFixture(t, s)
	live := createSession(t, s, sess.UserID, sess.ApplicationID, sess.OrganizationID)
	rt, liveRT := createRefreshToken(t, s, sess), createRefreshToken(t, s, live)

	must(t, "RevokeSession", s.RevokeSession(ctx, sess.ID, at(time.Hour)))
	must(t, "RevokeSession again", s.RevokeSession(ctx, sess.ID, at(2*time.Hour)))
	sess.RevokedAt = at(time.Hour) // the first time stays
	got, err := s.GetSession(ctx, sess.ID)
	must(t, "GetSession", err)
	checkRecord(t, "GetSession after revoking twice", sess, got)
	wantErr(t, "RevokeSession of a missing session", s.RevokeSession(ctx, id.New(id.Session), at(0)), store.ErrNotFound)

	// The session's refresh tokens are dead; reuse reports the old record.
	next := newRefreshToken(sess)
	old, err := s.RotateRefreshToken(ctx, rt.Hash, at(3*time.Hour), next)
	wantErr(t, "RotateRefreshToken of a revoked session", err, store.ErrAlreadyUsed)
	if old.ID != rt.ID || old.UsedAt.IsZero() {
		t.Errorf("RotateRefreshToken of a revoked session returned ID %q UsedAt %v, want ID %q and UsedAt set", old.ID, old.UsedAt, rt.ID)
	}
	_, err = s.RotateRefreshToken(ctx, next.Hash, at(4*time.Hour), newRefreshToken(sess))
	wantErr(t, "RotateRefreshToken of the token refused after revocation", err, store.ErrNotFound)

	// Another session is untouched.
	got, err = s.GetSession(ctx, live.ID)
	must(t, "GetSession of the other session", err)
	checkRecord(t, "GetSession of the other session", live, got)
	_, err = s.RotateRefreshToken(ctx, liveRT.Hash, at(time.Hour), newRefreshToken(live))
	must(t, "RotateRefreshToken of the other session", err)
}
