package apikey

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// KeyLister is what verification needs of the store.
type KeyLister interface {
	ListAPIKeysByPrefix(ctx context.Context, prefix string) ([]store.APIKey, error)
}

// Verifier checks API keys against their stored argon2id hashes and
// remembers a successful check for a short while: argon2id costs tens of
// milliseconds by design, which is right for a login but would dominate
// every code exchange of a confidential client. The cache is keyed by a
// SHA-256 of the key, so no key is held in memory in clear.
type Verifier struct {
	Store KeyLister
	// TTL bounds how long a deleted key keeps working on a node that
	// verified it recently.
	TTL time.Duration
	Now func() time.Time

	mu    sync.Mutex
	cache map[[32]byte]cached
}

type cached struct {
	applicationID string
	until         time.Time
}

// maxCached bounds the cache; it is cleared when full, which only costs
// the next verifications their hash.
const maxCached = 10_000

// Application returns the ID of the application the key belongs to, or ""
// when it is no valid key.
func (v *Verifier) Application(ctx context.Context, key string) (string, error) {
	sum := sha256.Sum256([]byte(key))
	now := v.Now()
	v.mu.Lock()
	if c, ok := v.cache[sum]; ok && now.Before(c.until) {
		v.mu.Unlock()
		return c.applicationID, nil
	}
	v.mu.Unlock()

	keys, err := v.Store.ListAPIKeysByPrefix(ctx, Prefix(key))
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if Verify(key, k.Hash) {
			v.mu.Lock()
			if v.cache == nil || len(v.cache) >= maxCached {
				v.cache = map[[32]byte]cached{}
			}
			v.cache[sum] = cached{applicationID: k.ApplicationID, until: now.Add(v.TTL)}
			v.mu.Unlock()
			return k.ApplicationID, nil
		}
	}
	return "", nil
}
