package openapitest

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A user object as the document's UserlandUser schema wants it.
const user = `{"object":"user","id":"user_01H","email":"a@example.com","email_verified":true,` +
	`"first_name":"Ada","last_name":null,"profile_picture_url":null,"external_id":null,"metadata":{},` +
	`"last_sign_in_at":null,"created_at":"2026-01-15T12:00:00.000Z","updated_at":"2026-01-15T12:00:00.000Z"}`

// TestValidate proves the validator tells conforming responses from
// others: a check that accepted everything would prove nothing.
func TestValidate(t *testing.T) {
	cases := []struct {
		name        string
		method      string
		path        string
		status      int
		contentType string
		header      http.Header
		body        string
		// want is "" for a conforming response, else a text that the
		// error must contain.
		want string
	}{
		{name: "authenticate ok", status: 200,
			body: `{"user":` + user + `,"organization_id":"org_1","access_token":"a","refresh_token":"r","authentication_method":"SSO"}`},
		{name: "authenticate ok without organization", status: 200,
			body: `{"user":` + user + `,"access_token":"a","refresh_token":"r"}`},
		{name: "missing refresh_token", status: 200,
			body: `{"user":` + user + `,"access_token":"a"}`, want: "refresh_token"},
		{name: "user misses a required nullable field", status: 200,
			body: `{"user":` + strings.Replace(user, `"external_id":null,`, "", 1) + `,"access_token":"a","refresh_token":"r"}`,
			want: "external_id"},
		{name: "wrong object const", status: 200,
			body: `{"user":` + strings.Replace(user, `"object":"user"`, `"object":"usr"`, 1) + `,"access_token":"a","refresh_token":"r"}`,
			want: "user"},
		{name: "authentication_method outside the enum", status: 200,
			body: `{"user":` + user + `,"access_token":"a","refresh_token":"r","authentication_method":"Magic"}`,
			want: "authentication_method"},
		{name: "created_at not a date-time", status: 200,
			body: `{"user":` + strings.Replace(user, `"created_at":"2026-01-15T12:00:00.000Z"`, `"created_at":"yesterday"`, 1) + `,"access_token":"a","refresh_token":"r"}`,
			want: "date-time"},
		{name: "null where a string is required", status: 200,
			body: `{"user":` + strings.Replace(user, `"email":"a@example.com"`, `"email":null`, 1) + `,"access_token":"a","refresh_token":"r"}`,
			want: "email"},
		{name: "invalid_grant", status: 400, body: `{"error":"invalid_grant","error_description":"Bad code."}`},
		{name: "invalid_client", status: 400, body: `{"error":"invalid_client","error_description":"Bad client."}`},
		{name: "invalid_credentials", status: 400, body: `{"code":"invalid_credentials","message":"Invalid credentials."}`},
		{name: "error outside the catalogue", status: 400,
			body: `{"error":"unsupported_grant_type","error_description":"x"}`, want: "invalid_grant"},
		{name: "misspelt error const", status: 400,
			body: `{"error":"invalid_grnt","error_description":"x"}`, want: "invalid_grant"},
		{name: "missing error_description", status: 400,
			body: `{"error":"invalid_grant"}`, want: "error_description"},
		{name: "403 email_verification_required", status: 403,
			body: `{"code":"email_verification_required","message":"Verify first.","email":"a@example.com"}`},
		{name: "403 code outside the catalogue", status: 403,
			body: `{"code":"invalid_credentials","message":"x"}`, want: "email_verification_required"},
		{name: "undeclared status", status: 413,
			body: `{"error":"invalid_request","error_description":"Too large."}`, want: "413"},
		{name: "HTML where JSON is declared", status: 400, contentType: "text/html; charset=utf-8",
			body: `<p>error</p>`, want: "text/html"},
		{name: "body not JSON", status: 400, body: `{"error":`, want: "decode"},
		{name: "jwks unknown client", method: "GET", path: "/sso/jwks/client_x", status: 404,
			body: `{"code":"entity_not_found","message":"Application not found."}`},
		{name: "jwks key without x5c", method: "GET", path: "/sso/jwks/client_x", status: 200,
			body: `{"keys":[{"alg":"RS256","kty":"RSA","use":"sig","n":"AQAB","e":"AQAB","kid":"k","x5t#S256":"t"}]}`, want: "x5c"},
		{name: "jwks key of the wrong algorithm", method: "GET", path: "/sso/jwks/client_x", status: 200,
			body: `{"keys":[{"alg":"ES256","kty":"RSA","use":"sig","x5c":["c"],"n":"AQAB","e":"AQAB","kid":"k","x5t#S256":"t"}]}`, want: "RS256"},
		{name: "logout redirect", method: "GET", path: "/user_management/sessions/logout", status: 302,
			header: http.Header{"Location": {"https://app.example.com/"}}},
		{name: "path not in the document", method: "GET", path: "/no/such/path", status: 200, body: `{}`, want: "not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, resp := exchange(c.method, c.path, c.status, c.contentType, c.header)
			err := Validate(req, resp, []byte(c.body))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("a conforming response was rejected:\n%v", err)
			case c.want != "" && err == nil:
				t.Fatalf("a response that breaks the document was accepted: %s", c.body)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Fatalf("the error does not mention %q:\n%v", c.want, err)
			}
			var e *Error
			if err != nil && (!errors.As(err, &e) || len(e.Findings) == 0) {
				t.Fatalf("error without findings: %v", err)
			}
		})
	}
}

