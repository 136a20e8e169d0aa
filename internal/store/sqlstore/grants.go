package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// The token grants in as few statements as they can take: one read that
// joins what minting tokens needs, and one write: a transaction, or on a
// database that can, a single statement.

// DataModifyingWith is implemented by a Dialect whose database runs INSERT
// and UPDATE inside WITH (PostgreSQL). sqlstore then writes a token grant
// in one statement instead of a transaction of three or four: there every
// round trip and every commit costs server CPU (a transaction of two writes
// about 1.5 times a statement doing both), while in SQLite a transaction
// costs no more than its statements.
type DataModifyingWith interface {
	// DataModifyingWith only marks the dialect.
	DataModifyingWith()
}

// grantCols are the columns of a store.SessionGrant, from sessions s,
// users u and organization_memberships m, in the order of grantDest. The
// joins are outer ones, so a missing record comes back as NULLs, which
// COALESCE turns into the zero record.
const grantCols = `COALESCE(s.id, ''), COALESCE(s.user_id, ''), COALESCE(s.application_id, ''),
	COALESCE(s.organization_id, ''), COALESCE(s.auth_method, ''), COALESCE(s.ip_address, ''),
	COALESCE(s.user_agent, ''), s.created_at, s.expires_at, s.revoked_at,
	COALESCE(u.id, ''), COALESCE(u.email, ''), COALESCE(u.email_verified, FALSE), COALESCE(u.first_name, ''),
	COALESCE(u.last_name, ''), COALESCE(u.profile_picture_url, ''), COALESCE(u.external_id, ''),
	COALESCE(u.password_hash, ''), u.last_sign_in_at, u.created_at, u.updated_at,
	COALESCE(m.id, ''), COALESCE(m.user_id, ''), COALESCE(m.organization_id, ''), COALESCE(m.role, ''),
	COALESCE(m.status, ''), m.created_at, m.updated_at`

// grantJoins joins a session (on the column named by the query) to its
// user and to the user's membership in an organization (ditto).
const grantJoins = `LEFT JOIN users u ON u.id = s.user_id
	LEFT JOIN organization_memberships m ON m.user_id = s.user_id AND m.organization_id = `

func (s *Store) grantDest(g *store.SessionGrant) []any {
	return slices.Concat(s.sessionDest(&g.Session), s.userDest(&g.User), s.membershipDest(&g.Membership))
}

// GetAuthCodeGrant returns the code with that hash with its session, the
// session's user and the user's membership in the code's organization.
func (s *Store) GetAuthCodeGrant(ctx context.Context, hash string) (store.AuthCode, store.SessionGrant, error) {
	var c store.AuthCode
	var g store.SessionGrant
	err := s.reader().QueryRowContext(ctx, `SELECT c.hash, c.application_id, c.redirect_uri, c.code_challenge,
			c.user_id, c.organization_id, COALESCE(c.session_id, ''), c.auth_method, c.extra, c.created_at,
			c.expires_at, c.consumed_at, `+grantCols+`
		FROM auth_codes c
		LEFT JOIN sessions s ON s.id = c.session_id
		`+grantJoins+`c.organization_id
		WHERE c.hash = ?`, hash).Scan(slices.Concat(s.authCodeDest(&c), s.grantDest(&g))...)
	if err != nil {
		return store.AuthCode{}, store.SessionGrant{}, s.fail("get auth code grant", err)
	}
	return c, g, nil
}

// RedeemAuthCode consumes the code, records the client on the session when
// there is one to record, and stores next, atomically: in a transaction, or
// in one statement where the dialect allows (DataModifyingWith). As in
// ConsumeAuthCode, the conditional UPDATE decides the race between
// concurrent callers.
func (s *Store) RedeemAuthCode(ctx context.Context, hash string, at time.Time, next store.RefreshToken, ipAddress, userAgent string) error {
	const op = "redeem auth code"
	if at.IsZero() {
		return fmt.Errorf("sqlstore: %s: zero use time", op)
	}
	var err error
	if s.writingWith {
		err = s.redeemInOne(ctx, hash, at, next, ipAddress, userAgent)
	} else {
		err = s.redeemInTx(ctx, hash, at, next, ipAddress, userAgent)
	}
	switch {
	case errors.Is(err, errUsed):
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrAlreadyUsed)
	case err != nil:
		return s.fail(op, err)
	}
	return nil
}

func (s *Store) redeemInTx(ctx context.Context, hash string, at time.Time, next store.RefreshToken, ipAddress, userAgent string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		x := s.within(tx)
		marked, err := markOnce(ctx, x, `UPDATE auth_codes SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL`,
			[]any{s.t(at), hash}, `SELECT 1 FROM auth_codes WHERE hash = ?`, hash)
		switch {
		case err != nil:
			return err
		case !marked:
			return errUsed
		}
		if ipAddress != "" || userAgent != "" {
			if err := execOne(ctx, x, `UPDATE sessions SET ip_address = ?, user_agent = ? WHERE id = ?`,
				ipAddress, userAgent, next.SessionID); err != nil {
				return err
			}
		}
		_, err = x.ExecContext(ctx, insertRefreshToken, s.refreshTokenArgs(next)...)
		return err
	})
}

// redeemInOne is redeemInTx in one statement. Its sub-statements all see
// the database as it was when it began; the UPDATE alone waits for a
// concurrent redemption of the code and then finds it used.
func (s *Store) redeemInOne(ctx context.Context, hash string, at time.Time, next store.RefreshToken, ipAddress, userAgent string) error {
	args := []any{s.t(at), hash}
	client := ""
	if ipAddress != "" || userAgent != "" {
		client = `, client AS (
			UPDATE sessions SET ip_address = ?, user_agent = ? WHERE id = ? AND EXISTS (SELECT 1 FROM used))`
		args = append(args, ipAddress, userAgent, next.SessionID)
	}
	args = append(append(args, s.refreshTokenArgs(next)...), hash)
	var used, exists int64
	err := s.writer().QueryRowContext(ctx, `WITH used AS (
			UPDATE auth_codes SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL RETURNING hash)`+client+`,
		stored AS (
			INSERT INTO refresh_tokens (`+refreshTokenCols+`) SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM used)
		SELECT (SELECT count(*) FROM used), (SELECT count(*) FROM auth_codes WHERE hash = ?)`, args...).Scan(&used, &exists)
	switch {
	case err != nil:
		return err
	case used == 0 && exists == 0:
		return sql.ErrNoRows
	case used == 0:
		return errUsed
	}
	return nil
}

// GetRefreshTokenGrant returns the token with that hash with its session,
// the session's user and the user's membership in organizationID, or in
// the token's organization when organizationID is empty.
func (s *Store) GetRefreshTokenGrant(ctx context.Context, hash, organizationID string) (store.RefreshToken, store.SessionGrant, error) {
	var t store.RefreshToken
	var g store.SessionGrant
	err := s.reader().QueryRowContext(ctx, `SELECT r.id, r.hash, r.session_id, r.application_id, r.organization_id,
			r.created_at, r.expires_at, r.used_at, `+grantCols+`
		FROM refresh_tokens r
		LEFT JOIN sessions s ON s.id = r.session_id
		`+grantJoins+`COALESCE(NULLIF(?, ''), r.organization_id)
		WHERE r.hash = ?`, organizationID, hash).Scan(slices.Concat(s.refreshTokenDest(&t), s.grantDest(&g))...)
	if err != nil {
		return store.RefreshToken{}, store.SessionGrant{}, s.fail("get refresh token grant", err)
	}
	return t, g, nil
}
