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
	if ri, _ := ctx.Value(traceKey{}).(*requestInfo); ri != nil {
		return ri.trace
	}
	return ""
}

var traceEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newTraceID() string {
	var b [5]byte // 40 bits: unique enough to find one request in a day of logs
	_, _ = rand.Read(b[:])
	var s [8]byte // base32 of 40 bits, without padding
	traceEncoding.Encode(s[:], b[:])
	return string(s[:])
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

// requestInfo is what instrument keeps for one request. It is one
// allocation for what were four (the status writer, the trace ID boxed
// for the context, the header's value slice), since instrument runs on
// every request, authorize's included. The context holds a pointer to
// it, which needs no boxing.
type requestInfo struct {
	statusWriter
	trace    string
	headerID [1]string // the X-Request-Id header's value slice
}

// instrument gives every request a trace ID, then logs and measures it by
// its route pattern (never by raw path, which would let clients blow up
// the metric cardinality).
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{statusWriter: statusWriter{ResponseWriter: w}, trace: newTraceID()}
		// WorkOS answers with X-Request-ID, which the official SDKs put on
		// every exception they raise; it is the trace ID of our logs.
		// Set under its canonical form, as Header.Set would, without
		// canonicalizing (and allocating) the name on every request.
		ri.headerID[0] = ri.trace
		w.Header()["X-Request-Id"] = ri.headerID[:]
		r = r.WithContext(context.WithValue(r.Context(), traceKey{}, ri))
		// Deferred, so that a request whose handler panics is logged and
		// counted too.
		defer s.record(r, ri, start)
		next.ServeHTTP(&ri.statusWriter, r)
	})
}

// record counts the request and writes its access log line.
func (s *Server) record(r *http.Request, ri *requestInfo, start time.Time) {
	if ri.status == 0 {
		ri.status = http.StatusOK
	}
	route := r.Pattern // set by the ServeMux on this very request
	if route == "" {
		route = "unmatched"
	}
	end := time.Now()
	d := end.Sub(start)
	s.metrics.observe(route, r.Method, ri.status, d)

	// The handler is called directly rather than through Logger.LogAttrs,
	// which would look up the caller's program counter for a source
	// attribute on every request; here it would always name this line.
	ctx := r.Context()
	h := s.log.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	rec := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("trace_id", ri.trace),
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.Int("status", ri.status),
		slog.Duration("duration", d))
	_ = h.Handle(ctx, rec) // as Logger does, a handler's error is dropped
}
