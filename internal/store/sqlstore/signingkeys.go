package sqlstore

import (
	"context"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

const signingKeyCols = `id, algorithm, private_key, public_key, created_at, retired_at, expires_at`

func (s *Store) scanSigningKey(r rowScanner) (store.SigningKey, error) {
	var k store.SigningKey
	err := r.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.PublicKey, s.tm(&k.CreatedAt), s.tm(&k.RetiredAt), s.tm(&k.ExpiresAt))
	return k, err
}

// CreateSigningKey stores k.
func (s *Store) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	return s.change(ctx, "create signing key "+k.ID, notCached,
		`INSERT INTO signing_keys (`+signingKeyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Algorithm, blob(k.PrivateKey), blob(k.PublicKey), s.t(k.CreatedAt), s.t(k.RetiredAt), s.t(k.ExpiresAt))
}

// ListSigningKeys returns every key whose ExpiresAt is unset or not before
// now, newest first.
func (s *Store) ListSigningKeys(ctx context.Context, now time.Time) ([]store.SigningKey, error) {
	return all(ctx, s, "list signing keys", s.scanSigningKey,
		`SELECT `+signingKeyCols+` FROM signing_keys WHERE expires_at IS NULL OR expires_at >= ?
		 ORDER BY created_at DESC, id DESC`, s.t(now))
}

// RetireSigningKey stops a key from signing and sets when it stops being
// published.
func (s *Store) RetireSigningKey(ctx context.Context, id string, retiredAt, expiresAt time.Time) error {
	return s.change(ctx, "retire signing key "+id, notCached,
		`UPDATE signing_keys SET retired_at = ?, expires_at = ? WHERE id = ?`, s.t(retiredAt), s.t(expiresAt), id)
}
