// Package oauthtest runs in-process stand-ins for the OAuth providers
// Latchkey signs in with (Google, Microsoft, GitHub, Apple, GitLab), on
// loopback. Each serves its provider's documented endpoints at the
// provider's paths, auto-approves one configured user, checks what a real
// provider checks on the token request (client authentication, the code,
// redirect_uri, the PKCE verifier, Apple's client secret JWT), signs real
// ID tokens with a key it generates and serves its JWKS and discovery
// document. It records every authorization and token request for tests
// to assert on, and can be told to misbehave (Fault).
package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kind names a provider.
type Kind string

// The providers a stand-in can play; the values are Latchkey's
// connection types.
const (
	Google    Kind = "GoogleOAuth"
	Microsoft Kind = "MicrosoftOAuth"
	GitHub    Kind = "GitHubOAuth"
	Apple     Kind = "AppleOAuth"
	GitLab    Kind = "GitLabOAuth"
)

// Fault makes a stand-in misbehave in one way.
type Fault string

// The faults a stand-in can play.
const (
	None Fault = ""
	// Deny answers the authorization request with error=access_denied.
	Deny Fault = "deny"
	// TokenError refuses the code with an RFC 6749 §5.2 error (GitHub's
	// way: 200 with error fields).
	TokenError Fault = "token-error"
	// TokenGarbage answers the token request with a 502 HTML page.
	TokenGarbage Fault = "token-garbage"
	// TokenNotJSON answers the token request with 200 and an HTML page.
	TokenNotJSON Fault = "token-not-json"
	// BadSignature signs the ID token with a key the JWKS does not hold.
	BadSignature Fault = "bad-signature"
	// WrongAudience issues the ID token to another client.
	WrongAudience Fault = "wrong-audience"
	// WrongIssuer issues the ID token under another issuer.
	WrongIssuer Fault = "wrong-issuer"
	// Expired issues an ID token that expired an hour ago.
	Expired Fault = "expired"
	// APIGarbage answers the user API with 200 and an HTML page.
	APIGarbage Fault = "api-garbage"
	// APIError answers the user API with 500.
	APIError Fault = "api-error"
)

// User is who signs in at a stand-in.
type User struct {
	Subject       string // sub, or the numeric user ID of GitHub and GitLab
	Email         string
	EmailVerified bool
	GivenName     string
	FamilyName    string
	Name          string
	Picture       string
	Login         string // GitHub's login, GitLab's username
	// Emails is GitHub's /user/emails; nil means Email alone, primary,
	// verified as EmailVerified says.
	Emails []Email
	// TenantID is Microsoft's tid (default: a fixed work tenant).
	TenantID string
	// Claims are added to the ID token (Microsoft's xms_edov, …).
	Claims map[string]any
	// AppleName is sent in Apple's user form field when set; Apple sends
	// it on the first sign-in only.
	AppleName *[2]string
}

// Email is one entry of GitHub's /user/emails.
type Email struct {
	Email      string  `json:"email"`
	Primary    bool    `json:"primary"`
	Verified   bool    `json:"verified"`
	Visibility *string `json:"visibility"`
}

// TokenRequest is a request to the token endpoint as the stand-in saw it.
type TokenRequest struct {
	Method        string
	ContentType   string
	Authorization string // the header, "" when the client sent none
	Accept        string
	Form          url.Values // the body
}

// Server is a provider stand-in on loopback.
type Server struct {
	*httptest.Server
	Kind         Kind
	ClientID     string
	ClientSecret string // not for Apple, which checks AppleKey's signature
	// Apple's team, key ID and the public half of the key the client
	// secret is signed with.
	Apple *AppleTeam
	// TenantPath is Microsoft's tenant segment (default common).
	TenantPath string

	keys keys
	mu   sync.Mutex
	user User
	// fault is the current misbehaviour.
	fault          Fault
	codes          map[string]grant
	authorizations []url.Values
	tokenRequests  []TokenRequest
	apiAuth        []string
}

// grant is what a code was issued for.
type grant struct {
	clientID, redirectURI, challenge, nonce, scope string
	offline                                        bool
	user                                           User
}

// newServer starts a stand-in whose handler routes is given the server
// itself, so it can build absolute URLs.
func newServer(t testing.TB, kind Kind, clientID, secret string, user User, routes func(*Server, *http.ServeMux)) *Server {
	t.Helper()
	s := &Server{Kind: kind, ClientID: clientID, ClientSecret: secret, user: user, codes: map[string]grant{}, keys: newKeys(t)}
	mux := http.NewServeMux()
	s.Server = httptest.NewUnstartedServer(mux)
	routes(s, mux)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// SetUser changes who signs in next.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = u
}

