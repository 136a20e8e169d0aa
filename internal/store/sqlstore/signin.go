package sqlstore

import (
	"context"
	"database/sql"
	"slices"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// GetLinkedUser reads, in one query, what a sign-in through a connection
// needs before it writes: the linked user and their membership in the
// connection's organization. The membership's columns come from an outer
// join, NULL when there is none, hence the COALESCEs.
func (s *Store) GetLinkedUser(ctx context.Context, connectionID, subject, organizationID string) (store.User, store.OrganizationMembership, error) {
	var u store.User
	var m store.OrganizationMembership
	err := s.reader().QueryRowContext(ctx, `SELECT u.id, u.email, u.email_verified, u.first_name, u.last_name,
			u.profile_picture_url, COALESCE(u.external_id, ''), u.password_hash, u.last_sign_in_at, u.created_at,
			u.updated_at, COALESCE(m.id, ''), COALESCE(m.user_id, ''), COALESCE(m.organization_id, ''),
			COALESCE(m.role, ''), COALESCE(m.status, ''), m.created_at, m.updated_at
		FROM identities i
		JOIN users u ON u.id = i.user_id
		LEFT JOIN organization_memberships m ON m.user_id = i.user_id AND m.organization_id = ?
		WHERE i.connection_id = ? AND i.subject = ?`,
		organizationID, connectionID, subject).Scan(slices.Concat(s.userDest(&u), s.membershipDest(&m))...)
	if err != nil {
		return store.User{}, store.OrganizationMembership{}, s.fail("get user linked at "+connectionID, err)
	}
	return u, m, nil
}

// RecordSignIn stores the session, the code bound to it, and the user's
// last sign-in in one transaction: one commit where there were three,
// which on PostgreSQL is a WAL flush and a round trip each, and on SQLite
// a turn at the single writer each. The user's row goes last, so that
// sign-ins of one user, which queue on its row lock, hold it only for that
// statement and the commit, as a lone UPDATE would.
//
// Where the dialect allows (DataModifyingWith, PostgreSQL) it is one
// statement instead, one round trip where a transaction takes five: the
// user's UPDATE comes first there, and the inserts select from what it
// returned, so a missing user inserts nothing.
func (s *Store) RecordSignIn(ctx context.Context, sess store.Session, c store.AuthCode) error {
	if _, ok := s.d.(DataModifyingWith); ok {
		return s.recordSignInOne(ctx, sess, c)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		x := s.within(tx)
		_, err := x.ExecContext(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sess.ID, sess.UserID, sess.ApplicationID, sess.OrganizationID, sess.AuthMethod, sess.IPAddress, sess.UserAgent,
			s.t(sess.CreatedAt), s.t(sess.ExpiresAt), s.t(sess.RevokedAt))
		if err != nil {
			return err
		}
		_, err = x.ExecContext(ctx, `INSERT INTO auth_codes (hash, application_id, redirect_uri, code_challenge, user_id,
			 organization_id, session_id, auth_method, extra, created_at, expires_at, consumed_at)
			 VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?)`,
			c.Hash, c.ApplicationID, c.RedirectURI, c.CodeChallenge, c.UserID, c.OrganizationID,
			c.SessionID, c.AuthMethod, blob(c.Extra), s.t(c.CreatedAt), s.t(c.ExpiresAt), s.t(c.ConsumedAt))
		if err != nil {
			return err
		}
		// No row: the user is gone.
		return execOne(ctx, x, `UPDATE users SET last_sign_in_at = ?, updated_at = ? WHERE id = ?`,
			s.t(sess.CreatedAt), s.t(sess.CreatedAt), sess.UserID)
	})
	if err != nil {
		return s.fail("record sign-in of session "+sess.ID, err)
	}
	return nil
}

// recordSignInOne is RecordSignIn in one statement.
func (s *Store) recordSignInOne(ctx context.Context, sess store.Session, c store.AuthCode) error {
	var n int64
	err := s.writer().QueryRowContext(ctx, `WITH u AS (
			UPDATE users SET last_sign_in_at = ?, updated_at = ? WHERE id = ? RETURNING id),
		s AS (
			INSERT INTO sessions (`+sessionCols+`) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM u RETURNING id),
		c AS (
			INSERT INTO auth_codes (hash, application_id, redirect_uri, code_challenge, user_id,
			 organization_id, session_id, auth_method, extra, created_at, expires_at, consumed_at)
			SELECT ?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ? FROM s)
		SELECT count(*) FROM u`,
		s.t(sess.CreatedAt), s.t(sess.CreatedAt), sess.UserID,
		sess.ID, sess.UserID, sess.ApplicationID, sess.OrganizationID, sess.AuthMethod, sess.IPAddress, sess.UserAgent,
		s.t(sess.CreatedAt), s.t(sess.ExpiresAt), s.t(sess.RevokedAt),
		c.Hash, c.ApplicationID, c.RedirectURI, c.CodeChallenge, c.UserID, c.OrganizationID,
		c.SessionID, c.AuthMethod, blob(c.Extra), s.t(c.CreatedAt), s.t(c.ExpiresAt), s.t(c.ConsumedAt)).Scan(&n)
	if err == nil && n == 0 {
		err = sql.ErrNoRows // the user is gone
	}
	if err != nil {
		return s.fail("record sign-in of session "+sess.ID, err)
	}
	return nil
}
