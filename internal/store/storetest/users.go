package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

func userTests() []subTest {
	return []subTest{
		{"CRUD", testUserCRUD},
		{"EmailUnique", testUserEmailUnique},
		{"ExternalID", testUserExternalID},
		{"ListFilters", testListUsersFilters},
		{"Identities", testIdentities},
		{"DeleteCascades", testDeleteUserCascades},
	}
}

func testUserCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser() // LastSignInAt, ExternalID and PasswordHash stay zero
	must(t, "CreateUser", s.CreateUser(ctx, u))
	got, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	checkRecord(t, "GetUser", u, got)
	got, err = s.GetUserByEmail(ctx, u.Email)
	must(t, "GetUserByEmail", err)
	checkRecord(t, "GetUserByEmail", u, got)

	dup := newUser()
	dup.ID = u.ID
	wantErr(t, "CreateUser with a taken ID", s.CreateUser(ctx, dup), store.ErrConflict)

	oldEmail := u.Email
	u.Email, u.EmailVerified = "grace@hopper.test", true
	u.FirstName, u.LastName, u.ProfilePictureURL = "Grace", "Hopper", "https://cdn.test/grace.png"
	u.ExternalID = "hr-7"
	u.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"
	u.LastSignInAt, u.UpdatedAt = at(2*time.Hour), at(time.Hour)
	must(t, "UpdateUser", s.UpdateUser(ctx, u))
	got, err = s.GetUser(ctx, u.ID)
	must(t, "GetUser after update", err)
	checkRecord(t, "GetUser after update", u, got)
	_, err = s.GetUserByEmail(ctx, oldEmail)
	wantErr(t, "GetUserByEmail of the old email", err, store.ErrNotFound)

	missing := newUser()
	_, err = s.GetUser(ctx, missing.ID)
	wantErr(t, "GetUser of a missing ID", err, store.ErrNotFound)
	_, err = s.GetUserByEmail(ctx, missing.Email)
	wantErr(t, "GetUserByEmail of a missing email", err, store.ErrNotFound)
	wantErr(t, "UpdateUser of a missing ID", s.UpdateUser(ctx, missing), store.ErrNotFound)
	wantErr(t, "DeleteUser of a missing ID", s.DeleteUser(ctx, missing.ID), store.ErrNotFound)

	must(t, "DeleteUser", s.DeleteUser(ctx, u.ID))
	_, err = s.GetUser(ctx, u.ID)
	wantErr(t, "GetUser after delete", err, store.ErrNotFound)
	_, err = s.GetUserByEmail(ctx, u.Email)
	wantErr(t, "GetUserByEmail after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteUser again", s.DeleteUser(ctx, u.ID), store.ErrNotFound)
}

func testUserEmailUnique(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := newUser()
	alice.Email = "alice@x.test"
	must(t, "CreateUser alice", s.CreateUser(ctx, alice))
	bob := createUser(t, s)

	for _, email := range []string{"alice@x.test", "Alice@X.test", "ALICE@X.TEST"} {
		t.Run("Create/"+email, func(t *testing.T) {
			u := newUser()
			u.Email = email
			wantErr(t, "CreateUser", s.CreateUser(ctx, u), store.ErrConflict)
		})
		t.Run("Lookup/"+email, func(t *testing.T) {
			got, err := s.GetUserByEmail(ctx, email)
			must(t, "GetUserByEmail", err)
			checkRecord(t, "GetUserByEmail", alice, got)
		})
	}
	b := bob
	b.Email = "Alice@X.test"
	wantErr(t, "UpdateUser to a taken email", s.UpdateUser(ctx, b), store.ErrConflict)
	got, err := s.GetUser(ctx, bob.ID)
	must(t, "GetUser after the refused update", err)
	checkRecord(t, "GetUser after the refused update", bob, got)
}

