package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/hostedui"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/server"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// catalogRefresh is how often a node checks whether another node changed
// what authorize caches.
const catalogRefresh = time.Second

type routeDeps struct {
	db        store.Store
	connBox   *secrets.Box
	txBox     *secrets.Box
	publicURL string
	log       *slog.Logger
}

// routes registers the product's endpoints on srv and starts the
// background work they need, which stops with ctx.
func routes(ctx context.Context, srv *server.Server, d routeDeps) error {
	upstream := &http.Client{Timeout: 15 * time.Second}
	catalog := authorize.NewCatalog(d.db, authorize.NewConnectorFactory(d.connBox, upstream), d.log)
	if err := catalog.Refresh(ctx); err != nil {
		return err
	}
	go catalog.Run(ctx, catalogRefresh)

	az := authorize.New(authorize.Options{Catalog: catalog, Store: d.db, Box: d.txBox, PublicURL: d.publicURL,
		Log: d.log, Now: time.Now, TraceID: server.TraceID})
	srv.Handle("GET "+authorize.AuthorizePath, http.HandlerFunc(az.Authorize))
	srv.Handle("GET "+authorize.CallbackPath, http.HandlerFunc(az.Callback))
	srv.Handle("POST "+authorize.CallbackPath, http.HandlerFunc(az.Callback))

	hosted := &hostedui.Placeholder{Box: d.txBox, Orgs: catalog, Now: time.Now, Log: d.log}
	srv.Handle("GET "+authorize.HostedPath+"/{screen}", hosted)
	return nil
}
