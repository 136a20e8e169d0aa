package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/latchkeyhq/latchkey/usermanagement"
)

const (
	stateCookie   = "example_state"
	sessionCookie = "example_session"

	// loginTTL matches the server's limit on an authorization transaction
	// (spec/authorize.md: at most 10 minutes).
	loginTTL = 10 * time.Minute

	// maxPending bounds the logins started but not finished, so that a
	// script hammering /login cannot grow memory without end.
	maxPending = 10000
)

// app is the example application: an SDK client and two in-memory maps.
type app struct {
	sdk      *usermanagement.Client
	authOpts usermanagement.GetAuthorizationURLOpts // without state and PKCE
	redirect *url.URL
	returnTo string
	log      *slog.Logger
	now      func() time.Time

	mu       sync.Mutex
	pending  map[string]pendingLogin // by state
	sessions map[string]*session     // by session cookie
}

// pendingLogin is a login between /login and /callback. The PKCE verifier
// stays on the server; the browser only holds the state.
type pendingLogin struct {
	verifier string
	expires  time.Time
}

// session is what the app keeps of a sign-in: what the page shows and the
// session ID for logout. The tokens themselves are not kept, because this
// app calls no API with them.
type session struct {
	User                 usermanagement.User
	OrganizationID       string
	AuthenticationMethod usermanagement.AuthenticationMethod
	Claims               []claim
	ClaimsError          string
	SessionID            string
}

// newApp checks the configuration by building one authorization URL, so
// that a bad flag combination fails at start rather than at the first click.
func newApp(cfg config, httpClient *http.Client, log *slog.Logger) (*app, error) {
	redirect, err := url.Parse(cfg.RedirectURI)
	if err != nil || redirect.Host == "" || (redirect.Scheme != "http" && redirect.Scheme != "https") {
		return nil, fmt.Errorf("--redirect-uri %q: want an absolute http(s) URL", cfg.RedirectURI)
	}
	a := &app{
		sdk: &usermanagement.Client{
			Endpoint: cfg.Latchkey, APIKey: cfg.APIKey, ClientID: cfg.ClientID, HTTPClient: httpClient,
		},
		authOpts: usermanagement.GetAuthorizationURLOpts{
			RedirectURI: cfg.RedirectURI, Provider: cfg.Provider,
			OrganizationID: cfg.OrganizationID, ConnectionID: cfg.ConnectionID,
		},
		redirect: redirect,
		returnTo: cfg.ReturnTo,
		log:      log,
		now:      time.Now,
		pending:  map[string]pendingLogin{},
		sessions: map[string]*session{},
	}
	probe := a.authOpts
	probe.CodeChallenge, probe.CodeChallengeMethod = usermanagement.CodeChallengeS256("probe"), usermanagement.CodeChallengeMethodS256
	if _, err := a.sdk.GetAuthorizationURL(context.Background(), probe); err != nil {
		return nil, fmt.Errorf("sign-in options: %w", err)
	}
	return a, nil
}

// origin is where the app must be browsed: the redirect URI's scheme and host.
func (a *app) origin() string { return a.redirect.Scheme + "://" + a.redirect.Host }

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /login", a.login)
	mux.HandleFunc("GET "+a.redirect.Path, a.callback)
	mux.HandleFunc("POST /logout", a.logout)
	// The logout form is the only state-changing request; refuse it from
	// other origins (Go 1.25's built-in CSRF protection).
	return securityHeaders(http.NewCrossOriginProtection().Handler(mux))
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, pageData{Session: a.currentSession(r)})
}

