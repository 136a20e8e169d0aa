package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type pinger struct{ down atomic.Bool }

func (p *pinger) Ping(context.Context) error {
	if p.down.Load() {
		return errors.New("connection refused")
	}
	return nil
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

func TestHealthAndReadiness(t *testing.T) {
	db := &pinger{}
	s := New(slog.New(slog.DiscardHandler), db)
	if code, _ := get(t, s, "/healthz"); code != 200 {
		t.Fatalf("/healthz = %d", code)
	}
	if code, _ := get(t, s, "/readyz"); code != 200 {
		t.Fatalf("/readyz with database up = %d", code)
	}
	db.down.Store(true)
	if code, _ := get(t, s, "/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with database down = %d, want 503", code)
	}
	if code, _ := get(t, s, "/healthz"); code != 200 {
		t.Fatalf("/healthz with database down = %d, want 200 (the process is up)", code)
	}
}

func TestMetricsByRouteAndStatus(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), &pinger{})
	s.Handle("GET /things/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			http.NotFound(w, r)
		}
	}))
	get(t, s, "/things/1")
	get(t, s, "/things/2")
	get(t, s, "/things/missing")
	get(t, s, "/nowhere")
	_, body := get(t, s, "/metrics")
	for _, want := range []string{
		`latchkey_http_requests_total{method="GET",route="GET /things/{id}",status="200"} 2`,
		`latchkey_http_requests_total{method="GET",route="GET /things/{id}",status="404"} 1`,
		`latchkey_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`latchkey_http_request_duration_seconds_count{method="GET",route="GET /things/{id}",status="200"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestTraceIDInContext(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), &pinger{})
	seen := map[string]bool{}
	s.Handle("GET /t", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen[TraceID(r.Context())] = true
	}))
	for range 3 {
		get(t, s, "/t")
	}
	if len(seen) != 3 || seen[""] {
		t.Fatalf("trace IDs %v: want three distinct non-empty IDs", seen)
	}
}

func TestServeDrainsInFlightRequests(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, slog.New(slog.DiscardHandler), 10*time.Second) }()

	type result struct {
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{string(b), err}
	}()
	<-started
	cancel() // as SIGTERM does
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v before the in-flight request finished", err)
	default:
	}
	close(release)
	if r := <-res; r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request = %q, %v; want it completed", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
}