// TestRepairedSchemas checks the operations whose schemas compile only
// after repair: their responses are checked, not failed wholesale.
func TestRepairedSchemas(t *testing.T) {
	const empty = `{"object":"list","data":[],"list_metadata":{"before":null,"after":null}}`
	for _, path := range []string{"/connections", "/directories", "/directory_groups", "/directory_users", "/organizations"} {
		t.Run(path, func(t *testing.T) {
			req, resp := exchange("GET", path, 200, "", nil)
			if err := Validate(req, resp, []byte(empty)); err != nil {
				t.Fatalf("a conforming list was rejected:\n%v", err)
			}
			if err := Validate(req, resp, []byte(`{"object":"list","data":[]}`)); err == nil || !strings.Contains(err.Error(), "list_metadata") {
				t.Fatalf("a list without list_metadata was not rejected for it: %v", err)
			}
		})
	}
}

func TestRepair(t *testing.T) {
	in := "a:\n  required:\n    - x\n    - 'y'\n    - x\n    - y\n  properties:\n    required:\n      type: boolean\n" +
		"  enum:\n    - x\n    - x\n  p:\n    required: true\nb:\n  required:\n  - z\n  - z\r\n  c: 1\n"
	want := "a:\n  required:\n    - x\n    - 'y'\n  properties:\n    required:\n      type: boolean\n" +
		"  enum:\n    - x\n    - x\n  p:\n    required: true\nb:\n  required:\n  - z\n  c: 1\n"
	if got := string(repair([]byte(in))); got != want {
		t.Fatalf("repair:\n%s\nwant:\n%s", got, want)
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

// TestValidateResponseFails proves the test helper fails the test, and
// leaves the caller's bodies readable.
func TestValidateResponseFails(t *testing.T) {
	rec := &recorder{TB: t}
	req, resp := exchange("", "", 400, "", nil)
	ValidateResponse(rec, req, resp, []byte(`{"error":"invalid_grnt","error_description":"x"}`))
	if len(rec.failed) != 1 || !strings.Contains(rec.failed[0], "invalid_grnt") {
		t.Fatalf("ValidateResponse did not fail the test once with the body: %q", rec.failed)
	}
	rec.failed = nil
	ValidateResponse(rec, req, resp, []byte(`{"error":"invalid_grant","error_description":"x"}`))
	if len(rec.failed) != 0 {
		t.Fatalf("ValidateResponse failed a conforming response: %q", rec.failed)
	}
}

func exchange(method, path string, status int, contentType string, header http.Header) (*http.Request, *http.Response) {
	if method == "" {
		method = http.MethodPost
	}
	if path == "" {
		path = "/user_management/authenticate"
	}
	req := httptest.NewRequest(method, "http://127.0.0.1"+path, nil)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if contentType == "" && status != http.StatusFound {
		contentType = "application/json"
	}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return req, &http.Response{StatusCode: status, Header: h, Request: req}
}
