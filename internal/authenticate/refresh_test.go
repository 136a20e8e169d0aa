package authenticate_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/oauth"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// TestRefreshRotation checks that every use returns a new token and spends
// the old one, and that a spent token's reuse ends the session (OAuth 2.1
// §4.3.1, RFC 9700 §4.14.2).
func TestRefreshRotation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, enc := range encodings {
			t.Run(string(enc), func(t *testing.T) {
				first, sid := e.signIn(t)
				p := func(rt string) params {
					return params{"grant_type": "refresh_token", "client_id": e.app.ID, "refresh_token": rt}
				}
				second := e.authenticate(t, enc, p(first.RefreshToken)).wantTokens(t)
				if second.RefreshToken == first.RefreshToken {
					t.Fatal("the refresh token did not rotate")
				}
				c := e.checkTokens(t, second, want{user: e.user, client: e.app.ID, org: e.orgA.ID, role: "admin", method: "SSO"})
				if c.SessionID != sid {
					t.Errorf("sid %q after refresh, want the session's %q", c.SessionID, sid)
				}
				third := e.authenticate(t, enc, p(second.RefreshToken)).wantTokens(t)

				// Reuse of a spent token: refused, and the session ends.
				e.authenticate(t, enc, p(first.RefreshToken)).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
				if s := e.session(t, sid); s.RevokedAt.IsZero() {
					t.Fatal("reuse of a spent refresh token left the session live")
				}
				e.authenticate(t, enc, p(third.RefreshToken)).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
			})
		}
	})
}

// TestRefreshErrors checks tokens that must not refresh.
func TestRefreshErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		t.Run("unknown token", func(t *testing.T) {
			e.refresh(t, "not-a-refresh-token", nil).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
		})
		t.Run("token of another client", func(t *testing.T) {
			tk, _ := e.signIn(t)
			e.authenticate(t, asJSON, params{"grant_type": "refresh_token", "client_id": e.otherApp.ID,
				"client_secret": e.otherSecret, "refresh_token": tk.RefreshToken}).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
			// The refusal neither spent the token nor ended the session:
			// another client must not be able to sign a user out.
			e.refresh(t, tk.RefreshToken, nil).wantTokens(t)
		})
		t.Run("wrong secret", func(t *testing.T) {
			tk, _ := e.signIn(t)
			e.refresh(t, tk.RefreshToken, params{"client_secret": e.otherSecret}).wantError(t, http.StatusBadRequest, oauth.InvalidClient)
		})
		t.Run("user deleted", func(t *testing.T) {
			u := store.User{ID: id.New(id.User), Email: "deleted@example.com", EmailVerified: true,
				CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
			if err := e.st.CreateUser(e.ctx, u); err != nil {
				t.Fatal(err)
			}
			g := e.ssoGrant()
			g.UserID, g.OrganizationID = u.ID, ""
			tk := e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
				"client_secret": e.secret, "code": e.issueCode(t, g)}).wantTokens(t)
			if err := e.st.DeleteUser(e.ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			e.refresh(t, tk.RefreshToken, nil).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
		})
		t.Run("session expired", func(t *testing.T) {
			tk, _ := e.signIn(t)
			e.clock.Advance(authorize.SessionTTL)
			e.refresh(t, tk.RefreshToken, nil).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
		})
		t.Run("session signed out", func(t *testing.T) {
			tk, sid := e.signIn(t)
			if err := e.st.RevokeSession(e.ctx, sid, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			e.refresh(t, tk.RefreshToken, nil).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
		})
	})
}

// TestRefreshOrganizationSwitch checks organization_id on refresh.
func TestRefreshOrganizationSwitch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		t.Run("member", func(t *testing.T) {
			tk, sid := e.signIn(t)
			next := e.refresh(t, tk.RefreshToken, params{"organization_id": e.orgB.ID}).wantTokens(t)
			e.checkTokens(t, next, want{user: e.user, client: e.app.ID, org: e.orgB.ID, role: "member", method: "SSO"})
			if s := e.session(t, sid); s.OrganizationID != e.orgB.ID {
				t.Errorf("session organization %q, want %q", s.OrganizationID, e.orgB.ID)
			}
			// The switch sticks: the next refresh stays in orgB.
			again := e.refresh(t, next.RefreshToken, nil).wantTokens(t)
			e.checkTokens(t, again, want{user: e.user, client: e.app.ID, org: e.orgB.ID, role: "member", method: "SSO"})
		})
		t.Run("same organization", func(t *testing.T) {
			tk, _ := e.signIn(t)
			next := e.refresh(t, tk.RefreshToken, params{"organization_id": e.orgA.ID}).wantTokens(t)
			e.checkTokens(t, next, want{user: e.user, client: e.app.ID, org: e.orgA.ID, role: "admin", method: "SSO"})
		})
		for _, c := range []struct {
			name string
			org  func() string
		}{
			{"no member", func() string { return e.orgNone.ID }},
			{"inactive member", func() string { return e.orgInactive.ID }},
			{"unknown organization", func() string { return "org_01UNKNOWN000000000000000000" }},
		} {
			t.Run(c.name, func(t *testing.T) {
				tk, sid := e.signIn(t)
				// The answer is validated against the document by refresh.
				e.refresh(t, tk.RefreshToken, params{"organization_id": c.org()}).
					wantError(t, http.StatusBadRequest, "organization_membership_not_found")
				if s := e.session(t, sid); s.OrganizationID != e.orgA.ID || !s.RevokedAt.IsZero() {
					t.Errorf("a refused switch changed the session: %+v", s)
				}
				// The refusal did not spend the token.
				e.refresh(t, tk.RefreshToken, nil).wantTokens(t)
			})
		}
	})
}

// TestRefreshConcurrent uses one refresh token from 8 goroutines at once:
// exactly one may win.
func TestRefreshConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		tk, sid := e.signIn(t)
		const n = 8
		results := make([]*result, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				results[i] = e.serve(authRequest(t, asJSON, params{"grant_type": "refresh_token", "client_id": e.app.ID,
					"refresh_token": tk.RefreshToken}))
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, res := range results {
			res.validate(t)
			if res.status == http.StatusOK {
				won++
				continue
			}
			res.wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
		}
		if won != 1 {
			t.Fatalf("%d of %d concurrent uses of one refresh token succeeded, want exactly 1", won, n)
		}
		// The losers were reuses of a spent token: the session ended, and
		// the winner's new token with it (spec/authenticate.md).
		if s := e.session(t, sid); s.RevokedAt.IsZero() {
			t.Error("concurrent reuse of a refresh token left the session live")
		}
		for _, res := range results {
			if res.status == http.StatusOK {
				e.refresh(t, res.wantTokens(t).RefreshToken, nil).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
			}
		}
	})
}
