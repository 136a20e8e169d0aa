package authorize_test

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// authzCase is one authorize request and what it must produce: an error
// page, an error redirect, the hosted login or an upstream.
type authzCase struct {
	name  string
	q     url.Values
	extra string // raw text appended to q's encoding, after "&"
	raw   string // the whole raw query, instead of q and extra

	page     string // error code shown on a page
	status   int    // the page's status; 400 when zero
	redirect string // error code sent back by redirect
	descHas  string // the error description contains this
	hosted   string // the hosted screen: sign-in or sign-up
	upstream *store.Connection
	clientID string // the upstream's client_id; latchkey when empty
	check    func(t *testing.T, r routed)
}

func (tc authzCase) rawQuery() string {
	if tc.raw != "" {
		return tc.raw
	}
	raw := tc.q.Encode()
	if tc.extra != "" {
		raw += "&" + tc.extra
	}
	return raw
}

// run runs each case as a subtest, each asserting that authorize left
// the store as it found it.
func (h *harness) run(t *testing.T, cases []authzCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { h.runCase(t, tc) })
	}
}

func (h *harness) runCase(t *testing.T, tc authzCase) {
	t.Helper()
	raw := tc.rawQuery()
	before := h.snapshot(t)
	defer h.assertUnchanged(t, before)
	rec := h.get(raw, "")
	sent, _ := url.ParseQuery(raw)
	state, hasState := stateOf(raw)
	var r routed
	switch {
	case tc.page != "":
		status := cmp.Or(tc.status, http.StatusBadRequest)
		assertPage(t, rec, status, tc.page, false)
		assertNoCookie(t, rec.Header())
		js := h.get(raw, "application/json")
		assertPage(t, js, status, tc.page, true)
		assertNoCookie(t, js.Header())
		var body map[string]string
		_ = json.Unmarshal(js.Body.Bytes(), &body)
		if !strings.Contains(body["error_description"], tc.descHas) {
			t.Errorf("error_description %q does not contain %q", body["error_description"], tc.descHas)
		}
	case tc.redirect != "":
		q := assertErrorRedirect(t, rec.Code, rec.Header(), sent.Get("redirect_uri"), tc.redirect, state, hasState)
		assertNoCookie(t, rec.Header())
		if d := q.Get("error_description"); !strings.Contains(d, tc.descHas) {
			t.Errorf("error_description %q does not contain %q", d, tc.descHas)
		}
	case tc.hosted != "":
		r = h.assertHosted(t, rec, tc.hosted)
		assertTxRequest(t, r, sent, state, hasState)
		if r.tx.OrganizationID != sent.Get("organization_id") || r.tx.Provider != "authkit" {
			t.Errorf("transaction organization %q provider %q, want %q authkit", r.tx.OrganizationID, r.tx.Provider, sent.Get("organization_id"))
		}
	case tc.upstream != nil:
		r = h.assertUpstream(t, rec, *tc.upstream, cmp.Or(tc.clientID, "latchkey"))
		assertTxRequest(t, r, sent, state, hasState)
	default:
		t.Fatal("the case expects nothing")
	}
	if tc.check != nil {
		tc.check(t, r)
	}
}

// assertTxRequest checks that the sealed transaction holds what the
// application sent.
func assertTxRequest(t *testing.T, r routed, sent url.Values, state string, hasState bool) {
	t.Helper()
	tx := r.tx
	for _, f := range []struct{ name, got string }{
		{"client_id", tx.ClientID}, {"redirect_uri", tx.RedirectURI}, {"code_challenge", tx.CodeChallenge},
		{"login_hint", tx.LoginHint}, {"domain_hint", tx.DomainHint}, {"screen_hint", tx.ScreenHint},
		{"prompt", tx.Prompt}, {"max_age", tx.MaxAge},
	} {
		if f.got != sent.Get(f.name) {
			t.Errorf("transaction %s = %q, want %q", f.name, f.got, sent.Get(f.name))
		}
	}
	if tx.State != state || tx.HasState != hasState {
		t.Errorf("transaction state %q (present %v), want %q (present %v)", tx.State, tx.HasState, state, hasState)
	}
}

// challenge returns an RFC 7636 code challenge of n unreserved characters.
func challenge(n int) string {
	const alphabet = "ABCXYZabcxyz0189-._~"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[i%len(alphabet)]
	}
	return string(b)
}
