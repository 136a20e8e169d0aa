package authenticate_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/oauth"
)

// TestPasswordGrant checks the password grant of first-party apps.
func TestPasswordGrant(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		pw := func(email, password string) params {
			return params{"grant_type": "password", "client_id": e.app.ID, "client_secret": e.secret,
				"email": email, "password": password}
		}
		for _, enc := range encodings {
			t.Run(string(enc)+"/right password", func(t *testing.T) {
				p := pw(e.user.Email, userPassword)
				p["ip_address"], p["user_agent"] = "198.51.100.7", "curl/8"
				tk := e.authenticate(t, enc, p).wantTokens(t)
				c := e.checkTokens(t, tk, want{user: e.user, client: e.app.ID, method: "Password"})
				s := e.session(t, c.SessionID)
				if s.AuthMethod != "Password" || s.IPAddress != "198.51.100.7" || s.UserAgent != "curl/8" {
					t.Errorf("session %+v: want method Password with the client's IP and user agent", s)
				}
				if u, err := e.st.GetUser(t.Context(), e.user.ID); err != nil || u.LastSignInAt.IsZero() {
					t.Errorf("last_sign_in_at not recorded: %+v %v", u, err)
				}
				// The session refreshes like any other.
				e.refresh(t, tk.RefreshToken, nil).wantTokens(t)
			})
		}
		t.Run("email in another case", func(t *testing.T) {
			tk := e.authenticate(t, asJSON, pw(" "+strings.ToUpper(e.user.Email)+" ", userPassword)).wantTokens(t)
			e.checkTokens(t, tk, want{user: e.user, client: e.app.ID, method: "Password"})
		})

		// No enumeration: a wrong password, an unknown email and a user
		// without a password get the same answer.
		var bodies [][]byte
		for _, c := range []struct{ name, email, password string }{
			{"wrong password", e.user.Email, userPassword + "!"},
			{"unknown email", "nobody@example.com", userPassword},
			{"user without a password", e.noPassword.Email, userPassword},
			{"unverified email and wrong password", e.unverified.Email, "wrong"},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := e.authenticate(t, asJSON, pw(c.email, c.password))
				res.wantError(t, http.StatusBadRequest, "invalid_credentials")
				bodies = append(bodies, withoutTrace(res.body))
			})
		}
		for i := 1; i < len(bodies); i++ {
			if !bytes.Equal(bodies[0], bodies[i]) {
				t.Errorf("failed sign-ins tell apart:\n%s\n%s", bodies[0], bodies[i])
			}
		}

		t.Run("no client_secret", func(t *testing.T) {
			p := pw(e.user.Email, userPassword)
			delete(p, "client_secret")
			e.authenticate(t, asJSON, p).wantError(t, http.StatusBadRequest, oauth.InvalidClient)
		})
		t.Run("secret of another application", func(t *testing.T) {
			p := pw(e.user.Email, userPassword)
			p["client_secret"] = e.otherSecret
			e.authenticate(t, asJSON, p).wantError(t, http.StatusBadRequest, oauth.InvalidClient)
		})
		t.Run("unverified email", func(t *testing.T) {
			// The answer is validated against the document's 403 schema.
			res := e.authenticate(t, asJSON, pw(e.unverified.Email, userPassword))
			res.wantError(t, http.StatusForbidden, "email_verification_required")
			m := res.object(t)
			if msg, _ := m["message"].(string); msg == "" {
				t.Error("no message")
			}
			if m["email"] != e.unverified.Email {
				t.Errorf("email %v, want %s", m["email"], e.unverified.Email)
			}
			// spec/authenticate.md: email_verification_required comes
			// "with a pending_authentication_token", which the app passes
			// on to finish the sign-in once the email is verified.
			if tok, _ := m["pending_authentication_token"].(string); tok == "" {
				t.Errorf("no pending_authentication_token in %s", res.body)
			}
		})
	})
}

var tracePrefix = regexp.MustCompile(`\[[A-Z2-7]+\] `)

// withoutTrace drops the per-request trace IDs from a body.
func withoutTrace(body []byte) []byte { return tracePrefix.ReplaceAll(body, nil) }
