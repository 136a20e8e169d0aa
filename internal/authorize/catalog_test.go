package authorize_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

// openSQLite opens a migrated SQLite store in a temporary directory.
func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "catalog.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// loadIndex brings the catalog to the store's generation and loads its
// index.
func loadIndex(t *testing.T, cat *authorize.Catalog) {
	t.Helper()
	if err := cat.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := cat.LoadIndex(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// countingFactory prepares rows as they are and builds nothing, counting
// both.
type countingFactory struct{ prepares, builds atomic.Int32 }

func (f *countingFactory) Prepare(c store.Connection) (*authorize.Prepared, error) {
	f.prepares.Add(1)
	return &authorize.Prepared{ID: c.ID, Type: c.Type}, nil
}

func (f *countingFactory) Build(context.Context, *authorize.Prepared) (connector.CallbackConnector, error) {
	f.builds.Add(1)
	return nil, nil
}

// An organization looked up for the first time brings its SSO connection
// into the cache with it: with many organizations most authorize requests
// miss the cache, and each query saved there counts.
func TestOrganizationMissCachesItsConnection(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	now := time.Now().UTC()
	org := store.Organization{ID: id.New(id.Organization), Name: "Acme", CreatedAt: now, UpdatedAt: now}
	settings, _ := json.Marshal(connector.Settings{OIDC: &config.OIDC{Issuer: "http://127.0.0.1:1", ClientID: "x"}})
	conn := store.Connection{ID: id.New(id.Connection), OrganizationID: org.ID, Type: "GenericOIDC", Name: "IdP",
		State: store.ConnectionActive, Settings: settings, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateConnection(ctx, conn); err != nil {
		t.Fatal(err)
	}
	counter := &queryCounter{Store: st}
	cat := authorize.NewCatalog(counter, nil, slog.New(slog.DiscardHandler))
	if err := cat.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	o, err := cat.Organization(ctx, org.ID)
	if err != nil || o.SSOConnectionID != conn.ID {
		t.Fatalf("Organization = %+v, %v", o, err)
	}
	before := counter.n.Load()
	c, err := cat.Connection(ctx, o.SSOConnectionID)
	if err != nil || c.ID != conn.ID || c.State != store.ConnectionActive || c.Type != "GenericOIDC" || c.OrganizationID != org.ID {
		t.Fatalf("Connection = %+v, %v", c, err)
	}
	if n := counter.n.Load() - before; n != 0 {
		t.Fatalf("%d queries for the connection after the organization's look-up, want 0", n)
	}

	// A write moves the generation: the next refresh drops both.
	conn.State = store.ConnectionInactive
	conn.UpdatedAt = time.Now().UTC()
	if err := st.UpdateConnection(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if err := cat.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := cat.Connection(ctx, conn.ID); err != nil || c.State != store.ConnectionInactive {
		t.Fatalf("after the update: %+v, %v", c, err)
	}
}

// queryCounter counts the look-ups authorize's catalog makes.
type queryCounter struct {
	store.Store
	n atomic.Int32
}

func (q *queryCounter) GetOrganization(ctx context.Context, id string) (store.Organization, error) {
	q.n.Add(1)
	return q.Store.GetOrganization(ctx, id)
}

func (q *queryCounter) GetConnection(ctx context.Context, id string) (store.Connection, error) {
	q.n.Add(1)
	return q.Store.GetConnection(ctx, id)
}

func (q *queryCounter) ListConnections(ctx context.Context, f store.ConnectionFilter, o store.ListOptions) ([]store.Connection, store.ListMetadata, error) {
	q.n.Add(1)
	return q.Store.ListConnections(ctx, f, o)
}

// indexFixture stores n organizations, each with an active GenericOIDC
// connection, and one more with only an inactive one.
func indexFixture(t *testing.T, n int) (store.Store, []store.Organization, []store.Connection, store.Connection) {
	t.Helper()
	ctx := context.Background()
	st := openSQLite(t)
	now := time.Now().UTC()
	settings, _ := json.Marshal(connector.Settings{OIDC: &config.OIDC{Issuer: "http://127.0.0.1:1", ClientID: "x"}})
	var orgs []store.Organization
	var conns []store.Connection
	for i := 0; i <= n; i++ {
		o := store.Organization{ID: id.New(id.Organization), Name: "Org", CreatedAt: now, UpdatedAt: now}
		c := store.Connection{ID: id.New(id.Connection), OrganizationID: o.ID, Type: "GenericOIDC", Name: "IdP",
			State: store.ConnectionActive, Settings: settings, CreatedAt: now, UpdatedAt: now}
		if i == n {
			c.State = store.ConnectionInactive
		}
		if err := st.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
		orgs, conns = append(orgs, o), append(conns, c)
	}
	return st, orgs[:n], conns[:n], conns[n]
}

// With the index loaded, every organization, known or not, and every
// active connection is answered without a query; a change is visible as
// soon as Refresh returns, before the index is loaded again; and a
// connection whose row did not change keeps its built connector.
func TestCatalogIndex(t *testing.T) {
	ctx := context.Background()
	st, orgs, conns, inactive := indexFixture(t, 50)
	q := &queryCounter{Store: st}
	build := new(countingFactory)
	builds := &build.builds
	cat := authorize.NewCatalog(q, build, slog.New(slog.DiscardHandler))
	loadIndex(t, cat)
	for i, o := range orgs {
		got, err := cat.Organization(ctx, o.ID)
		if err != nil || got.SSOConnectionID != conns[i].ID {
			t.Fatalf("Organization(%s) = %+v, %v; want connection %s", o.ID, got, err, conns[i].ID)
		}
		c, err := cat.Connection(ctx, got.SSOConnectionID)
		if err != nil || c.ID != conns[i].ID {
			t.Fatalf("Connection(%s) = %+v, %v", conns[i].ID, c, err)
		}
		if _, err := cat.Connector(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if n := q.n.Load(); n != 0 {
		t.Fatalf("%d queries with the index loaded, want 0", n)
	}
	// One the index lacks is asked of the database, once: it may be newer
	// than the index.
	unknown := id.New(id.Organization)
	for range 2 {
		if o, err := cat.Organization(ctx, unknown); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown organization = %+v, %v; want ErrNotFound", o, err)
		}
	}
	if n := q.n.Load(); n != 1 {
		t.Fatalf("%d queries for an organization the index lacks, asked twice; want 1", n)
	}
	q.n.Store(0)
	if n := builds.Load(); n != int32(len(conns)) {
		t.Fatalf("%d connector builds, want %d", n, len(conns))
	}
	// An inactive connection is not indexed; the read-through layer still
	// answers for it (authorize then refuses it by its state).
	if c, err := cat.Connection(ctx, inactive.ID); err != nil || c.State != store.ConnectionInactive {
		t.Fatalf("inactive connection = %+v, %v", c, err)
	}

	// A change: the first organization's connection is switched off and a
	// new organization appears. Both show right after Refresh.
	off := conns[0]
	off.State, off.UpdatedAt = store.ConnectionInactive, time.Now().UTC()
	if err := st.UpdateConnection(ctx, off); err != nil {
		t.Fatal(err)
	}
	added := store.Organization{ID: id.New(id.Organization), Name: "New", CreatedAt: off.UpdatedAt, UpdatedAt: off.UpdatedAt}
	if err := st.CreateOrganization(ctx, added); err != nil {
		t.Fatal(err)
	}
	if err := cat.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if o, err := cat.Organization(ctx, orgs[0].ID); err != nil || o.SSOConnectionID != "" {
		t.Fatalf("after the change, organization = %+v, %v; want no SSO connection", o, err)
	}
	if _, err := cat.Organization(ctx, added.ID); err != nil {
		t.Fatalf("new organization: %v", err)
	}
	if err := cat.LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
	before := q.n.Load()
	if o, err := cat.Organization(ctx, orgs[0].ID); err != nil || o.SSOConnectionID != "" {
		t.Fatalf("indexed after the change, organization = %+v, %v", o, err)
	}
	if _, err := cat.Organization(ctx, added.ID); err != nil {
		t.Fatalf("indexed new organization: %v", err)
	}
	for _, c := range conns[1:] {
		conn, err := cat.Connection(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cat.Connector(ctx, conn); err != nil {
			t.Fatal(err)
		}
	}
	if n := q.n.Load() - before; n != 0 {
		t.Fatalf("%d queries with the new index, want 0", n)
	}
	if n := builds.Load(); n != int32(len(conns)) {
		t.Fatalf("%d connector builds after the reload, want %d: unchanged connections keep theirs", n, len(conns))
	}
}

// Past its limit the index is not loaded, and lookups go through the
// read-through layer as before.
func TestCatalogIndexLimit(t *testing.T) {
	ctx := context.Background()
	st, orgs, conns, _ := indexFixture(t, 10)
	q := &queryCounter{Store: st}
	cat := authorize.NewCatalog(q, nil, slog.New(slog.DiscardHandler))
	cat.SetIndexLimit(15) // 10 organizations + 10 connections (+ 1 + 0 inactive) > 15
	loadIndex(t, cat)
	o, err := cat.Organization(ctx, orgs[3].ID)
	if err != nil || o.SSOConnectionID != conns[3].ID {
		t.Fatalf("Organization = %+v, %v", o, err)
	}
	if q.n.Load() == 0 {
		t.Fatal("no query: the index was loaded past its limit")
	}
}

// An index read at one generation is not installed once the store has
// moved past it: lookups must reflect the newer state.
func TestCatalogIndexNotInstalledWhenStale(t *testing.T) {
	ctx := context.Background()
	st, orgs, _, _ := indexFixture(t, 3)
	cat := authorize.NewCatalog(st, nil, slog.New(slog.DiscardHandler))
	if err := cat.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// The store moves on; the catalog has not refreshed yet.
	if err := st.DeleteOrganization(ctx, orgs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := cat.LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cat.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if o, err := cat.Organization(ctx, orgs[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted organization = %+v, %v; want ErrNotFound", o, err)
	}
}

// Built connectors are bounded: past the limit the oldest is dropped and
// built again from its row when asked for.
func TestCatalogBuiltConnectorsBounded(t *testing.T) {
	ctx := context.Background()
	st, _, conns, _ := indexFixture(t, 8)
	build := new(countingFactory)
	builds := &build.builds
	cat := authorize.NewCatalog(st, build, slog.New(slog.DiscardHandler))
	cat.SetCacheLimit(3)
	loadIndex(t, cat)
	use := func(c store.Connection) {
		t.Helper()
		conn, err := cat.Connection(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cat.Connector(ctx, conn); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		use(c)
	}
	if n := cat.BuiltConnectors(); n != 3 {
		t.Fatalf("%d built connectors held, want the limit, 3", n)
	}
	before := builds.Load()
	use(conns[len(conns)-1]) // among the newest three: still built
	if builds.Load() != before {
		t.Fatal("a recently built connector was built again")
	}
	use(conns[0]) // dropped long ago: built again
	if builds.Load() != before+1 {
		t.Fatalf("builds went from %d to %d, want one more for a dropped connector", before, builds.Load())
	}
	if n := cat.BuiltConnectors(); n != 3 {
		t.Fatalf("%d built connectors held after a rebuild, want 3", n)
	}
	// Rebuilding one decodes nothing: each row was prepared once, when
	// the index was loaded.
	if n := build.prepares.Load(); n != int32(len(conns)) {
		t.Fatalf("%d rows prepared, want one per connection (%d)", n, len(conns))
	}
}

// An organization created after the index was loaded, by a node whose
// change notification has not arrived yet, is found all the same.
func TestCatalogIndexSeesNewerOrganization(t *testing.T) {
	ctx := context.Background()
	st, _, _, _ := indexFixture(t, 2)
	cat := authorize.NewCatalog(st, nil, slog.New(slog.DiscardHandler))
	loadIndex(t, cat)
	now := time.Now().UTC()
	o := store.Organization{ID: id.New(id.Organization), Name: "Later", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	if got, err := cat.Organization(ctx, o.ID); err != nil || got.ID != o.ID {
		t.Fatalf("Organization(newer) = %+v, %v", got, err)
	}
}

// Indexed rows are prepared when the index is loaded: a connector is built
// from what was decoded then, a row that cannot be decoded or opened gives
// its error on every build (and nothing else fails with it), and a row
// whose settings changed gets a new connector after the next load.
func TestCatalogIndexPreparesRows(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	box, _ := secrets.NewBox(secrets.NewMasterKey(), "connection-secrets")
	now := time.Now().UTC()
	idp := "http://127.0.0.1:1" // never asked: every endpoint is named
	oidcSettings := func(clientID string) []byte {
		b, _ := json.Marshal(connector.Settings{OIDC: &config.OIDC{Issuer: idp, ClientID: clientID,
			Endpoints: config.OIDCEndpoints{Authorization: idp + "/authorize", Token: idp + "/token", JWKS: idp + "/keys"}}})
		return b
	}
	secretJSON, _ := json.Marshal(connector.Secrets{ClientSecret: "s3cret"})
	row := func(settings []byte) store.Connection {
		o := store.Organization{ID: id.New(id.Organization), Name: "Org", CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		c := store.Connection{ID: id.New(id.Connection), OrganizationID: o.ID, Type: "GenericOIDC", Name: "IdP",
			State: store.ConnectionActive, Settings: settings, CreatedAt: now, UpdatedAt: now}
		c.Secrets = box.Seal(secretJSON, []byte(c.ID))
		return c
	}
	good, badJSON, badSecret := row(oidcSettings("first")), row([]byte(`{"oidc":`)), row(oidcSettings("x"))
	badSecret.Secrets = box.Seal(secretJSON, []byte(good.ID)) // sealed for another connection
	for _, c := range []store.Connection{good, badJSON, badSecret} {
		if err := st.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	cat := authorize.NewCatalog(st, authorize.NewConnectorFactory(box, http.DefaultClient, "http://127.0.0.1:8080"), slog.New(slog.DiscardHandler))
	load := func() {
		t.Helper()
		loadIndex(t, cat)
		if cat.IndexSize() != 6 {
			t.Fatalf("index holds %d entries, want 3 organizations and their 3 connections", cat.IndexSize())
		}
	}
	loginURL := func(c store.Connection) (string, error) {
		t.Helper()
		conn, err := cat.Connection(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		built, err := cat.Connector(ctx, conn)
		if err != nil {
			return "", err
		}
		return built.LoginURL(connector.Request{CallbackURL: "http://127.0.0.1:8080/sso/callback", State: "s", Nonce: "n", CodeVerifier: "v"})
	}
	load()
	if u, err := loginURL(good); err != nil || !strings.Contains(u, "client_id=first") {
		t.Fatalf("login URL %q, %v; want client_id=first", u, err)
	}
	for range 2 { // a failed preparation is not forgotten between builds
		if _, err := loginURL(badJSON); err == nil || !strings.Contains(err.Error(), "settings") {
			t.Fatalf("undecodable settings: %v, want a settings error", err)
		}
		if _, err := loginURL(badSecret); err == nil || !strings.Contains(err.Error(), "secrets") {
			t.Fatalf("secrets sealed for another connection: %v, want a secrets error", err)
		}
	}

	// Same update time, as two writes within a microsecond would have: the
	// settings themselves decide whether the old connector may be kept.
	good.Settings = oidcSettings("second")
	if err := st.UpdateConnection(ctx, good); err != nil {
		t.Fatal(err)
	}
	load()
	if u, err := loginURL(good); err != nil || !strings.Contains(u, "client_id=second") {
		t.Fatalf("after the change, login URL %q, %v; want client_id=second", u, err)
	}
}
