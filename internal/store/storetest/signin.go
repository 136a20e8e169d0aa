package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

func signInTests() []subTest {
	return []subTest{
		{"Record", testRecordSignIn},
		{"AllOrNothing", testRecordSignInAllOrNothing},
		{"LinkedUser", testGetLinkedUser},
	}
}

// testGetLinkedUser: the user comes with their membership in the named
// organization and in no other.
func testGetLinkedUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	org, other := createOrganization(t, s), createOrganization(t, s)
	conn, otherConn := createConnection(t, s, org.ID, "GenericOIDC"), createConnection(t, s, other.ID, "GenericOIDC")
	u, stranger := createUser(t, s), createUser(t, s)
	m := createMembership(t, s, u.ID, org.ID)
	createMembership(t, s, stranger.ID, other.ID)
	must(t, "CreateIdentity", s.CreateIdentity(ctx, newIdentity(u.ID, conn.ID, "sub-1")))
	must(t, "CreateIdentity", s.CreateIdentity(ctx, newIdentity(stranger.ID, otherConn.ID, "sub-2")))

	tests := []struct {
		name               string
		conn, subject, org string
		wantUser           store.User
		wantMembership     store.OrganizationMembership
		wantErr            error
	}{
		{"member", conn.ID, "sub-1", org.ID, u, m, nil},
		{"no membership there", conn.ID, "sub-1", other.ID, u, store.OrganizationMembership{}, nil},
		{"no organization", conn.ID, "sub-1", "", u, store.OrganizationMembership{}, nil},
		{"subject of another connection", conn.ID, "sub-2", org.ID, store.User{}, store.OrganizationMembership{}, store.ErrNotFound},
		{"unknown subject", conn.ID, "sub-3", org.ID, store.User{}, store.OrganizationMembership{}, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotUser, gotMembership, err := s.GetLinkedUser(ctx, tt.conn, tt.subject, tt.org)
			if tt.wantErr != nil {
				wantErr(t, "GetLinkedUser", err, tt.wantErr)
				return
			}
			must(t, "GetLinkedUser", err)
			checkRecord(t, "GetLinkedUser user", tt.wantUser, gotUser)
			checkRecord(t, "GetLinkedUser membership", tt.wantMembership, gotMembership)
		})
	}
}

// testRecordSignIn: the session, the code and the user's last sign-in
// are all stored, and nothing else about the user changes.
func testRecordSignIn(t *testing.T, s store.Store) {
	ctx := t.Context()
	u, app, org := createUser(t, s), createApplication(t, s), createOrganization(t, s)
	sess := newSession(u.ID, app.ID, org.ID)
	sess.CreatedAt = at(time.Hour)
	c := newAuthCode(sess)
	must(t, "RecordSignIn", s.RecordSignIn(ctx, sess, c))

	got, err := s.GetSession(ctx, sess.ID)
	must(t, "GetSession", err)
	checkRecord(t, "GetSession", sess, got)
	code, err := s.ConsumeAuthCode(ctx, c.Hash, at(2*time.Hour))
	must(t, "ConsumeAuthCode", err)
	c.ConsumedAt = at(2 * time.Hour)
	checkRecord(t, "ConsumeAuthCode", c, code)
	user, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	u.LastSignInAt, u.UpdatedAt = sess.CreatedAt, sess.CreatedAt
	checkRecord(t, "GetUser", u, user)

	// A code without the optional fields, on a session without an
	// organization.
	bare := newSession(u.ID, app.ID, "")
	bc := newAuthCode(bare)
	bc.CodeChallenge, bc.Extra = "", nil
	must(t, "RecordSignIn without optional fields", s.RecordSignIn(ctx, bare, bc))
	code, err = s.ConsumeAuthCode(ctx, bc.Hash, at(time.Minute))
	must(t, "ConsumeAuthCode", err)
	bc.ConsumedAt = at(time.Minute)
	checkRecord(t, "ConsumeAuthCode", bc, code)
}

// testRecordSignInAllOrNothing: when any part fails, none of it is stored.
func testRecordSignInAllOrNothing(t *testing.T, s store.Store) {
	ctx := t.Context()
	u, app := createUser(t, s), createApplication(t, s)
	taken := newSession(u.ID, app.ID, "")
	takenCode := newAuthCode(taken)
	must(t, "RecordSignIn", s.RecordSignIn(ctx, taken, takenCode))
	before, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)

	tests := []struct {
		name string
		edit func(*store.Session, *store.AuthCode)
		want error
	}{
		{"taken code hash", func(_ *store.Session, c *store.AuthCode) { c.Hash = takenCode.Hash }, store.ErrConflict},
		{"taken session ID", func(x *store.Session, c *store.AuthCode) { x.ID, c.SessionID = taken.ID, taken.ID }, store.ErrConflict},
		{"missing user", func(x *store.Session, c *store.AuthCode) { x.UserID, c.UserID = id.New(id.User), x.UserID }, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess := newSession(u.ID, app.ID, "")
			sess.CreatedAt = at(3 * time.Hour)
			c := newAuthCode(sess)
			tt.edit(&sess, &c)
			wantErr(t, "RecordSignIn", s.RecordSignIn(ctx, sess, c), tt.want)

			if sess.ID != taken.ID {
				_, err := s.GetSession(ctx, sess.ID)
				wantErr(t, "GetSession after a failed RecordSignIn", err, store.ErrNotFound)
			}
			if c.Hash != takenCode.Hash {
				_, err := s.ConsumeAuthCode(ctx, c.Hash, at(time.Minute))
				wantErr(t, "ConsumeAuthCode after a failed RecordSignIn", err, store.ErrNotFound)
			}
			after, err := s.GetUser(ctx, u.ID)
			must(t, "GetUser", err)
			checkRecord(t, "GetUser after a failed RecordSignIn", before, after)
		})
	}
}
