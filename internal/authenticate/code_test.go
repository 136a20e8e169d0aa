package authenticate_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/oauth"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// RFC 7636 Appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// verifier is a valid PKCE verifier of the tests; otherVerifier is another.
const (
	verifier      = "a-verifier-of-forty-three-characters-or-more-0123456789"
	otherVerifier = "another-verifier-of-forty-three-characters-0123456789xyz"
)

// TestCodeGrant redeems codes in every combination of client
// authentication and PKCE that spec/authenticate.md names, as JSON and as
// a form.
func TestCodeGrant(t *testing.T) {
	type creds struct{ clientID, secret, verifier string }
	cases := []struct {
		name string
		// challenge is the code_challenge the code is minted with.
		challenge string
		// other mints the code for otherApp.
		other bool
		// creds is what the client sends, given the environment.
		creds func(e *env) creds
		// status and err are the expected error; 0 for success.
		status int
		err    string
	}{
		{name: "confidential client without PKCE",
			creds: func(e *env) creds { return creds{e.app.ID, e.secret, ""} }},
		{name: "public client with code_verifier only", challenge: challenge(verifier),
			creds: func(e *env) creds { return creds{e.app.ID, "", verifier} }},
		{name: "secret and verifier both right", challenge: challenge(verifier),
			creds: func(e *env) creds { return creds{e.app.ID, e.secret, verifier} }},
		{name: "RFC 7636 test vector", challenge: rfcChallenge,
			creds: func(e *env) creds { return creds{e.app.ID, "", rfcVerifier} }},

		// PKCE binds both ways (RFC 7636 §4.6, RFC 9700 §2.1.1).
		{name: "challenge and a wrong verifier", challenge: challenge(verifier),
			creds:  func(e *env) creds { return creds{e.app.ID, "", otherVerifier} },
			status: 400, err: oauth.InvalidGrant},
		{name: "challenge and a wrong verifier with a valid secret", challenge: challenge(verifier),
			creds:  func(e *env) creds { return creds{e.app.ID, e.secret, otherVerifier} },
			status: 400, err: oauth.InvalidGrant},
		{name: "challenge and a verifier too short", challenge: challenge("short"),
			creds:  func(e *env) creds { return creds{e.app.ID, "", "short"} },
			status: 400, err: oauth.InvalidGrant},
		{name: "challenge and the challenge sent as verifier", challenge: challenge(verifier),
			creds:  func(e *env) creds { return creds{e.app.ID, "", challenge(verifier)} },
			status: 400, err: oauth.InvalidGrant},
		{name: "challenge and no verifier, with a valid secret", challenge: challenge(verifier),
			creds:  func(e *env) creds { return creds{e.app.ID, e.secret, ""} },
			status: 400, err: oauth.InvalidGrant},
		{name: "challenge and neither verifier nor secret", challenge: challenge(verifier),
			creds:  func(e *env) creds { return creds{e.app.ID, "", ""} },
			status: 400, err: oauth.InvalidGrant},
		{name: "no challenge but a verifier (downgrade), with a valid secret",
			creds:  func(e *env) creds { return creds{e.app.ID, e.secret, verifier} },
			status: 400, err: oauth.InvalidGrant},
		{name: "no challenge but a verifier (downgrade), no secret",
			creds:  func(e *env) creds { return creds{e.app.ID, "", verifier} },
			status: 400, err: oauth.InvalidGrant},

		// Client authentication.
		{name: "no challenge and no secret",
			creds:  func(e *env) creds { return creds{e.app.ID, "", ""} },
			status: 400, err: oauth.InvalidClient},
		{name: "wrong secret",
			creds:  func(e *env) creds { return creds{e.app.ID, otherLast(e.secret), ""} },
			status: 400, err: oauth.InvalidClient},
		{name: "wrong secret with the right verifier", challenge: challenge(verifier),
			creds:  func(e *env) creds { return creds{e.app.ID, "sk_test_wrong", verifier} },
			status: 400, err: oauth.InvalidClient},
		{name: "secret of another application",
			creds:  func(e *env) creds { return creds{e.app.ID, e.otherSecret, ""} },
			status: 400, err: oauth.InvalidClient},
		{name: "unknown client",
			creds:  func(e *env) creds { return creds{"client_01UNKNOWN0000000000000000", e.secret, ""} },
			status: 400, err: oauth.InvalidClient},
		{name: "code of another client", other: true,
			creds:  func(e *env) creds { return creds{e.app.ID, e.secret, ""} },
			status: 400, err: oauth.InvalidGrant},
		{name: "code of another client, public", other: true, challenge: challenge(verifier),
			creds:  func(e *env) creds { return creds{e.app.ID, "", verifier} },
			status: 400, err: oauth.InvalidGrant},
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, enc := range encodings {
			for _, c := range cases {
				t.Run(string(enc)+"/"+c.name, func(t *testing.T) {
					g := e.ssoGrant()
					g.CodeChallenge = c.challenge
					if c.other {
						g.ClientID = e.otherApp.ID
					}
					code := e.issueCode(t, g)
					cr := c.creds(e)
					p := params{"grant_type": "authorization_code", "client_id": cr.clientID, "code": code}
					if cr.secret != "" {
						p["client_secret"] = cr.secret
					}
					if cr.verifier != "" {
						p["code_verifier"] = cr.verifier
					}
					res := e.authenticate(t, enc, p)
					if c.status != 0 {
						res.wantError(t, c.status, c.err)
						return
					}
					e.checkTokens(t, res.wantTokens(t), want{user: e.user, client: e.app.ID, org: e.orgA.ID, role: "admin", method: "SSO"})
				})
			}
		}
	})
}

