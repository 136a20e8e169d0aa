package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// SAML assertion IDs seen at the ACS. The primary key decides races: of
// several nodes recording one ID at once, the database lets exactly one
// INSERT through.

// RecordAssertion records id as used until expiresAt; an ID recorded
// already is ErrAlreadyUsed.
func (s *Store) RecordAssertion(ctx context.Context, id string, expiresAt time.Time) error {
	const op = "record saml assertion"
	if expiresAt.IsZero() {
		// A NULL expiry would never be swept.
		return fmt.Errorf("sqlstore: %s: zero expiry", op)
	}
	err := s.change(ctx, op, notCached,
		`INSERT INTO saml_assertions (id, expires_at) VALUES (?, ?)`, id, s.t(expiresAt))
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrAlreadyUsed)
	}
	return err
}

// DeleteExpiredAssertions removes the records that expired before the
// given time and returns how many it removed.
func (s *Store) DeleteExpiredAssertions(ctx context.Context, before time.Time) (int64, error) {
	const op = "delete expired saml assertions"
	res, err := s.writer().ExecContext(ctx, `DELETE FROM saml_assertions WHERE expires_at < ?`, s.t(before))
	if err != nil {
		return 0, s.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail(op, err)
	}
	return n, nil
}
