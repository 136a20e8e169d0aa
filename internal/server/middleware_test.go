package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkInstrument measures what the middleware adds to a request
// (trace ID, metrics, the access log line), with the log discarded and
// with a real text handler, through the whole server to a handler that
// only redirects, as authorize does.
func BenchmarkInstrument(b *testing.B) {
	for _, bc := range []struct {
		name string
		log  *slog.Logger
	}{
		{"discard", slog.New(slog.DiscardHandler)},
		{"text", slog.New(slog.NewTextHandler(io.Discard, nil))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := New(bc.log, &pinger{})
			s.Handle("GET /user_management/authorize", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", "https://idp.example.test/authorize")
				w.WriteHeader(http.StatusFound)
			}))
			req := httptest.NewRequest(http.MethodGet, "/user_management/authorize?client_id=x", nil)
			b.ReportAllocs()
			for b.Loop() {
				w := discardWriter{h: http.Header{}}
				s.ServeHTTP(&w, req)
				if w.code != http.StatusFound {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

// discardWriter is the cheapest ResponseWriter, so the benchmark measures
// the middleware rather than httptest's recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// TestAccessLog: every request is logged once with its trace ID (the one
// in X-Request-ID), method, route pattern, status and duration.
func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	s := New(slog.New(slog.NewJSONHandler(&buf, nil)), &pinger{})
	s.Handle("GET /things/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			http.NotFound(w, r)
		}
	}))
	for _, tc := range []struct {
		method, path string
		route        string
		status       int
	}{
		{"GET", "/things/1", "GET /things/{id}", 200},
		{"GET", "/things/missing", "GET /things/{id}", 404},
		{"GET", "/nowhere", "unmatched", 404},
		{"POST", "/things/1", "unmatched", 405},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			buf.Reset()
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			var line struct {
				Level, Msg    string
				TraceID       string `json:"trace_id"`
				Method, Route string
				Status        int
				Duration      *int64
			}
			if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 1 {
				t.Fatalf("%d log lines, want 1: %s", n, buf.Bytes())
			}
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			trace := rec.Header().Get("X-Request-ID")
			if len(trace) != 8 || line.TraceID != trace || line.Level != "INFO" || line.Msg != "request" ||
				line.Method != tc.method || line.Route != tc.route || line.Status != tc.status || line.Duration == nil {
				t.Errorf("log line %s; want trace_id %q, method %s, route %q, status %d and a duration",
					bytes.TrimSpace(buf.Bytes()), trace, tc.method, tc.route, tc.status)
			}
		})
	}
}

// TestMetricsMethodBounded: a made-up method is counted, under one label
// value, so that clients cannot add series at will.
func TestMetricsMethodBounded(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), &pinger{})
	for _, m := range []string{"FOO", "BAR", "GET"} {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(m, "/nowhere", nil))
	}
	_, body := get(t, s, "/metrics")
	for _, want := range []string{
		`latchkey_http_requests_total{method="other",route="unmatched",status="404"} 2`,
		`latchkey_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, `method="FOO"`) {
		t.Error("metrics have a series for the made-up method FOO")
	}
}