func testUserExternalID(t *testing.T, s store.Store) {
	ctx := t.Context()
	var blank []store.User
	for range 3 {
		blank = append(blank, createUser(t, s)) // many users without external ID
	}
	u := newUser()
	u.ExternalID = "hr-42"
	must(t, "CreateUser with an external ID", s.CreateUser(ctx, u))

	taken := newUser()
	taken.ExternalID = u.ExternalID
	wantErr(t, "CreateUser with a taken external ID", s.CreateUser(ctx, taken), store.ErrConflict)
	b := blank[0]
	b.ExternalID = u.ExternalID
	wantErr(t, "UpdateUser to a taken external ID", s.UpdateUser(ctx, b), store.ErrConflict)

	u.ExternalID = ""
	must(t, "UpdateUser clearing the external ID", s.UpdateUser(ctx, u))
	must(t, "UpdateUser to the released external ID", s.UpdateUser(ctx, b))
	got, err := s.GetUser(ctx, b.ID)
	must(t, "GetUser", err)
	checkRecord(t, "GetUser", b, got)
}

func testListUsersFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	org, other := createOrganization(t, s), createOrganization(t, s)
	alice := newUser()
	alice.Email = "alice@x.test"
	must(t, "CreateUser", s.CreateUser(ctx, alice))
	bob, carol := createUser(t, s), createUser(t, s)
	createMembership(t, s, alice.ID, org.ID)
	createMembership(t, s, bob.ID, org.ID)
	createMembership(t, s, carol.ID, other.ID)
	createMembership(t, s, alice.ID, other.ID)

	cases := []struct {
		name   string
		filter store.UserFilter
		want   []store.User
	}{
		{"none", store.UserFilter{}, []store.User{alice, bob, carol}},
		{"email", store.UserFilter{Email: "alice@x.test"}, []store.User{alice}},
		{"email in other case", store.UserFilter{Email: "ALICE@x.Test"}, []store.User{alice}},
		{"email without user", store.UserFilter{Email: "nobody@x.test"}, nil},
		{"organization", store.UserFilter{OrganizationID: org.ID}, []store.User{alice, bob}},
		{"other organization", store.UserFilter{OrganizationID: other.ID}, []store.User{alice, carol}},
		{"email and organization", store.UserFilter{Email: bob.Email, OrganizationID: other.ID}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := s.ListUsers(ctx, c.filter, store.ListOptions{Order: store.Asc, Limit: 100})
			must(t, "ListUsers", err)
			checkRecords(t, "ListUsers", c.want, got)
		})
	}
}

func testIdentities(t *testing.T, s store.Store) {
	ctx := t.Context()
	conn, other := createConnection(t, s, "", "GenericOIDC"), createConnection(t, s, "", "GitHubOAuth")
	u1, u2 := createUser(t, s), createUser(t, s)
	i1 := newIdentity(u1.ID, conn.ID, "sub-1")
	i2 := newIdentity(u1.ID, other.ID, "sub-1") // same subject, other connection
	i2.Provider = "GitHubOAuth"
	i3 := newIdentity(u2.ID, conn.ID, "sub-2")
	for _, i := range []store.Identity{i1, i2, i3} {
		must(t, "CreateIdentity", s.CreateIdentity(ctx, i))
	}
	wantErr(t, "CreateIdentity of a taken (connection, subject)",
		s.CreateIdentity(ctx, newIdentity(u2.ID, conn.ID, "sub-1")), store.ErrConflict)
	dup := newIdentity(u2.ID, conn.ID, "sub-3")
	dup.ID = i1.ID
	wantErr(t, "CreateIdentity with a taken ID", s.CreateIdentity(ctx, dup), store.ErrConflict)

	for _, want := range []store.Identity{i1, i2, i3} {
		got, err := s.GetIdentity(ctx, want.ConnectionID, want.Subject)
		must(t, "GetIdentity", err)
		checkRecord(t, "GetIdentity", want, got)
	}
	_, err := s.GetIdentity(ctx, conn.ID, "sub-404")
	wantErr(t, "GetIdentity of a missing subject", err, store.ErrNotFound)
	_, err = s.GetIdentity(ctx, other.ID, "sub-2")
	wantErr(t, "GetIdentity at the wrong connection", err, store.ErrNotFound)

	got, err := s.ListIdentities(ctx, u1.ID)
	must(t, "ListIdentities", err)
	checkRecordSet(t, "ListIdentities of u1", []store.Identity{i1, i2}, got)
	got, err = s.ListIdentities(ctx, u2.ID)
	must(t, "ListIdentities", err)
	checkRecordSet(t, "ListIdentities of u2", []store.Identity{i3}, got)
}

