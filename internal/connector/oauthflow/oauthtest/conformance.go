package oauthtest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/connector"
)

// CallbackURL is Latchkey's callback in the requests the suite makes.
const CallbackURL = "https://latchkey.example.test/sso/callback"

// Setup is what RunConformance needs of a provider connector.
type Setup struct {
	Kind Kind
	// User signs in successfully, with a verified email.
	User User
	// New starts a stand-in whose user is u and returns it with a
	// connector configured against it, returning the provider's tokens
	// when returnTokens is set.
	New func(t *testing.T, u User, returnTokens bool) (*Server, connector.CallbackConnector)
}

// idTokens reports whether the provider issues ID tokens.
func (s Setup) idTokens() bool { return s.Kind == Google || s.Kind == Microsoft || s.Kind == Apple }

// userAPI reports whether the provider's profile comes from an API call.
func (s Setup) userAPI() bool { return s.Kind == GitHub || s.Kind == GitLab }

// NewRequest returns a sign-in attempt as Latchkey's authorize step
// would make it.
func NewRequest() connector.Request {
	return connector.Request{CallbackURL: CallbackURL, State: "state-" + random(), Nonce: "nonce-" + random(),
		CodeVerifier: random() + random() + "-verifier"}
}

// S256 is the RFC 7636 §4.2 challenge of a verifier.
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// SignIn runs req through LoginURL, the stand-in and HandleCallback.
func SignIn(t *testing.T, c connector.CallbackConnector, req connector.Request) (connector.Identity, error) {
	t.Helper()
	u, err := c.LoginURL(req)
	if err != nil {
		t.Fatal(err)
	}
	return c.HandleCallback(context.Background(), req, Callback(t, u))
}

// RunConformance checks what every provider connector must do against
// its stand-in: the authorization request, the token request, the
// oauth_tokens, and that every refusal or garbage answer is an error
// (an *connector.UpstreamError for the provider's own refusals).
func RunConformance(t *testing.T, s Setup) {
	t.Run("sign in", func(t *testing.T) { testSignIn(t, s) })
	t.Run("oauth tokens", func(t *testing.T) { testTokens(t, s) })
	t.Run("failures", func(t *testing.T) { testFailures(t, s) })
}

func testSignIn(t *testing.T, s Setup) {
	srv, c := s.New(t, s.User, false)
	req := NewRequest()
	id, err := SignIn(t, c, req)
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != s.User.Subject || id.Email != s.User.Email || !id.EmailVerified || id.OAuthTokens != nil {
		t.Errorf("identity %+v, want subject %q, email %q verified, no oauth tokens", id, s.User.Subject, s.User.Email)
	}

	az := srv.Authorizations()
	if len(az) != 1 {
		t.Fatalf("%d authorization requests, want 1", len(az))
	}
	q := az[0]
	want := map[string]string{"client_id": srv.ClientID, "redirect_uri": CallbackURL, "response_type": "code",
		"state": req.State, "code_challenge": S256(req.CodeVerifier), "code_challenge_method": "S256"}
	if s.idTokens() {
		want["nonce"] = req.Nonce
	}
	for k, v := range want {
		if got := q[k]; len(got) != 1 || got[0] != v {
			t.Errorf("authorization request %s = %q, want %q", k, got, v)
		}
	}
	if q.Get("scope") == "" {
		t.Error("authorization request has no scope")
	}

	trs := srv.TokenRequests()
	if len(trs) != 1 {
		t.Fatalf("%d token requests, want 1", len(trs))
	}
	tr := trs[0]
	if tr.Method != http.MethodPost || tr.ContentType != "application/x-www-form-urlencoded" || tr.Authorization != "" {
		t.Errorf("token request %s %q Authorization=%q, want a form POST with the client in the body (client_secret_post)", tr.Method, tr.ContentType, tr.Authorization)
	}
	fields := slices.Sorted(maps.Keys(tr.Form))
	wantFields := []string{"client_id", "client_secret", "code", "code_verifier", "grant_type", "redirect_uri"}
	if !slices.Equal(fields, wantFields) {
		t.Errorf("token request fields %q, want %q", fields, wantFields)
	}
	if tr.Form.Get("code_verifier") != req.CodeVerifier || tr.Form.Get("redirect_uri") != CallbackURL ||
		tr.Form.Get("grant_type") != "authorization_code" || tr.Form.Get("client_id") != srv.ClientID {
		t.Errorf("token request form %v", tr.Form)
	}
	if s.Kind != Apple && tr.Form.Get("client_secret") != srv.ClientSecret {
		t.Errorf("token request client_secret %q, want the configured secret", tr.Form.Get("client_secret"))
	}
	if s.userAPI() {
		for _, a := range srv.APIAuthorizations() {
			if !strings.HasPrefix(a, "Bearer at-") {
				t.Errorf("user API called with Authorization %q, want the access token as a bearer token", a)
			}
		}
	}
}

