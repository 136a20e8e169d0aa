package authenticate_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/latchkeyhq/latchkey/internal/authenticate"
	"github.com/latchkeyhq/latchkey/internal/openapitest"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/token"
)

// params is a request body, sent as JSON or as a form.
type params map[string]string

// encoding is how a body is sent.
type encoding string

const (
	asJSON encoding = "json"
	asForm encoding = "form"
)

var encodings = []encoding{asJSON, asForm}

// authRequest builds POST /user_management/authenticate.
func authRequest(t testing.TB, enc encoding, p params) *http.Request {
	t.Helper()
	var body, ct string
	switch enc {
	case asJSON:
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		body, ct = string(b), "application/json"
	case asForm:
		v := url.Values{}
		for k, x := range p {
			v.Set(k, x)
		}
		body, ct = v.Encode(), "application/x-www-form-urlencoded"
	}
	return rawRequest(http.MethodPost, authenticate.Path, ct, body)
}

func rawRequest(method, target, contentType, body string) *http.Request {
	r := httptest.NewRequest(method, "http://latchkey.test"+target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// result is an answer, body read.
type result struct {
	req    *http.Request
	status int
	header http.Header
	body   []byte
}

// serve answers r without checking the answer against the document.
func (e *env) serve(r *http.Request) *result {
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, r)
	resp := rec.Result()
	body, _ := io.ReadAll(resp.Body)
	return &result{req: r, status: resp.StatusCode, header: resp.Header, body: body}
}

// do answers r and fails t when the answer does not match the OpenAPI
// document.
func (e *env) do(t testing.TB, r *http.Request) *result {
	t.Helper()
	res := e.serve(r)
	res.validate(t)
	return res
}

func (res *result) validate(t testing.TB) {
	t.Helper()
	openapitest.ValidateResponse(t, res.req, &http.Response{StatusCode: res.status, Header: res.header}, res.body)
}

// authenticate posts p and checks the answer against the document.
func (e *env) authenticate(t testing.TB, enc encoding, p params) *result {
	t.Helper()
	return e.do(t, authRequest(t, enc, p))
}

// object decodes a JSON body.
func (res *result) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(res.body, &m); err != nil {
		t.Fatalf("status %d, body is not a JSON object: %v\n%s", res.status, err, res.body)
	}
	return m
}

// errorCode is the OAuth "error" or the WorkOS "code" of an error body.
func (res *result) errorCode(t testing.TB) string {
	t.Helper()
	m := res.object(t)
	if c, ok := m["error"].(string); ok {
		return c
	}
	c, _ := m["code"].(string)
	return c
}

// wantError fails t unless res is the error with that status and code.
func (res *result) wantError(t testing.TB, status int, code string) {
	t.Helper()
	if res.status != status || res.errorCode(t) != code {
		t.Fatalf("got %d %s, want %d %s", res.status, res.body, status, code)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on an error, want no-store", cc)
	}
}

// tokens is a successful authenticate answer.
type tokens struct {
	User           map[string]any  `json:"user"`
	OrganizationID *string         `json:"organization_id"`
	AccessToken    string          `json:"access_token"`
	RefreshToken   string          `json:"refresh_token"`
	Method         string          `json:"authentication_method"`
	OAuthTokens    json.RawMessage `json:"oauth_tokens"`
}

// wantTokens fails t unless res is a successful answer, and decodes it.
func (res *result) wantTokens(t testing.TB) tokens {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("got %d %s, want 200", res.status, res.body)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on tokens, want no-store (RFC 6749 §5.1)", cc)
	}
	var tk tokens
	if err := json.Unmarshal(res.body, &tk); err != nil {
		t.Fatalf("body: %v\n%s", err, res.body)
	}
	if tk.AccessToken == "" || tk.RefreshToken == "" {
		t.Fatalf("access or refresh token missing: %s", res.body)
	}
	return tk
}

// claims are an access token's claims as the JSON carries them.
type claims struct {
	Issuer       string    `json:"iss"`
	Subject      string    `json:"sub"`
	SessionID    string    `json:"sid"`
	OrgID        *string   `json:"org_id"`
	Role         *string   `json:"role"`
	Roles        *[]string `json:"roles"`
	Permissions  *[]string `json:"permissions"`
	Entitlements *[]string `json:"entitlements"`
	FeatureFlags *[]string `json:"feature_flags"`
	ID           string    `json:"jti"`
	IssuedAt     *int64    `json:"iat"`
	Expiry       *int64    `json:"exp"`
}

// verify checks an access token the way an SDK does: against the key set
// that GET /sso/jwks/{client_id} serves, and nothing else.
func (e *env) verify(t testing.TB, clientID, tok string) claims {
	t.Helper()
	res := e.do(t, rawRequest(http.MethodGet, "/sso/jwks/"+clientID, "", ""))
	if res.status != http.StatusOK {
		t.Fatalf("JWKS: %d %s", res.status, res.body)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(res.body, &set); err != nil {
		t.Fatalf("JWKS does not parse: %v", err)
	}
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("access token is no RS256 JWT: %v", err)
	}
	keys := set.Key(parsed.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("the JWKS has %d keys with the token's kid %q", len(keys), parsed.Headers[0].KeyID)
	}
	var c claims
	if err := parsed.Claims(keys[0].Key, &c); err != nil {
		t.Fatalf("access token does not verify against the JWKS: %v", err)
	}
	return c
}

