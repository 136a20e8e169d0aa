// Package postgres keeps Latchkey's records in PostgreSQL, for deployments
// with more than one node. The queries are sqlstore's; this package opens
// the pool and owns the migrations, which it runs under an advisory lock so
// that nodes starting together against one database apply each once.
package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkeyhq/latchkey/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the pg_advisory_lock key every Latchkey node takes to
// migrate; any fixed number works as long as all nodes agree on it.
const migrationLock int64 = 0x4c617463686b6579 // "Latchkey" in ASCII

// Options tune Open.
type Options struct {
	// Migrate applies pending migrations before Open returns.
	Migrate bool
}

// Store is a store.Store in PostgreSQL.
type Store struct {
	*sqlstore.Store
	pool       *pgxpool.Pool
	connConfig *pgx.ConnConfig
	migrations []sqlstore.Migration
}

// Open connects to the database at url, a PostgreSQL connection URL or
// keyword/value string; pool settings (pool_max_conns, …) and run-time
// parameters such as search_path may ride along in it. The tables live in
// the first schema of the search_path.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	// pgx redacts the password from the errors it returns.
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	s := &Store{Store: sqlstore.New(db, db, dialect{}), pool: pool, connConfig: cfg.ConnConfig, migrations: ms}
	if opts.Migrate {
		if _, err := s.Migrate(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close closes the database/sql handle and the pool under it, which the
// handle does not own.
func (s *Store) Close() error {
	err := s.Store.Close()
	s.pool.Close()
	return err
}

// Migrate applies the migrations not yet applied and returns how many it
// applied. It holds the advisory lock on a connection of its own, outside
// the pool: if anything goes wrong the connection is closed, and closing
// the session releases the lock, so a failed migration never leaves a
// pooled connection holding it.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	db := stdlib.OpenDB(*s.connConfig.Copy())
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return 0, fmt.Errorf("postgres: migrate: take lock: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	}()
	n, err := sqlstore.ApplyMigrations(ctx, conn, dialect{}, s.migrations)
	if err != nil {
		return n, fmt.Errorf("postgres: migrate: %w", err)
	}
	return n, nil
}