// SetFault makes the stand-in misbehave (None to stop).
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

func (s *Server) currentFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

// Authorizations returns the query of every authorization request so far.
func (s *Server) Authorizations() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.authorizations)
}

// TokenRequests returns every token request so far.
func (s *Server) TokenRequests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tokenRequests)
}

// APIAuthorizations returns the Authorization header of every user API
// call so far.
func (s *Server) APIAuthorizations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.apiAuth)
}

// authorize serves the authorization endpoint: it checks the request as
// the provider would, then signs the configured user in at once and
// redirects (or, for response_mode=form_post, posts) to redirect_uri.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.authorizations = append(s.authorizations, q)
	user, fault := s.user, s.fault
	s.mu.Unlock()
	switch {
	case q.Get("client_id") != s.ClientID:
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case q.Get("redirect_uri") == "" || q.Get("response_type") != "code":
		http.Error(w, "bad redirect_uri or response_type", http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		http.Error(w, "PKCE S256 required", http.StatusBadRequest)
		return
	}
	answer := url.Values{"state": {q.Get("state")}}
	if fault == Deny {
		answer.Set("error", "access_denied")
		answer.Set("error_description", "The user denied the request.")
	} else {
		code := random()
		s.mu.Lock()
		s.codes[code] = grant{clientID: s.ClientID, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
			nonce: q.Get("nonce"), scope: q.Get("scope"), user: user,
			offline: q.Get("access_type") == "offline" || strings.Contains(" "+q.Get("scope")+" ", " offline_access ")}
		s.mu.Unlock()
		answer.Set("code", code)
		if s.Kind == Apple && user.AppleName != nil {
			js, _ := json.Marshal(map[string]any{"name": map[string]string{"firstName": user.AppleName[0], "lastName": user.AppleName[1]}, "email": user.Email})
			answer.Set("user", string(js))
		}
	}
	if q.Get("response_mode") == "form_post" {
		writeFormPost(w, q.Get("redirect_uri"), answer)
		return
	}
	target, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	target.RawQuery = answer.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// writeFormPost answers with the page a provider sends for
// response_mode=form_post: a form that the browser posts to action.
func writeFormPost(w http.ResponseWriter, action string, fields url.Values) {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"%s\">", html.EscapeString(action))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		fmt.Fprintf(&b, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", html.EscapeString(k), html.EscapeString(fields.Get(k)))
	}
	b.WriteString("</form></body></html>")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// redeem checks a token request's code, redirect_uri and PKCE verifier
// and consumes the code. It returns the RFC 6749 §5.2 error code when
// one of them is wrong.
func (s *Server) redeem(form url.Values) (grant, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.codes[form.Get("code")]
	delete(s.codes, form.Get("code")) // single use, even when the request is wrong
	sum := sha256.Sum256([]byte(form.Get("code_verifier")))
	switch {
	case form.Get("grant_type") != "authorization_code":
		return grant{}, "unsupported_grant_type"
	case !ok || g.redirectURI != form.Get("redirect_uri"):
		return grant{}, "invalid_grant"
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		return grant{}, "invalid_grant"
	}
	return g, ""
}

// recordToken records a token request and parses its form.
func (s *Server) recordToken(r *http.Request) TokenRequest {
	_ = r.ParseForm()
	tr := TokenRequest{Method: r.Method, ContentType: r.Header.Get("Content-Type"), Authorization: r.Header.Get("Authorization"),
		Accept: r.Header.Get("Accept"), Form: r.PostForm}
	s.mu.Lock()
	s.tokenRequests = append(s.tokenRequests, tr)
	s.mu.Unlock()
	return tr
}

// recordAPI records a user API call and reports whether it carries a
// token this stand-in issued.
func (s *Server) recordAPI(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiAuth = append(s.apiAuth, r.Header.Get("Authorization"))
	return strings.HasPrefix(r.Header.Get("Authorization"), "Bearer at-")
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeGarbage answers like a broken proxy.
func writeGarbage(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("<html><body><h1>Bad Gateway</h1></body></html>"))
}

// random returns a fresh opaque value.
func random() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// expiresIn is the access token lifetime the stand-ins announce.
const expiresIn = 3599

// ExpiresIn is the access token lifetime the stand-ins announce.
func ExpiresIn() time.Duration { return expiresIn * time.Second }