// want is what a successful answer must say.
type want struct {
	user   store.User
	client string
	org    string // "" for none
	role   string // "" for none
	method string
	// oauth is the upstream's tokens as oauth_tokens must carry them;
	// "" when the answer must have none.
	oauth string
}

// checkTokens checks a successful answer in full: the user object, the
// organization, the method, and the access token against the JWKS. It
// returns the access token's claims.
func (e *env) checkTokens(t testing.TB, tk tokens, w want) claims {
	t.Helper()
	u := tk.User
	wantUser := map[string]any{"object": "user", "id": w.user.ID, "email": w.user.Email,
		"email_verified": w.user.EmailVerified, "created_at": w.user.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		"updated_at": w.user.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z")}
	if w.user.FirstName != "" {
		wantUser["first_name"] = w.user.FirstName
	}
	for k, v := range wantUser {
		if u[k] != v {
			t.Errorf("user.%s = %#v, want %#v", k, u[k], v)
		}
	}
	switch {
	case w.org == "" && tk.OrganizationID != nil:
		t.Errorf("organization_id %q, want none", *tk.OrganizationID)
	case w.org != "" && (tk.OrganizationID == nil || *tk.OrganizationID != w.org):
		t.Errorf("organization_id %v, want %s", tk.OrganizationID, w.org)
	}
	if tk.Method != w.method {
		t.Errorf("authentication_method %q, want %q", tk.Method, w.method)
	}
	switch {
	case w.oauth == "" && tk.OAuthTokens != nil:
		t.Errorf("oauth_tokens %s, want none", tk.OAuthTokens)
	case w.oauth != "":
		var got, exp any
		_ = json.Unmarshal(tk.OAuthTokens, &got)
		_ = json.Unmarshal([]byte(w.oauth), &exp)
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("oauth_tokens %s, want %s", tk.OAuthTokens, w.oauth)
		}
	}

	c := e.verify(t, w.client, tk.AccessToken)
	now := e.clock.Now().Unix()
	switch {
	case c.Issuer != publicURL:
		t.Errorf("iss %q, want %q", c.Issuer, publicURL)
	case c.Subject != w.user.ID:
		t.Errorf("sub %q, want %q", c.Subject, w.user.ID)
	case c.ID == "":
		t.Error("no jti")
	case c.IssuedAt == nil || *c.IssuedAt != now:
		t.Errorf("iat %v, want %d", c.IssuedAt, now)
	case c.Expiry == nil || *c.Expiry != now+int64(token.DefaultAccessTokenTTL/time.Second):
		t.Errorf("exp %v, want iat + %v", c.Expiry, token.DefaultAccessTokenTTL)
	case c.Permissions == nil || c.Roles == nil || c.Entitlements == nil || c.FeatureFlags == nil:
		t.Errorf("permissions, roles, entitlements and feature_flags must be arrays: %+v", c)
	}
	switch {
	case w.org == "" && c.OrgID != nil:
		t.Errorf("org_id %q, want none", *c.OrgID)
	case w.org != "" && (c.OrgID == nil || *c.OrgID != w.org):
		t.Errorf("org_id %v, want %s", c.OrgID, w.org)
	}
	switch {
	case w.role == "" && c.Role != nil:
		t.Errorf("role %q, want none", *c.Role)
	case w.role != "" && (c.Role == nil || *c.Role != w.role):
		t.Errorf("role %v, want %s", c.Role, w.role)
	}
	sess, err := e.st.GetSession(e.ctx, c.SessionID)
	if err != nil {
		t.Fatalf("sid %q names no session: %v", c.SessionID, err)
	}
	if sess.UserID != w.user.ID || sess.ApplicationID != w.client || !sess.RevokedAt.IsZero() {
		t.Errorf("session %+v: want a live session of %s at %s", sess, w.user.ID, w.client)
	}
	return c
}

// session returns a stored session.
func (e *env) session(t testing.TB, sid string) store.Session {
	t.Helper()
	s, err := e.st.GetSession(e.ctx, sid)
	if err != nil {
		t.Fatalf("GetSession(%s): %v", sid, err)
	}
	return s
}

// signIn exchanges a fresh SSO code of user at app with the app's secret
// and returns the answer and the session ID.
func (e *env) signIn(t testing.TB) (tokens, string) {
	t.Helper()
	code := e.issueCode(t, e.ssoGrant())
	tk := e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
		"client_secret": e.secret, "code": code}).wantTokens(t)
	return tk, e.verify(t, e.app.ID, tk.AccessToken).SessionID
}

// refresh uses a refresh token at app.
func (e *env) refresh(t testing.TB, rt string, extra params) *result {
	t.Helper()
	p := params{"grant_type": "refresh_token", "client_id": e.app.ID, "refresh_token": rt}
	for k, v := range extra {
		p[k] = v
	}
	return e.authenticate(t, asJSON, p)
}