func testTokens(t *testing.T, s Setup) {
	_, c := s.New(t, s.User, true)
	req := NewRequest()
	req.ExtraScopes = nil
	before := time.Now()
	id, err := SignIn(t, c, req)
	if err != nil {
		t.Fatal(err)
	}
	tok := id.OAuthTokens
	if tok == nil {
		t.Fatal("no oauth tokens although the connection returns them")
	}
	if tok.Provider != string(s.Kind) || !strings.HasPrefix(tok.AccessToken, "at-") || len(tok.Scopes) == 0 {
		t.Errorf("oauth tokens %+v, want provider %s, the stand-in's access token and scopes", tok, s.Kind)
	}
	if s.Kind != GitHub { // GitHub OAuth app tokens do not expire
		lo, hi := before.Add(ExpiresIn()).Unix()-1, time.Now().Add(ExpiresIn()).Unix()+1
		if tok.ExpiresAt < lo || tok.ExpiresAt > hi {
			t.Errorf("expires_at %d, want about %d", tok.ExpiresAt, lo)
		}
	}
}

// failure is one way a sign-in can go wrong.
type failure struct {
	name     string
	fault    Fault
	applies  func(Setup) bool
	request  func(*connector.Request) // changes the attempt after LoginURL
	callback func(url.Values)         // changes the provider's answer
	twice    bool                     // handle the same callback twice
	upstream string                   // want an *UpstreamError with this code
	contains string                   // or an error containing this
}

func failures() []failure {
	all := func(Setup) bool { return true }
	ids := Setup.idTokens
	api := Setup.userAPI
	return []failure{
		{name: "user denies", fault: Deny, applies: all, upstream: "access_denied"},
		{name: "token endpoint refuses", fault: TokenError, applies: all, upstream: "*"},
		{name: "token endpoint answers 502 HTML", fault: TokenGarbage, applies: all, contains: "502"},
		{name: "token endpoint answers 200 HTML", fault: TokenNotJSON, applies: all, contains: "token request"},
		{name: "wrong state", applies: all, callback: func(q url.Values) { q.Set("state", "forged") }, contains: "state does not match"},
		{name: "no code", applies: all, callback: func(q url.Values) { q.Del("code") }, contains: "no code"},
		{name: "wrong PKCE verifier", applies: all, request: func(r *connector.Request) { r.CodeVerifier += "x" }, upstream: "*"},
		{name: "replayed code", applies: all, twice: true, upstream: "*"},
		{name: "ID token signed with another key", fault: BadSignature, applies: ids, contains: "signature"},
		{name: "ID token for another client", fault: WrongAudience, applies: ids, contains: "audience"},
		{name: "ID token from another issuer", fault: WrongIssuer, applies: ids, contains: "issuer"},
		{name: "ID token expired", fault: Expired, applies: ids, contains: "expired"},
		{name: "wrong nonce", applies: ids, request: func(r *connector.Request) { r.Nonce = "another" }, contains: "nonce"},
		{name: "user API answers HTML", fault: APIGarbage, applies: api, contains: "not JSON"},
		{name: "user API fails", fault: APIError, applies: api, contains: "500"},
	}
}

func testFailures(t *testing.T, s Setup) {
	for _, f := range failures() {
		if !f.applies(s) {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			srv, c := s.New(t, s.User, true)
			srv.SetFault(f.fault)
			req := NewRequest()
			u, err := c.LoginURL(req)
			if err != nil {
				t.Fatal(err)
			}
			cb := Callback(t, u)
			if f.callback != nil {
				cb = changeAnswer(t, cb, f.callback)
			}
			if f.request != nil {
				f.request(&req)
			}
			id, err := c.HandleCallback(context.Background(), req, cb)
			if f.twice {
				if err != nil {
					t.Fatalf("first use: %v", err)
				}
				id, err = c.HandleCallback(context.Background(), req, cb)
			}
			if err == nil {
				t.Fatalf("signed in %+v, want an error", id)
			}
			t.Logf("error: %v", err)
			var up *connector.UpstreamError
			switch {
			case f.upstream != "" && (!errors.As(err, &up) || (f.upstream != "*" && up.Code != f.upstream)):
				t.Errorf("error %v, want an upstream error %s", err, f.upstream)
			case f.upstream == "" && errors.As(err, &up):
				t.Errorf("error %v is an upstream refusal, want a verification failure", err)
			case f.contains != "" && !strings.Contains(err.Error(), f.contains):
				t.Errorf("error %q does not say %q", err, f.contains)
			}
			for _, secret := range []string{req.CodeVerifier, "at-", "rt-"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q carries a secret", err)
				}
			}
		})
	}
}

// changeAnswer rewrites the provider's answer in a callback request,
// wherever it is (query or form body).
func changeAnswer(t *testing.T, r *http.Request, change func(url.Values)) *http.Request {
	t.Helper()
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		change(q)
		u := *r.URL
		u.RawQuery = q.Encode()
		out := r.Clone(context.Background())
		out.URL = &u
		return out
	}
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	f := r.PostForm
	change(f)
	out, err := http.NewRequest(http.MethodPost, r.URL.String(), strings.NewReader(f.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	out.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return out
}
