package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migration is one numbered schema change of a backend.
type Migration struct {
	Version int
	Name    string // the file name without version and extension
	SQL     string
}

// LoadMigrations reads the migrations in dir of fsys: files named
// NNNN_name.sql, applied in version order. Versions must be unique.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if e.IsDir() || !ok {
			continue
		}
		num, rest, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration %s: name must start with a positive version number", e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: rest, SQL: string(body)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("sqlstore: two migrations numbered %d", ms[i].Version)
		}
	}
	return ms, nil
}

// ApplyMigrations applies on conn the migrations not yet recorded in
// schema_migrations, each in its own transaction together with its record,
// and returns how many it applied. Each transaction re-checks its version,
// so concurrent runners are safe when their transactions exclude each other
// (SQLite's BEGIN IMMEDIATE) or when the caller holds a lock around the call
// (PostgreSQL's advisory lock, which also covers creating the table).
func ApplyMigrations(ctx context.Context, conn *sql.Conn, d Dialect, ms []Migration) (int, error) {
	if _, err := conn.ExecContext(ctx, d.MigrationsTable()); err != nil {
		return 0, fmt.Errorf("sqlstore: create schema_migrations: %w", err)
	}
	applied := 0
	for _, m := range ms {
		done, err := applyMigration(ctx, conn, d, m)
		if err != nil {
			return applied, fmt.Errorf("sqlstore: migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if done {
			applied++
		}
	}
	return applied, nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, d Dialect, m Migration) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }()
	var one int
	err = tx.QueryRowContext(ctx, rebind(d, `SELECT 1 FROM schema_migrations WHERE version = ?`), m.Version).Scan(&one)
	switch {
	case err == nil:
		return false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, err
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	now := d.EncodeTime(time.Now().UTC().Truncate(time.Microsecond))
	if _, err := tx.ExecContext(ctx, rebind(d, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), m.Version, now); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
