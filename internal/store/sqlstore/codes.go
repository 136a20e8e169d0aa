package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Authorization codes, kept by hash. Errors never name the hash.

const authCodeCols = `hash, application_id, redirect_uri, code_challenge, user_id, organization_id,
	COALESCE(session_id, ''), auth_method, extra, created_at, expires_at, consumed_at`

// authCodeDest returns the scan destinations of authCodeCols.
func (s *Store) authCodeDest(c *store.AuthCode) []any {
	return []any{&c.Hash, &c.ApplicationID, &c.RedirectURI, &c.CodeChallenge, &c.UserID, &c.OrganizationID,
		&c.SessionID, &c.AuthMethod, &c.Extra, s.tm(&c.CreatedAt), s.tm(&c.ExpiresAt), s.tm(&c.ConsumedAt)}
}

func (s *Store) scanAuthCode(r rowScanner) (store.AuthCode, error) {
	var c store.AuthCode
	err := r.Scan(s.authCodeDest(&c)...)
	return c, err
}

// CreateAuthCode stores c; a hash stored already is ErrConflict.
func (s *Store) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	return s.change(ctx, "create auth code", notCached,
		`INSERT INTO auth_codes (hash, application_id, redirect_uri, code_challenge, user_id, organization_id,
		 session_id, auth_method, extra, created_at, expires_at, consumed_at)
		 VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?)`,
		c.Hash, c.ApplicationID, c.RedirectURI, c.CodeChallenge, c.UserID, c.OrganizationID,
		c.SessionID, c.AuthMethod, blob(c.Extra), s.t(c.CreatedAt), s.t(c.ExpiresAt), s.t(c.ConsumedAt))
}

// ConsumeAuthCode marks the code used and returns it. The single
// conditional UPDATE decides the race between concurrent callers: only one
// of them finds consumed_at NULL.
func (s *Store) ConsumeAuthCode(ctx context.Context, hash string, at time.Time) (store.AuthCode, error) {
	const op = "consume auth code"
	if at.IsZero() {
		// A NULL consumed_at would leave the code usable again.
		return store.AuthCode{}, fmt.Errorf("sqlstore: %s: zero use time", op)
	}
	c, err := s.scanAuthCode(s.writer().QueryRowContext(ctx,
		`UPDATE auth_codes SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL RETURNING `+authCodeCols,
		s.t(at), hash))
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.AuthCode{}, s.fail(op, err)
	}
	// A code is consumed for good once consumed, so a read after the
	// UPDATE tells "used" from "never existed".
	c, err = get(ctx, s, op, s.scanAuthCode, `SELECT `+authCodeCols+` FROM auth_codes WHERE hash = ?`, hash)
	if err != nil {
		return store.AuthCode{}, err
	}
	return c, fmt.Errorf("sqlstore: %s: %w", op, store.ErrAlreadyUsed)
}

// DeleteExpiredAuthCodes removes the codes that expired before the given
// time and returns how many it removed.
func (s *Store) DeleteExpiredAuthCodes(ctx context.Context, before time.Time) (int64, error) {
	const op = "delete expired auth codes"
	res, err := s.writer().ExecContext(ctx, `DELETE FROM auth_codes WHERE expires_at < ?`, s.t(before))
	if err != nil {
		return 0, s.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail(op, err)
	}
	return n, nil
}
