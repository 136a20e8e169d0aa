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
	// inflight holds the verifications under way: concurrent requests
	// with one key (a burst of code exchanges on a node that just started)
	// wait for a single argon2id hash instead of each computing their own,
	// which at 19 MiB apiece took a node to 1 GB with 50 clients.
	inflight map[[32]byte]*verification
}

type cached struct {
	applicationID string
	until         time.Time
}

// verification is one check of a key that other callers may wait for.
type verification struct {
	done          chan struct{}
	applicationID string
	err           error
}

// verifyTimeout bounds a shared verification, which no single caller's
// context may cut short.
const verifyTimeout = 10 * time.Second

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
	if f, ok := v.inflight[sum]; ok {
		v.mu.Unlock()
		select {
		case <-f.done:
			return f.applicationID, f.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	f := &verification{done: make(chan struct{})}
	if v.inflight == nil {
		v.inflight = map[[32]byte]*verification{}
	}
	v.inflight[sum] = f
	v.mu.Unlock()

	vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyTimeout)
	f.applicationID, f.err = v.verify(vctx, key)
	cancel()
	v.mu.Lock()
	delete(v.inflight, sum)
	if f.err == nil && f.applicationID != "" {
		if v.cache == nil || len(v.cache) >= maxCached {
			v.cache = map[[32]byte]cached{}
		}
		v.cache[sum] = cached{applicationID: f.applicationID, until: now.Add(v.TTL)}
	}
	v.mu.Unlock()
	close(f.done)
	return f.applicationID, f.err
}

// verify looks the key up by its prefix and checks it against each
// candidate's hash.
func (v *Verifier) verify(ctx context.Context, key string) (string, error) {
	keys, err := v.Store.ListAPIKeysByPrefix(ctx, Prefix(key))
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if Verify(key, k.Hash) {
			return k.ApplicationID, nil
		}
	}
	return "", nil
}
