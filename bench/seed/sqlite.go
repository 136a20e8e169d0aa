package seed

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the driver Latchkey uses, registered as "sqlite"
)

// SQLite rows per INSERT and per transaction: a statement stays under
// SQLite's 32,766 bound variables, a transaction amortises the commit.
const (
	sqliteRowsPerInsert = 400
	sqliteRowsPerTx     = 100_000
)

type sqliteValues struct{}

func (sqliteValues) time(t time.Time) any { return t.UnixMicro() }
func (sqliteValues) bool(b bool) any {
	if b {
		return int64(1)
	}
	return int64(0)
}

// SQLite seeds the migrated database file at path. Latchkey must not be
// running on it.
func SQLite(ctx context.Context, path string, d Dataset, p Params) (Seeded, error) {
	start := time.Now()
	s, tables, err := plan(d, p)
	if err != nil {
		return s, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return s, err
	}
	// Foreign keys are not checked while seeding (the rows are consistent
	// by construction) and nothing is synced until the end.
	dsn := "file:" + (&url.URL{Path: filepath.ToSlash(abs)}).EscapedPath() +
		"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(0)&_pragma=synchronous(OFF)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return s, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, t := range tables {
		if err := sqliteTable(ctx, db, t); err != nil {
			return s, fmt.Errorf("seed %s: %w", t.name, err)
		}
	}
	// The catalog drops its cache when the generation moves.
	if _, err := db.ExecContext(ctx, `UPDATE generation SET value = value + 1 WHERE id = 1`); err != nil {
		return s, err
	}
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return s, err
	}
	s.Elapsed = time.Since(start)
	return s, nil
}

func sqliteTable(ctx context.Context, db *sql.DB, t table) error {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ",") + ")"
	insert := func(n int) string {
		return "INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(row+",", n), ",")
	}
	full := insert(sqliteRowsPerInsert)
	var v sqliteValues
	for from := 0; from < t.rows; from += sqliteRowsPerTx {
		to := min(from+sqliteRowsPerTx, t.rows)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, full)
		if err != nil {
			_ = tx.Rollback()
			return err
		}
		args := make([]any, 0, sqliteRowsPerInsert*len(t.cols))
		for i := from; i < to; i += sqliteRowsPerInsert {
			n := min(sqliteRowsPerInsert, to-i)
			args = args[:0]
			for j := i; j < i+n; j++ {
				args = append(args, t.row(j, v)...)
			}
			if n == sqliteRowsPerInsert {
				_, err = stmt.ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, insert(n), args...)
			}
			if err != nil {
				_ = tx.Rollback()
				return err
			}
		}
		_ = stmt.Close()
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}
