package authorize_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/bench/seed"
	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/devidp"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

// hotPath is a handler over a real SQLite store with one application, one
// organization and one GenericOIDC connection at an in-process dev-idp.
type hotPath struct {
	handler *authorize.Handler
	store   *sqlite.Store
	query   map[string]string // route name → authorize query
}

func newHotPath(tb testing.TB) *hotPath {
	tb.Helper()
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	idpHandler, err := devidp.New(devidp.Options{Issuer: issuer, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	idp := &httptest.Server{Listener: ln, Config: &http.Server{Handler: idpHandler}}
	idp.Start()
	tb.Cleanup(idp.Close)

	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "bench.db"), sqlite.Options{Migrate: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	now := time.Now().UTC()
	app := store.Application{ID: id.New(id.Application), Name: "Bench", CreatedAt: now, UpdatedAt: now}
	org := store.Organization{ID: id.New(id.Organization), Name: "Acme", CreatedAt: now, UpdatedAt: now}
	settings, _ := json.Marshal(connector.Settings{OIDC: &config.OIDC{Issuer: issuer, ClientID: "latchkey"}})
	conn := store.Connection{ID: id.New(id.Connection), OrganizationID: org.ID, Type: "GenericOIDC", Name: "IdP",
		State: store.ConnectionActive, Settings: settings, CreatedAt: now, UpdatedAt: now}
	for _, err := range []error{
		st.CreateApplication(ctx, app),
		st.CreateRedirectURI(ctx, store.RedirectURI{ID: id.New(id.RedirectURI), ApplicationID: app.ID, Kind: store.RedirectLogin,
			URI: "https://app.example.com/callback", CreatedAt: now, UpdatedAt: now}),
		st.CreateOrganization(ctx, org),
		st.CreateConnection(ctx, conn),
	} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	master := secrets.NewMasterKey()
	connBox, _ := secrets.NewBox(master, "connection-secrets")
	txBox, _ := secrets.NewBox(master, "authorize-transaction")
	log := slog.New(slog.DiscardHandler)
	catalog := authorize.NewCatalog(st, authorize.NewConnectorFactory(connBox, http.DefaultClient, "http://127.0.0.1:8080"), log)
	h := authorize.New(authorize.Options{Catalog: catalog, Store: st, Box: txBox, PublicURL: "http://127.0.0.1:8080",
		Log: log, Now: time.Now, TraceID: func(context.Context) string { return "BENCH" }})

	base := url.Values{
		"client_id": {app.ID}, "redirect_uri": {"https://app.example.com/callback"}, "response_type": {"code"},
		"state": {"af0ifjsldkj"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		"code_challenge_method": {"S256"}, "login_hint": {"dev@example.test"},
	}
	with := func(k, v string) string {
		q := url.Values{}
		for kk, vv := range base {
			q[kk] = vv
		}
		q.Set(k, v)
		return q.Encode()
	}
	return &hotPath{handler: h, store: st, query: map[string]string{
		"connection_id":   with("connection_id", conn.ID),
		"organization_id": with("organization_id", org.ID),
		"authkit":         with("provider", "authkit"),
	}}
}

func (hp *hotPath) serve(query string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	hp.handler.Authorize(rec, httptest.NewRequest(http.MethodGet, "/user_management/authorize?"+query, nil))
	return rec
}

// TestHotPathHasNoDatabaseRoundTrip warms the cache, then closes the
// database: authorize must still answer every route, proving it reads
// nothing from the database once its entries are cached.
func TestHotPathHasNoDatabaseRoundTrip(t *testing.T) {
	hp := newHotPath(t)
	for route, q := range hp.query {
		if rec := hp.serve(q); rec.Code != http.StatusFound || rec.Header().Get("Set-Cookie") == "" {
			t.Fatalf("%s warm-up: %d %s", route, rec.Code, rec.Header().Get("Location"))
		}
	}
	if err := hp.store.Close(); err != nil {
		t.Fatal(err)
	}
	for route, q := range hp.query {
		rec := hp.serve(q)
		loc, _ := url.Parse(rec.Header().Get("Location"))
		if rec.Code != http.StatusFound || loc.Query().Get("error") != "" {
			t.Fatalf("%s with the database closed: %d %s", route, rec.Code, loc)
		}
	}
}

// BenchmarkAuthorize measures parse, validate, route and seal for each
// route, with the catalog warm (the steady state of a running node).
func BenchmarkAuthorize(b *testing.B) {
	hp := newHotPath(b)
	for _, route := range []string{"connection_id", "organization_id", "authkit"} {
		q := hp.query[route]
		if rec := hp.serve(q); rec.Code != http.StatusFound {
			b.Fatalf("%s: %d", route, rec.Code)
		}
		b.Run(route, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/user_management/authorize?"+q, nil)
			b.ReportAllocs()
			for b.Loop() {
				w := discardWriter{h: http.Header{}}
				hp.handler.Authorize(&w, req)
				if w.code != http.StatusFound {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

// discardWriter is the cheapest ResponseWriter, so the benchmark measures
// the handler rather than httptest's recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return io.Discard.Write(b) }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkConnectorBuild is the cost of building a GenericOIDC connector
// with every endpoint named (no discovery), as the catalog does for a
// connection whose connector it dropped: "prepared" from what the index
// keeps, "row" decoding the settings and opening the secrets first (the
// read-through layer, and the index before it kept rows prepared).
func BenchmarkConnectorBuild(b *testing.B) {
	ctx := context.Background()
	box, _ := secrets.NewBox(secrets.NewMasterKey(), "connection-secrets")
	f := authorize.NewConnectorFactory(box, http.DefaultClient, "http://127.0.0.1:8080")
	idp := "http://127.0.0.1:5556"
	settings, _ := json.Marshal(connector.Settings{OIDC: &config.OIDC{Issuer: idp, ClientID: "latchkey-bench",
		Scopes: []string{"openid", "profile", "email"}, Endpoints: config.OIDCEndpoints{Authorization: idp + "/authorize",
			Token: idp + "/oauth/token", Userinfo: idp + "/userinfo", JWKS: idp + "/keys"}}})
	secretJSON, _ := json.Marshal(connector.Secrets{ClientSecret: "dev-secret-0123456789abcdef"})
	row := store.Connection{ID: id.New(id.Connection), Type: "GenericOIDC", Settings: settings}
	row.Secrets = box.Seal(secretJSON, []byte(row.ID))
	p, err := f.Prepare(row)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("prepared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.Build(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("row", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := f.Prepare(row)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.Build(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCatalogIndex loads the catalog index over 20,000 organizations,
// each with its GenericOIDC connection, seeded as `make bench` seeds them,
// and reports what the loaded index keeps on the heap per organization
// with its connection (B/org) and how long a load takes.
func BenchmarkCatalogIndex(b *testing.B) {
	ctx := context.Background()
	const orgs = 20_000
	path := filepath.Join(b.TempDir(), "index.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	box, _ := secrets.NewBox(secrets.NewMasterKey(), "connection-secrets")
	idp := "http://127.0.0.1:5556"
	if _, err := seed.SQLite(ctx, path, seed.Dataset{Users: orgs, Organizations: orgs}, seed.Params{
		IdP:     seed.IdP{Issuer: idp, AuthorizationURL: idp + "/authorize", TokenURL: idp + "/oauth/token", JWKSURL: idp + "/keys"},
		Secrets: box, Tag: "b", Now: time.Now(),
	}); err != nil {
		b.Fatal(err)
	}
	factory := authorize.NewConnectorFactory(box, http.DefaultClient, "http://127.0.0.1:8080")
	log := slog.New(slog.DiscardHandler)
	var perOrg float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		cat := authorize.NewCatalog(st, factory, log)
		if err := cat.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		if err := cat.LoadIndex(ctx); err != nil {
			b.Fatal(err)
		}
		if n := cat.IndexSize(); n != 2*orgs {
			b.Fatalf("index holds %d entries, want %d", n, 2*orgs)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perOrg = float64(after.HeapAlloc-before.HeapAlloc) / orgs
		runtime.KeepAlive(cat)
	}
	b.ReportMetric(perOrg, "B/org")
}

// BenchmarkAuthorizeOrganizations is authorize by organization_id over
// every organization at random, with 10 and with 100,000 organizations
// (each with its GenericOIDC connection, seeded as `make bench` seeds
// them) and the index loaded: the per-request cost should not grow with
// the data. It includes what the data costs the garbage collector, which
// grows with the number of pointers the index holds, so compare ns/op
// between the two sizes.
func BenchmarkAuthorizeOrganizations(b *testing.B) {
	for _, orgs := range []int{10, 100_000} {
		b.Run(fmt.Sprintf("orgs=%d", orgs), func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "orgs.db")
			st, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			master := secrets.NewMasterKey()
			connBox, _ := secrets.NewBox(master, "connection-secrets")
			txBox, _ := secrets.NewBox(master, "authorize-transaction")
			idp := "http://127.0.0.1:5556"
			seeded, err := seed.SQLite(ctx, path, seed.Dataset{Users: orgs, Organizations: orgs}, seed.Params{
				IdP:     seed.IdP{Issuer: idp, AuthorizationURL: idp + "/authorize", TokenURL: idp + "/oauth/token", JWKSURL: idp + "/keys"},
				Secrets: connBox, Tag: "b", Now: time.Now(),
			})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now().UTC()
			app := store.Application{ID: id.New(id.Application), Name: "Bench", CreatedAt: now, UpdatedAt: now}
			if err := st.CreateApplication(ctx, app); err != nil {
				b.Fatal(err)
			}
			if err := st.CreateRedirectURI(ctx, store.RedirectURI{ID: id.New(id.RedirectURI), ApplicationID: app.ID,
				Kind: store.RedirectLogin, URI: "https://app.example.com/callback", CreatedAt: now, UpdatedAt: now}); err != nil {
				b.Fatal(err)
			}
			log := slog.New(slog.DiscardHandler)
			catalog := authorize.NewCatalog(st, authorize.NewConnectorFactory(connBox, http.DefaultClient, "http://127.0.0.1:8080"), log)
			if err := catalog.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
			if err := catalog.LoadIndex(ctx); err != nil {
				b.Fatal(err)
			}
			h := authorize.New(authorize.Options{Catalog: catalog, Store: st, Box: txBox, PublicURL: "http://127.0.0.1:8080",
				Log: log, Now: time.Now, TraceID: func(context.Context) string { return "BENCH" }})
			prefix := url.Values{
				"client_id": {app.ID}, "redirect_uri": {"https://app.example.com/callback"}, "response_type": {"code"},
				"state": {"af0ifjsldkj"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
				"code_challenge_method": {"S256"},
			}.Encode() + "&organization_id="
			ids := seeded.OrganizationIDs
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest(http.MethodGet, "/user_management/authorize", nil)
				r := rand.New(rand.NewPCG(rand.Uint64(), 0))
				for pb.Next() {
					req.URL.RawQuery = prefix + ids[r.IntN(len(ids))]
					w := discardWriter{h: http.Header{}}
					h.Authorize(&w, req)
					if w.code != http.StatusFound {
						b.Fatalf("status %d", w.code)
					}
				}
			})
		})
	}
}
