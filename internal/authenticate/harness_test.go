package authenticate_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/apikey"
	"github.com/latchkeyhq/latchkey/internal/authenticate"
	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/server"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/postgres"
	"github.com/latchkeyhq/latchkey/internal/store/postgres/pgtest"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
	"github.com/latchkeyhq/latchkey/internal/token"
)

// publicURL is Latchkey's public URL: the iss of its access tokens.
const publicURL = "https://auth.example.test"

// The application's registered logout URIs and CORS origin.
const (
	logoutFirst   = "https://app.example.com/bye"        // registered first, not the default
	logoutDefault = "https://app.example.com/logged-out" // the default
	appOrigin     = "https://app.example.com"
)

// userPassword is the password of the fixture users.
const userPassword = "correct horse battery staple"

// backends are the stores every behaviour is checked on.
var backends = []struct {
	name string
	open func(t testing.TB) store.Store
}{
	{"sqlite", func(t testing.TB) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), sqlite.Options{Migrate: true})
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t testing.TB) store.Store {
		s, err := postgres.Open(context.Background(), pgtest.URL(t), postgres.Options{Migrate: true})
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// forEachBackend runs f with a fresh environment on every backend.
func forEachBackend(t *testing.T, f func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, newEnv(t, b.open(t))) })
	}
}

// clock is the time of every component, moved by the tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer collects the logs of concurrent requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is Latchkey's token endpoints over a real store, wired as
// cmd/latchkey/routes.go wires them, with the fixtures the tests use.
type env struct {
	ctx     context.Context
	st      store.Store
	clock   *clock
	logs    *syncBuffer
	keys    *token.Keys
	catalog *authorize.Catalog
	az      *authorize.Handler // mints codes as the callback does
	handler http.Handler

	app      store.Application // two logout URIs, a CORS origin, an API key
	otherApp store.Application // no logout URI, its own API key
	// secret and otherSecret are API keys of app and otherApp.
	secret, otherSecret string

	// user is an admin of orgA, a member of orgB, an inactive member of
	// orgInactive and no member of orgNone; it has a password.
	user                             store.User
	orgA, orgB, orgInactive, orgNone store.Organization
	unverified                       store.User // has a password, email not verified
	noPassword                       store.User // signs in only upstream
}

func newEnv(t testing.TB, st store.Store) *env {
	t.Helper()
	return newEnvSigning(t, st, token.RS256)
}

