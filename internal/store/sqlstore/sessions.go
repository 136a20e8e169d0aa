package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Sessions and their rotating refresh tokens.

const sessionCols = `id, user_id, application_id, organization_id, auth_method, ip_address, user_agent,
	created_at, expires_at, revoked_at`

func (s *Store) scanSession(r rowScanner) (store.Session, error) {
	var x store.Session
	err := r.Scan(&x.ID, &x.UserID, &x.ApplicationID, &x.OrganizationID, &x.AuthMethod, &x.IPAddress, &x.UserAgent,
		s.tm(&x.CreatedAt), s.tm(&x.ExpiresAt), s.tm(&x.RevokedAt))
	return x, err
}

// CreateSession stores x; a missing user is ErrNotFound.
func (s *Store) CreateSession(ctx context.Context, x store.Session) error {
	return s.change(ctx, "create session "+x.ID, notCached,
		`INSERT INTO sessions (`+sessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		x.ID, x.UserID, x.ApplicationID, x.OrganizationID, x.AuthMethod, x.IPAddress, x.UserAgent,
		s.t(x.CreatedAt), s.t(x.ExpiresAt), s.t(x.RevokedAt))
}

// GetSession returns the session with that ID.
func (s *Store) GetSession(ctx context.Context, id string) (store.Session, error) {
	return get(ctx, s, "get session "+id, s.scanSession, `SELECT `+sessionCols+` FROM sessions WHERE id = ?`, id)
}

// UpdateSessionClient records the client's IP address and user agent.
func (s *Store) UpdateSessionClient(ctx context.Context, id, ipAddress, userAgent string) error {
	return s.change(ctx, "update client of session "+id, notCached,
		`UPDATE sessions SET ip_address = ?, user_agent = ? WHERE id = ?`, ipAddress, userAgent, id)
}

// UpdateSessionOrganization switches the session's organization.
func (s *Store) UpdateSessionOrganization(ctx context.Context, id, organizationID string) error {
	return s.change(ctx, "update organization of session "+id, notCached,
		`UPDATE sessions SET organization_id = ? WHERE id = ?`, organizationID, id)
}

// RevokeSession sets RevokedAt, keeping the first time when the session was
// revoked already, and marks the session's unused refresh tokens used, in
// one transaction.
func (s *Store) RevokeSession(ctx context.Context, id string, at time.Time) error {
	op := "revoke session " + id
	if at.IsZero() {
		// A NULL revoked_at would leave the session live.
		return fmt.Errorf("sqlstore: %s: zero revocation time", op)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), s.t(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM sessions WHERE id = ?`), id).Scan(&one); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE refresh_tokens SET used_at = ? WHERE session_id = ? AND used_at IS NULL`), s.t(at), id)
		return err
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// ListSessions returns a page of the user's sessions.
func (s *Store) ListSessions(ctx context.Context, userID string, opts store.ListOptions) ([]store.Session, store.ListMetadata, error) {
	l := listQuery{table: "sessions", cols: sessionCols}
	l.filter("user_id = ?", userID)
	return list(ctx, s, "list sessions of "+userID, l, opts, s.scanSession,
		func(x store.Session) string { return x.ID })
}

const refreshTokenCols = `id, hash, session_id, application_id, organization_id, created_at, expires_at, used_at`

func (s *Store) scanRefreshToken(r rowScanner) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := r.Scan(&t.ID, &t.Hash, &t.SessionID, &t.ApplicationID, &t.OrganizationID,
		s.tm(&t.CreatedAt), s.tm(&t.ExpiresAt), s.tm(&t.UsedAt))
	return t, err
}

const insertRefreshToken = `INSERT INTO refresh_tokens (` + refreshTokenCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

func (s *Store) refreshTokenArgs(t store.RefreshToken) []any {
	return []any{t.ID, t.Hash, t.SessionID, t.ApplicationID, t.OrganizationID,
		s.t(t.CreatedAt), s.t(t.ExpiresAt), s.t(t.UsedAt)}
}

// CreateRefreshToken stores t; a missing session is ErrNotFound.
func (s *Store) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	return s.change(ctx, "create refresh token "+t.ID, notCached, insertRefreshToken, s.refreshTokenArgs(t)...)
}

// GetRefreshToken returns the token with that hash.
func (s *Store) GetRefreshToken(ctx context.Context, hash string) (store.RefreshToken, error) {
	return get(ctx, s, "get refresh token", s.scanRefreshToken, `SELECT `+refreshTokenCols+` FROM refresh_tokens WHERE hash = ?`, hash)
}

// errUsed ends a rotation transaction that found the old token used.
var errUsed = errors.New("refresh token used")

// RotateRefreshToken marks the token with oldHash used and stores next, in
// one transaction. The conditional UPDATE is what makes concurrent
// rotations of one token safe: only one of them finds used_at NULL. A token
// of a revoked session counts as used even if revocation missed it.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, at time.Time, next store.RefreshToken) (store.RefreshToken, error) {
	const op = "rotate refresh token"
	if at.IsZero() {
		return store.RefreshToken{}, fmt.Errorf("sqlstore: %s: zero use time", op)
	}
	var old store.RefreshToken
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		old, err = s.scanRefreshToken(tx.QueryRowContext(ctx, s.q(`UPDATE refresh_tokens SET used_at = ?
			WHERE hash = ? AND used_at IS NULL AND NOT EXISTS (
				SELECT 1 FROM sessions WHERE sessions.id = refresh_tokens.session_id AND sessions.revoked_at IS NOT NULL)
			RETURNING `+refreshTokenCols), s.t(at), oldHash))
		if errors.Is(err, sql.ErrNoRows) {
			old, err = s.scanRefreshToken(tx.QueryRowContext(ctx, s.q(`SELECT `+refreshTokenCols+` FROM refresh_tokens WHERE hash = ?`), oldHash))
			if err == nil {
				err = errUsed
			}
			return err
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(insertRefreshToken), s.refreshTokenArgs(next)...)
		return err
	})
	switch {
	case errors.Is(err, errUsed):
		return old, fmt.Errorf("sqlstore: %s %s: %w", op, old.ID, store.ErrAlreadyUsed)
	case err != nil:
		return store.RefreshToken{}, s.fail(op, err)
	}
	return old, nil
}
