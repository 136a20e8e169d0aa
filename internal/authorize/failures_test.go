package authorize_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/id"
)

// leaks are words of internal errors that must never reach a client.
var leaks = []string{"dial", "tcp", "127.0.0.1", "sql", "closed", "discovery", "connection refused"}

// TestAuthorizeDependencyDown: our own failures are server_error or
// temporarily_unavailable, and the description never shows the cause.
func TestAuthorizeDependencyDown(t *testing.T) {
	h := newHarness(t)
	t.Run("upstream discovery unreachable", func(t *testing.T) {
		before := h.snapshot(t)
		q := h.params("provider", del, "connection_id", h.connDown.ID)
		rec := h.get(q.Encode(), "")
		d := assertErrorRedirect(t, rec.Code, rec.Header(), redirectQuery, "temporarily_unavailable", awkwardState, true).Get("error_description")
		assertNoCookie(t, rec.Header())
		assertNoLeak(t, d)
		h.assertUnchanged(t, before)
		if !strings.Contains(h.logs.String(), "trace_id="+traceID) || !strings.Contains(h.logs.String(), "level=ERROR") {
			t.Errorf("our failure is not logged as an error with its trace:\n%s", h.logs)
		}
	})

	// Warm the cache with the application, then lose the database.
	if rec := h.get(h.params().Encode(), ""); rec.Code != http.StatusFound {
		t.Fatalf("warm-up answered %d", rec.Code)
	}
	if err := h.store.Close(); err != nil {
		t.Fatal(err)
	}
	t.Run("database down, unknown client", func(t *testing.T) {
		rec := h.get(h.params("client_id", id.New(id.Application)).Encode(), "application/json")
		assertPage(t, rec, http.StatusServiceUnavailable, "temporarily_unavailable", true)
		assertNoCookie(t, rec.Header())
		assertNoLeak(t, rec.Body.String())
	})
	t.Run("database down, after the redirect URI", func(t *testing.T) {
		rec := h.get(h.params("provider", del, "connection_id", id.New(id.Connection)).Encode(), "")
		d := assertErrorRedirect(t, rec.Code, rec.Header(), redirectQuery, "temporarily_unavailable", awkwardState, true).Get("error_description")
		assertNoCookie(t, rec.Header())
		assertNoLeak(t, d)
	})
	t.Run("database down, hosted login needs no database", func(t *testing.T) {
		h.assertHosted(t, h.get(h.params().Encode(), ""), "sign-in")
	})
}

func assertNoLeak(t *testing.T, desc string) {
	t.Helper()
	for _, w := range leaks {
		if strings.Contains(strings.ToLower(desc), w) {
			t.Errorf("description %q shows internals (%q)", desc, w)
		}
	}
}