// testDeleteUserCascades: deleting a user removes its identities,
// memberships and sessions, and nothing of another user.
func testDeleteUserCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, org, conn := createApplication(t, s), createOrganization(t, s), createConnection(t, s, "", "GenericOIDC")
	u, keep := createUser(t, s), createUser(t, s)
	ident, identKeep := newIdentity(u.ID, conn.ID, "gone"), newIdentity(keep.ID, conn.ID, "kept")
	must(t, "CreateIdentity", s.CreateIdentity(ctx, ident))
	must(t, "CreateIdentity", s.CreateIdentity(ctx, identKeep))
	m, mKeep := createMembership(t, s, u.ID, org.ID), createMembership(t, s, keep.ID, org.ID)
	s1, s2 := createSession(t, s, u.ID, app.ID, org.ID), createSession(t, s, u.ID, app.ID, "")
	sKeep := createSession(t, s, keep.ID, app.ID, org.ID)
	// Tokens and codes hang off the sessions; they must not block the delete.
	rt := createRefreshToken(t, s, s1)
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, newAuthCode(s2)))

	must(t, "DeleteUser", s.DeleteUser(ctx, u.ID))

	idents, err := s.ListIdentities(ctx, u.ID)
	must(t, "ListIdentities", err)
	checkRecords(t, "ListIdentities of the deleted user", nil, idents)
	_, err = s.GetIdentity(ctx, conn.ID, ident.Subject)
	wantErr(t, "GetIdentity of the deleted user", err, store.ErrNotFound)
	_, err = s.GetOrganizationMembership(ctx, m.ID)
	wantErr(t, "GetOrganizationMembership of the deleted user", err, store.ErrNotFound)
	ms, _, err := s.ListOrganizationMemberships(ctx, store.MembershipFilter{OrganizationID: org.ID}, store.ListOptions{})
	must(t, "ListOrganizationMemberships", err)
	checkRecords(t, "ListOrganizationMemberships of the organization", []store.OrganizationMembership{mKeep}, ms)
	for _, sess := range []store.Session{s1, s2} {
		_, err := s.GetSession(ctx, sess.ID)
		wantErr(t, "GetSession of the deleted user", err, store.ErrNotFound)
	}
	sessions, _, err := s.ListSessions(ctx, u.ID, store.ListOptions{})
	must(t, "ListSessions", err)
	checkRecords(t, "ListSessions of the deleted user", nil, sessions)
	// A refresh token of a deleted session must never yield a new one.
	_, err = s.RotateRefreshToken(ctx, rt.Hash, at(time.Minute), newRefreshToken(s1))
	if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrAlreadyUsed) {
		t.Errorf("RotateRefreshToken of a deleted session: err = %v, want ErrNotFound or ErrAlreadyUsed", err)
	}

	// The other user keeps everything.
	got, err := s.GetIdentity(ctx, conn.ID, identKeep.Subject)
	must(t, "GetIdentity of the kept user", err)
	checkRecord(t, "kept identity", identKeep, got)
	gotSess, err := s.GetSession(ctx, sKeep.ID)
	must(t, "GetSession of the kept user", err)
	checkRecord(t, "kept session", sKeep, gotSess)
	// The email is free again.
	again := newUser()
	again.Email = u.Email
	must(t, "CreateUser with a deleted user's email", s.CreateUser(ctx, again))
}
