package authorize_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
)

// TestAuthorizeProviderScopes: provider_scopes as one comma-separated
// value or as repeated keys, merged with the connection's scopes
// (openid email profile) without duplicates.
func TestAuthorizeProviderScopes(t *testing.T) {
	h := newHarness(t)
	conn := h.params("provider", del, "connection_id", h.connSSO.ID)
	want := []string{"openid", "email", "profile", "groups", "custom:read"}
	scopes := func(want ...string) func(*testing.T, routed) {
		return func(t *testing.T, r routed) {
			t.Helper()
			got := r.upstream["scope"]
			if len(got) != 1 {
				t.Fatalf("upstream scope = %q, want one value", got)
			}
			fields := strings.Fields(got[0])
			if !sameSet(fields, want) {
				t.Errorf("upstream scope = %q, want the set %q without duplicates", got[0], want)
			}
		}
	}
	h.run(t, []authzCase{
		{name: "none", q: conn, upstream: &h.connSSO, check: scopes("openid", "email", "profile")},
		{name: "comma-separated", q: conn, extra: "provider_scopes=groups%2Ccustom%3Aread", upstream: &h.connSSO, check: scopes(want...)},
		{name: "comma-separated unencoded", q: conn, extra: "provider_scopes=groups,custom:read", upstream: &h.connSSO, check: scopes(want...)},
		{name: "repeated keys", q: conn, extra: "provider_scopes=groups&provider_scopes=custom:read", upstream: &h.connSSO, check: scopes(want...)},
		{name: "mixed with duplicates", q: conn, extra: "provider_scopes=groups,email&provider_scopes=custom:read&provider_scopes=groups,openid",
			upstream: &h.connSSO, check: scopes(want...)},
		{name: "blanks and empties", q: conn, extra: "provider_scopes=+groups+,,custom:read,&provider_scopes=", upstream: &h.connSSO, check: scopes(want...)},
		{name: "only the connection's own", q: conn, extra: "provider_scopes=profile,email", upstream: &h.connSSO, check: scopes("openid", "email", "profile")},
		{name: "kept for the hosted login", q: h.params(), extra: "provider_scopes=groups,custom:read&provider_scopes=groups", hosted: "sign-in",
			check: func(t *testing.T, r routed) {
				if !slices.Equal(r.tx.Scopes, []string{"groups", "custom:read"}) {
					t.Errorf("transaction scopes %q", r.tx.Scopes)
				}
			}},
	})
}

// TestAuthorizeProviderQueryParams: provider_query_params[k]=v reach the
// upstream authorization URL but never override the protocol's own.
func TestAuthorizeProviderQueryParams(t *testing.T) {
	h := newHarness(t)
	conn := h.params("provider", del, "connection_id", h.connSSO.ID)
	cases := []authzCase{
		{name: "passed", q: conn, extra: "provider_query_params%5Baccess_type%5D=offline&provider_query_params[hd]=example.test",
			upstream: &h.connSSO, check: func(t *testing.T, r routed) {
				upstreamHas("access_type", "offline")(t, r)
				upstreamHas("hd", "example.test")(t, r)
			}},
		{name: "value with reserved characters", q: conn, extra: "provider_query_params%5Bx%5D=a%26b%3Dc+d", upstream: &h.connSSO,
			check: upstreamHas("x", "a&b=c d")},
		{name: "empty name ignored", q: conn, extra: "provider_query_params%5B%5D=x", upstream: &h.connSSO, check: func(t *testing.T, r routed) {
			if r.upstream.Has("") {
				t.Errorf("empty parameter name passed upstream: %v", r.upstream)
			}
		}},
		{name: "name too long", q: conn, extra: "provider_query_params%5B" + strings.Repeat("k", 65) + "%5D=x", redirect: "invalid_request", descHas: "64"},
		{name: "login_hint of the request wins", q: h.params("provider", del, "connection_id", h.connSSO.ID, "login_hint", "real@example.test"),
			extra: "provider_query_params%5Blogin_hint%5D=evil@example.test", upstream: &h.connSSO, check: upstreamHas("login_hint", "real@example.test")},
	}
	// assertUpstream checks each protocol parameter is present once with
	// Latchkey's value; scope must stay the connection's.
	for _, name := range []string{"client_id", "redirect_uri", "state", "nonce", "code_challenge", "code_challenge_method", "response_type", "scope", "response_mode"} {
		cases = append(cases, authzCase{name: "may not override " + name, q: conn, extra: "provider_query_params%5B" + name + "%5D=evil",
			upstream: &h.connSSO, check: func(t *testing.T, r routed) {
				for k, vs := range r.upstream {
					if slices.Contains(vs, "evil") {
						t.Errorf("upstream %s = %q: provider_query_params[%s] overrode it", k, vs, name)
					}
				}
				if got := r.upstream["scope"]; len(got) != 1 || !sameSet(strings.Fields(got[0]), []string{"openid", "email", "profile"}) {
					t.Errorf("upstream scope = %q", got)
				}
			}})
	}
	h.run(t, cases)
}

