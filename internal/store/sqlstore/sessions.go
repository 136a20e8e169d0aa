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

// sessionDest returns the scan destinations of sessionCols.
func (s *Store) sessionDest(x *store.Session) []any {
	return []any{&x.ID, &x.UserID, &x.ApplicationID, &x.OrganizationID, &x.AuthMethod, &x.IPAddress, &x.UserAgent,
		s.tm(&x.CreatedAt), s.tm(&x.ExpiresAt), s.tm(&x.RevokedAt)}
}

func (s *Store) scanSession(r rowScanner) (store.Session, error) {
	var x store.Session
	err := r.Scan(s.sessionDest(&x)...)
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
		// Revoking a revoked session again is no error.
		if _, err := markOnce(ctx, s.within(tx), `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
			[]any{s.t(at), id}, `SELECT 1 FROM sessions WHERE id = ?`, id); err != nil {
			return err
		}
		_, err := s.within(tx).ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE session_id = ? AND used_at IS NULL`, s.t(at), id)
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

// refreshTokenDest returns the scan destinations of refreshTokenCols.
func (s *Store) refreshTokenDest(t *store.RefreshToken) []any {
	return []any{&t.ID, &t.Hash, &t.SessionID, &t.ApplicationID, &t.OrganizationID,
		s.tm(&t.CreatedAt), s.tm(&t.ExpiresAt), s.tm(&t.UsedAt)}
}

func (s *Store) scanRefreshToken(r rowScanner) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := r.Scan(s.refreshTokenDest(&t)...)
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

// errUsed ends a transaction that found the code or token it spends used.
var errUsed = errors.New("already used")

// RotateRefreshToken marks the token with oldHash used, stores next and
// moves the session to next's organization, atomically: in a transaction,
// or in one statement where the dialect allows (DataModifyingWith). The
// conditional UPDATE is what makes concurrent rotations of one token safe:
// only one of them finds used_at NULL. A token of a revoked session counts
// as used even if revocation missed it.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, at time.Time, next store.RefreshToken) (store.RefreshToken, error) {
	const op = "rotate refresh token"
	if at.IsZero() {
		return store.RefreshToken{}, fmt.Errorf("sqlstore: %s: zero use time", op)
	}
	var old store.RefreshToken
	var err error
	if s.writingWith {
		old, err = s.rotateInOne(ctx, oldHash, at, next)
	} else {
		old, err = s.rotateInTx(ctx, oldHash, at, next)
	}
	if errors.Is(err, sql.ErrNoRows) {
		// Used, revoked or missing: which, and the record, from a read
		// after the UPDATE, since a token is used for good once used.
		old, err = s.scanRefreshToken(s.writer().QueryRowContext(ctx, `SELECT `+refreshTokenCols+` FROM refresh_tokens WHERE hash = ?`, oldHash))
		if err == nil {
			err = errUsed
		}
	}
	switch {
	case errors.Is(err, errUsed):
		return old, fmt.Errorf("sqlstore: %s %s: %w", op, old.ID, store.ErrAlreadyUsed)
	case err != nil:
		return store.RefreshToken{}, s.fail(op, err)
	}
	return old, nil
}

// spendRefreshToken marks a token used unless it is, or its session was
// revoked.
const spendRefreshToken = `UPDATE refresh_tokens SET used_at = ?
	WHERE hash = ? AND used_at IS NULL AND NOT EXISTS (
		SELECT 1 FROM sessions WHERE sessions.id = refresh_tokens.session_id AND sessions.revoked_at IS NOT NULL)
	RETURNING ` + refreshTokenCols

// rotateInTx rotates in a transaction of statements. The UPDATE also
// returns the session's organization, so that the session is written only
// when it changes organization.
func (s *Store) rotateInTx(ctx context.Context, oldHash string, at time.Time, next store.RefreshToken) (store.RefreshToken, error) {
	var old store.RefreshToken
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		x := s.within(tx)
		var sessionOrg string
		err := x.QueryRowContext(ctx, spendRefreshToken+`,
			COALESCE((SELECT organization_id FROM sessions WHERE sessions.id = refresh_tokens.session_id), '')`,
			s.t(at), oldHash).Scan(append(s.refreshTokenDest(&old), &sessionOrg)...)
		if err != nil {
			return err
		}
		if _, err := x.ExecContext(ctx, insertRefreshToken, s.refreshTokenArgs(next)...); err != nil {
			return err
		}
		if sessionOrg != next.OrganizationID {
			_, err = x.ExecContext(ctx, `UPDATE sessions SET organization_id = ? WHERE id = ?`, next.OrganizationID, old.SessionID)
		}
		return err
	})
	return old, err
}

// rotateInOne is rotateInTx in one statement, whose sub-statements all see
// the database as it was when it began; the first UPDATE alone waits for a
// concurrent rotation of the token and then finds it used.
func (s *Store) rotateInOne(ctx context.Context, oldHash string, at time.Time, next store.RefreshToken) (store.RefreshToken, error) {
	args := append([]any{s.t(at), oldHash}, s.refreshTokenArgs(next)...)
	args = append(args, next.OrganizationID, next.OrganizationID)
	return s.scanRefreshToken(s.writer().QueryRowContext(ctx, `WITH old AS (`+spendRefreshToken+`),
		stored AS (
			INSERT INTO refresh_tokens (`+refreshTokenCols+`) SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM old),
		moved AS (
			UPDATE sessions SET organization_id = ? WHERE id IN (SELECT session_id FROM old) AND organization_id <> ?)
		SELECT `+refreshTokenCols+` FROM old`, args...))
}
