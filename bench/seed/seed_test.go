package seed_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/bench/seed"
	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/postgres"
	"github.com/latchkeyhq/latchkey/internal/store/postgres/pgtest"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

// The seeded rows must read back through the store exactly as rows the
// store wrote itself, and the connections must build without a network
// request.
func TestSeededRowsReadBack(t *testing.T) {
	ctx := context.Background()
	for _, backend := range []struct {
		name string
		open func(t *testing.T) (store.Store, func(context.Context, seed.Dataset, seed.Params) (seed.Seeded, error))
	}{
		{"sqlite", func(t *testing.T) (store.Store, func(context.Context, seed.Dataset, seed.Params) (seed.Seeded, error)) {
			path := filepath.Join(t.TempDir(), "seed.db")
			st, err := sqlite.Open(ctx, path, sqlite.Options{Migrate: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st, func(ctx context.Context, d seed.Dataset, p seed.Params) (seed.Seeded, error) {
				return seed.SQLite(ctx, path, d, p)
			}
		}},
		{"postgres", func(t *testing.T) (store.Store, func(context.Context, seed.Dataset, seed.Params) (seed.Seeded, error)) {
			url := pgtest.URL(t)
			st, err := postgres.Open(ctx, url, postgres.Options{Migrate: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st, func(ctx context.Context, d seed.Dataset, p seed.Params) (seed.Seeded, error) {
				return seed.Postgres(ctx, url, d, p)
			}
		}},
	} {
		t.Run(backend.name, func(t *testing.T) {
			st, fill := backend.open(t)
			master := secrets.NewMasterKey()
			box, err := secrets.NewBox(master, "connection-secrets")
			if err != nil {
				t.Fatal(err)
			}
			// Nothing listens here: building a connector must not need it.
			idp := seed.IdP{Issuer: "http://127.0.0.1:1", AuthorizationURL: "http://127.0.0.1:1/authorize",
				TokenURL: "http://127.0.0.1:1/oauth/token", JWKSURL: "http://127.0.0.1:1/keys"}
			gen0, err := st.Generation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			d := seed.Dataset{Users: 1234, Organizations: 7}
			s, err := fill(ctx, d, seed.Params{IdP: idp, Secrets: box, Tag: "t", Now: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if s.Rows != 7+7+1234+1234 || len(s.OrganizationIDs) != 7 || len(s.ConnectionIDs) != 7 {
				t.Fatalf("seeded %d rows, %d orgs, %d conns", s.Rows, len(s.OrganizationIDs), len(s.ConnectionIDs))
			}
			if gen, _ := st.Generation(ctx); gen == gen0 {
				t.Error("seeding did not move the generation: a running catalog would keep stale entries")
			}
			u, err := st.GetUserByEmail(ctx, "USER1233@t.bench.test")
			if err != nil || !u.EmailVerified || u.CreatedAt.IsZero() {
				t.Fatalf("last user: %+v, %v", u, err)
			}
			m, err := st.GetOrganizationMembershipFor(ctx, u.ID, s.OrganizationIDs[1233%7])
			if err != nil || m.Status != store.MembershipActive {
				t.Fatalf("membership: %+v, %v", m, err)
			}
			conns, _, err := st.ListConnections(ctx, store.ConnectionFilter{OrganizationID: s.OrganizationIDs[3]}, store.ListOptions{Limit: 10})
			if err != nil || len(conns) != 1 || conns[0].ID != s.ConnectionIDs[3] || conns[0].State != store.ConnectionActive {
				t.Fatalf("connections of org 3: %+v, %v", conns, err)
			}
			var set connector.Settings
			if err := json.Unmarshal(conns[0].Settings, &set); err != nil || set.OIDC == nil || set.OIDC.Endpoints.JWKS != idp.JWKSURL {
				t.Fatalf("settings %s: %v", conns[0].Settings, err)
			}
			build := authorize.NewConnectorFactory(box, &http.Client{Timeout: time.Second}, "http://127.0.0.1:8080")
			p, err := build.Prepare(conns[0])
			if err != nil {
				t.Fatalf("prepare connector: %v", err)
			}
			c, err := build.Build(ctx, p)
			if err != nil {
				t.Fatalf("build connector: %v", err)
			}
			if _, err := c.LoginURL(connector.Request{CallbackURL: "http://127.0.0.1:8080/sso/callback", State: "s", Nonce: "n", CodeVerifier: "v"}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
