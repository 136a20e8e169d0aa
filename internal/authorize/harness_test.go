package authorize_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/devidp"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

// traceID is what every request of the harness is traced as.
const traceID = "trace-test"

// The application's registered sign-in redirect URIs.
const (
	redirectExact    = "https://app.example.com/cb"
	redirectQuery    = "https://app.example.com/cb?tenant=a"
	redirectWildcard = "https://*.example.org/cb"
	redirectLoopback = "http://127.0.0.1/native"
	redirectLocal    = "http://localhost:3000/callback"
	redirectAnyPort  = "http://localhost:*/any"
	redirectNative   = "myapp://cb"
	// Registered for the application, but as a logout return URI.
	logoutURI = "https://app.example.com/logged-out"
	// Registered for another application only.
	otherAppRedirect = "https://other.example.net/cb"
)

// awkwardState must come back byte for byte.
const awkwardState = "a b&c=d/é%"

// Users of the dev-idp.
var idpUsers = []devidp.User{
	{Email: "dev@example.test", FirstName: "Dev", LastName: "User", EmailVerified: true},
	{Email: "unverified@example.test", FirstName: "Una", LastName: "Verified", EmailVerified: false},
	{Email: "linked@example.test", FirstName: "Lin", LastName: "Ked", EmailVerified: true},
	{Email: "local-unverified@example.test", FirstName: "Lo", LastName: "Cal", EmailVerified: true},
	{Email: "upstream-unverified@example.test", FirstName: "Up", LastName: "Stream", EmailVerified: false},
}

// clock is the Handler's time, moved by the test.
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

// syncBuffer collects the handler's logs.
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

// harness is a Latchkey authorize handler over a real SQLite store, with
// a dev-idp as the upstream of its OIDC connections, both on loopback.
type harness struct {
	ctx   context.Context
	store *sqlite.Store
	clock *clock
	txBox *secrets.Box
	logs  *syncBuffer
	mux   *http.ServeMux
	// catalog is the handler's cache; a test that changes fixtures
	// refreshes it.
	catalog *authorize.Catalog
	public  string // Latchkey's URL
	idpURL  string
	// idpAuthURL is the dev-idp's authorization endpoint, from discovery.
	idpAuthURL string

	app, otherApp store.Application

	orgSSO      store.Organization // one active GenericOIDC connection
	orgInactive store.Organization // only an inactive connection
	orgNone     store.Organization // no connection
	orgTwo      store.Organization // two active SSO connections, then an inactive one

	connSSO           store.Connection // GenericOIDC of orgSSO, client_id latchkey
	connInactive      store.Connection // GenericOIDC of orgInactive, inactive
	connTwoOld        store.Connection // GenericOIDC of orgTwo, client_id older
	connTwoNew        store.Connection // GenericOIDC of orgTwo, client_id newer
	connTwoNewest     store.Connection // GenericOIDC of orgTwo, inactive
	connOAuth         store.Connection // BitbucketOAuth of the environment: a type without a connector
	connOAuthInactive store.Connection // GitLabOAuth of the environment, inactive
	connDown          store.Connection // GenericOIDC of orgDown at an issuer nobody listens on
	orgDown           store.Organization
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := t.Context()
	h := &harness{ctx: ctx, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}, logs: &syncBuffer{}}

	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.store = st

	// The dev-idp's issuer must be its own URL: bind the listener first.
	idp := httptest.NewUnstartedServer(nil)
	h.idpURL = "http://" + idp.Listener.Addr().String()
	idpHandler, err := devidp.New(devidp.Options{Issuer: h.idpURL, Users: idpUsers})
	if err != nil {
		t.Fatal(err)
	}
	idp.Config.Handler = idpHandler
	idp.Start()
	t.Cleanup(idp.Close)
	h.idpAuthURL = discoverAuthURL(t, h.idpURL)

	master := secrets.NewMasterKey()
	connBox, err := secrets.NewBox(master, "connection-secrets")
	if err != nil {
		t.Fatal(err)
	}
	h.txBox, err = secrets.NewBox(master, "authorize-transaction")
	if err != nil {
		t.Fatal(err)
	}
	h.createFixtures(t, connBox)

	// Wired exactly as cmd/latchkey/routes.go does.
	srv := httptest.NewUnstartedServer(nil)
	h.public = "http://" + srv.Listener.Addr().String()
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	upstream := &http.Client{Timeout: 15 * time.Second}
	catalog := authorize.NewCatalog(st, authorize.NewConnectorFactory(connBox, upstream, h.public), log)
	if err := catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	h.catalog = catalog
	az := authorize.New(authorize.Options{Catalog: catalog, Store: st, Box: h.txBox, PublicURL: h.public,
		Log: log, Now: h.clock.Now, TraceID: func(context.Context) string { return traceID }})
	h.mux = http.NewServeMux()
	h.mux.Handle("GET /user_management/authorize", http.HandlerFunc(az.Authorize))
	h.mux.Handle("GET /sso/callback", http.HandlerFunc(az.Callback))
	srv.Config.Handler = h.mux
	srv.Start()
	t.Cleanup(srv.Close)
	return h
}

