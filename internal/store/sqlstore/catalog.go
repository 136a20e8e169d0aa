package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// ScanCatalog streams organizations and active connections to the
// callbacks. It needs no transaction of its own: every write to these
// tables raises the generation in the same transaction, so a generation
// equal before and after the reads means no such write committed in
// between, whatever isolation the database gives to separate statements.
func (s *Store) ScanCatalog(ctx context.Context, org func(store.Organization) error, conn func(store.Connection) error) (int64, error) {
	before, err := s.Generation(ctx)
	if err != nil {
		return 0, err
	}
	if err := scanEach(ctx, s, `SELECT `+organizationCols+` FROM organizations`, s.scanOrganization, org); err != nil {
		return 0, s.fail("scan organizations", err)
	}
	if err := scanEach(ctx, s, `SELECT `+connectionCols+` FROM connections WHERE state = ? ORDER BY id`, s.scanConnection, conn,
		string(store.ConnectionActive)); err != nil {
		return 0, s.fail("scan connections", err)
	}
	after, err := s.Generation(ctx)
	if err != nil {
		return 0, err
	}
	if after != before {
		return 0, fmt.Errorf("sqlstore: scan catalog: generation moved from %d to %d while reading: %w", before, after, store.ErrConflict)
	}
	return before, nil
}

// scanEach hands every row of a query to fn without holding them all.
func scanEach[T any](ctx context.Context, s *Store, query string, scan func(rowScanner) (T, error), fn func(T) error, args ...any) error {
	rows, err := s.reader().QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer func(rows *sql.Rows) { _ = rows.Close() }(rows)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}