// newEnvSigning is newEnv with access tokens signed with alg.
func newEnvSigning(t testing.TB, st store.Store, alg string) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{ctx: ctx, st: st, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}, logs: &syncBuffer{}}
	e.createFixtures(t)

	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	master := secrets.NewMasterKey()
	keyBox, err := secrets.NewBox(master, token.BoxPurpose)
	if err != nil {
		t.Fatal(err)
	}
	extraBox, err := secrets.NewBox(master, "code-extra")
	if err != nil {
		t.Fatal(err)
	}
	// Wired as cmd/latchkey/routes.go does, with the test's clock.
	e.catalog = authorize.NewCatalog(st, nil, log)
	if err := e.catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	e.keys, err = token.NewKeys(ctx, st, keyBox, token.Options{Issuer: publicURL, Algorithm: alg, Now: e.clock.Now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	e.az = authorize.New(authorize.Options{Catalog: e.catalog, Store: st, ExtraBox: extraBox, PublicURL: publicURL, Log: log,
		Now: e.clock.Now, TraceID: server.TraceID})
	passwords, err := authenticate.NewPasswords(func(ctx context.Context, g authorize.Grant) (store.Session, error) {
		return authorize.StartSession(ctx, st, g, e.clock.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if passwords.Pending, err = secrets.NewBox(master, "pending-authentication"); err != nil {
		t.Fatal(err)
	}
	srv := server.New(log, st)
	authn := authenticate.New(authenticate.Options{Store: st, Applications: e.catalog, Tokens: e.keys, Passwords: passwords,
		Keys: &apikey.Verifier{Store: st, TTL: 30 * time.Second, Now: e.clock.Now}, ExtraBox: extraBox,
		Log: log, Now: e.clock.Now, TraceID: server.TraceID})
	srv.Handle("POST "+authenticate.Path, server.CORS(e.catalog, log, "POST", authn))
	srv.Handle("OPTIONS "+authenticate.Path, server.CORS(e.catalog, log, "POST", authn))
	jwks := e.keys.JWKSHandler(func(ctx context.Context, clientID string) (bool, error) {
		_, err := e.catalog.Application(ctx, clientID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
	srv.Handle("GET /sso/jwks/{client_id}", server.CORS(e.catalog, log, "GET", jwks))
	srv.Handle("OPTIONS /sso/jwks/{client_id}", server.CORS(e.catalog, log, "GET", jwks))
	srv.Handle("GET "+authenticate.LogoutPath, &authenticate.Logout{Store: st, Log: log, Now: e.clock.Now, TraceID: server.TraceID})
	e.handler = srv
	return e
}

// createFixtures writes applications, API keys, organizations, users and
// memberships through the store, as reconcile and the management API do.
func (e *env) createFixtures(t testing.TB) {
	t.Helper()
	now := e.clock.Now()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	app := func(name string, logout ...store.RedirectURI) (store.Application, string) {
		a := store.Application{ID: id.New(id.Application), Name: name, CreatedAt: now, UpdatedAt: now}
		must(e.st.CreateApplication(e.ctx, a))
		for _, u := range logout {
			u.ID, u.ApplicationID, u.Kind, u.CreatedAt, u.UpdatedAt = id.New(id.RedirectURI), a.ID, store.RedirectLogout, now, now
			must(e.st.CreateRedirectURI(e.ctx, u))
		}
		// An API key as internal/reconcile creates one.
		key := apikey.Generate()
		hash, err := apikey.Hash(key)
		must(err)
		must(e.st.CreateAPIKey(e.ctx, store.APIKey{ID: id.New(id.APIKey), ApplicationID: a.ID, Name: "test",
			Prefix: apikey.Prefix(key), Hash: hash, CreatedAt: now}))
		return a, key
	}
	e.app, e.secret = app("Example App", store.RedirectURI{URI: logoutFirst}, store.RedirectURI{URI: logoutDefault, Default: true})
	e.otherApp, e.otherSecret = app("Other App")
	must(e.st.CreateCORSOrigin(e.ctx, store.CORSOrigin{ID: id.New(id.CORSOrigin), ApplicationID: e.app.ID, Origin: appOrigin, CreatedAt: now}))

	org := func(name string) store.Organization {
		o := store.Organization{ID: id.New(id.Organization), Name: name, CreatedAt: now, UpdatedAt: now}
		must(e.st.CreateOrganization(e.ctx, o))
		return o
	}
	e.orgA, e.orgB, e.orgInactive, e.orgNone = org("Org A"), org("Org B"), org("Org Inactive"), org("Org None")

	hash, err := password.Hash(userPassword, password.DefaultParams())
	must(err)
	user := func(email, first string, verified bool, pw string) store.User {
		u := store.User{ID: id.New(id.User), Email: email, EmailVerified: verified, FirstName: first,
			PasswordHash: pw, LastSignInAt: now, CreatedAt: now, UpdatedAt: now}
		must(e.st.CreateUser(e.ctx, u))
		return u
	}
	e.user = user("ada@example.com", "Ada", true, hash)
	e.unverified = user("una@example.com", "Una", false, hash)
	e.noPassword = user("sso-only@example.com", "", true, "")
	member := func(o store.Organization, role string, status store.MembershipStatus) {
		must(e.st.CreateOrganizationMembership(e.ctx, store.OrganizationMembership{ID: id.New(id.OrganizationMembership),
			UserID: e.user.ID, OrganizationID: o.ID, Role: role, Status: status, CreatedAt: now, UpdatedAt: now}))
	}
	member(e.orgA, "admin", store.MembershipActive)
	member(e.orgB, "member", store.MembershipActive)
	member(e.orgInactive, "member", store.MembershipInactive)
}

// ssoGrant is what the callback binds a code to after an SSO sign-in of
// user into orgA at app.
func (e *env) ssoGrant() authorize.Grant {
	return authorize.Grant{ClientID: e.app.ID, RedirectURI: "https://app.example.com/cb", UserID: e.user.ID,
		OrganizationID: e.orgA.ID, AuthMethod: "SSO"}
}

// issueCode mints a code as the callback does.
func (e *env) issueCode(t testing.TB, g authorize.Grant) string {
	t.Helper()
	code, err := e.az.IssueCode(e.ctx, g)
	if err != nil {
		t.Fatalf("IssueCode: %v", err)
	}
	return code
}

// challenge is the S256 code_challenge of verifier (RFC 7636 §4.2).
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