func discoverAuthURL(t *testing.T, issuer string) string {
	t.Helper()
	resp, err := http.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		AuthorizationEndpoint string `json:"authorization_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || d.AuthorizationEndpoint == "" {
		t.Fatalf("dev-idp discovery: %v %+v", err, d)
	}
	return d.AuthorizationEndpoint
}

// createFixtures writes the application, organizations and connections
// through the store, as reconcile would.
func (h *harness) createFixtures(t *testing.T, connBox *secrets.Box) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	app := func(name string, login, logout []string) store.Application {
		a := store.Application{ID: id.New(id.Application), Name: name, CreatedAt: now, UpdatedAt: now}
		must(h.store.CreateApplication(h.ctx, a))
		for kind, uris := range map[store.RedirectKind][]string{store.RedirectLogin: login, store.RedirectLogout: logout} {
			for _, u := range uris {
				must(config.ValidateRedirectURI(u))
				must(h.store.CreateRedirectURI(h.ctx, store.RedirectURI{ID: id.New(id.RedirectURI), ApplicationID: a.ID,
					Kind: kind, URI: u, CreatedAt: now, UpdatedAt: now}))
			}
		}
		return a
	}
	h.app = app("Example App", []string{redirectExact, redirectQuery, redirectWildcard, redirectLoopback, redirectLocal, redirectAnyPort, redirectNative}, []string{logoutURI})
	h.otherApp = app("Other App", []string{otherAppRedirect}, nil)

	org := func(name string) store.Organization {
		o := store.Organization{ID: id.New(id.Organization), Name: name, CreatedAt: now, UpdatedAt: now}
		must(h.store.CreateOrganization(h.ctx, o))
		return o
	}
	h.orgSSO, h.orgInactive, h.orgNone, h.orgTwo = org("SSO Org"), org("Inactive Org"), org("No SSO Org"), org("Two SSO Org")
	h.orgDown = org("Down Org")

	conn := func(orgID, typ string, state store.ConnectionState, s connector.Settings, sec connector.Secrets) store.Connection {
		settings, err := json.Marshal(s)
		must(err)
		c := store.Connection{ID: id.New(id.Connection), OrganizationID: orgID, Type: typ, Name: typ + " " + orgID,
			State: state, Settings: settings, CreatedAt: now, UpdatedAt: now}
		secretJSON, err := json.Marshal(sec)
		must(err)
		c.Secrets = connBox.Seal(secretJSON, []byte(c.ID)) // the connection ID is the associated data
		must(h.store.CreateConnection(h.ctx, c))
		return c
	}
	oidc := func(clientID string) connector.Settings {
		return connector.Settings{OIDC: &config.OIDC{Issuer: h.idpURL, ClientID: clientID, Scopes: []string{"openid", "email", "profile"}}}
	}
	secret := connector.Secrets{ClientSecret: "dev-secret"}
	h.connSSO = conn(h.orgSSO.ID, "GenericOIDC", store.ConnectionActive, oidc("latchkey"), secret)
	h.connInactive = conn(h.orgInactive.ID, "GenericOIDC", store.ConnectionInactive, oidc("latchkey"), secret)
	h.connTwoOld = conn(h.orgTwo.ID, "GenericOIDC", store.ConnectionActive, oidc("older"), secret)
	h.connTwoNew = conn(h.orgTwo.ID, "GenericOIDC", store.ConnectionActive, oidc("newer"), secret)
	h.connTwoNewest = conn(h.orgTwo.ID, "GenericOIDC", store.ConnectionInactive, oidc("newest"), secret)
	oauth := connector.Settings{OAuth: &config.OAuth{ClientID: "gh-client", Scopes: []string{"read:user"}}}
	h.connOAuth = conn("", "BitbucketOAuth", store.ConnectionActive, oauth, secret)
	h.connOAuthInactive = conn("", "GitLabOAuth", store.ConnectionInactive, oauth, secret)
	down := connector.Settings{OIDC: &config.OIDC{Issuer: closedURL(t), ClientID: "latchkey"}}
	h.connDown = conn(h.orgDown.ID, "GenericOIDC", store.ConnectionActive, down, secret)
}

// params returns a valid authkit request for the application, with kv
// (name, value pairs) set on top; the value del removes the parameter.
func (h *harness) params(kv ...string) url.Values {
	q := url.Values{
		"response_type": {"code"},
		"client_id":     {h.app.ID},
		"redirect_uri":  {redirectQuery},
		"state":         {awkwardState},
		"provider":      {"authkit"},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == del {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// del removes a parameter in harness.params.
const del = "\x00del"

// get serves GET /user_management/authorize?raw through the mux.
func (h *harness) get(raw, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/user_management/authorize", nil)
	req.URL.RawQuery = raw // verbatim: httptest.NewRequest would reject some of the raw strings
	req.RequestURI = req.URL.RequestURI()
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.mux.ServeHTTP(rec, req)
	return rec
}

// authorizeURL is the URL a browser opens to sign in.
func (h *harness) authorizeURL(q url.Values) string {
	return h.public + "/user_management/authorize?" + q.Encode()
}

// s256 is the RFC 7636 §4.2 S256 challenge of a verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newBox returns a transaction box under a fresh key.
func newBox(t *testing.T) *secrets.Box {
	t.Helper()
	b, err := secrets.NewBox(secrets.NewMasterKey(), "authorize-transaction")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// closedURL is an http URL on loopback where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}
