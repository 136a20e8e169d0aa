// Package token issues and checks Latchkey's access tokens: the keys that
// sign them (generated, stored with the private half sealed, rotated), the
// JWKS that publishes their public halves, the JWTs themselves, and the
// opaque refresh tokens that renew them.
package token

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// BoxPurpose is the secrets.Box purpose that seals signing keys; the key ID
// is the associated data, so a sealed key cannot be moved to another row.
const BoxPurpose = "signing-keys"

// Signing algorithms Keys supports.
const (
	RS256 = string(jose.RS256) // what WorkOS signs with; the default
	ES256 = string(jose.ES256)
)

// DefaultAccessTokenTTL is how long an access token lives unless
// Options.AccessTokenTTL says otherwise.
const DefaultAccessTokenTTL = 5 * time.Minute

// RetireSkew is added to the access-token lifetime when a key is retired:
// the retired key stays published that much longer than the last token it
// signed can live, to cover clock differences between nodes and the time a
// node takes to notice the rotation (see Run).
const RetireSkew = time.Minute

// RefreshInterval is the period to pass to Run: a rotation reaches every
// node within it, and it stays well under RetireSkew (see Run).
const RefreshInterval = 15 * time.Second

// Options configures Keys.
type Options struct {
	Issuer         string        // the public URL: the iss claim
	Algorithm      string        // RS256 (default, as WorkOS signs) or ES256
	AccessTokenTTL time.Duration // default DefaultAccessTokenTTL
	Now            func() time.Time
	Log            *slog.Logger
}

// Keys holds the signing keys of one node: the newest one of the configured
// algorithm signs, and every published one verifies and appears in the JWKS.
// It is safe for concurrent use; Sign, Verify and JWKS never touch the
// database.
type Keys struct {
	st     store.Store
	box    *secrets.Box
	alg    jose.SignatureAlgorithm
	issuer string
	ttl    time.Duration
	now    func() time.Time
	log    *slog.Logger

	// mu serialises Refresh and Rotate, so that two reloads never race to
	// replace the set; readers go through set without locking.
	mu  sync.Mutex
	set atomic.Pointer[keySet]
}

// NewKeys loads the published keys from st. When no key of o.Algorithm is
// signing it generates one (RSA 2048 or P-256) and stores it, the private
// key sealed with box and the public JWK in clear. Two nodes starting at
// once may both generate one; both are published and each node signs with
// the newest it knows.
func NewKeys(ctx context.Context, st store.Store, box *secrets.Box, o Options) (*Keys, error) {
	k := &Keys{st: st, box: box, issuer: o.Issuer, ttl: o.AccessTokenTTL, now: o.Now, log: o.Log}
	switch o.Algorithm {
	case "", RS256:
		k.alg = jose.RS256
	case ES256:
		k.alg = jose.ES256
	default:
		return nil, fmt.Errorf("token: unsupported signing algorithm %q (want RS256 or ES256)", o.Algorithm)
	}
	if k.ttl == 0 {
		k.ttl = DefaultAccessTokenTTL
	}
	// exp and iat are whole seconds (RFC 7519 §2 NumericDate).
	if k.ttl < time.Second {
		return nil, fmt.Errorf("token: access token lifetime %v is shorter than a second", k.ttl)
	}
	if k.now == nil {
		k.now = time.Now
	}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	if box == nil {
		return nil, errors.New("token: no secrets box for the signing keys")
	}
	if err := k.Refresh(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// KeyID returns the kid of the key Sign uses now.
func (k *Keys) KeyID() string { return k.current().signer.rec.ID }

// Refresh reloads the keys from the store, so that a node picks up a key
// another node created or retired. It costs one query when nothing changed.
// When no key of the configured algorithm signs any more (one was retired
// by hand, say) it generates one, so that Sign never stops working.
func (k *Keys) Refresh(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	recs, err := k.list(ctx)
	if err != nil {
		return err
	}
	if !k.hasSigner(recs) {
		if _, err := k.create(ctx); err != nil {
			return err
		}
		if recs, err = k.list(ctx); err != nil {
			return err
		}
	}
	return k.load(recs)
}

// Run calls Refresh every interval until ctx ends. The interval must stay
// well under RetireSkew: a node signs with a retired key until it notices
// the rotation, and those tokens must expire before the key leaves the JWKS.
func (k *Keys) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := k.Refresh(ctx); err != nil && ctx.Err() == nil {
				k.log.Warn("signing key refresh failed", slog.Any("err", err))
			}
		}
	}
}

