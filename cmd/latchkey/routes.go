package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/latchkeyhq/latchkey/internal/apikey"
	"github.com/latchkeyhq/latchkey/internal/authenticate"
	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/server"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/token"
)

// Background refresh periods: how soon a node sees what another node
// changed (cached catalog entries, rotated signing keys).
const (
	catalogRefresh = time.Second
	keysRefresh    = token.RefreshInterval
	// apiKeyCacheTTL bounds how long a deleted API key keeps working on a
	// node that verified it recently.
	apiKeyCacheTTL = 30 * time.Second
)

type routeDeps struct {
	db        store.Store
	masterKey []byte
	publicURL string
	log       *slog.Logger
	// file is the configuration (mode, smtp); nil means the defaults.
	file *config.File
	// catalogRefresh overrides the catalog's poll period when set (tests).
	catalogRefresh time.Duration
}

// routes registers the product's endpoints on srv and starts the
// background work they need, which stops with ctx.
func routes(ctx context.Context, srv *server.Server, d routeDeps) error {
	connBox, err := secrets.NewBox(d.masterKey, "connection-secrets")
	if err != nil {
		return err
	}
	txBox, err := secrets.NewBox(d.masterKey, "authorize-transaction")
	if err != nil {
		return err
	}
	keyBox, err := secrets.NewBox(d.masterKey, "signing-keys")
	if err != nil {
		return err
	}
	extraBox, err := secrets.NewBox(d.masterKey, "code-extra") // upstream OAuth tokens inside stored codes
	if err != nil {
		return err
	}
	upstream := &http.Client{Timeout: 15 * time.Second}
	catalog := authorize.NewCatalog(d.db, authorize.NewConnectorFactory(connBox, upstream, d.publicURL), d.log)
	if err := catalog.Refresh(ctx); err != nil {
		return err
	}
	go catalog.Run(ctx, d.catalogPoll())
	if err := srv.RegisterMetrics(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "latchkey_catalog_index_entries",
		Help: "Organizations and active connections authorize serves from memory; 0 until the index is loaded and for a moment after each change.",
	}, func() float64 { return float64(catalog.IndexSize()) })); err != nil {
		return err
	}
	go watchCatalog(ctx, d.db, catalog, d.log)
	var alg string // token_algorithm; "" is RS256
	if d.file != nil {
		alg = d.file.TokenAlgorithm
	}
	keys, err := token.NewKeys(ctx, d.db, keyBox, token.Options{Issuer: d.publicURL, Algorithm: alg, Now: time.Now, Log: d.log})
	if err != nil {
		return err
	}
	go keys.Run(ctx, keysRefresh)
	go runJanitor(ctx, d.db, d.log)

	az := authorize.New(authorize.Options{Catalog: catalog, Store: d.db, Box: txBox, ExtraBox: extraBox, PublicURL: d.publicURL,
		Log: d.log, Now: time.Now, TraceID: server.TraceID})
	srv.Handle("GET "+authorize.AuthorizePath, http.HandlerFunc(az.Authorize))
	srv.Handle("GET "+authorize.CallbackPath, http.HandlerFunc(az.Callback))
	srv.Handle("POST "+authorize.CallbackPath, http.HandlerFunc(az.Callback))
	samlRoutes(srv, az)
	if err := apiRoutes(srv, d, catalog); err != nil {
		return err
	}

	if err := hostedRoutes(ctx, srv, d, az, catalog, txBox); err != nil {
		return err
	}

	passwords, err := authenticate.NewPasswords(func(ctx context.Context, g authorize.Grant) (store.Session, error) {
		return authorize.StartSession(ctx, d.db, g, time.Now())
	})
	if err != nil {
		return err
	}
	if passwords.Pending, err = secrets.NewBox(d.masterKey, "pending-authentication"); err != nil {
		return err
	}
	authn := authenticate.New(authenticate.Options{Store: d.db, Applications: catalog, Tokens: keys, Passwords: passwords,
		Keys: &apikey.Verifier{Store: d.db, TTL: apiKeyCacheTTL, Now: time.Now}, ExtraBox: extraBox,
		Log: d.log, Now: time.Now, TraceID: server.TraceID})
	srv.Handle("POST "+authenticate.Path, server.CORS(catalog, d.log, "POST", authn))
	srv.Handle("OPTIONS "+authenticate.Path, server.CORS(catalog, d.log, "POST", authn))

	jwks := keys.JWKSHandler(func(ctx context.Context, clientID string) (bool, error) {
		_, err := catalog.Application(ctx, clientID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
	srv.Handle("GET /sso/jwks/{client_id}", server.CORS(catalog, d.log, "GET", jwks))
	srv.Handle("OPTIONS /sso/jwks/{client_id}", server.CORS(catalog, d.log, "GET", jwks))
	srv.Handle("GET "+authenticate.LogoutPath, &authenticate.Logout{Store: d.db, Log: d.log, Now: time.Now, TraceID: server.TraceID})
	return nil
}
