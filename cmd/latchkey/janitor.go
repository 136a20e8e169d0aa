package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// janitorEvery is how often expired one-time records are removed. Every
// node runs it; the deletes are idempotent, so overlap costs nothing.
const janitorEvery = 10 * time.Minute

// expiryGrace keeps expired records a while longer, so that a replayed
// code is still recognised as a replay (and revokes its session) rather
// than as unknown.
const expiryGrace = time.Hour

// runJanitor deletes expired authorization codes and SAML assertion IDs
// until ctx ends.
func runJanitor(ctx context.Context, st store.Store, log *slog.Logger) {
	t := time.NewTicker(janitorEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		before := time.Now().Add(-expiryGrace)
		codes, err := st.DeleteExpiredAuthCodes(ctx, before)
		if err != nil && ctx.Err() == nil {
			log.Warn("deleting expired codes failed", slog.Any("err", err))
		}
		// Assertions are kept until their own NotOnOrAfter has passed, so
		// the replay cache never forgets an ID that could still be valid.
		assertions, err := st.DeleteExpiredAssertions(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			log.Warn("deleting expired SAML assertion IDs failed", slog.Any("err", err))
		}
		if codes+assertions > 0 {
			log.Info("expired records removed", slog.Int64("codes", codes), slog.Int64("assertions", assertions))
		}
	}
}
