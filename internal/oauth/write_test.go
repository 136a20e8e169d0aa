package oauth

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestRedirectKeepsQueryAndState(t *testing.T) {
	tests := []struct {
		name, uri, state string
		hasState         bool
		wantQuery        url.Values
	}{
		{"plain", "https://app.test/cb", "abc", true,
			url.Values{"error": {"access_denied"}, "error_description": {"[T1] nope"}, "state": {"abc"}}},
		{"own query kept", "https://app.test/cb?tenant=a&x=1", "s p&=+%", true,
			url.Values{"tenant": {"a"}, "x": {"1"}, "error": {"access_denied"}, "error_description": {"[T1] nope"}, "state": {"s p&=+%"}}},
		{"no state", "https://app.test/cb", "", false,
			url.Values{"error": {"access_denied"}, "error_description": {"[T1] nope"}}},
		{"empty state kept", "https://app.test/cb", "", true,
			url.Values{"error": {"access_denied"}, "error_description": {"[T1] nope"}, "state": {""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Redirect(rec, tt.uri, tt.state, tt.hasState, Errorf(AccessDenied, "nope"), "T1")
			if rec.Code != 302 {
				t.Fatalf("status %d", rec.Code)
			}
			loc, err := url.Parse(rec.Header().Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if got := loc.Query(); got.Encode() != tt.wantQuery.Encode() {
				t.Fatalf("query = %v, want %v", got, tt.wantQuery)
			}
			if base, _, _ := strings.Cut(tt.uri, "?"); !strings.HasPrefix(loc.String(), base+"?") {
				t.Fatalf("location %q does not start with %q", loc, base)
			}
		})
	}
}

func TestPageEscapesAndNegotiates(t *testing.T) {
	e := Errorf(InvalidRedirectURI, `redirect_uri "<script>alert(1)</script>" is not registered`)
	rec := httptest.NewRecorder()
	Page(rec, httptest.NewRequest("GET", "/", nil), e, "TRACE1")
	body := rec.Body.String()
	if rec.Code != 400 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("status %d type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") || !strings.Contains(body, "TRACE1") {
		t.Fatalf("page does not escape or lacks the trace:\n%s", body)
	}

	for accept, wantJSON := range map[string]bool{
		"application/json":                      true,
		"text/html,application/json;q=0.9":      false,
		"application/json, text/html;q=0.5":     true,
		"*/*":                                   false,
		"":                                      false,
		"application/json;q=0, text/html":       false,
		"text/html;q=0.1, application/json;q=1": true,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		Page(rec, r, e, "TRACE1")
		isJSON := rec.Header().Get("Content-Type") == "application/json"
		if isJSON != wantJSON {
			t.Errorf("Accept %q: JSON = %v, want %v", accept, isJSON, wantJSON)
		}
		if isJSON {
			var got map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got["error"] != InvalidRedirectURI ||
				!strings.HasPrefix(got["error_description"], "[TRACE1] ") {
				t.Errorf("JSON body %q (%v)", rec.Body.String(), err)
			}
		}
	}
}

func TestAsHidesInternals(t *testing.T) {
	e := As(errors.New("pq: connection refused to 10.0.0.5"))
	if e.Code != ServerError || strings.Contains(e.Description, "10.0.0.5") || e.Status != 500 {
		t.Fatalf("As = %+v", e)
	}
	orig := Errorf(ConnectionInvalid, "gone")
	if As(orig) != orig {
		t.Fatal("As does not return an *Error unchanged")
	}
}

func TestTruncate(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc…"},
		{"ééé", 3, "é…"}, // never splits a two-byte rune
		{"ééé", 6, "ééé"},
	} {
		if got := Truncate(tt.s, tt.n); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
