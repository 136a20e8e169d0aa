package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/latchkeyhq/latchkey/usermanagement"
)

const (
	testClientID = "client_01JABCDEFGHJKMNPQRSTVWXYZ0"
	testAPIKey   = "sk_test_example_key"
	testSID      = "session_01H93ZY4F80QPBEZ1R5B2SHQG8"
	goodCode     = "code_good"
)

// fakeLatchkey answers the code exchange like Latchkey: it accepts goodCode
// with the right secret and the verifier of the challenge it was given.
type fakeLatchkey struct {
	*httptest.Server
	t *testing.T

	mu        sync.Mutex
	challenge string // from the authorization URL, set by the test
	calls     int
}

func newFakeLatchkey(t *testing.T) *fakeLatchkey {
	f := &fakeLatchkey{t: t}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /user_management/authenticate", f.authenticate)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLatchkey) authenticate(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls++
	challenge := f.challenge
	f.mu.Unlock()
	var body map[string]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if body["grant_type"] != "authorization_code" || body["client_id"] != testClientID ||
		body["client_secret"] != testAPIKey || body["code"] != goodCode ||
		usermanagement.CodeChallengeS256(body["code_verifier"]) != challenge || body["user_agent"] == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"invalid_grant","error_description":"trace=t1: the code is invalid"}`)
		return
	}
	claims, _ := json.Marshal(map[string]any{"sid": testSID, "sub": "user_1", "org_id": "org_1", "exp": 1767225600, "role": "<admin>"})
	token := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"
	_ = json.NewEncoder(w).Encode(map[string]any{
		"user": map[string]any{
			"object": "user", "id": "user_1", "email": "alice@acme.test", "email_verified": true,
			"first_name": "<script>alert(1)</script>", "last_name": "Liddell", "profile_picture_url": nil,
			"created_at": "2026-01-15T12:00:00.000Z", "updated_at": "2026-01-15T12:00:00.000Z",
		},
		"organization_id": "org_1", "access_token": token, "refresh_token": "rt_1", "authentication_method": "SSO",
	})
}

func (f *fakeLatchkey) setChallenge(c string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.challenge = c
}

func (f *fakeLatchkey) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func testConfig(latchkey string) config {
	return config{
		Latchkey: latchkey, ClientID: testClientID, APIKey: testAPIKey, Listen: "127.0.0.1:3000",
		RedirectURI: "http://localhost:3000/callback", ReturnTo: "http://localhost:3000/", Provider: "authkit",
	}
}

func newTestApp(t *testing.T, cfg config) http.Handler {
	t.Helper()
	a, err := newApp(cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a.routes()
}

// do sends one request to the app as a browser at localhost:3000 would.
func do(t *testing.T, h http.Handler, method, target string, cookies ...*http.Cookie) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, "http://localhost:3000"+target, nil)
	req.Header.Set("User-Agent", "test-browser")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func cookieNamed(t *testing.T, resp *http.Response, name string) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == name && c.MaxAge >= 0 {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, resp.Header["Set-Cookie"])
	return nil
}

func bodyOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// login runs /login and returns the authorization URL's query and the state
// cookie.
func login(t *testing.T, h http.Handler, lk *fakeLatchkey) (url.Values, *http.Cookie) {
	t.Helper()
	resp := do(t, h, http.MethodGet, "/login")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /login = %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != lk.URL+"/user_management/authorize" {
		t.Fatalf("redirected to %s", loc)
	}
	state := cookieNamed(t, resp, stateCookie)
	if !state.HttpOnly || state.SameSite != http.SameSiteLaxMode {
		t.Errorf("state cookie is not HttpOnly and SameSite=Lax: %v", state)
	}
	return loc.Query(), state
}

func TestLoginRedirect(t *testing.T) {
	lk := newFakeLatchkey(t)
	cases := map[string]struct {
		cfg  func(*config)
		want map[string]string
	}{
		"authkit":      {func(*config) {}, map[string]string{"provider": "authkit"}},
		"organization": {func(c *config) { c.Provider, c.OrganizationID = "", "org_1" }, map[string]string{"organization_id": "org_1"}},
		"connection":   {func(c *config) { c.Provider, c.ConnectionID = "", "conn_1" }, map[string]string{"connection_id": "conn_1"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(lk.URL)
			tc.cfg(&cfg)
			q, state := login(t, newTestApp(t, cfg), lk)
			want := map[string]string{
				"response_type": "code", "client_id": testClientID, "redirect_uri": "http://localhost:3000/callback",
				"code_challenge_method": "S256", "state": state.Value,
			}
			for k, v := range tc.want {
				want[k] = v
			}
			for k, v := range want {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			for _, k := range []string{"provider", "organization_id", "connection_id"} {
				if _, ok := tc.want[k]; !ok && q.Has(k) {
					t.Errorf("unexpected %s=%q", k, q.Get(k))
				}
			}
			if len(q.Get("code_challenge")) != 43 || len(state.Value) < 43 {
				t.Errorf("challenge %q / state %q too short", q.Get("code_challenge"), state.Value)
			}
		})
	}
}

func TestLoginMovesToRedirectHost(t *testing.T) {
	h := newTestApp(t, testConfig("http://127.0.0.1:8080"))
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/login", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "http://localhost:3000/login" {
		t.Fatalf("GET 127.0.0.1:3000/login = %d %s, want 302 to http://localhost:3000/login", rec.Code, rec.Header().Get("Location"))
	}
}

func TestCallbackRejectsStateMismatch(t *testing.T) {
	lk := newFakeLatchkey(t)
	h := newTestApp(t, testConfig(lk.URL))
	q, state := login(t, h, lk)
	lk.setChallenge(q.Get("code_challenge"))
	other := &http.Cookie{Name: stateCookie, Value: "another-browser"}
	cases := map[string]struct {
		target  string
		cookies []*http.Cookie
	}{
		"no cookie":      {"/callback?code=" + goodCode + "&state=" + url.QueryEscape(state.Value), nil},
		"other cookie":   {"/callback?code=" + goodCode + "&state=" + url.QueryEscape(state.Value), []*http.Cookie{other}},
		"no state":       {"/callback?code=" + goodCode, []*http.Cookie{state}},
		"state mismatch": {"/callback?code=" + goodCode + "&state=forged", []*http.Cookie{state}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resp := do(t, h, http.MethodGet, tc.target, tc.cookies...)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400", resp.StatusCode)
			}
			if !strings.Contains(bodyOf(t, resp), "did not start in this browser") {
				t.Error("the page does not explain the state mismatch")
			}
		})
	}
	if n := lk.callCount(); n != 0 {
		t.Fatalf("Latchkey was called %d times for mismatched states", n)
	}
}

func TestSignInAndOut(t *testing.T) {
	lk := newFakeLatchkey(t)
	h := newTestApp(t, testConfig(lk.URL))
	q, state := login(t, h, lk)
	lk.setChallenge(q.Get("code_challenge"))

	callback := "/callback?code=" + goodCode + "&state=" + url.QueryEscape(q.Get("state"))
	resp := do(t, h, http.MethodGet, callback, state)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("callback = %d to %q, want 303 to /: %s", resp.StatusCode, resp.Header.Get("Location"), bodyOf(t, resp))
	}
	sess := cookieNamed(t, resp, sessionCookie)
	if !sess.HttpOnly {
		t.Error("session cookie is not HttpOnly")
	}

	home := bodyOf(t, do(t, h, http.MethodGet, "/", sess))
	for _, want := range []string{"alice@acme.test", "Liddell", "org_1", "SSO", testSID, "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;admin&gt;", "2026-01-01T00:00:00Z"} {
		if !strings.Contains(home, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if strings.Contains(home, "<script>") {
		t.Error("home page renders the user's name unescaped")
	}

	if resp := do(t, h, http.MethodGet, callback, state); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback = %d, want 400", resp.StatusCode)
	}

	resp = do(t, h, http.MethodPost, "/logout", sess)
	want := lk.URL + "/user_management/sessions/logout?session_id=" + testSID + "&return_to=" + url.QueryEscape("http://localhost:3000/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("logout = %d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if home := bodyOf(t, do(t, h, http.MethodGet, "/", sess)); !strings.Contains(home, `href="/login"`) {
		t.Error("still signed in after logout")
	}
}

func TestCallbackErrors(t *testing.T) {
	lk := newFakeLatchkey(t)
	h := newTestApp(t, testConfig(lk.URL))
	cases := map[string]struct {
		query  string
		status int
		want   string
	}{
		"error from Latchkey": {"error=access_denied&error_description=" + url.QueryEscape("<b>denied</b>"), http.StatusBadRequest, "&lt;b&gt;denied&lt;/b&gt;"},
		"bad code":            {"code=code_bad", http.StatusBadGateway, "invalid_grant: trace=t1: the code is invalid"},
		"no code":             {"", http.StatusBadRequest, "has no code"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			q, state := login(t, h, lk)
			lk.setChallenge(q.Get("code_challenge"))
			resp := do(t, h, http.MethodGet, "/callback?state="+url.QueryEscape(state.Value)+"&"+tc.query, state)
			body := bodyOf(t, resp)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("status %d, want %d with %q in:\n%s", resp.StatusCode, tc.status, tc.want, body)
			}
		})
	}
}

func TestLogoutRefusesCrossOrigin(t *testing.T) {
	h := newTestApp(t, testConfig("http://127.0.0.1:8080"))
	req := httptest.NewRequest(http.MethodPost, "http://localhost:3000/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST /logout = %d, want 403", rec.Code)
	}
}

func TestParseConfig(t *testing.T) {
	env := func(k string) string { return map[string]string{"LATCHKEY_API_KEY": "sk_env"}[k] }
	cases := map[string]struct {
		args []string
		want func(config) bool
	}{
		"defaults": {[]string{"--client-id", "c"}, func(c config) bool {
			return c.Latchkey == "http://127.0.0.1:8080" && c.Listen == "127.0.0.1:3000" && c.APIKey == "sk_env" &&
				c.Provider == "authkit" && c.RedirectURI == "http://localhost:3000/callback"
		}},
		"flag beats env": {[]string{"--client-id", "c", "--api-key", "sk_flag"}, func(c config) bool { return c.APIKey == "sk_flag" }},
		"organization": {[]string{"--client-id", "c", "--organization-id", "org_1"}, func(c config) bool {
			return c.Provider == "" && c.OrganizationID == "org_1"
		}},
		"authkit with organization": {[]string{"--client-id", "c", "--organization-id", "org_1", "--provider", "authkit"}, func(c config) bool {
			return c.Provider == "authkit" && c.OrganizationID == "org_1"
		}},
		"connection": {[]string{"--client-id", "c", "--connection-id", "conn_1"}, func(c config) bool {
			return c.Provider == "" && c.ConnectionID == "conn_1"
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := parseConfig(tc.args, env, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(c) {
				t.Errorf("config = %+v", c)
			}
		})
	}
	if _, err := parseConfig(nil, env, io.Discard); err == nil {
		t.Error("no --client-id was accepted")
	}
	bad := testConfig("http://127.0.0.1:8080")
	bad.ConnectionID = "conn_1" // with provider authkit: two selectors
	if _, err := newApp(bad, nil, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("newApp accepted a connection together with a provider")
	}
}
