package token

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/server"
)

// JWKSPath is the route of the key set, as WorkOS serves it.
const JWKSPath = "/sso/jwks/{client_id}"

// jwksCacheControl lets SDKs and proxies cache the key set for five
// minutes. Caching never hurts a retired key (a cached set still holds it),
// only a new one: right after a rotation a cache may lack the new kid for up
// to max-age. jose's createRemoteJWKSet (the Node SDK) refetches when it
// meets an unknown kid, so five minutes costs such verifiers nothing, while
// it bounds the delay for verifiers that do not refetch; shorter would only
// add load.
const jwksCacheControl = "public, max-age=300"

// JWKS returns the key set, {"keys":[…]}, of every published key: public
// members only (kid, alg, use, the key, x5c, x5t#S256).
func (k *Keys) JWKS() []byte { return bytes.Clone(k.current().jwks) }

// JWKSHandler serves GET JWKSPath. known reports whether a client ID names
// an application; an unknown one gets 404 in WorkOS's error shape,
// {"code":"entity_not_found","message":…}. The body is the cached key set,
// so a request costs one application lookup.
func (k *Keys) JWKSHandler(known func(ctx context.Context, clientID string) (bool, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		clientID := r.PathValue("client_id")
		ok, err := known(ctx, clientID)
		if err != nil {
			trace := server.TraceID(ctx)
			k.log.ErrorContext(ctx, "JWKS: application lookup failed", slog.String("trace_id", trace),
				slog.String("client_id", clientID), slog.Any("err", err))
			writeError(w, http.StatusServiceUnavailable, "service_unavailable",
				"["+trace+"] The service is temporarily unavailable; try again shortly.")
			return
		}
		if !ok {
			writeError(w, http.StatusNotFound, "entity_not_found", "Application not found: '"+clientID+"'.")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", jwksCacheControl)
		_, _ = w.Write(k.current().jwks)
	})
}

// writeError answers in the {"code", "message"} shape the WorkOS API uses
// outside OAuth (its OpenAPI document lists it for this path's 404).
func writeError(w http.ResponseWriter, status int, code, message string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{code, message})
}
