package authenticate_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/authenticate"
	"github.com/latchkeyhq/latchkey/internal/oauth"
)

// TestLogout checks GET /user_management/sessions/logout: it ends the
// session, and sends the browser back only to a registered logout URI.
func TestLogout(t *testing.T) {
	logout := func(q url.Values) *http.Request {
		return rawRequest(http.MethodGet, authenticate.LogoutPath+"?"+q.Encode(), "", "")
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		cases := []struct {
			name     string
			returnTo []string // none: no return_to
			other    bool     // a session of otherApp, which has no logout URI
			// location is where the browser goes; "" for the signed-out page.
			location string
		}{
			{name: "registered return_to", returnTo: []string{logoutFirst}, location: logoutFirst},
			{name: "the default, asked for", returnTo: []string{logoutDefault}, location: logoutDefault},
			{name: "no return_to", location: logoutDefault},
			{name: "empty return_to", returnTo: []string{""}, location: logoutDefault},
			{name: "unregistered return_to", returnTo: []string{"https://evil.example/"}, location: logoutDefault},
			{name: "prefix extension of a registered URI", returnTo: []string{logoutFirst + ".evil.example"}, location: logoutDefault},
			{name: "path extension of a registered URI", returnTo: []string{logoutFirst + "/../../evil"}, location: logoutDefault},
			{name: "registered URI with a query added", returnTo: []string{logoutFirst + "?next=https://evil.example/"}, location: logoutDefault},
			{name: "registered URI in another case", returnTo: []string{strings.ToUpper(logoutFirst)}, location: logoutDefault},
			{name: "return_to twice", returnTo: []string{logoutFirst, "https://evil.example/"}, location: logoutDefault},
			{name: "app without logout URIs", other: true, returnTo: []string{logoutFirst}},
			{name: "app without logout URIs, no return_to", other: true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				g := e.ssoGrant()
				secret := e.secret
				if c.other {
					g.ClientID, secret = e.otherApp.ID, e.otherSecret
				}
				tk := e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": g.ClientID,
					"client_secret": secret, "code": e.issueCode(t, g)}).wantTokens(t)
				sid := e.verify(t, g.ClientID, tk.AccessToken).SessionID

				q := url.Values{"session_id": {sid}}
				if c.returnTo != nil {
					q["return_to"] = c.returnTo
				}
				res := e.do(t, logout(q))
				checkLogoutAnswer(t, res, c.location)
				if s := e.session(t, sid); s.RevokedAt.IsZero() {
					t.Error("logout left the session live")
				}
				res = e.authenticate(t, asJSON, params{"grant_type": "refresh_token", "client_id": g.ClientID, "refresh_token": tk.RefreshToken})
				res.wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
			})
		}
		t.Run("twice", func(t *testing.T) {
			_, sid := e.signIn(t)
			q := url.Values{"session_id": {sid}, "return_to": {logoutFirst}}
			checkLogoutAnswer(t, e.do(t, logout(q)), logoutFirst)
			checkLogoutAnswer(t, e.do(t, logout(q)), logoutFirst)
		})
		t.Run("unknown session", func(t *testing.T) {
			// Nothing vouches for return_to: the signed-out page.
			q := url.Values{"session_id": {"session_01UNKNOWN00000000000000000"}, "return_to": {logoutFirst}}
			checkLogoutAnswer(t, e.do(t, logout(q)), "")
		})
		for _, q := range []url.Values{{}, {"session_id": {""}}, {"session_id": {"a", "b"}}} {
			t.Run("bad session_id "+q.Encode(), func(t *testing.T) {
				// The document lists 422 {"message"} for this operation;
				// the browser gets an HTML page (not validated: see the
				// report).
				res := e.serve(logout(q))
				if res.status != http.StatusBadRequest || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
					t.Fatalf("got %d %s %s, want a 400 page", res.status, res.header.Get("Content-Type"), res.body)
				}
				if res.header.Get("Location") != "" {
					t.Errorf("redirects to %s", res.header.Get("Location"))
				}
			})
		}
	})
}

// checkLogoutAnswer checks a redirect to location, or the signed-out page
// when location is "".
func checkLogoutAnswer(t *testing.T, res *result, location string) {
	t.Helper()
	if location == "" {
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(res.body), "signed out") {
			t.Fatalf("got %d %v %s, want the signed-out page", res.status, res.header, res.body)
		}
		if l := res.header.Get("Location"); l != "" {
			t.Fatalf("the signed-out page redirects to %s", l)
		}
		return
	}
	if res.status != http.StatusFound || res.header.Get("Location") != location {
		t.Fatalf("got %d to %q, want 302 to %q", res.status, res.header.Get("Location"), location)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on a logout redirect, want no-store", cc)
	}
}
