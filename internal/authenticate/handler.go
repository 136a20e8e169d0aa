// Package authenticate implements POST /user_management/authenticate
// (spec/authenticate.md): the authorization_code, refresh_token and
// password grants, answered in the WorkOS response shape.
package authenticate

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/oauth"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/token"
	"github.com/latchkeyhq/latchkey/internal/wire"
)

// Path is where the handler is served.
const Path = "/user_management/authenticate"

// Signer mints access tokens.
type Signer interface {
	Sign(c token.Claims) (string, time.Time, error)
}

// ClientKeys tells which application an API key belongs to ("" for none).
type ClientKeys interface {
	Application(ctx context.Context, key string) (string, error)
}

// Applications tells whether a client ID exists.
type Applications interface {
	Application(ctx context.Context, clientID string) (*authorize.Application, error)
}

// Options configure a Handler.
type Options struct {
	Store        store.Store
	Applications Applications
	Keys         ClientKeys
	Tokens       Signer
	// Passwords issues sessions for the password grant; nil disables it.
	Passwords *Passwords
	Log       *slog.Logger
	Now       func() time.Time
	TraceID   func(context.Context) string

	// ExtraBox opens what authorize sealed into a code (the upstream's
	// OAuth tokens); the same key as authorize.Options.ExtraBox.
	ExtraBox *secrets.Box
}

// Handler serves the authenticate endpoint.
type Handler struct{ Options }

// New returns a Handler.
func New(o Options) *Handler { return &Handler{o} }

// ServeHTTP answers one authenticate request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	resp, err := h.authenticate(ctx, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(resp)
}

func (h *Handler) authenticate(ctx context.Context, r *http.Request) (*wire.AuthenticateResponse, error) {
	req, e := parseRequest(r)
	if e != nil {
		return nil, e
	}
	if req.ClientID == "" {
		return nil, oauth.Errorf(oauth.InvalidRequest, "client_id is missing.")
	}
	if req.GrantType == "" {
		return nil, oauth.Errorf(oauth.InvalidRequest, "grant_type is missing.")
	}
	if _, err := h.Applications.Application(ctx, req.ClientID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, oauth.Errorf(oauth.InvalidClient, "client_id is not a known client.")
		}
		return nil, oauth.Unavailable(err)
	}
	// A client_secret, when sent, must be one of this client's API keys,
	// whatever the grant.
	confidential := false
	if req.ClientSecret != "" {
		appID, err := h.Keys.Application(ctx, req.ClientSecret)
		if err != nil {
			return nil, oauth.Unavailable(err)
		}
		if subtle.ConstantTimeCompare([]byte(appID), []byte(req.ClientID)) != 1 {
			return nil, oauth.Errorf(oauth.InvalidClient, "client_secret is not a valid API key of this client.")
		}
		confidential = true
	}
	switch req.GrantType {
	case "authorization_code":
		return h.codeGrant(ctx, req, confidential)
	case "refresh_token":
		return h.refreshGrant(ctx, req)
	case "password":
		if h.Passwords == nil {
			return nil, oauth.Errorf(oauth.InvalidRequest, "The password grant is not enabled.")
		}
		if !confidential {
			return nil, oauth.Errorf(oauth.InvalidClient, "The password grant needs the client_secret (an API key).")
		}
		return h.passwordGrant(ctx, req)
	}
	// RFC 6749 names this unsupported_grant_type, but the OpenAPI
	// document's catalogue for this path lists invalid_request, which the
	// official SDKs expect.
	return nil, oauth.Errorf(oauth.InvalidRequest, "grant_type %q is not supported; use authorization_code, refresh_token or password.", oauth.Truncate(req.GrantType, 80))
}

// codeGrant redeems an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6).
// One read brings everything the checks and the tokens need; the code is
// spent by the one write that stores the refresh token or, when the
// exchange is refused, on its own: a code is tried once, right or wrong.
func (h *Handler) codeGrant(ctx context.Context, req request, confidential bool) (*wire.AuthenticateResponse, error) {
	if req.Code == "" {
		return nil, oauth.Errorf(oauth.InvalidRequest, "code is missing.")
	}
	now := h.Now()
	hash := authorize.HashCode(req.Code)
	code, g, err := h.Store.GetAuthCodeGrant(ctx, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, invalidGrant("The code is invalid or has expired.")
	case err != nil:
		return nil, oauth.Unavailable(err)
	case !code.ConsumedAt.IsZero():
		return nil, h.replayed(ctx, code, now)
	}
	resp, next, err := h.exchange(req, confidential, code, g, now)
	if err != nil {
		return nil, h.refuse(ctx, code, now, err)
	}
	switch err := h.Store.RedeemAuthCode(ctx, hash, now, next, req.IPAddress, req.UserAgent); {
	case errors.Is(err, store.ErrAlreadyUsed): // lost a race with another exchange of the code
		return nil, h.replayed(ctx, code, now)
	case errors.Is(err, store.ErrNotFound):
		return nil, invalidGrant("The code is invalid or has expired.")
	case err != nil:
		return nil, oauth.Unavailable(err)
	}
	return resp, nil
}

