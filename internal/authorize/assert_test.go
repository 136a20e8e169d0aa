package authorize_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// stateOf is the state a raw query carries as the client meant it: the
// first value, or none.
func stateOf(raw string) (string, bool) {
	q, _ := url.ParseQuery(raw)
	vs, ok := q["state"]
	if !ok {
		return "", false
	}
	return vs[0], true
}

// assertNoCookie fails when a response sets any cookie.
func assertNoCookie(t *testing.T, hdr http.Header) {
	t.Helper()
	if c := hdr.Values("Set-Cookie"); len(c) != 0 {
		t.Errorf("Set-Cookie on a failure: %q", c)
	}
}

// assertErrorRedirect checks an error redirect to redirectURI (RFC 6749
// §4.1.2.1): the URI's own query kept, the code, the traced description
// and the state exactly as sent.
func assertErrorRedirect(t *testing.T, status int, hdr http.Header, redirectURI, code, state string, hasState bool) url.Values {
	t.Helper()
	if status != http.StatusFound {
		t.Fatalf("status %d, want 302 to %s", status, redirectURI)
	}
	loc := hdr.Get("Location")
	if !strings.HasPrefix(loc, redirectURI) || len(loc) <= len(redirectURI) || !strings.ContainsRune("?&", rune(loc[len(redirectURI)])) {
		t.Fatalf("Location %q does not extend the redirect URI %q", loc, redirectURI)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	reg, _ := url.Parse(redirectURI)
	if !strings.EqualFold(u.Scheme, reg.Scheme) || u.Host != reg.Host || u.Path != reg.Path || u.Fragment != "" {
		t.Fatalf("Location %q is not at %q", loc, redirectURI)
	}
	q := u.Query()
	for k, v := range reg.Query() {
		if !reflect.DeepEqual(q[k], v) {
			t.Errorf("the redirect URI's own %s = %q, want %q", k, q[k], v)
		}
	}
	if got := q["error"]; len(got) != 1 || got[0] != code {
		t.Errorf("error = %q, want %q (description %q)", got, code, q.Get("error_description"))
	}
	if d := q["error_description"]; len(d) != 1 || !strings.HasPrefix(d[0], "["+traceID+"] ") || len(d[0]) <= len(traceID)+3 {
		t.Errorf("error_description = %q, want one starting with [%s] ", d, traceID)
	}
	got, ok := q["state"]
	switch {
	case hasState && (!ok || len(got) != 1 || got[0] != state):
		t.Errorf("state = %q (present %v), want %q byte for byte", got, ok, state)
	case !hasState && ok:
		t.Errorf("state = %q, want none (the request had none)", got)
	}
	if _, ok := q["code"]; ok {
		t.Errorf("an error redirect carries a code: %q", loc)
	}
	return q
}

// assertPage checks an error page: status, HTML or JSON as negotiated,
// the code shown, and no redirect.
func assertPage(t *testing.T, rec *httptest.ResponseRecorder, status int, code string, jsonWanted bool) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; Location %q; body %.300s", rec.Code, status, rec.Header().Get("Location"), rec.Body)
	}
	if loc := rec.Header().Get("Location"); loc != "" {
		t.Errorf("error page carries Location %q", loc)
	}
	ct := rec.Header().Get("Content-Type")
	if jsonWanted {
		if !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q, want JSON", ct)
		}
		var body map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("body is not a JSON object of strings: %v: %s", err, rec.Body)
		}
		if len(body) != 2 || body["error"] != code || !strings.HasPrefix(body["error_description"], "["+traceID+"] ") {
			t.Errorf("JSON = %v, want error %q and a traced error_description", body, code)
		}
		return
	}
	if !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want HTML", ct)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "<code>"+code+"</code>") || !strings.Contains(body, traceID) {
		t.Errorf("page does not show code %q and the trace:\n%s", code, body)
	}
}

