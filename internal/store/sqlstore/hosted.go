package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// The hosted login's records: email verification codes and password reset
// tokens (kept by hash; errors never name a hash), rate-limit counters and
// application branding. None of them is cached by authorize.

const emailVerificationCols = `id, user_id, code_hash, attempts, created_at, expires_at, consumed_at`

func (s *Store) scanEmailVerification(r rowScanner) (store.EmailVerification, error) {
	var v store.EmailVerification
	err := r.Scan(&v.ID, &v.UserID, &v.CodeHash, &v.Attempts, s.tm(&v.CreatedAt), s.tm(&v.ExpiresAt), s.tm(&v.ConsumedAt))
	return v, err
}

// CreateEmailVerification stores v; a missing user is ErrNotFound.
func (s *Store) CreateEmailVerification(ctx context.Context, v store.EmailVerification) error {
	return s.change(ctx, "create email verification "+v.ID, notCached,
		`INSERT INTO email_verifications (`+emailVerificationCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.UserID, v.CodeHash, v.Attempts, s.t(v.CreatedAt), s.t(v.ExpiresAt), s.t(v.ConsumedAt))
}

// GetEmailVerification returns the verification with that ID.
func (s *Store) GetEmailVerification(ctx context.Context, id string) (store.EmailVerification, error) {
	return get(ctx, s, "get email verification "+id, s.scanEmailVerification,
		`SELECT `+emailVerificationCols+` FROM email_verifications WHERE id = ?`, id)
}

// AttemptEmailVerification counts an attempt and consumes the verification
// when the hash matches. The one conditional UPDATE is what keeps the
// attempt limit under concurrent guesses: each guess takes one of the
// remaining attempts or none. consumed_at is NULL wherever the UPDATE
// applies, so ELSE consumed_at keeps it NULL (and gives PostgreSQL the
// CASE's type).
func (s *Store) AttemptEmailVerification(ctx context.Context, id, codeHash string, maxAttempts int, at time.Time) (store.EmailVerification, error) {
	op := "attempt email verification " + id
	if at.IsZero() {
		return store.EmailVerification{}, fmt.Errorf("sqlstore: %s: zero attempt time", op)
	}
	v, err := s.scanEmailVerification(s.writer().QueryRowContext(ctx, `UPDATE email_verifications
		SET attempts = attempts + 1, consumed_at = CASE WHEN code_hash = ? THEN ? ELSE consumed_at END
		WHERE id = ? AND consumed_at IS NULL AND attempts < ?
		RETURNING `+emailVerificationCols, codeHash, s.t(at), id, maxAttempts))
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.EmailVerification{}, s.fail(op, err)
	}
	v, err = s.GetEmailVerification(ctx, id)
	if err != nil {
		return store.EmailVerification{}, err
	}
	return v, fmt.Errorf("sqlstore: %s: %w", op, store.ErrAlreadyUsed)
}

const passwordResetCols = `hash, user_id, created_at, expires_at, used_at`

func (s *Store) scanPasswordReset(r rowScanner) (store.PasswordReset, error) {
	var p store.PasswordReset
	err := r.Scan(&p.Hash, &p.UserID, s.tm(&p.CreatedAt), s.tm(&p.ExpiresAt), s.tm(&p.UsedAt))
	return p, err
}

// CreatePasswordReset stores p; a missing user is ErrNotFound.
func (s *Store) CreatePasswordReset(ctx context.Context, p store.PasswordReset) error {
	return s.change(ctx, "create password reset", notCached,
		`INSERT INTO password_resets (`+passwordResetCols+`) VALUES (?, ?, ?, ?, ?)`,
		p.Hash, p.UserID, s.t(p.CreatedAt), s.t(p.ExpiresAt), s.t(p.UsedAt))
}

// GetPasswordReset returns the reset with that hash, used or not.
func (s *Store) GetPasswordReset(ctx context.Context, hash string) (store.PasswordReset, error) {
	return get(ctx, s, "get password reset", s.scanPasswordReset,
		`SELECT `+passwordResetCols+` FROM password_resets WHERE hash = ?`, hash)
}

