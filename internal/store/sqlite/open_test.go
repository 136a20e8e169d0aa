package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

func openTest(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, Options{Migrate: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestPragmas checks the settings on several connections of each pool at
// once, since a setting made on one connection only would pass a test that
// looks at one.
func TestPragmas(t *testing.T) {
	ctx := t.Context()
	write, read, err := openPools(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatalf("openPools: %v", err)
	}
	defer write.Close()
	defer read.Close()
	want := map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"busy_timeout": "5000",
		"synchronous":  "1", // NORMAL
	}
	for _, c := range []struct {
		name      string
		db        *sql.DB
		conns     int
		queryOnly string
	}{
		{"write", write, 1, "0"},
		{"read", read, 4, "1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var conns []*sql.Conn
			for range c.conns {
				conn, err := c.db.Conn(ctx)
				if err != nil {
					t.Fatalf("Conn: %v", err)
				}
				defer conn.Close()
				conns = append(conns, conn)
			}
			for i, conn := range conns {
				for pragma, v := range want {
					if got := pragmaValue(t, conn, pragma); got != v {
						t.Errorf("connection %d: %s = %q, want %q", i, pragma, got, v)
					}
				}
				if got := pragmaValue(t, conn, "query_only"); got != c.queryOnly {
					t.Errorf("connection %d: query_only = %q, want %q", i, got, c.queryOnly)
				}
			}
		})
	}
}

func pragmaValue(t *testing.T, conn *sql.Conn, pragma string) string {
	t.Helper()
	var v string
	if err := conn.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", pragma, err)
	}
	return strings.ToLower(v)
}

func TestForeignKeysEnforced(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "db"))
	m := store.OrganizationMembership{ID: id.New(id.OrganizationMembership), UserID: "user_missing", OrganizationID: "org_missing"}
	if err := s.CreateOrganizationMembership(t.Context(), m); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("membership of a missing user: err = %v, want ErrNotFound", err)
	}
}

func TestNewFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	openTest(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode = %v, want 0600", perm)
	}
}

func TestOpenUnusablePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		path string
	}{
		{"missing directory", filepath.Join(dir, "missing", "db")},
		{"parent is a file", filepath.Join(file, "db")},
		{"path is a directory", dir},
		{"empty", ""},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct{ name, path string }{"read-only directory", filepath.Join(ro, "db")})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(t.Context(), c.path, Options{Migrate: true})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), c.path) {
				t.Errorf("error %q does not name the path %q", err, c.path)
			}
			t.Logf("error: %v", err)
			if c.path != "" && c.path != dir {
				if _, err := os.Stat(c.path); err == nil {
					t.Errorf("Open left %s behind", c.path)
				}
			}
		})
	}
}

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	content := []byte(strings.Repeat("not a database\n", 100))
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), path, Options{Migrate: true})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the path", err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != string(content) {
		t.Errorf("Open changed or removed a file it did not create (err %v)", err)
	}
}

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	n, err := s.Migrate(ctx)
	if err != nil || n != len(s.migrations) || n == 0 {
		t.Fatalf("first Migrate = %d, %v; want %d, nil", n, err, len(s.migrations))
	}
	app := store.Application{ID: id.New(id.Application), Name: "kept"}
	if err := s.CreateApplication(ctx, app); err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	gen, _ := s.Generation(ctx)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openTest(t, path)
	if n, err := s.Migrate(ctx); err != nil || n != 0 {
		t.Errorf("Migrate on a migrated file = %d, %v; want 0, nil", n, err)
	}
	if got, err := s.GetApplication(ctx, app.ID); err != nil || got.Name != app.Name {
		t.Errorf("GetApplication after reopen = %+v, %v", got, err)
	}
	if got, _ := s.Generation(ctx); got != gen {
		t.Errorf("Generation after reopen = %d, want %d", got, gen)
	}
	var rows int
	if err := s.write.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != len(s.migrations) {
		t.Errorf("schema_migrations has %d rows (%v), want %d", rows, err, len(s.migrations))
	}
}

// TestConcurrentOpen starts several servers on one new file at once: every
// Open succeeds and each migration is recorded once.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), path, Options{Migrate: true}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	var rows int
	if err := stores[0].write.QueryRowContext(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != len(stores[0].migrations) {
		t.Errorf("schema_migrations has %d rows (%v), want %d", rows, err, len(stores[0].migrations))
	}
}

// TestConcurrentWriters hammers one file through two stores (as a server
// and a CLI next to it would) with transactions and single statements; no
// write may fail with "database is locked".
func TestConcurrentWriters(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	path := filepath.Join(t.TempDir(), "db")
	a, b := openTest(t, path), openTest(t, path)
	u := store.User{ID: id.New(id.User), Email: "writer@example.test"}
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	sess := store.Session{ID: id.New(id.Session), UserID: u.ID, ApplicationID: "client_x"}
	if err := a.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	codes := make([]string, 20)
	for i := range codes {
		codes[i] = fmt.Sprintf("hash-%d", i)
		c := store.AuthCode{Hash: codes[i], SessionID: sess.ID, UserID: u.ID, ApplicationID: "client_x"}
		if err := a.CreateAuthCode(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	const workers = 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		consumed = map[string]int{}
	)
	for w := range workers {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for i := range 10 {
				org := store.Organization{ID: id.New(id.Organization), Name: fmt.Sprintf("org %d-%d", w, i)}
				if err := s.CreateOrganization(ctx, org); err != nil {
					t.Errorf("CreateOrganization: %v", err)
				}
			}
			for _, h := range codes {
				_, err := s.ConsumeAuthCode(ctx, h, time.Now())
				switch {
				case err == nil:
					mu.Lock()
					consumed[h]++
					mu.Unlock()
				case !errors.Is(err, store.ErrAlreadyUsed):
					t.Errorf("ConsumeAuthCode: %v", err)
				}
			}
		})
	}
	wg.Wait()
	for _, h := range codes {
		if consumed[h] != 1 {
			t.Errorf("code %s consumed %d times, want 1", h, consumed[h])
		}
	}
	if gen, err := a.Generation(ctx); err != nil || gen != workers*10 {
		t.Errorf("Generation = %d, %v; want %d", gen, err, workers*10)
	}
}
