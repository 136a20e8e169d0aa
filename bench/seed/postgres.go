package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

type pgValues struct{}

func (pgValues) time(t time.Time) any { return t }
func (pgValues) bool(b bool) any      { return b }

// Postgres seeds the migrated database at url (search_path names the
// schema) with COPY, then updates the planner's statistics, as autovacuum
// would shortly after a bulk load.
func Postgres(ctx context.Context, url string, d Dataset, p Params) (Seeded, error) {
	start := time.Now()
	s, tables, err := plan(d, p)
	if err != nil {
		return s, err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return s, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return s, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var v pgValues
	for _, t := range tables {
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == t.rows {
				return nil, nil
			}
			i++
			return t.row(i-1, v), nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, src); err != nil {
			return s, fmt.Errorf("seed %s: %w", t.name, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE generation SET value = value + 1 WHERE id = 1`); err != nil {
		return s, err
	}
	if err := tx.Commit(ctx); err != nil {
		return s, err
	}
	for _, t := range tables {
		if _, err := conn.Exec(ctx, "ANALYZE "+t.name); err != nil {
			return s, err
		}
	}
	s.Elapsed = time.Since(start)
	return s, nil
}