// Rotate creates a new signing key and retires every older signing key of
// the same algorithm. A retired key stays published until
// now + AccessTokenTTL + RetireSkew, after which no token it signed can
// still be valid. It returns the new key's ID.
func (k *Keys) Rotate(ctx context.Context) (newKID string, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	kid, err := k.create(ctx)
	if err != nil {
		return "", err
	}
	recs, err := k.list(ctx)
	if err != nil {
		return "", err
	}
	now := storeTime(k.now())
	older := false // the list is newest first: keys after ours are older
	for _, r := range recs {
		if r.ID == kid {
			older = true
			continue
		}
		if older && r.Algorithm == string(k.alg) && r.RetiredAt.IsZero() {
			if err := k.st.RetireSigningKey(ctx, r.ID, now, now.Add(k.ttl+RetireSkew)); err != nil {
				return "", fmt.Errorf("token: retire signing key %s: %w", r.ID, err)
			}
			k.log.Info("signing key retired", slog.String("kid", r.ID), slog.String("replaced_by", kid))
		}
	}
	if recs, err = k.list(ctx); err != nil {
		return "", err
	}
	return kid, k.load(recs)
}

func (k *Keys) list(ctx context.Context) ([]store.SigningKey, error) {
	recs, err := k.st.ListSigningKeys(ctx, k.now())
	if err != nil {
		return nil, fmt.Errorf("token: list signing keys: %w", err)
	}
	return recs, nil
}

// hasSigner reports whether a key of the configured algorithm still signs.
func (k *Keys) hasSigner(recs []store.SigningKey) bool {
	for _, r := range recs {
		if r.Algorithm == string(k.alg) && r.RetiredAt.IsZero() {
			return true
		}
	}
	return false
}

// load replaces the set with one built from recs, reusing what the current
// set already parsed and decrypted. Nothing is replaced on error, so a node
// keeps signing with the keys it has.
func (k *Keys) load(recs []store.SigningKey) error {
	cur := k.set.Load()
	if cur != nil && cur.fingerprint == fingerprint(recs) {
		return nil
	}
	keys := make([]*key, 0, len(recs))
	signerChosen := false
	for _, r := range recs {
		var prev *key
		if cur != nil {
			prev = cur.byID[r.ID]
		}
		kk, err := loadPublic(r, prev)
		if err != nil {
			// One damaged row must not stop the others from verifying.
			k.log.Error("signing key skipped", slog.String("kid", r.ID), slog.Any("err", err))
			continue
		}
		if !signerChosen && r.Algorithm == string(k.alg) && r.RetiredAt.IsZero() {
			signerChosen = true
			if kk.signer == nil {
				if kk.signer, err = openSigner(r, kk.public, k.box); err != nil {
					return err
				}
			}
		} else {
			kk.signer = nil // only the newest signing key is ever used
		}
		keys = append(keys, kk)
	}
	next, err := newKeySet(keys, k.now())
	if err != nil {
		return err
	}
	if next.signer == nil {
		return fmt.Errorf("token: no usable %s signing key in the store", k.alg)
	}
	if cur == nil || cur.signer.rec.ID != next.signer.rec.ID {
		k.log.Info("signing with key", slog.String("kid", next.signer.rec.ID), slog.String("alg", string(k.alg)))
	}
	k.set.Store(next)
	return nil
}

// current returns the key set, first dropping keys whose publication ended
// since the last reload, so that the JWKS is exact without a query.
func (k *Keys) current() *keySet {
	s := k.set.Load()
	now := k.now()
	if s.nextExpiry.IsZero() || !now.After(s.nextExpiry) {
		return s
	}
	next, err := newKeySet(s.keys, now)
	if err != nil || next.signer == nil {
		return s // cannot happen: the signing key never expires
	}
	k.set.CompareAndSwap(s, next)
	return next
}

// create generates, seals and stores a key, returning its ID.
func (k *Keys) create(ctx context.Context) (string, error) {
	rec, err := generate(k.alg, k.box, storeTime(k.now()))
	if err != nil {
		return "", err
	}
	if err := k.st.CreateSigningKey(ctx, rec); err != nil {
		return "", fmt.Errorf("token: store signing key: %w", err)
	}
	k.log.Info("signing key created", slog.String("kid", rec.ID), slog.String("alg", rec.Algorithm))
	return rec.ID, nil
}

// storeTime is t as the store keeps it (UTC, microseconds), so that what a
// node computes equals what it reads back.
func storeTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
