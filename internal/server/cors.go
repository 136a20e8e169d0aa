package server

import (
	"context"
	"log/slog"
	"net/http"
)

// OriginChecker says whether an origin may call the browser-facing API.
type OriginChecker interface {
	AllowedOrigin(ctx context.Context, origin string) (bool, error)
}

// CORS lets registered origins call h from a browser (public clients
// completing sign-in with PKCE), and only them: for any other origin no
// CORS header is sent, so the browser withholds the response. It also
// answers the preflight for methods.
func CORS(origins OriginChecker, log *slog.Logger, methods string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		hd := w.Header()
		hd.Add("Vary", "Origin")
		allowed := false
		if origin != "" {
			ok, err := origins.AllowedOrigin(r.Context(), origin)
			if err != nil {
				log.WarnContext(r.Context(), "CORS origin check failed", slog.Any("err", err))
			}
			allowed = ok
		}
		if allowed {
			hd.Set("Access-Control-Allow-Origin", origin)
		}
		if r.Method == http.MethodOptions {
			if allowed {
				hd.Set("Access-Control-Allow-Methods", methods)
				hd.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
				hd.Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}
