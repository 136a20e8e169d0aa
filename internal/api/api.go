// Package api is the management REST API in the shape of the WorkOS API
// (the official OpenAPI document): organizations and their domains,
// connections, users, organization memberships, sessions, and the
// application's redirect URIs and CORS origins. Every request carries an
// API key of an application as a bearer token. The work is
// internal/manage's, which the admin CLI shares; this package parses
// requests, calls it and writes the WorkOS shapes (internal/wire).
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/manage"
)

// Keys tells which application an API key belongs to ("" for none). The
// check is constant-time in the key (apikey.Verifier).
type Keys interface {
	Application(ctx context.Context, key string) (string, error)
}

// Options configure a Handler.
type Options struct {
	Service *manage.Service
	Keys    Keys
	// Changed, when set, is called after every write that succeeded, so
	// that this node's caches (authorize's catalog) reload before its next
	// request; other nodes learn of the change through the store.
	Changed func(ctx context.Context)
	Log     *slog.Logger
	Now     func() time.Time
	TraceID func(context.Context) string
}

// Handler serves the management API.
type Handler struct{ Options }

// New returns a Handler.
func New(o Options) *Handler { return &Handler{o} }

// call is one authenticated request: the client ID of the key's
// application and the request. An endpoint returns the status and the
// object to encode (nil for no body), or an error.
type call struct {
	app string
	r   *http.Request
}

type endpoint func(c call) (int, any, error)

// Routes returns the API's ServeMux patterns and their handlers.
func (h *Handler) Routes() map[string]http.Handler {
	eps := map[string]endpoint{}
	for _, add := range []func(map[string]endpoint){
		h.organizationRoutes, h.connectionRoutes, h.userRoutes, h.membershipRoutes, h.applicationRoutes,
	} {
		add(eps)
	}
	out := make(map[string]http.Handler, len(eps))
	for pattern, ep := range eps {
		out[pattern] = h.serve(ep)
	}
	return out
}

// serve authenticates the request, runs ep and writes its answer.
func (h *Handler) serve(ep endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		app, err := h.authenticate(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		status, body, err := ep(call{app: app, r: r})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if r.Method != http.MethodGet && h.Changed != nil {
			h.Changed(r.Context())
		}
		writeJSON(w, status, body)
	})
}

// errUnauthorized is a missing or unknown API key.
var errUnauthorized = &apiError{status: http.StatusUnauthorized, Message: "Unauthorized"}

// authenticate returns the application of the request's bearer key.
func (h *Handler) authenticate(r *http.Request) (string, error) {
	scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return "", errUnauthorized
	}
	app, err := h.Keys.Application(r.Context(), strings.TrimSpace(key))
	if err != nil {
		return "", err
	}
	if app == "" {
		return "", errUnauthorized
	}
	return app, nil
}
