package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/latchkeyhq/latchkey/internal/api"
	"github.com/latchkeyhq/latchkey/internal/apikey"
	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/manage"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/server"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// newService returns the management service over db, which the API and
// `latchkey admin` share.
// A nil masterKey gives a service that cannot seal connection secrets,
// for commands that need none.
func newService(db store.Store, masterKey []byte) (*manage.Service, error) {
	svc := &manage.Service{Store: db, PasswordParams: password.DefaultParams(), Now: time.Now}
	if masterKey != nil {
		box, err := secrets.NewBox(masterKey, "connection-secrets")
		if err != nil {
			return nil, err
		}
		svc.Secrets = box
	}
	return svc, nil
}

// apiRoutes serves the management API on srv. A write refreshes this
// node's catalog before the response goes out, so the node's next request
// sees it; other nodes hear of it through watchCatalog.
func apiRoutes(srv *server.Server, d routeDeps, catalog *authorize.Catalog) error {
	svc, err := newService(d.db, d.masterKey)
	if err != nil {
		return err
	}
	h := api.New(api.Options{
		Service: svc,
		Keys:    &apikey.Verifier{Store: d.db, TTL: apiKeyCacheTTL, Now: time.Now},
		Changed: func(ctx context.Context) {
			if err := catalog.Refresh(ctx); err != nil {
				d.log.WarnContext(ctx, "catalog refresh after a management write failed",
					slog.String("trace_id", server.TraceID(ctx)), slog.Any("err", err))
			}
		},
		Log: d.log, Now: time.Now, TraceID: server.TraceID,
	})
	for pattern, handler := range h.Routes() {
		srv.Handle(pattern, handler)
	}
	return nil
}
