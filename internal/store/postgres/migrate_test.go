package postgres_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/postgres"
	"github.com/latchkeyhq/latchkey/internal/store/postgres/pgtest"
)

// migrationCount is the number of migration files this package embeds.
func migrationCount(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			n++
		}
	}
	return n
}

// schemaState reports how many migrations the URL's schema has recorded
// and whether the tables went into that schema rather than public.
func schemaState(t *testing.T, url string) (recorded int, inSchema bool) {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&recorded); err != nil {
		t.Fatalf("count schema_migrations: %v", err)
	}
	err = conn.QueryRow(ctx, `SELECT count(*) = 2 FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name IN ('schema_migrations', 'users')`).Scan(&inSchema)
	if err != nil {
		t.Fatal(err)
	}
	return recorded, inSchema
}

// TestConcurrentOpen starts several nodes against one fresh schema at once:
// all must come up, and the advisory lock must let each migration run once.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.URL(t)
	const nodes = 5
	stores := make([]*postgres.Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), url, postgres.Options{Migrate: true}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	recorded, inSchema := schemaState(t, url)
	if want := migrationCount(t); recorded != want {
		t.Errorf("schema_migrations has %d rows, want %d", recorded, want)
	}
	if !inSchema {
		t.Error("tables are not in the search_path schema")
	}
}

// TestConcurrentMigrate has several nodes call Migrate together: between
// them they apply every migration exactly once.
func TestConcurrentMigrate(t *testing.T) {
	url := pgtest.URL(t)
	const nodes = 4
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for range nodes {
		s, err := postgres.Open(t.Context(), url, postgres.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		wg.Go(func() {
			n, err := s.Migrate(t.Context())
			if err != nil {
				t.Errorf("Migrate: %v", err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if want := migrationCount(t); total != want {
		t.Errorf("nodes applied %d migrations between them, want %d", total, want)
	}
}

func TestReopen(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	s, err := postgres.Open(ctx, url, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	app := store.Application{ID: id.New(id.Application), Name: "kept"}
	if err := s.CreateApplication(ctx, app); err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = postgres.Open(ctx, url, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if n, err := s.Migrate(ctx); err != nil || n != 0 {
		t.Errorf("Migrate on a migrated schema = %d, %v; want 0, nil", n, err)
	}
	if got, err := s.GetApplication(ctx, app.ID); err != nil || got.Name != app.Name {
		t.Errorf("GetApplication after reopen = %+v, %v", got, err)
	}
	if recorded, _ := schemaState(t, url); recorded != migrationCount(t) {
		t.Errorf("schema_migrations has %d rows, want %d", recorded, migrationCount(t))
	}
}

// TestMigrateCanceled checks that a migration given up while waiting for
// the lock leaves the lock free for the next node.
func TestMigrateCanceled(t *testing.T) {
	url := pgtest.URL(t)
	s, err := postgres.Open(t.Context(), url, postgres.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Migrate(ctx); err == nil {
		t.Fatal("Migrate with a canceled context succeeded")
	}
	if n, err := s.Migrate(t.Context()); err != nil || n != migrationCount(t) {
		t.Errorf("Migrate after a canceled one = %d, %v; want %d, nil", n, err, migrationCount(t))
	}
}

func TestOpenUnreachable(t *testing.T) {
	const url = "postgres://latchkey:s3cret-password@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"
	s, err := postgres.Open(t.Context(), url, postgres.Options{Migrate: true})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-password") {
		t.Errorf("error reveals the password: %v", err)
	}
}
