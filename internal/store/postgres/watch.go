package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// generationChannel is the LISTEN/NOTIFY channel on which a write to what
// authorize caches is announced. Channels are per database, not per
// schema, so the payload names the schema and a listener ignores other
// schemas' changes (several deployments, or test runs, may share one
// database).
const generationChannel = "latchkey_generation"

// NotifyGeneration makes sqlstore announce every generation bump, in the
// bumping transaction: PostgreSQL delivers the notification on commit and
// drops it on rollback.
func (dialect) NotifyGeneration() string {
	return `SELECT pg_notify('` + generationChannel + `', current_schema())`
}

// Watch calls onChange whenever any node commits a write to the records
// that authorize caches in this store's schema, so that every node drops
// its cache at once instead of at its next poll. It listens on a
// connection of its own, outside the pool, and calls onChange once as soon
// as it listens, because changes committed before then went unheard.
//
// Watch returns nil when ctx ends, and an error when the connection fails;
// the caller calls it again (after a pause) to resume, keeping its poll as
// the safety net for notifications missed in between.
func (s *Store) Watch(ctx context.Context, onChange func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.connConfig.Copy())
	if err != nil {
		return fmt.Errorf("postgres: watch: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return watchErr(ctx, err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+generationChannel); err != nil {
		return watchErr(ctx, err)
	}
	onChange()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return watchErr(ctx, err)
		}
		if n.Payload == schema {
			onChange()
		}
	}
}

// watchErr is nil when the watch stopped because ctx ended.
func watchErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("postgres: watch: %w", err)
}
