package server

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"log/slog"
	"net/http"
	"time"
)

type traceKey struct{}

// TraceID returns the short ID given to the request being served, which is
// logged with the request and quoted in error descriptions so that support
// can find a failure in the logs. It is "" outside a request.
func TraceID(ctx context.Context) string {
	s, _ := ctx.Value(traceKey{}).(string)
	return s
}

var traceEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newTraceID() string {
	var b [5]byte // 40 bits: unique enough to find one request in a day of logs
	_, _ = rand.Read(b[:])
	return traceEncoding.EncodeToString(b[:])
}

// statusWriter records the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument gives every request a trace ID, then logs and measures it by
// its route pattern (never by raw path, which would let clients blow up
// the metric cardinality).
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		trace := newTraceID()
		// WorkOS answers with X-Request-ID, which the official SDKs put on
		// every exception they raise; it is the trace ID of our logs.
		w.Header().Set("X-Request-ID", trace)
		r = r.WithContext(context.WithValue(r.Context(), traceKey{}, trace))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			route := r.Pattern // set by the ServeMux on this very request
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.metrics.observe(route, r.Method, sw.status, d)
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("trace_id", trace),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", sw.status),
				slog.Duration("duration", d))
		}()
		next.ServeHTTP(sw, r)
	})
}
