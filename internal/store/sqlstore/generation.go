package sqlstore

import (
	"context"
	"database/sql"
)

// GenerationNotifier is implemented by a Dialect whose database can tell
// other nodes that the generation moved, so that their caches reload at
// once instead of at their next poll (PostgreSQL's NOTIFY).
type GenerationNotifier interface {
	// NotifyGeneration is the statement that announces the change. It runs
	// in the transaction that bumps the generation, so the announcement
	// goes out when, and only if, that transaction commits.
	NotifyGeneration() string
}

// bumpGeneration increases the generation inside tx and, where the
// database can, announces the change to other nodes.
func (s *Store) bumpGeneration(ctx context.Context, tx *sql.Tx) error {
	if _, err := s.within(tx).ExecContext(ctx, `UPDATE generation SET value = value + 1 WHERE id = 1`); err != nil {
		return err
	}
	if n, ok := s.d.(GenerationNotifier); ok {
		if _, err := s.within(tx).ExecContext(ctx, n.NotifyGeneration()); err != nil {
			return err
		}
	}
	return nil
}
