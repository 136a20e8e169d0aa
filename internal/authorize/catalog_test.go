package authorize_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

// connectionCounter counts the store's GetConnection calls.
type connectionCounter struct {
	store.Store
	gets atomic.Int32
}

func (c *connectionCounter) GetConnection(ctx context.Context, id string) (store.Connection, error) {
	c.gets.Add(1)
	return c.Store.GetConnection(ctx, id)
}

// An organization looked up for the first time brings its SSO connection
// into the cache with it: with many organizations most authorize requests
// miss the cache, and each query saved there counts.
func TestOrganizationMissCachesItsConnection(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
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
	counter := &connectionCounter{Store: st}
	cat := authorize.NewCatalog(counter, nil, slog.New(slog.DiscardHandler))
	if err := cat.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	o, err := cat.Organization(ctx, org.ID)
	if err != nil || o.SSOConnectionID != conn.ID {
		t.Fatalf("Organization = %+v, %v", o, err)
	}
	c, err := cat.Connection(ctx, o.SSOConnectionID)
	if err != nil || c.ID != conn.ID || c.State != store.ConnectionActive || string(c.Settings) != string(settings) {
		t.Fatalf("Connection = %+v, %v", c, err)
	}
	if n := counter.gets.Load(); n != 0 {
		t.Fatalf("%d GetConnection queries after the organization's look-up, want 0", n)
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
