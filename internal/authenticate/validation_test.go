package authenticate_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/openapitest"
)

// TestValidationIsLive proves that the harness's check against the
// OpenAPI document bites on real answers: the same answer with one field
// broken is rejected. Without it, a validator that matched no operation
// or skipped bodies would let every test above pass.
func TestValidationIsLive(t *testing.T) {
	e := newEnv(t, backends[0].open(t))
	tk := e.serve(authRequest(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
		"client_secret": e.secret, "code": e.issueCode(t, e.ssoGrant())}))
	bad := e.serve(authRequest(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
		"client_secret": e.secret, "code": "unknown"}))
	jwks := e.serve(rawRequest(http.MethodGet, "/sso/jwks/"+e.app.ID, "", ""))
	cases := []struct {
		name     string
		res      *result
		old, new string
	}{
		{"tokens without user id", tk, `"id":"user_`, `"uid":"user_`},
		{"tokens with a wrong object", tk, `"object":"user"`, `"object":"person"`},
		{"error outside the catalogue", bad, `"error":"invalid_grant"`, `"error":"unsupported_grant_type"`},
		{"JWKS key of another algorithm", jwks, `"alg":"RS256"`, `"alg":"RS512"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := openapitest.Validate(c.res.req, &http.Response{StatusCode: c.res.status, Header: c.res.header}, c.res.body); err != nil {
				t.Fatalf("the real answer does not validate: %v", err)
			}
			broken := bytes.Replace(c.res.body, []byte(c.old), []byte(c.new), 1)
			if bytes.Equal(broken, c.res.body) {
				t.Fatalf("%s is not in %s", c.old, c.res.body)
			}
			if err := openapitest.Validate(c.res.req, &http.Response{StatusCode: c.res.status, Header: c.res.header}, broken); err == nil {
				t.Fatalf("a broken answer validated: %s", broken)
			}
		})
	}
}
