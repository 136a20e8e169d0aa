// Package server assembles Latchkey's HTTP surface: the route table, the
// middleware every request passes (trace ID, structured log, metrics), the
// health endpoints, and a graceful run loop.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Pinger is what readiness needs of the database.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server is the HTTP handler of one Latchkey node.
type Server struct {
	mux     *http.ServeMux
	handler http.Handler
	log     *slog.Logger
	metrics *metrics
	db      Pinger
}

// New returns a server with the operational routes (/healthz, /readyz,
// /metrics) registered. Feature packages add theirs with Handle.
func New(log *slog.Logger, db Pinger) *Server {
	s := &Server{mux: http.NewServeMux(), log: log, metrics: newMetrics(), db: db}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metrics.handler())
	s.handler = s.instrument(s.mux)
	return s
}

// Handle registers a handler for a ServeMux pattern ("GET /path").
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP serves one request through the middleware.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.db.Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "database not ready", slog.String("trace_id", TraceID(r.Context())), slog.Any("err", err))
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// Serve answers requests on ln until ctx is cancelled, then stops
// accepting connections and waits up to drain for in-flight requests to
// finish before returning.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, drain time.Duration) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		// Queries longer than this are refused with 431 by net/http, which
		// bounds the work a hostile authorize URL can cause.
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", slog.Duration("timeout", drain))
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}
