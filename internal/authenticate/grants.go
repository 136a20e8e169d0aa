package authenticate

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/oauth"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/token"
	"github.com/latchkeyhq/latchkey/internal/wire"
)

// refreshGrant rotates a refresh token: every use returns a new one, and
// a reuse of a spent one revokes the whole session (OAuth 2.1 §4.3.1,
// RFC 9700 §4.14.2). With organization_id it switches the session's
// organization when the user is a member. One read brings the token with
// what the checks and the new tokens need; one write rotates it.
func (h *Handler) refreshGrant(ctx context.Context, req request) (*wire.AuthenticateResponse, error) {
	if req.RefreshToken == "" {
		return nil, oauth.Errorf(oauth.InvalidRequest, "refresh_token is missing.")
	}
	now := h.Now()
	hash := token.HashRefreshToken(req.RefreshToken)
	// The membership read is the one in the organization the new access
	// token is for: the requested one, or else the token's.
	old, g, err := h.Store.GetRefreshTokenGrant(ctx, hash, req.OrganizationID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, invalidGrant("The refresh token is invalid.")
	case err != nil:
		return nil, oauth.Unavailable(err)
	case old.ApplicationID != req.ClientID:
		return nil, invalidGrant("The refresh token was issued to another client.")
	}
	sess := g.Session
	switch {
	case sess.ID == "":
		return nil, oauth.Unavailable(fmt.Errorf("authenticate: session %s of the refresh token: %w", old.SessionID, store.ErrNotFound))
	case !sess.RevokedAt.IsZero() || !now.Before(sess.ExpiresAt):
		return nil, invalidGrant("The session has ended.")
	case !old.UsedAt.IsZero():
		return nil, h.reused(ctx, old, now)
	case !now.Before(old.ExpiresAt):
		return nil, invalidGrant("The refresh token has expired.")
	}
	orgID := old.OrganizationID
	if req.OrganizationID != "" && req.OrganizationID != orgID {
		if !activeIn(g.Membership, req.OrganizationID) {
			return nil, oauth.Errorf("organization_membership_not_found", "The user is not an active member of organization %s.", oauth.Truncate(req.OrganizationID, 80))
		}
		orgID = req.OrganizationID
	}
	if g.User.ID == "" {
		return nil, oauth.Unavailable(fmt.Errorf("authenticate: user %s of session %s: %w", sess.UserID, sess.ID, store.ErrNotFound))
	}
	raw, nextHash := token.NewRefreshToken()
	next := store.RefreshToken{ID: id.New(id.RefreshToken), Hash: nextHash, SessionID: sess.ID,
		ApplicationID: sess.ApplicationID, OrganizationID: orgID, CreatedAt: now.UTC(), ExpiresAt: sess.ExpiresAt}
	// The rotation also moves the session to orgID.
	if _, err := h.Store.RotateRefreshToken(ctx, hash, now, next); err != nil {
		if errors.Is(err, store.ErrAlreadyUsed) { // lost a race with another use of the same token
			return nil, h.reused(ctx, old, now)
		}
		return nil, oauth.Unavailable(err)
	}
	access, err := h.accessToken(g.User.ID, sess.ID, orgID, g.Membership)
	if err != nil {
		return nil, err
	}
	return &wire.AuthenticateResponse{User: wire.FromUser(g.User), OrganizationID: orgID, AccessToken: access,
		RefreshToken: raw, AuthenticationMethod: sess.AuthMethod}, nil
}

// reused revokes the session of a refresh token presented after it was
// spent: one of the two presenters may be a thief.
func (h *Handler) reused(ctx context.Context, old store.RefreshToken, now time.Time) error {
	if err := h.Store.RevokeSession(ctx, old.SessionID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.Log.Error("revoking the session of a reused refresh token failed", slog.Any("err", err))
	}
	return invalidGrant("The refresh token was already used; the session has been revoked.")
}