// exchange checks an unspent code and its grant, and mints what they
// grant: the response, and the refresh token to store as the code is
// spent.
func (h *Handler) exchange(req request, confidential bool, code store.AuthCode, g store.SessionGrant,
	now time.Time) (*wire.AuthenticateResponse, store.RefreshToken, error) {
	var none store.RefreshToken
	switch {
	case code.ApplicationID != req.ClientID:
		return nil, none, invalidGrant("The code was issued to another client.")
	case !now.Before(code.ExpiresAt):
		return nil, none, invalidGrant("The code is invalid or has expired.")
	}
	// PKCE binds both ways: a code minted with a challenge needs its
	// verifier, even from a confidential client (RFC 7636 §4.6); a verifier
	// for a code minted without one is a downgrade (RFC 9700 §2.1.1).
	switch {
	case code.CodeChallenge != "" && req.CodeVerifier == "":
		return nil, none, invalidGrant("code_verifier is required: the authorization request sent a code_challenge.")
	case code.CodeChallenge != "" && !verifierMatches(req.CodeVerifier, code.CodeChallenge):
		return nil, none, invalidGrant("code_verifier does not match the code_challenge.")
	case code.CodeChallenge == "" && req.CodeVerifier != "":
		return nil, none, invalidGrant("code_verifier was sent, but the authorization request had no code_challenge.")
	case code.CodeChallenge == "" && !confidential:
		return nil, none, oauth.Errorf(oauth.InvalidClient, "client_secret is required: the authorization request had no code_challenge.")
	}
	sess := g.Session
	switch {
	case sess.ID == "":
		return nil, none, oauth.Unavailable(fmt.Errorf("authenticate: session %q of the code: %w", code.SessionID, store.ErrNotFound))
	case !sess.RevokedAt.IsZero():
		return nil, none, invalidGrant("The session of this code was revoked.")
	}
	extra, err := authorize.OpenCodeExtra(h.ExtraBox, code)
	if err != nil {
		return nil, none, oauth.Internal(err)
	}
	resp, next, err := h.mint(sess, g.User, code.OrganizationID, g.Membership, code.AuthMethod, now)
	if err == nil && extra.OAuthTokens != nil {
		t := extra.OAuthTokens
		if t.Scopes == nil {
			t.Scopes = []string{} // the document types scopes as an array, never null
		}
		resp.OAuthTokens = &wire.OAuthTokens{Provider: t.Provider, AccessToken: t.AccessToken, RefreshToken: t.RefreshToken,
			ExpiresAt: t.ExpiresAt, Scopes: t.Scopes}
	}
	return resp, next, err
}

// refuse spends a code whose exchange was refused, so that it cannot be
// tried again, and returns why it was refused. A code spent meanwhile was
// replayed.
func (h *Handler) refuse(ctx context.Context, code store.AuthCode, now time.Time, why error) error {
	_, err := h.Store.ConsumeAuthCode(ctx, code.Hash, now)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		return h.replayed(ctx, code, now)
	case errors.Is(err, store.ErrNotFound):
		return invalidGrant("The code is invalid or has expired.")
	case err != nil:
		return oauth.Unavailable(err)
	}
	return why
}

// replayed ends what a code presented again created: the replay may be a
// stolen code (RFC 6749 §4.1.2).
func (h *Handler) replayed(ctx context.Context, code store.AuthCode, now time.Time) error {
	if err := h.Store.RevokeSession(ctx, code.SessionID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.Log.Error("revoking the session of a replayed code failed", slog.Any("err", err))
	}
	return invalidGrant("The code was already used; the session it created has been revoked.")
}

// verifierMatches checks an RFC 7636 S256 verifier in constant time.
func verifierMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// mint signs the access token of a session and makes its next refresh
// token: the response, and the refresh token record for the caller to
// store. m is the user's membership in orgID (when orgID is set).
func (h *Handler) mint(sess store.Session, user store.User, orgID string, m store.OrganizationMembership, method string,
	now time.Time) (*wire.AuthenticateResponse, store.RefreshToken, error) {
	if user.ID == "" {
		return nil, store.RefreshToken{}, oauth.Unavailable(fmt.Errorf("authenticate: user %s of session %s: %w", sess.UserID, sess.ID, store.ErrNotFound))
	}
	access, err := h.accessToken(user.ID, sess.ID, orgID, m)
	if err != nil {
		return nil, store.RefreshToken{}, err
	}
	raw, hash := token.NewRefreshToken()
	next := store.RefreshToken{ID: id.New(id.RefreshToken), Hash: hash, SessionID: sess.ID,
		ApplicationID: sess.ApplicationID, OrganizationID: orgID, CreatedAt: now.UTC(), ExpiresAt: sess.ExpiresAt}
	return &wire.AuthenticateResponse{User: wire.FromUser(user), OrganizationID: orgID, AccessToken: access,
		RefreshToken: raw, AuthenticationMethod: method}, next, nil
}

// respond mints the tokens of a new session outside any organization.
func (h *Handler) respond(ctx context.Context, sess store.Session, method string) (*wire.AuthenticateResponse, error) {
	user, err := h.Store.GetUser(ctx, sess.UserID)
	if err != nil {
		return nil, oauth.Unavailable(err)
	}
	resp, next, err := h.mint(sess, user, "", store.OrganizationMembership{}, method, h.Now())
	if err != nil {
		return nil, err
	}
	if err := h.Store.CreateRefreshToken(ctx, next); err != nil {
		return nil, oauth.Unavailable(err)
	}
	return resp, nil
}

func invalidGrant(desc string) *oauth.Error { return oauth.Errorf(oauth.InvalidGrant, "%s", desc) }
