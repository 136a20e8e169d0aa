package authorize_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// TestCallbackSignIn runs a full sign-in through the dev-idp, then
// replays the callback.
func TestCallbackSignIn(t *testing.T) {
	h := newHarness(t)
	ch := challenge(43)
	q := ssoQuery(h, "code_challenge", ch, "code_challenge_method", "S256")
	before := h.snapshot(t)
	b := newBrowser(t, atApp)
	resp := b.get(h.authorizeURL(q))
	callback := resp.Request.URL.String()
	if !strings.HasPrefix(callback, h.public+"/sso/callback?") || len(b.hops) < 3 {
		t.Fatalf("the last request was %q after %d redirects, want Latchkey's callback", callback, len(b.hops))
	}
	cookie := txCookie(t, b.hops[0].Header)
	code := assertCode(t, resp, redirectQuery, awkwardState, true)
	assertCleared(t, resp, cookie.Name)
	pub, _ := url.Parse(h.public)
	for _, c := range b.jar.Cookies(pub) {
		if c.Name == cookie.Name {
			t.Errorf("the browser still holds %s after the callback", c.Name)
		}
	}
	after := h.snapshot(t)
	if reflect.DeepEqual(before, after) {
		t.Fatal("a sign-in left the store unchanged")
	}

	ctx := h.ctx
	user, err := h.store.GetUserByEmail(ctx, "dev@example.test")
	if err != nil {
		t.Fatalf("user not created: %v", err)
	}
	if user.FirstName != "Dev" || user.LastName != "User" || !user.EmailVerified || user.Email != "dev@example.test" {
		t.Errorf("user %+v, want the dev-idp's Dev User, verified", user)
	}
	if len(after.Users) != len(before.Users)+1 {
		t.Errorf("%d users created, want 1", len(after.Users)-len(before.Users))
	}
	idents, err := h.store.ListIdentities(ctx, user.ID)
	if err != nil || len(idents) != 1 || idents[0].ConnectionID != h.connSSO.ID || idents[0].Provider != "GenericOIDC" || idents[0].Subject == "" {
		t.Errorf("identities %+v (%v), want one at %s", idents, err, h.connSSO.ID)
	}
	m, err := h.store.GetOrganizationMembershipFor(ctx, user.ID, h.orgSSO.ID)
	if err != nil || m.Status != store.MembershipActive {
		t.Errorf("membership %+v (%v), want an active one in %s", m, err, h.orgSSO.ID)
	}
	sessions := after.Sessions[user.ID]
	if len(sessions) != 1 {
		t.Fatalf("sessions %+v, want one", sessions)
	}
	sess := sessions[0]
	if sess.ApplicationID != h.app.ID || sess.OrganizationID != h.orgSSO.ID || sess.AuthMethod != "SSO" || !sess.RevokedAt.IsZero() {
		t.Errorf("session %+v", sess)
	}

	for _, secret := range []string{code, cookie.Value} {
		if strings.Contains(h.logs.String(), secret) {
			t.Errorf("logs contain a secret %.12s…", secret)
		}
	}

	t.Run("replay in the same browser", func(t *testing.T) {
		before := h.snapshot(t)
		resp := b.get(callback)
		assertCallbackPage(t, resp)
		h.assertUnchanged(t, before)
	})
	t.Run("replay of the original cookie", func(t *testing.T) {
		before := h.snapshot(t)
		req := mustRequest(t, callback)
		req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
		resp := newBrowser(t, atApp).do(req)
		// The dev-idp's code is single-use: the upstream refuses it.
		assertErrorRedirect(t, resp.StatusCode, resp.Header, redirectQuery, "access_denied", awkwardState, true)
		assertCleared(t, resp, cookie.Name)
		h.assertUnchanged(t, before) // no second session, no second code
	})
	t.Run("the code", func(t *testing.T) {
		// Last: consuming the code is a write.
		c, err := h.store.ConsumeAuthCode(ctx, authorize.HashCode(code), time.Now())
		if err != nil {
			t.Fatalf("code not stored by its hash: %v", err)
		}
		if c.ApplicationID != h.app.ID || c.RedirectURI != redirectQuery || c.CodeChallenge != ch || c.UserID != user.ID ||
			c.OrganizationID != h.orgSSO.ID || c.SessionID != sess.ID {
			t.Errorf("code %+v is not bound to client, redirect URI, challenge, user %s, organization and session %s", c, user.ID, sess.ID)
		}
		if d := c.ExpiresAt.Sub(c.CreatedAt); d != 10*time.Minute {
			t.Errorf("code valid for %v, want 10m", d)
		}
		if _, err := h.store.ConsumeAuthCode(ctx, code, time.Now()); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the plaintext code is stored (lookup by it: %v)", err)
		}
		if raw, err := base64.RawURLEncoding.DecodeString(code); err != nil || len(raw) < 16 {
			t.Errorf("code carries %d bytes (%v), want at least 128 bits", len(raw), err)
		}
	})
}