// accessToken signs an access token with the user's role in the
// organization; m is their membership there, read with the grant.
func (h *Handler) accessToken(userID, sessionID, orgID string, m store.OrganizationMembership) (string, error) {
	claims := token.Claims{Subject: userID, SessionID: sessionID, OrganizationID: orgID}
	if orgID != "" {
		// A token places the user in the organization and carries their
		// role there: apps scope tenant data by it, so a membership that
		// ended must end the session's access to it too.
		if !activeIn(m, orgID) {
			return "", invalidGrant("The user is no longer an active member of the session's organization; sign in again.")
		}
		claims.Role, claims.Roles = m.Role, []string{m.Role}
	}
	access, _, err := h.Tokens.Sign(claims)
	if err != nil {
		return "", oauth.Internal(err)
	}
	return access, nil
}

// activeIn reports whether m is an active membership in the organization.
func activeIn(m store.OrganizationMembership, orgID string) bool {
	return m.ID != "" && m.OrganizationID == orgID && m.Status == store.MembershipActive
}

// Passwords checks email and password sign-ins and issues their sessions.
type Passwords struct {
	// Issue creates the session for a signed-in user.
	Issue func(ctx context.Context, g authorize.Grant) (store.Session, error)
	// Pending seals the pending_authentication_token handed out when a
	// sign-in needs another step (email verification). NewPasswords sets a
	// box with a key of its own; a server replaces it with one under the
	// shared master key so that any node can open the token.
	Pending *secrets.Box
	// dummy is a hash verified when the email is unknown, so that the
	// answer takes as long as for a wrong password (no enumeration by
	// timing).
	dummy string
}

// NewPasswords returns the password grant's checker.
func NewPasswords(issue func(ctx context.Context, g authorize.Grant) (store.Session, error)) (*Passwords, error) {
	dummy, err := password.Hash("latchkey-dummy-password", password.DefaultParams())
	if err != nil {
		return nil, err
	}
	box, err := secrets.NewBox(secrets.NewMasterKey(), "pending-authentication")
	if err != nil {
		return nil, err
	}
	return &Passwords{Issue: issue, Pending: box, dummy: dummy}, nil
}

// passwordGrant signs in with email and password (first-party apps).
func (h *Handler) passwordGrant(ctx context.Context, req request) (*wire.AuthenticateResponse, error) {
	if req.Email == "" || req.Password == "" {
		return nil, oauth.Errorf(oauth.InvalidRequest, "email and password are required.")
	}
	user, err := h.Store.GetUserByEmail(ctx, req.Email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, oauth.Unavailable(err)
	}
	hash := user.PasswordHash
	if hash == "" {
		hash = h.Passwords.dummy
	}
	if perr := password.Verify(req.Password, hash); perr != nil || user.PasswordHash == "" {
		return nil, &apiError{Status: 400, Code: "invalid_credentials", Message: "Invalid credentials."}
	}
	if !user.EmailVerified {
		return nil, &apiError{Status: 403, Code: "email_verification_required",
			Message: "Email ownership must be verified before authentication.",
			Extra: map[string]any{"email": user.Email,
				"pending_authentication_token": h.pendingToken(req.ClientID, user.ID, "email_verification")}}
	}
	now := h.Now().UTC()
	user.LastSignInAt, user.UpdatedAt = now, now
	if err := h.Store.UpdateUser(ctx, user); err != nil {
		return nil, oauth.Unavailable(err)
	}
	sess, err := h.Passwords.Issue(ctx, authorize.Grant{ClientID: req.ClientID, UserID: user.ID, AuthMethod: "Password",
		IPAddress: req.IPAddress, UserAgent: req.UserAgent})
	if err != nil {
		return nil, oauth.Unavailable(err)
	}
	return h.respond(ctx, sess, "Password")
}

// PendingTTL bounds how long a pending authentication may be completed.
const PendingTTL = 10 * time.Minute

// pendingToken seals who is half-way through signing in, for which client
// and what step remains, so the next step (the email-verification grant)
// can finish it on any node without stored state.
func (h *Handler) pendingToken(clientID, userID, step string) string {
	js, _ := json.Marshal(struct {
		ClientID string `json:"c"`
		UserID   string `json:"u"`
		Step     string `json:"s"`
		Exp      int64  `json:"e"`
	}{clientID, userID, step, h.Now().Add(PendingTTL).Unix()})
	return base64.RawURLEncoding.EncodeToString(h.Passwords.Pending.Seal(js, []byte(clientID)))
}