// txCookie returns the one transaction cookie a response sets.
func txCookie(t *testing.T, hdr http.Header) *http.Cookie {
	t.Helper()
	cookies := (&http.Response{Header: hdr}).Cookies()
	if len(cookies) != 1 || !strings.HasPrefix(cookies[0].Name, "latchkey_tx_") {
		t.Fatalf("cookies = %v, want one latchkey_tx_… cookie", cookies)
	}
	c := cookies[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 || c.MaxAge > 600 || c.Value == "" {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, 0 < Max-Age ≤ 600", c)
	}
	return c
}

// openTx opens the transaction sealed in c at the handler's current time.
func (h *harness) openTx(t *testing.T, c *http.Cookie) *authorize.Transaction {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/sso/callback", nil)
	r.AddCookie(c)
	txID := strings.TrimPrefix(c.Name, "latchkey_tx_")
	tx, err := authorize.OpenTransaction(h.txBox, r, txID, h.clock.Now())
	if err != nil {
		t.Fatalf("OpenTransaction: %v", err)
	}
	if tx.ID != txID {
		t.Errorf("transaction ID %q, cookie name %q", tx.ID, c.Name)
	}
	if ttl := tx.ExpiresAt - h.clock.Now().Unix(); ttl <= 0 || ttl > 600 {
		t.Errorf("transaction expires in %ds, want 0 < ttl ≤ 600", ttl)
	}
	return tx
}

// routed is where a successful authorize sent the browser.
type routed struct {
	tx       *authorize.Transaction
	location *url.URL
	upstream url.Values // the upstream authorization URL's query, for SSO routes
}

// assertHosted checks a redirect to the hosted screen and returns the
// transaction.
func (h *harness) assertHosted(t *testing.T, rec *httptest.ResponseRecorder, screen string) routed {
	t.Helper()
	if rec.Code != http.StatusFound {
		t.Fatalf("status %d, want 302; body %.300s", rec.Code, rec.Body)
	}
	c := txCookie(t, rec.Header())
	tx := h.openTx(t, c)
	if want := h.public + "/authkit/" + screen + "?tx=" + tx.ID; rec.Header().Get("Location") != want {
		t.Errorf("Location %q, want %q", rec.Header().Get("Location"), want)
	}
	if tx.ConnectionID != "" || tx.Nonce != "" || tx.Verifier != "" {
		t.Errorf("hosted transaction carries upstream values: %+v", tx)
	}
	loc, _ := url.Parse(rec.Header().Get("Location"))
	return routed{tx: tx, location: loc}
}

// assertUpstream checks a redirect to the dev-idp's authorization
// endpoint for conn and returns the transaction and the upstream query.
func (h *harness) assertUpstream(t *testing.T, rec *httptest.ResponseRecorder, conn store.Connection, clientID string) routed {
	t.Helper()
	if rec.Code != http.StatusFound {
		t.Fatalf("status %d, want 302; Location %q; body %.300s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	c := txCookie(t, rec.Header())
	tx := h.openTx(t, c)
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	auth, _ := url.Parse(h.idpAuthURL)
	if loc.Scheme != auth.Scheme || loc.Host != auth.Host || loc.Path != auth.Path {
		t.Fatalf("Location %q, want the dev-idp's authorization endpoint %q", loc, h.idpAuthURL)
	}
	q := loc.Query()
	single := func(name, want string) {
		t.Helper()
		if got := q[name]; len(got) != 1 || (want != "" && got[0] != want) || got[0] == "" {
			t.Errorf("upstream %s = %q, want exactly %q", name, got, want)
		}
	}
	single("client_id", clientID)
	single("redirect_uri", h.public+"/sso/callback")
	single("response_type", "code")
	single("state", strings.TrimPrefix(c.Name, "latchkey_tx_"))
	single("nonce", tx.Nonce)
	single("code_challenge", s256(tx.Verifier))
	single("code_challenge_method", "S256")
	if tx.ConnectionID != conn.ID || tx.OrganizationID != conn.OrganizationID {
		t.Errorf("transaction connection %q org %q, want %q %q", tx.ConnectionID, tx.OrganizationID, conn.ID, conn.OrganizationID)
	}
	if len(tx.Nonce) < 16 || len(tx.Verifier) < 43 {
		t.Errorf("nonce %q or verifier %q too short", tx.Nonce, tx.Verifier)
	}
	return routed{tx: tx, location: loc, upstream: q}
}
