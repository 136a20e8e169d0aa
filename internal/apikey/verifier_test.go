package apikey

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// gatedLister holds every look-up until the gate opens, so that callers
// pile up as a burst of requests does on a node that just started.
type gatedLister struct {
	keys  []store.APIKey
	gate  chan struct{}
	calls atomic.Int32
}

func (g *gatedLister) ListAPIKeysByPrefix(ctx context.Context, prefix string) ([]store.APIKey, error) {
	g.calls.Add(1)
	<-g.gate
	return g.keys, nil
}

func TestVerifierHashesOnceForConcurrentCallers(t *testing.T) {
	key := Generate()
	h, _ := Hash(key)
	lister := &gatedLister{keys: []store.APIKey{{ID: "key_1", ApplicationID: "client_A", Prefix: Prefix(key), Hash: h}},
		gate: make(chan struct{})}
	v := &Verifier{Store: lister, TTL: time.Minute, Now: time.Now}
	const callers = 20
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if app, err := v.Application(context.Background(), key); err == nil && app == "client_A" {
				ok.Add(1)
			}
		}()
	}
	// Let the callers arrive, then release the one look-up.
	for deadline := time.Now().Add(5 * time.Second); lister.calls.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(lister.gate)
	wg.Wait()
	if ok.Load() != callers {
		t.Fatalf("%d of %d callers got the application", ok.Load(), callers)
	}
	if n := lister.calls.Load(); n != 1 {
		t.Fatalf("%d look-ups (and argon2id hashes) for %d concurrent checks of one key, want 1", n, callers)
	}
}

func TestVerifierWaiterHonoursItsContext(t *testing.T) {
	key := Generate()
	lister := &gatedLister{gate: make(chan struct{})}
	v := &Verifier{Store: lister, TTL: time.Minute, Now: time.Now}
	go func() { _, _ = v.Application(context.Background(), key) }()
	for lister.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := v.Application(ctx, key); err == nil {
		t.Fatal("a waiter whose request ended still waited for the shared check")
	}
	close(lister.gate)
}