// TestCallbackState: the application's state survives the trip through
// the IdP exactly, including empty and absent.
func TestCallbackState(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name, state string
		has         bool
	}{
		{"awkward", awkwardState, true},
		{"empty", "", true},
		{"absent", "", false},
		{"looks like a parameter", "x&code=forged", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := ssoQuery(h, "state", tc.state, "redirect_uri", redirectExact)
			if !tc.has {
				q.Del("state")
			}
			resp := newBrowser(t, atApp).get(h.authorizeURL(q))
			assertCode(t, resp, redirectExact, tc.state, tc.has)
		})
	}
}

// TestCallbackWrongBrowser: the callback works only in the browser that
// started the flow, only once, and only within 10 minutes.
func TestCallbackWrongBrowser(t *testing.T) {
	h := newHarness(t)
	t.Run("another browser", func(t *testing.T) {
		b := newBrowser(t, atApp)
		callback, cookie := h.toCallback(t, b, ssoQuery(h))
		before := h.snapshot(t)
		resp := newBrowser(t, atApp).get(callback)
		assertCallbackPage(t, resp)
		assertNoCookie(t, resp.Header)
		h.assertUnchanged(t, before)
		// The failed attempt did not use up the flow of the right browser.
		resp = h.finish(t, b, callback)
		assertCode(t, resp, redirectQuery, awkwardState, true)
		assertCleared(t, resp, cookie.Name)
	})
	t.Run("tampered cookie", func(t *testing.T) {
		b := newBrowser(t, atApp)
		callback, cookie := h.toCallback(t, b, ssoQuery(h))
		sealed, _ := base64.RawURLEncoding.DecodeString(cookie.Value)
		sealed[len(sealed)-1] ^= 0x80
		before := h.snapshot(t)
		req := mustRequest(t, callback)
		req.AddCookie(&http.Cookie{Name: cookie.Name, Value: base64.RawURLEncoding.EncodeToString(sealed)})
		assertCallbackPage(t, newBrowser(t, atApp).do(req))
		h.assertUnchanged(t, before)
	})
	t.Run("cookie of another flow", func(t *testing.T) {
		b := newBrowser(t, atApp)
		callback, _ := h.toCallback(t, b, ssoQuery(h))
		_, other := h.toCallback(t, newBrowser(t, atApp), ssoQuery(h))
		u, _ := url.Parse(callback)
		before := h.snapshot(t)
		req := mustRequest(t, callback)
		// The other flow's sealed value under this flow's name.
		req.AddCookie(&http.Cookie{Name: "latchkey_tx_" + u.Query().Get("state"), Value: other.Value})
		assertCallbackPage(t, newBrowser(t, atApp).do(req))
		h.assertUnchanged(t, before)
	})
	t.Run("expired", func(t *testing.T) {
		b := newBrowser(t, atApp)
		callback, _ := h.toCallback(t, b, ssoQuery(h))
		h.clock.Advance(11 * time.Minute)
		before := h.snapshot(t)
		resp := h.finish(t, b, callback)
		assertCallbackPage(t, resp)
		h.assertUnchanged(t, before)
	})
	t.Run("not yet expired", func(t *testing.T) {
		b := newBrowser(t, atApp)
		callback, _ := h.toCallback(t, b, ssoQuery(h))
		h.clock.Advance(9 * time.Minute)
		assertCode(t, h.finish(t, b, callback), redirectQuery, awkwardState, true)
	})
	t.Run("hosted transaction at the SSO callback", func(t *testing.T) {
		rec := h.get(h.params().Encode(), "")
		c := txCookie(t, rec.Header())
		before := h.snapshot(t)
		req := mustRequest(t, h.public+"/sso/callback?code=x&state="+strings.TrimPrefix(c.Name, "latchkey_tx_"))
		req.AddCookie(c)
		resp := newBrowser(t, atApp).do(req)
		assertErrorRedirect(t, resp.StatusCode, resp.Header, redirectQuery, "connection_invalid", awkwardState, true)
		h.assertUnchanged(t, before)
	})
	t.Run("no state", func(t *testing.T) {
		before := h.snapshot(t)
		assertCallbackPage(t, newBrowser(t, atApp).get(h.public+"/sso/callback?code=x"))
		h.assertUnchanged(t, before)
	})
}

// TestCallbackUpstreamError: an IdP refusal comes back to the application
// as access_denied with its state; nobody is created.
func TestCallbackUpstreamError(t *testing.T) {
	h := newHarness(t)
	before := h.snapshot(t)
	b := newBrowser(t, atApp)
	resp := b.get(h.authorizeURL(ssoQuery(h, "login_hint", "nobody@example.test")))
	q := assertErrorRedirect(t, resp.StatusCode, resp.Header, redirectQuery, "access_denied", awkwardState, true)
	if d := q.Get("error_description"); !strings.Contains(d, "refused") {
		t.Errorf("error_description %q does not say the IdP refused", d)
	}
	assertCleared(t, resp, txCookie(t, b.hops[0].Header).Name)
	h.assertUnchanged(t, before)
}

