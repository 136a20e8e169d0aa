package storetest

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// The new* builders return a complete record with freshly minted IDs and
// unique names; the create* helpers also store it and stop the test when
// that fails, for checks that need the record only as a parent.

func newApplication() store.Application {
	appID := id.New(id.Application)
	return store.Application{ID: appID, Name: "App " + appID, CreatedAt: at(0), UpdatedAt: at(time.Second)}
}

func createApplication(t *testing.T, s store.Store) store.Application {
	t.Helper()
	a := newApplication()
	must(t, "CreateApplication", s.CreateApplication(t.Context(), a))
	return a
}

func newOrganization() store.Organization {
	orgID := id.New(id.Organization)
	return store.Organization{ID: orgID, Name: "Org " + orgID, CreatedAt: at(0), UpdatedAt: at(time.Second)}
}

func createOrganization(t *testing.T, s store.Store) store.Organization {
	t.Helper()
	o := newOrganization()
	must(t, "CreateOrganization", s.CreateOrganization(t.Context(), o))
	return o
}

func newDomain(orgID, domain string) store.OrganizationDomain {
	return store.OrganizationDomain{
		ID: id.New(id.OrganizationDomain), OrganizationID: orgID, Domain: domain,
		State: store.DomainVerified, CreatedAt: at(0), UpdatedAt: at(time.Second),
	}
}

func newConnection(orgID, typ string) store.Connection {
	return store.Connection{
		ID: id.New(id.Connection), OrganizationID: orgID, Type: typ, Name: typ + " connection",
		State:    store.ConnectionActive,
		Settings: []byte(`{"issuer":"https://idp.test","client_id":"abc","scopes":["openid","email"]}`),
		// Bytes that are not UTF-8 and hold a NUL, as ciphertext does.
		Secrets:   []byte{0x00, 0xff, 0xfe, 0x80, 'k', 0x00},
		CreatedAt: at(0), UpdatedAt: at(time.Second),
	}
}

func createConnection(t *testing.T, s store.Store, orgID, typ string) store.Connection {
	t.Helper()
	c := newConnection(orgID, typ)
	must(t, "CreateConnection", s.CreateConnection(t.Context(), c))
	return c
}

// newUser returns a user whose email, derived from its ID, is lower case.
func newUser() store.User {
	userID := id.New(id.User)
	return store.User{
		ID: userID, Email: strings.ToLower(userID) + "@example.test", FirstName: "Ada", LastName: "Lovelace",
		CreatedAt: at(0), UpdatedAt: at(time.Second),
	}
}

func createUser(t *testing.T, s store.Store) store.User {
	t.Helper()
	u := newUser()
	must(t, "CreateUser", s.CreateUser(t.Context(), u))
	return u
}

func newMembership(userID, orgID string) store.OrganizationMembership {
	return store.OrganizationMembership{
		ID: id.New(id.OrganizationMembership), UserID: userID, OrganizationID: orgID,
		Role: "member", Status: store.MembershipActive, CreatedAt: at(0), UpdatedAt: at(time.Second),
	}
}

func createMembership(t *testing.T, s store.Store, userID, orgID string) store.OrganizationMembership {
	t.Helper()
	m := newMembership(userID, orgID)
	must(t, "CreateOrganizationMembership", s.CreateOrganizationMembership(t.Context(), m))
	return m
}

func newIdentity(userID, connID, subject string) store.Identity {
	return store.Identity{
		ID: id.New(id.Identity), UserID: userID, ConnectionID: connID, Provider: "GenericOIDC",
		Subject: subject, CreatedAt: at(0),
	}
}

// newSession returns a live session; orgID may be empty.
func newSession(userID, appID, orgID string) store.Session {
	return store.Session{
		ID: id.New(id.Session), UserID: userID, ApplicationID: appID, OrganizationID: orgID,
		AuthMethod: "Password", IPAddress: "2001:db8::1", UserAgent: "storetest/1.0",
		CreatedAt: at(0), ExpiresAt: at(24 * time.Hour),
	}
}

func createSession(t *testing.T, s store.Store, userID, appID, orgID string) store.Session {
	t.Helper()
	sess := newSession(userID, appID, orgID)
	must(t, "CreateSession", s.CreateSession(t.Context(), sess))
	return sess
}

// sessionFixture stores a user, an application, an organization and a
// session tying them together.
func sessionFixture(t *testing.T, s store.Store) store.Session {
	t.Helper()
	u, a, o := createUser(t, s), createApplication(t, s), createOrganization(t, s)
	return createSession(t, s, u.ID, a.ID, o.ID)
}

// secretHash stands in for the hash of a code or token: unique and opaque.
func secretHash() string { return "sha256:" + rand.Text() }

func newAuthCode(sess store.Session) store.AuthCode {
	return store.AuthCode{
		Hash: secretHash(), ApplicationID: sess.ApplicationID, RedirectURI: "https://app.test/callback",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		UserID:        sess.UserID, OrganizationID: sess.OrganizationID, SessionID: sess.ID,
		AuthMethod: "Password", Extra: []byte{0x01, 0x00, 0xfe},
		CreatedAt: at(0), ExpiresAt: at(10 * time.Minute),
	}
}

func newRefreshToken(sess store.Session) store.RefreshToken {
	return store.RefreshToken{
		ID: id.New(id.RefreshToken), Hash: secretHash(), SessionID: sess.ID,
		ApplicationID: sess.ApplicationID, OrganizationID: sess.OrganizationID,
		CreatedAt: at(0), ExpiresAt: at(30 * 24 * time.Hour),
	}
}

func createRefreshToken(t *testing.T, s store.Store, sess store.Session) store.RefreshToken {
	t.Helper()
	rt := newRefreshToken(sess)
	must(t, "CreateRefreshToken", s.CreateRefreshToken(t.Context(), rt))
	return rt
}

func newSigningKey(created time.Time) store.SigningKey {
	return store.SigningKey{
		ID: id.New(id.SigningKey), Algorithm: "ES256",
		PrivateKey: []byte{0x00, 0x9c, 0xff, 0x10},
		PublicKey:  []byte(`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`),
		CreatedAt:  created,
	}
}
