package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/api"
	"github.com/latchkeyhq/latchkey/internal/apikey"
	"github.com/latchkeyhq/latchkey/internal/manage"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/reconcile"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

// testEnv is one Latchkey API over a fresh SQLite store, with the
// development application and its API key.
type testEnv struct {
	t        *testing.T
	url      string
	key      string // the application's API key
	clientID string
	st       store.Store
	svc      *manage.Service
	box      *secrets.Box
	changed  atomic.Int32 // calls of Options.Changed
}

// cheapPasswords keeps argon2id fast in tests; the parameters are stored
// in each hash, so verification still works.
func cheapPasswords() password.Params {
	return password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "api.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dev, err := reconcile.EnsureDevApplication(ctx, st, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(secrets.NewMasterKey(), "connection-secrets")
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, key: dev.APIKey, clientID: dev.ClientID, st: st, box: box}
	e.svc = &manage.Service{Store: st, Secrets: box, PasswordParams: cheapPasswords(), Now: time.Now}
	h := api.New(api.Options{
		Service: e.svc,
		Keys:    &apikey.Verifier{Store: st, TTL: time.Minute, Now: time.Now},
		Changed: func(context.Context) { e.changed.Add(1) },
		Log:     slog.New(slog.DiscardHandler),
		Now:     time.Now,
		TraceID: func(context.Context) string { return "TESTTRACE" },
	})
	mux := http.NewServeMux()
	for pattern, handler := range h.Routes() {
		mux.Handle(pattern, handler)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// request sends one API call with key as the bearer token ("" for none)
// and returns the response with its body read.
func (e *testEnv) request(method, path, key string, body any) (*http.Request, *http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return req, resp, out
}

// do sends an authenticated call, checks the response against the
// OpenAPI document (see conform), checks the status, and returns the body.
func (e *testEnv) do(method, path string, body any, wantStatus int) []byte {
	e.t.Helper()
	req, resp, out := e.request(method, path, e.key, body)
	conform(e.t, req, resp, out)
	if resp.StatusCode != wantStatus {
		e.t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.StatusCode, wantStatus, out)
	}
	return out
}

// decodeInto decodes a response body into v.
func decodeInto[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

// object is a decoded JSON object.
type object = map[string]any

// idPattern finds object IDs in a path, to name the route.
var idPattern = regexp.MustCompile(`/[a-z_]+_[0-9A-Z]{26}\b`)

// route names a call by method, path template and status: "GET
// /organizations/{id} 200".
func route(req *http.Request, status int) string {
	return req.Method + " " + idPattern.ReplaceAllString(req.URL.Path, "/{id}") + " " + strconv.Itoa(status)
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
