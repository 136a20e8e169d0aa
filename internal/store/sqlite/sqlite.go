// Package sqlite keeps Latchkey's records in a SQLite database file, for
// single-node deployments and development. The queries are sqlstore's; this
// package opens the file the way SQLite needs and owns its migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/store/sqlstore"

	// The pure-Go driver, registered as "sqlite": no cgo in the build.
	_ "modernc.org/sqlite"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options tune Open.
type Options struct {
	// Migrate applies pending migrations before Open returns.
	Migrate bool
}

// Store is a store.Store in a SQLite file.
type Store struct {
	*sqlstore.Store
	write      *sql.DB
	migrations []sqlstore.Migration
}

// The connection settings every pooled connection gets. SQLite allows one
// writer at a time, even in WAL mode, so writes go through a pool of one
// connection and queue in Go; busy_timeout covers other processes (a
// `latchkey migrate` next to a running server), and _txlock=immediate makes
// a transaction take the write lock when it begins, so it never fails
// half-way trying to upgrade a read lock. Readers are query_only so a write
// sent to the wrong pool fails loudly instead of racing the writer.
const (
	commonParams = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	writeParams = commonParams + "&_txlock=immediate"
	readParams  = commonParams + "&_pragma=query_only(1)"
)

// Open opens (creating when missing) the database file at path. A new file
// is made readable by its owner only, since it holds password hashes and
// encrypted secrets. When Open fails on a file it created, it removes it.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: want the path of a database file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	created, err := prepareFile(abs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s, err := open(ctx, abs, opts)
	if err != nil {
		if created {
			removeFiles(abs)
		}
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

func open(ctx context.Context, abs string, opts Options) (*Store, error) {
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	write, read, err := openPools(ctx, abs)
	if err != nil {
		return nil, err
	}
	s := &Store{Store: sqlstore.New(read, write, dialect{}), write: write, migrations: ms}
	if opts.Migrate {
		if _, err := s.Migrate(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// openPools opens the one-connection write pool and the read pool, and
// checks that the settings took.
func openPools(ctx context.Context, abs string) (write, read *sql.DB, err error) {
	write, err = sql.Open("sqlite", dsn(abs, writeParams))
	if err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	var mode string
	// The write pool connects first so the file is in WAL mode before any
	// reader (whose query_only forbids the switch) opens it.
	if err := write.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		_ = write.Close()
		return nil, nil, err
	}
	if !strings.EqualFold(mode, "wal") {
		_ = write.Close()
		return nil, nil, fmt.Errorf("journal mode is %q, want wal (is the file system local?)", mode)
	}
	read, err = sql.Open("sqlite", dsn(abs, readParams))
	if err != nil {
		_ = write.Close()
		return nil, nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		_ = write.Close()
		_ = read.Close()
		return nil, nil, err
	}
	return write, read, nil
}

// dsn is a SQLite URI for the file: a URI (rather than a plain name) so
// that a path holding ? or # cannot be mistaken for parameters.
func dsn(abs, params string) string {
	u := url.URL{Path: filepath.ToSlash(abs)}
	return "file:" + u.EscapedPath() + "?" + params
}

// prepareFile makes sure abs is a file Latchkey can write, creating it
// when missing, and reports whether it did.
func prepareFile(abs string) (created bool, err error) {
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return true, f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return false, pathless(err)
	}
	f, err = os.OpenFile(abs, os.O_RDWR, 0)
	if err != nil {
		return false, pathless(err)
	}
	return false, f.Close()
}

// pathless drops the path from an os error; the caller names the path as
// the user wrote it.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// removeFiles removes a database file Open created, with the WAL and
// shared-memory files SQLite may have put beside it.
func removeFiles(abs string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(abs + suffix)
	}
}

// Migrate applies the migrations not yet applied and returns how many it
// applied. Each runs in a BEGIN IMMEDIATE transaction that re-checks its
// version, so servers starting together on one file apply each once.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer conn.Close()
	n, err := sqlstore.ApplyMigrations(ctx, conn, dialect{}, s.migrations)
	if err != nil {
		return n, fmt.Errorf("sqlite: migrate: %w", err)
	}
	return n, nil
}