// TestCodeGrantShape checks what a code exchange answers besides the
// tokens: the method and organization the code carries, and a fresh jti.
func TestCodeGrantShape(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		cases := []struct {
			name  string
			grant func() authorize.Grant
			want  want
		}{
			{"SSO into an organization", e.ssoGrant,
				want{user: e.user, client: e.app.ID, org: e.orgA.ID, role: "admin", method: "SSO"}},
			{"OAuth without organization", func() authorize.Grant {
				g := e.ssoGrant()
				g.OrganizationID, g.AuthMethod = "", "GoogleOAuth"
				return g
			}, want{user: e.user, client: e.app.ID, method: "GoogleOAuth"}},
			{"user without names", func() authorize.Grant {
				g := e.ssoGrant()
				g.UserID, g.OrganizationID, g.AuthMethod = e.noPassword.ID, "", "GitHubOAuth"
				return g
			}, want{user: e.noPassword, client: e.app.ID, method: "GitHubOAuth"}},
			{"OAuth with the upstream's tokens", func() authorize.Grant {
				g := e.ssoGrant()
				g.OrganizationID, g.AuthMethod = "", "GoogleOAuth"
				g.OAuthTokens = &connector.OAuthTokens{Provider: "GoogleOAuth", AccessToken: "ya29.upstream",
					RefreshToken: "1//upstream", ExpiresAt: 1_900_000_000, Scopes: []string{"openid", "email"}}
				return g
			}, want{user: e.user, client: e.app.ID, method: "GoogleOAuth",
				oauth: `{"provider":"GoogleOAuth","access_token":"ya29.upstream","refresh_token":"1//upstream","expires_at":1900000000,"scopes":["openid","email"]}`}},
			{"OAuth with upstream tokens lacking scopes and refresh token", func() authorize.Grant {
				g := e.ssoGrant()
				g.OrganizationID, g.AuthMethod = "", "GitHubOAuth"
				g.OAuthTokens = &connector.OAuthTokens{Provider: "GitHubOAuth", AccessToken: "gho_upstream"}
				return g
			}, want{user: e.user, client: e.app.ID, method: "GitHubOAuth",
				oauth: `{"provider":"GitHubOAuth","access_token":"gho_upstream","refresh_token":"","expires_at":0,"scopes":[]}`}},
			{"code of the other application", func() authorize.Grant {
				g := e.ssoGrant()
				g.ClientID = e.otherApp.ID
				return g
			}, want{user: e.user, client: e.otherApp.ID, org: e.orgA.ID, role: "admin", method: "SSO"}},
		}
		jtis := map[string]bool{}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				secret := e.secret
				if c.want.client == e.otherApp.ID {
					secret = e.otherSecret
				}
				tk := e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": c.want.client,
					"client_secret": secret, "code": e.issueCode(t, c.grant())}).wantTokens(t)
				cl := e.checkTokens(t, tk, c.want)
				if jtis[cl.ID] {
					t.Errorf("jti %q used twice", cl.ID)
				}
				jtis[cl.ID] = true
				if c.want.user.FirstName == "" && tk.User["first_name"] != nil {
					t.Errorf("first_name %#v for a user without one, want null", tk.User["first_name"])
				}
			})
		}
	})
}