// TestAuthorizeTransaction: authorize seals what the callback needs into
// an HttpOnly cookie and writes nothing to the database.
func TestAuthorizeTransaction(t *testing.T) {
	h := newHarness(t)
	q := h.params("provider", del, "organization_id", h.orgSSO.ID, "code_challenge", challenge(50), "code_challenge_method", "S256",
		"login_hint", "dev@example.test", "prompt", "login")
	before := h.snapshot(t)
	rec := h.get(q.Encode(), "")
	r := h.assertUpstream(t, rec, h.connSSO, "latchkey")
	h.assertUnchanged(t, before)
	tx := r.tx
	if tx.ClientID != h.app.ID || tx.RedirectURI != redirectQuery || tx.State != awkwardState || !tx.HasState ||
		tx.CodeChallenge != challenge(50) || tx.ConnectionID != h.connSSO.ID || tx.OrganizationID != h.orgSSO.ID {
		t.Errorf("transaction %+v does not hold the request", tx)
	}
	if got, want := tx.ExpiresAt, h.clock.Now().Add(10*time.Minute).Unix(); got > want {
		t.Errorf("transaction expires at %d, after %d (10 minutes)", got, want)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}

	c := txCookie(t, rec.Header())
	if c.Secure {
		t.Error("Secure cookie over an http public URL would never come back")
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		t.Fatalf("cookie value is not base64url: %v", err)
	}
	for _, plain := range []string{"app.example.com", "dev@example.test", tx.Nonce, tx.Verifier, h.app.ID} {
		if strings.Contains(string(sealed), plain) || strings.Contains(c.Value, plain) {
			t.Errorf("cookie shows %q in the clear", plain)
		}
	}

	t.Run("another authorize gets its own cookie", func(t *testing.T) {
		c2 := txCookie(t, h.get(q.Encode(), "").Header())
		if c2.Name == c.Name {
			t.Errorf("two flows share the cookie %s", c.Name)
		}
	})
	open := func(c *http.Cookie, id string, at time.Time) error {
		req := httptest.NewRequest(http.MethodGet, "/sso/callback", nil)
		req.AddCookie(c)
		_, err := authorize.OpenTransaction(h.txBox, req, id, at)
		return err
	}
	t.Run("expires after 10 minutes", func(t *testing.T) {
		if err := open(c, tx.ID, h.clock.Now().Add(9*time.Minute)); err != nil {
			t.Errorf("refused after 9 minutes: %v", err)
		}
		if err := open(c, tx.ID, h.clock.Now().Add(10*time.Minute)); err == nil {
			t.Error("opened after 10 minutes")
		}
	})
	t.Run("tampered", func(t *testing.T) {
		b := append([]byte(nil), sealed...)
		b[len(b)/2] ^= 1
		if err := open(&http.Cookie{Name: c.Name, Value: base64.RawURLEncoding.EncodeToString(b)}, tx.ID, h.clock.Now()); err == nil {
			t.Error("a tampered cookie opened")
		}
	})
	t.Run("under another transaction ID", func(t *testing.T) {
		other := "AAAAAAAAAAAAAAAAAAAAAA"
		if err := open(&http.Cookie{Name: "latchkey_tx_" + other, Value: c.Value}, other, h.clock.Now()); err == nil {
			t.Error("a cookie opened under another transaction ID")
		}
	})
	t.Run("sealed with another key", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/sso/callback", nil)
		req.AddCookie(c)
		if _, err := authorize.OpenTransaction(newBox(t), req, tx.ID, h.clock.Now()); err == nil {
			t.Error("a cookie opened with another key")
		}
	})
}

// TestAuthorizeLogsTrace: the trace ID in error_description is logged.
func TestAuthorizeLogsTrace(t *testing.T) {
	h := newHarness(t)
	h.get(h.params("client_id", "client_unknown").Encode(), "")
	h.get(h.params("response_type", "token").Encode(), "")
	logs := h.logs.String()
	for _, want := range []string{"trace_id=" + traceID + " error=invalid_client", "trace_id=" + traceID + " error=unsupported_response_type"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

// TestAuthorizeOversizedQuery: long authorization URLs are refused on a
// page, never with a panic or a redirect.
func TestAuthorizeOversizedQuery(t *testing.T) {
	h := newHarness(t)
	long := func(n int) string {
		q := h.params().Encode() + "&login_hint="
		return q + strings.Repeat("x", n-len(q))
	}
	for _, tc := range []struct {
		name string
		size int
	}{{"9 KiB", 9 << 10}, {"100 KiB", 100 << 10}} {
		t.Run(tc.name, func(t *testing.T) {
			before := h.snapshot(t)
			for _, accept := range []string{"", "application/json"} {
				rec := h.get(long(tc.size), accept)
				if rec.Code != http.StatusRequestURITooLong && rec.Code != http.StatusBadRequest {
					t.Fatalf("status %d, want 414 or 400", rec.Code)
				}
				assertPage(t, rec, rec.Code, "invalid_request", accept != "")
				assertNoCookie(t, rec.Header())
			}
			h.assertUnchanged(t, before)
		})
	}
	t.Run("100 KiB over the network", func(t *testing.T) {
		before := h.snapshot(t)
		resp, err := http.Get(h.public + "/user_management/authorize?" + long(100<<10))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusRequestURITooLong, http.StatusRequestHeaderFieldsTooLarge, http.StatusBadRequest:
		default:
			t.Errorf("status %d, want 414, 431 or 400", resp.StatusCode)
		}
		if resp.Header.Get("Location") != "" || len(resp.Cookies()) != 0 {
			t.Errorf("oversized request redirected or set a cookie: %v", resp.Header)
		}
		h.assertUnchanged(t, before)
	})
	t.Run("2 KiB is served", func(t *testing.T) {
		// Not larger: everything is sealed into one cookie, and browsers
		// drop cookies over 4096 bytes.
		rec := h.get(long(2<<10), "")
		h.assertHosted(t, rec, "sign-in")
		if n := len(rec.Header().Get("Set-Cookie")); n > 4096 {
			t.Errorf("Set-Cookie is %d bytes, over the 4096 browsers keep", n)
		}
	})
}

// sameSet reports whether a and b hold the same strings, each once.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	x := slices.Clone(a)
	slices.Sort(x)
	return len(slices.Compact(x)) == len(a)
}
