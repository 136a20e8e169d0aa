package authenticate_test

import (
	"strings"
	"testing"
)

// TestLogsHoldNoSecrets runs every grant, successful and failed, and checks
// that no secret the requests or answers carried reached the logs.
func TestLogsHoldNoSecrets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		g := e.ssoGrant()
		g.CodeChallenge = challenge(verifier)
		code := e.issueCode(t, g)
		secrets := []string{e.secret, e.otherSecret, code, verifier, userPassword, userPassword + "!"}

		first := e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
			"code": code, "code_verifier": verifier}).wantTokens(t)
		e.authenticate(t, asForm, params{"grant_type": "authorization_code", "client_id": e.app.ID,
			"code": code, "code_verifier": verifier, "client_secret": e.secret}) // replay
		second, _ := e.signIn(t)
		third := e.refresh(t, second.RefreshToken, nil).wantTokens(t)
		e.refresh(t, second.RefreshToken, nil) // reuse
		e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
			"client_secret": e.otherSecret, "code": "x"})
		pw := e.authenticate(t, asJSON, params{"grant_type": "password", "client_id": e.app.ID, "client_secret": e.secret,
			"email": e.user.Email, "password": userPassword}).wantTokens(t)
		e.authenticate(t, asJSON, params{"grant_type": "password", "client_id": e.app.ID, "client_secret": e.secret,
			"email": e.user.Email, "password": userPassword + "!"})
		for _, tk := range []tokens{first, second, third, pw} {
			secrets = append(secrets, tk.AccessToken, tk.RefreshToken)
		}

		logs := e.logs.String()
		if !strings.Contains(logs, "authenticate failed") {
			t.Fatalf("the failures were not logged:\n%s", logs)
		}
		for _, s := range secrets {
			if strings.Contains(logs, s) {
				t.Errorf("a secret (%.12s…) is in the logs", s)
			}
		}
	})
}
