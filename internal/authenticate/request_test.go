package authenticate_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/authenticate"
	"github.com/latchkeyhq/latchkey/internal/oauth"
)

// TestRequestErrors checks the answers to malformed requests: each is an
// error of the document's catalogue for the path (400 invalid_request).
func TestRequestErrors(t *testing.T) {
	// A body over the 64 KiB the handler reads.
	big := strings.Repeat("x", 65<<10)
	cases := []struct {
		name        string
		contentType string
		body        func(e *env) string
		status      int
		err         string
	}{
		{"malformed JSON", "application/json",
			func(e *env) string { return `{"grant_type":"authorization_code","client_id":` },
			400, oauth.InvalidRequest},
		{"JSON of the wrong shape", "application/json",
			func(e *env) string { return `{"grant_type":"authorization_code","client_id":42,"code":"x"}` },
			400, oauth.InvalidRequest},
		{"JSON array", "application/json", func(e *env) string { return `[]` }, 400, oauth.InvalidRequest},
		{"empty JSON body", "application/json", func(e *env) string { return `` }, 400, oauth.InvalidRequest},
		{"empty form body", "application/x-www-form-urlencoded", func(e *env) string { return `` }, 400, oauth.InvalidRequest},
		{"wrong content type", "text/plain",
			func(e *env) string {
				return "grant_type=authorization_code&client_id=" + e.app.ID + "&client_secret=" + e.secret + "&code=x"
			}, 400, oauth.InvalidRequest},
		{"malformed form", "application/x-www-form-urlencoded",
			func(e *env) string { return "grant_type=%zz&client_id=" + e.app.ID }, 400, oauth.InvalidRequest},
		{"repeated form field", "application/x-www-form-urlencoded",
			func(e *env) string {
				return "grant_type=authorization_code&client_id=" + e.app.ID + "&client_id=" + e.otherApp.ID + "&code=x"
			}, 400, oauth.InvalidRequest},
		{"oversized JSON body", "application/json",
			func(e *env) string {
				return `{"grant_type":"authorization_code","client_id":"` + e.app.ID + `","code":"` + big + `"}`
			}, 400, oauth.InvalidRequest},
		{"oversized form body", "application/x-www-form-urlencoded",
			func(e *env) string { return "grant_type=authorization_code&client_id=" + e.app.ID + "&code=" + big },
			400, oauth.InvalidRequest},
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.do(t, rawRequest(http.MethodPost, authenticate.Path, c.contentType, c.body(e))).wantError(t, c.status, c.err)
			})
		}
	})
}

// TestMissingFields checks that every grant names what it lacks, as JSON
// and as a form.
func TestMissingFields(t *testing.T) {
	cases := []struct {
		name string
		p    func(e *env) params
		err  string
	}{
		{"client_id", func(e *env) params { return params{"grant_type": "authorization_code", "code": "x"} }, oauth.InvalidRequest},
		{"grant_type", func(e *env) params { return params{"client_id": e.app.ID, "code": "x"} }, oauth.InvalidRequest},
		{"code", func(e *env) params {
			return params{"grant_type": "authorization_code", "client_id": e.app.ID, "client_secret": e.secret}
		}, oauth.InvalidRequest},
		{"refresh_token", func(e *env) params { return params{"grant_type": "refresh_token", "client_id": e.app.ID} }, oauth.InvalidRequest},
		{"password", func(e *env) params {
			return params{"grant_type": "password", "client_id": e.app.ID, "client_secret": e.secret, "email": e.user.Email}
		}, oauth.InvalidRequest},
		{"email", func(e *env) params {
			return params{"grant_type": "password", "client_id": e.app.ID, "client_secret": e.secret, "password": userPassword}
		}, oauth.InvalidRequest},
		// The document's catalogue has no unsupported_grant_type; the
		// handler answers invalid_request, which the SDKs expect.
		{"a supported grant_type", func(e *env) params {
			return params{"grant_type": "client_credentials", "client_id": e.app.ID, "client_secret": e.secret}
		}, oauth.InvalidRequest},
		{"a supported grant_type (WorkOS magic auth)", func(e *env) params {
			return params{"grant_type": "urn:workos:oauth:grant-type:magic-auth:code", "client_id": e.app.ID,
				"client_secret": e.secret, "code": "123456", "email": e.user.Email}
		}, oauth.InvalidRequest},
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, enc := range encodings {
			for _, c := range cases {
				t.Run(string(enc)+"/"+c.name, func(t *testing.T) {
					res := e.authenticate(t, enc, c.p(e))
					res.wantError(t, http.StatusBadRequest, c.err)
				})
			}
		}
	})
}