// login starts a sign-in: fresh PKCE and state, then off to Latchkey.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	// Cookies belong to a host name: begin on the redirect URI's host, or
	// the state cookie set here would be missing at the callback.
	if !strings.EqualFold(r.Host, a.redirect.Host) {
		http.Redirect(w, r, a.origin()+"/login", http.StatusFound)
		return
	}
	pkce, err := usermanagement.NewPKCE()
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "Could not start the sign-in", err.Error())
		return
	}
	state := randomToken()
	opts := a.authOpts
	opts.State = state
	opts.CodeChallenge, opts.CodeChallengeMethod = pkce.CodeChallenge, pkce.CodeChallengeMethod
	u, err := a.sdk.GetAuthorizationURL(r.Context(), opts)
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "Could not start the sign-in", err.Error())
		return
	}
	if !a.addPending(state, pkce.CodeVerifier) {
		a.fail(w, http.StatusServiceUnavailable, "Too many sign-ins in progress", "Try again in a few minutes.")
		return
	}
	http.SetCookie(w, a.cookie(stateCookie, state, int(loginTTL/time.Second)))
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// callback finishes a sign-in: the state must match this browser's cookie
// (RFC 6749 §10.12) before the code is even looked at.
func (a *app) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	http.SetCookie(w, a.cookie(stateCookie, "", -1))
	c, err := r.Cookie(stateCookie)
	state := q.Get("state")
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		a.fail(w, http.StatusBadRequest, "This sign-in did not start in this browser",
			"The state parameter does not match. Start again from the home page.")
		return
	}
	verifier, ok := a.takePending(state)
	if !ok {
		a.fail(w, http.StatusBadRequest, "This sign-in has expired or was already used", "Start again from the home page.")
		return
	}
	if e := q.Get("error"); e != "" {
		a.fail(w, http.StatusBadRequest, "Latchkey refused the sign-in: "+e, q.Get("error_description"))
		return
	}
	code := q.Get("code")
	if code == "" {
		a.fail(w, http.StatusBadRequest, "The callback has no code", "Start again from the home page.")
		return
	}
	resp, err := a.sdk.AuthenticateWithCode(r.Context(), usermanagement.AuthenticateWithCodeOpts{
		Code: code, CodeVerifier: verifier, IPAddress: clientIP(r), UserAgent: r.UserAgent(),
	})
	if err != nil {
		detail := "Latchkey could not be reached."
		var apiErr *usermanagement.APIError
		if errors.As(err, &apiErr) {
			detail = strings.TrimSpace(apiErr.Code + ": " + apiErr.Message)
		}
		a.log.Warn("code exchange failed", slog.Any("error", err))
		a.fail(w, http.StatusBadGateway, "The code exchange failed", detail)
		return
	}
	s := &session{User: resp.User, OrganizationID: resp.OrganizationID, AuthenticationMethod: resp.AuthenticationMethod}
	s.Claims, s.SessionID, err = decodeClaims(resp.AccessToken)
	if err != nil {
		s.ClaimsError = err.Error()
	}
	id := randomToken()
	a.mu.Lock()
	a.sessions[id] = s
	a.mu.Unlock()
	a.log.Info("signed in", slog.String("user_id", resp.User.ID), slog.String("organization_id", resp.OrganizationID))
	http.SetCookie(w, a.cookie(sessionCookie, id, 0))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout forgets the local session, then ends Latchkey's session too when
// its ID is known; otherwise Latchkey would sign the user straight back in.
func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	var sid string
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		if s := a.sessions[c.Value]; s != nil {
			sid = s.SessionID
			delete(a.sessions, c.Value)
		}
		a.mu.Unlock()
	}
	http.SetCookie(w, a.cookie(sessionCookie, "", -1))
	if sid == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	u, err := a.sdk.GetLogoutURL(usermanagement.GetLogoutURLOpts{SessionID: sid, ReturnTo: a.returnTo})
	if err != nil {
		a.log.Warn("logout URL", slog.Any("error", err))
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (a *app) currentSession(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[c.Value]
}

// addPending records a login, dropping expired ones first.
func (a *app) addPending(state, verifier string) bool {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, p := range a.pending {
		if now.After(p.expires) {
			delete(a.pending, k)
		}
	}
	if len(a.pending) >= maxPending {
		return false
	}
	a.pending[state] = pendingLogin{verifier: verifier, expires: now.Add(loginTTL)}
	return true
}

// takePending returns a login's verifier once: a replayed callback finds
// nothing.
func (a *app) takePending(state string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.pending[state]
	delete(a.pending, state)
	if !ok || a.now().After(p.expires) {
		return "", false
	}
	return p.verifier, true
}

// cookie is HttpOnly and SameSite=Lax: Lax still sends it on the top-level
// redirect back from Latchkey, which Strict would not.
func (a *app) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: a.redirect.Scheme == "https", SameSite: http.SameSiteLaxMode,
	}
}

// randomToken is 256 bits from crypto/rand, base64url: unguessable state
// values and session IDs.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // since Go 1.24 it never returns an error (it crashes instead)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// clientIP is the peer's address. Headers such as X-Forwarded-For are
// ignored: this app runs without a proxy, and they are trivially forged.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return host
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		// The callback URL carries a code: keep it out of Referer headers.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