// TestCallbackLinking: an upstream identity joins an existing user by
// email only when both sides have the email verified.
func TestCallbackLinking(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	local := func(email string, verified bool) store.User {
		u := store.User{ID: id.New(id.User), Email: email, EmailVerified: verified, FirstName: "Local", CreatedAt: now, UpdatedAt: now}
		if err := h.store.CreateUser(h.ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	signIn := func(t *testing.T, email string) *http.Response {
		t.Helper()
		return newBrowser(t, atApp).get(h.authorizeURL(ssoQuery(h, "login_hint", email)))
	}

	t.Run("verified on both sides", func(t *testing.T) {
		u := local("linked@example.test", true)
		before := h.snapshot(t)
		code := assertCode(t, signIn(t, "linked@example.test"), redirectQuery, awkwardState, true)
		after := h.snapshot(t)
		if len(after.Users) != len(before.Users) {
			t.Errorf("a user was created instead of linking")
		}
		if ids := after.Identities[u.ID]; len(ids) != 1 || ids[0].ConnectionID != h.connSSO.ID {
			t.Errorf("identities of %s: %+v, want one new", u.ID, ids)
		}
		c, err := h.store.ConsumeAuthCode(h.ctx, authorize.HashCode(code), time.Now())
		if err != nil || c.UserID != u.ID {
			t.Errorf("code for user %q (%v), want %s", c.UserID, err, u.ID)
		}
	})
	t.Run("local email unverified", func(t *testing.T) {
		u := local("local-unverified@example.test", false)
		before := h.snapshot(t)
		resp := signIn(t, u.Email)
		q := assertErrorRedirect(t, resp.StatusCode, resp.Header, redirectQuery, "access_denied", awkwardState, true)
		if d := q.Get("error_description"); !strings.Contains(d, "not verified") {
			t.Errorf("error_description %q does not explain the refusal", d)
		}
		h.assertUnchanged(t, before)
	})
	t.Run("upstream email unverified", func(t *testing.T) {
		u := local("upstream-unverified@example.test", true)
		before := h.snapshot(t)
		resp := signIn(t, u.Email)
		q := assertErrorRedirect(t, resp.StatusCode, resp.Header, redirectQuery, "access_denied", awkwardState, true)
		if d := q.Get("error_description"); !strings.Contains(d, "not verified") {
			t.Errorf("error_description %q does not explain the refusal", d)
		}
		h.assertUnchanged(t, before)
	})
	t.Run("upstream email unverified, new user", func(t *testing.T) {
		assertCode(t, signIn(t, "unverified@example.test"), redirectQuery, awkwardState, true)
		u, err := h.store.GetUserByEmail(h.ctx, "unverified@example.test")
		if err != nil || u.EmailVerified || u.FirstName != "Una" {
			t.Errorf("user %+v (%v), want an unverified Una", u, err)
		}
	})
	t.Run("second sign-in reuses the identity", func(t *testing.T) {
		first := assertCode(t, signIn(t, "dev@example.test"), redirectQuery, awkwardState, true)
		mid := h.snapshot(t)
		second := assertCode(t, signIn(t, "dev@example.test"), redirectQuery, awkwardState, true)
		after := h.snapshot(t)
		if first == second {
			t.Error("two sign-ins got the same code")
		}
		u, err := h.store.GetUserByEmail(h.ctx, "dev@example.test")
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Users) != len(mid.Users) || len(after.Identities[u.ID]) != 1 || len(after.Memberships) != len(mid.Memberships) {
			t.Errorf("second sign-in created records: users %d→%d, identities %d, memberships %d→%d",
				len(mid.Users), len(after.Users), len(after.Identities[u.ID]), len(mid.Memberships), len(after.Memberships))
		}
		if len(after.Sessions[u.ID]) != 2 {
			t.Errorf("sessions %d, want 2", len(after.Sessions[u.ID]))
		}
	})
}

// TestCallbackConnectionDeactivated: a connection turned off while a
// sign-in is at the IdP does not sign anyone in.
func TestCallbackConnectionDeactivated(t *testing.T) {
	h := newHarness(t)
	b := newBrowser(t, atApp)
	callback, _ := h.toCallback(t, b, ssoQuery(h))
	conn, err := h.store.GetConnection(h.ctx, h.connSSO.ID)
	if err != nil {
		t.Fatal(err)
	}
	conn.State = store.ConnectionInactive
	if err := h.store.UpdateConnection(h.ctx, conn); err != nil {
		t.Fatal(err)
	}
	if err := h.catalog.Refresh(h.ctx); err != nil {
		t.Fatal(err)
	}
	before := h.snapshot(t)
	resp := h.finish(t, b, callback)
	assertErrorRedirect(t, resp.StatusCode, resp.Header, redirectQuery, "connection_invalid", awkwardState, true)
	h.assertUnchanged(t, before)
}