// ConsumePasswordReset marks the reset used; as for auth codes, the
// conditional UPDATE decides a race.
func (s *Store) ConsumePasswordReset(ctx context.Context, hash string, at time.Time) (store.PasswordReset, error) {
	const op = "consume password reset"
	if at.IsZero() {
		return store.PasswordReset{}, fmt.Errorf("sqlstore: %s: zero use time", op)
	}
	p, err := s.scanPasswordReset(s.writer().QueryRowContext(ctx,
		`UPDATE password_resets SET used_at = ? WHERE hash = ? AND used_at IS NULL RETURNING `+passwordResetCols,
		s.t(at), hash))
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.PasswordReset{}, s.fail(op, err)
	}
	p, err = s.GetPasswordReset(ctx, hash)
	if err != nil {
		return store.PasswordReset{}, err
	}
	return p, fmt.Errorf("sqlstore: %s: %w", op, store.ErrAlreadyUsed)
}

// DeleteExpiredLoginTokens removes expired verifications and resets in one
// transaction.
func (s *Store) DeleteExpiredLoginTokens(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"email_verifications", "password_resets"} {
			res, err := s.within(tx).ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_at < ?`, s.t(before))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, s.fail("delete expired login tokens", err)
	}
	return total, nil
}

const rateLimitCols = `key, window_start, count, last_at`

func (s *Store) scanRateLimit(r rowScanner) (store.RateLimit, error) {
	var l store.RateLimit
	err := r.Scan(&l.Key, s.tm(&l.WindowStart), &l.Count, s.tm(&l.LastAt))
	return l, err
}

// HitRateLimit counts a hit with one upsert, so concurrent hits on any
// node each count once. A hit stamped with an older window than the
// stored one (a node whose clock lags) counts into the stored window
// rather than restarting it.
func (s *Store) HitRateLimit(ctx context.Context, key string, windowStart, at time.Time) (store.RateLimit, error) {
	op := "hit rate limit"
	if windowStart.IsZero() || at.IsZero() {
		return store.RateLimit{}, fmt.Errorf("sqlstore: %s: zero time", op)
	}
	l, err := s.scanRateLimit(s.writer().QueryRowContext(ctx, `INSERT INTO rate_limits (`+rateLimitCols+`)
		VALUES (?, ?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN excluded.window_start > rate_limits.window_start THEN 1 ELSE rate_limits.count + 1 END,
			window_start = CASE WHEN excluded.window_start > rate_limits.window_start
				THEN excluded.window_start ELSE rate_limits.window_start END,
			last_at = excluded.last_at
		RETURNING `+rateLimitCols, key, s.t(windowStart), s.t(at)))
	if err != nil {
		return store.RateLimit{}, s.fail(op, err)
	}
	return l, nil
}

// GetRateLimit returns the counter of key.
func (s *Store) GetRateLimit(ctx context.Context, key string) (store.RateLimit, error) {
	return get(ctx, s, "get rate limit", s.scanRateLimit, `SELECT `+rateLimitCols+` FROM rate_limits WHERE key = ?`, key)
}

// DeleteRateLimit removes the counter of key, if any.
func (s *Store) DeleteRateLimit(ctx context.Context, key string) error {
	if _, err := s.writer().ExecContext(ctx, `DELETE FROM rate_limits WHERE key = ?`, key); err != nil {
		return s.fail("delete rate limit", err)
	}
	return nil
}

// DeleteIdleRateLimits removes the counters last hit before the given time.
func (s *Store) DeleteIdleRateLimits(ctx context.Context, before time.Time) (int64, error) {
	const op = "delete idle rate limits"
	res, err := s.writer().ExecContext(ctx, `DELETE FROM rate_limits WHERE last_at < ?`, s.t(before))
	if err != nil {
		return 0, s.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail(op, err)
	}
	return n, nil
}

// GetApplicationBranding returns the application's branding, zero when
// none was set.
func (s *Store) GetApplicationBranding(ctx context.Context, applicationID string) (store.Branding, error) {
	b, err := get(ctx, s, "get branding of "+applicationID, func(r rowScanner) (store.Branding, error) {
		var b store.Branding
		err := r.Scan(&b.LogoURL, &b.AccentColor)
		return b, err
	}, `SELECT logo_url, accent_color FROM application_branding WHERE application_id = ?`, applicationID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Branding{}, nil
	}
	return b, err
}

// SetApplicationBranding replaces the application's branding.
func (s *Store) SetApplicationBranding(ctx context.Context, applicationID string, b store.Branding) error {
	return s.change(ctx, "set branding of "+applicationID, notCached,
		`INSERT INTO application_branding (application_id, logo_url, accent_color) VALUES (?, ?, ?)
		 ON CONFLICT (application_id) DO UPDATE SET logo_url = excluded.logo_url, accent_color = excluded.accent_color`,
		applicationID, b.LogoURL, b.AccentColor)
}