// TestCodeExpiry checks the code's lifetime at its boundary.
func TestCodeExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			name   string
			after  int // seconds after minting
			expire bool
		}{
			{"a second before expiry", int(authorize.CodeTTL.Seconds()) - 1, false},
			{"at expiry", int(authorize.CodeTTL.Seconds()), true},
			{"long after", int(authorize.CodeTTL.Seconds()) * 10, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				code := e.issueCode(t, e.ssoGrant())
				e.clock.Advance(time.Duration(c.after) * time.Second)
				res := e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
					"client_secret": e.secret, "code": code})
				if c.expire {
					res.wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
					return
				}
				res.wantTokens(t)
			})
		}
	})
}

// TestCodeReplay checks that a code works once, and that its replay ends
// what the first exchange created (RFC 6749 §4.1.2).
func TestCodeReplay(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, enc := range encodings {
			t.Run(string(enc), func(t *testing.T) {
				code := e.issueCode(t, e.ssoGrant())
				p := params{"grant_type": "authorization_code", "client_id": e.app.ID, "client_secret": e.secret, "code": code}
				first := e.authenticate(t, enc, p).wantTokens(t)
				sid := e.verify(t, e.app.ID, first.AccessToken).SessionID

				e.authenticate(t, enc, p).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
				if s := e.session(t, sid); s.RevokedAt.IsZero() {
					t.Error("the replay left the session of the code live")
				}
				e.refresh(t, first.RefreshToken, nil).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
			})
		}
	})
}

// TestCodeGrantClientInfo checks that ip_address and user_agent end up on
// the session.
func TestCodeGrantClientInfo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, enc := range encodings {
			t.Run(string(enc), func(t *testing.T) {
				tk := e.authenticate(t, enc, params{"grant_type": "authorization_code", "client_id": e.app.ID,
					"client_secret": e.secret, "code": e.issueCode(t, e.ssoGrant()),
					"ip_address": "203.0.113.42", "user_agent": "Mozilla/5.0 (X11; Linux x86_64) é"}).wantTokens(t)
				s := e.session(t, e.verify(t, e.app.ID, tk.AccessToken).SessionID)
				if s.IPAddress != "203.0.113.42" || s.UserAgent != "Mozilla/5.0 (X11; Linux x86_64) é" {
					t.Errorf("session has ip %q, user agent %q", s.IPAddress, s.UserAgent)
				}
			})
		}
	})
}

// TestCodeConcurrent redeems one code from 8 goroutines at once: at most
// one may get tokens, and since the others are replays the session ends
// either way (its tokens must not outlive the race).
func TestCodeConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		code := e.issueCode(t, e.ssoGrant())
		const n = 8
		results := make([]*result, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				results[i] = e.serve(authRequest(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
					"client_secret": e.secret, "code": code}))
			})
		}
		close(start)
		wg.Wait()
		var won []tokens
		for _, res := range results {
			res.validate(t)
			if res.status == http.StatusOK {
				won = append(won, res.wantTokens(t))
				continue
			}
			res.wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
		}
		if len(won) > 1 {
			t.Fatalf("%d of %d concurrent exchanges of one code succeeded, want at most 1", len(won), n)
		}
		for _, tk := range won {
			e.refresh(t, tk.RefreshToken, nil).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
		}
	})
}

