package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// changeWatcher is a store that tells when any node changed what
// authorize caches: the PostgreSQL backend, through LISTEN/NOTIFY.
type changeWatcher interface {
	Watch(ctx context.Context, onChange func()) error
}

// Reconnection pauses of the watch: short at first (a restarted database
// is back soon), capped so that a long outage costs little.
const (
	watchRetryMin = time.Second
	watchRetryMax = 30 * time.Second
)

// catalogPoll is the catalog's poll period: the safety net under the
// change notifications, and the only path for SQLite.
func (d routeDeps) catalogPoll() time.Duration {
	if d.catalogRefresh > 0 {
		return d.catalogRefresh
	}
	return catalogRefresh
}

// watchCatalog refreshes the catalog as soon as any node commits a change
// to what it caches, so that, say, a redirect URI removed through the API
// on one node is refused by the next authorize request on every node. It
// returns when ctx ends.
//
// SQLite has no notifications: it serves one node by design, whose own
// API writes refresh its catalog directly (apiRoutes). Other processes on
// the same file (latchkey admin, a second serve) are seen at the next poll.
func watchCatalog(ctx context.Context, db store.Store, catalog *authorize.Catalog, log *slog.Logger) {
	w, ok := db.(changeWatcher)
	if !ok {
		return
	}
	refresh := func() {
		if err := catalog.Refresh(ctx); err != nil && ctx.Err() == nil {
			log.Warn("catalog refresh on a change notification failed", slog.Any("err", err))
		}
	}
	pause := watchRetryMin
	for {
		started := time.Now()
		err := w.Watch(ctx, refresh)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > watchRetryMax {
			pause = watchRetryMin // it had been working: retry soon
		}
		log.Warn("change notifications interrupted; polling until they resume",
			slog.Any("err", err), slog.Duration("retry_in", pause))
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, watchRetryMax)
	}
}