// TestCodeSessionGone checks codes whose session ended before the
// exchange.
func TestCodeSessionGone(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		t.Run("session revoked", func(t *testing.T) {
			code := e.issueCode(t, e.ssoGrant())
			sessions, _, err := e.st.ListSessions(e.ctx, e.user.ID, store.ListOptions{Limit: 1, Order: store.Desc})
			if err != nil || len(sessions) != 1 {
				t.Fatalf("ListSessions: %v %v", sessions, err)
			}
			if err := e.st.RevokeSession(e.ctx, sessions[0].ID, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
				"client_secret": e.secret, "code": code}).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
		})
		t.Run("user deleted", func(t *testing.T) {
			u := store.User{ID: id.New(id.User), Email: "gone@example.com", EmailVerified: true,
				CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
			if err := e.st.CreateUser(e.ctx, u); err != nil {
				t.Fatal(err)
			}
			g := e.ssoGrant()
			g.UserID, g.OrganizationID = u.ID, ""
			code := e.issueCode(t, g)
			if err := e.st.DeleteUser(e.ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
				"client_secret": e.secret, "code": code}).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
		})
	})
}

// TestCodeRefusedIsSpent checks that a refused exchange spends the code
// all the same, whatever step refused it: a code is tried once (RFC 6749
// §4.1.2), so a later try, even a right one, is a replay that ends the
// session.
func TestCodeRefusedIsSpent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			name string
			// refuse makes the exchange fail and returns what the client
			// sends; undo puts right what refuse changed in the store.
			refuse func(t *testing.T, m store.OrganizationMembership) params
			undo   func(t *testing.T, m store.OrganizationMembership)
		}{
			{name: "wrong verifier", refuse: func(*testing.T, store.OrganizationMembership) params {
				return params{"client_id": e.app.ID, "code_verifier": otherVerifier}
			}},
			{name: "another client", refuse: func(*testing.T, store.OrganizationMembership) params {
				return params{"client_id": e.otherApp.ID, "client_secret": e.otherSecret, "code_verifier": verifier}
			}},
			{name: "membership ended", refuse: func(t *testing.T, m store.OrganizationMembership) params {
				m.Status = store.MembershipInactive
				if err := e.st.UpdateOrganizationMembership(e.ctx, m); err != nil {
					t.Fatal(err)
				}
				return params{"client_id": e.app.ID, "code_verifier": verifier}
			}, undo: func(t *testing.T, m store.OrganizationMembership) {
				if err := e.st.UpdateOrganizationMembership(e.ctx, m); err != nil {
					t.Fatal(err)
				}
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				// A user of its own, so that the other tests keep theirs.
				now := e.clock.Now()
				u := store.User{ID: id.New(id.User), Email: "spent-" + id.New(id.User) + "@example.com", EmailVerified: true,
					CreatedAt: now, UpdatedAt: now}
				m := store.OrganizationMembership{ID: id.New(id.OrganizationMembership), UserID: u.ID, OrganizationID: e.orgA.ID,
					Role: "admin", Status: store.MembershipActive, CreatedAt: now, UpdatedAt: now}
				if err := e.st.CreateUser(e.ctx, u); err != nil {
					t.Fatal(err)
				}
				if err := e.st.CreateOrganizationMembership(e.ctx, m); err != nil {
					t.Fatal(err)
				}
				g := e.ssoGrant()
				g.UserID, g.CodeChallenge = u.ID, challenge(verifier)
				code := e.issueCode(t, g)
				p := c.refuse(t, m)
				p["grant_type"], p["code"] = "authorization_code", code
				e.authenticate(t, asJSON, p).wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
				if c.undo != nil {
					c.undo(t, m)
				}

				res := e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
					"code": code, "code_verifier": verifier})
				res.wantError(t, http.StatusBadRequest, oauth.InvalidGrant)
				if !strings.Contains(string(res.body), "already used") {
					t.Errorf("the retry of a refused code got %s, want a replay", res.body)
				}
				stored, _, err := e.st.GetAuthCodeGrant(e.ctx, authorize.HashCode(code))
				if err != nil {
					t.Fatal(err)
				}
				if s := e.session(t, stored.SessionID); s.RevokedAt.IsZero() {
					t.Error("the replay of a refused code left its session live")
				}
			})
		}
	})
}

// otherLast returns s with its last character changed: a key or secret
// that is wrong by one character, never equal to s.
func otherLast(s string) string {
	if strings.HasSuffix(s, "x") {
		return s[:len(s)-1] + "y"
	}
	return s[:len(s)-1] + "x"
}
