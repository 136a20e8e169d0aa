package authorize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/oauth"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// SessionTTL is how long a session lives without refresh.
const SessionTTL = 30 * 24 * time.Hour

// signIn turns a verified upstream identity into a user, a membership for
// SSO connections, a session and a one-time code.
func (h *Handler) signIn(ctx context.Context, tx *Transaction, conn *Connection, ident connector.Identity) (string, *oauth.Error) {
	now := h.Now().UTC()
	user, e := h.findOrCreateUser(ctx, conn, ident, now)
	if e != nil {
		return "", e
	}
	method := conn.Type
	if IsSSOType(conn.Type) {
		method = "SSO"
		if conn.OrganizationID != "" {
			if err := h.ensureMembership(ctx, user.ID, conn.OrganizationID, now); err != nil {
				return "", oauth.Unavailable(err)
			}
		}
	}
	code, err := h.IssueCode(ctx, Grant{
		ClientID: tx.ClientID, RedirectURI: tx.RedirectURI, CodeChallenge: tx.CodeChallenge,
		UserID: user.ID, OrganizationID: conn.OrganizationID, AuthMethod: method, OAuthTokens: ident.OAuthTokens,
	})
	if err != nil {
		return "", oauth.Unavailable(err)
	}
	return code, nil
}

// Grant is what a new code is bound to.
type Grant struct {
	ClientID       string
	RedirectURI    string
	CodeChallenge  string
	UserID         string
	OrganizationID string
	AuthMethod     string
	IPAddress      string
	UserAgent      string
	// OAuthTokens are the upstream's tokens, handed to the application in
	// the code exchange; nil unless the connection returns them.
	OAuthTokens *connector.OAuthTokens
}

// CodeExtra is what a code's exchange returns besides the user. IssueCode
// seals it into store.AuthCode.Extra with Options.ExtraBox, the code's
// hash as associated data, so the upstream's tokens are never stored in
// the clear and cannot be moved to another code.
type CodeExtra struct {
	OAuthTokens *connector.OAuthTokens `json:"oauth_tokens,omitempty"`
}

// OpenCodeExtra opens what IssueCode sealed into c; a code without extra
// yields the zero CodeExtra.
func OpenCodeExtra(box *secrets.Box, c store.AuthCode) (CodeExtra, error) {
	var x CodeExtra
	if len(c.Extra) == 0 {
		return x, nil
	}
	if box == nil {
		return x, errors.New("authorize: code carries sealed extra but no box opens it")
	}
	js, err := box.Open(c.Extra, []byte(c.Hash))
	if err != nil {
		return x, fmt.Errorf("authorize: code extra: %w", err)
	}
	if err := json.Unmarshal(js, &x); err != nil {
		return x, fmt.Errorf("authorize: code extra: %w", err)
	}
	return x, nil
}

// StartSession creates the session of a sign-in.
func StartSession(ctx context.Context, st store.Store, g Grant, now time.Time) (store.Session, error) {
	now = now.UTC()
	sess := store.Session{ID: id.New(id.Session), UserID: g.UserID, ApplicationID: g.ClientID, OrganizationID: g.OrganizationID,
		AuthMethod: g.AuthMethod, IPAddress: g.IPAddress, UserAgent: g.UserAgent, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := st.CreateSession(ctx, sess); err != nil {
		return store.Session{}, fmt.Errorf("authorize: create session: %w", err)
	}
	return sess, nil
}

// IssueCode creates the session and a one-time authorization code bound
// to it, and returns the code. The code is 256 random bits; only its hash
// is stored.
func (h *Handler) IssueCode(ctx context.Context, g Grant) (string, error) {
	now := h.Now().UTC()
	sess, err := StartSession(ctx, h.Store, g, now)
	if err != nil {
		return "", err
	}
	code := randomString(32)
	var extra []byte
	if g.OAuthTokens != nil {
		if h.ExtraBox == nil {
			return "", errors.New("authorize: the connection returns OAuth tokens, but no ExtraBox is configured to seal them")
		}
		js, err := json.Marshal(CodeExtra{OAuthTokens: g.OAuthTokens})
		if err != nil {
			return "", fmt.Errorf("authorize: code extra: %w", err)
		}
		extra = h.ExtraBox.Seal(js, []byte(HashCode(code)))
	}
	err = h.Store.CreateAuthCode(ctx, store.AuthCode{Hash: HashCode(code), ApplicationID: g.ClientID, RedirectURI: g.RedirectURI,
		CodeChallenge: g.CodeChallenge, UserID: g.UserID, OrganizationID: g.OrganizationID, SessionID: sess.ID,
		AuthMethod: g.AuthMethod, Extra: extra, CreatedAt: now, ExpiresAt: now.Add(CodeTTL)})
	if err != nil {
		return "", fmt.Errorf("authorize: create code: %w", err)
	}
	return code, nil
}

// findOrCreateUser applies the linking rule of spec/authorize.md: an
// upstream identity is linked to an existing user by email only when both
// the upstream and the existing user have the email verified.
func (h *Handler) findOrCreateUser(ctx context.Context, conn *Connection, ident connector.Identity, now time.Time) (store.User, *oauth.Error) {
	if ident.Subject == "" {
		return store.User{}, oauth.Errorf(oauth.AccessDenied, "The identity provider did not say who signed in (no subject).")
	}
	linked, err := h.Store.GetIdentity(ctx, conn.ID, ident.Subject)
	if err == nil {
		u, err := h.Store.GetUser(ctx, linked.UserID)
		if err != nil {
			return store.User{}, oauth.Unavailable(err)
		}
		return h.touchUser(ctx, u, ident, now)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return store.User{}, oauth.Unavailable(err)
	}
	email := strings.TrimSpace(ident.Email)
	if email == "" {
		return store.User{}, oauth.Errorf(oauth.AccessDenied, "The identity provider did not return an email address.")
	}
	for attempt := 0; ; attempt++ {
		u, err := h.Store.GetUserByEmail(ctx, email)
		switch {
		case err == nil:
			if !ident.EmailVerified || !u.EmailVerified {
				return store.User{}, oauth.Errorf(oauth.AccessDenied,
					"An account with this email address already exists, and the address is not verified on both sides, so it cannot be linked. Sign in the way you did before.")
			}
		case errors.Is(err, store.ErrNotFound):
			u = store.User{ID: id.New(id.User), Email: email, EmailVerified: ident.EmailVerified, FirstName: ident.FirstName,
				LastName: ident.LastName, ProfilePictureURL: ident.PictureURL, LastSignInAt: now, CreatedAt: now, UpdatedAt: now}
			if err := h.Store.CreateUser(ctx, u); err != nil {
				if errors.Is(err, store.ErrConflict) && attempt == 0 {
					continue // created meanwhile by a parallel sign-in: link to it
				}
				return store.User{}, oauth.Unavailable(err)
			}
		default:
			return store.User{}, oauth.Unavailable(err)
		}
		err = h.Store.CreateIdentity(ctx, store.Identity{ID: id.New(id.Identity), UserID: u.ID, ConnectionID: conn.ID,
			Provider: conn.Type, Subject: ident.Subject, CreatedAt: now})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return store.User{}, oauth.Unavailable(err)
		}
		return u, nil
	}
}

// touchUser records the sign-in and takes up profile changes the upstream
// reports.
func (h *Handler) touchUser(ctx context.Context, u store.User, ident connector.Identity, now time.Time) (store.User, *oauth.Error) {
	if ident.FirstName != "" {
		u.FirstName = ident.FirstName
	}
	if ident.LastName != "" {
		u.LastName = ident.LastName
	}
	if ident.PictureURL != "" {
		u.ProfilePictureURL = ident.PictureURL
	}
	u.LastSignInAt, u.UpdatedAt = now, now
	if err := h.Store.UpdateUser(ctx, u); err != nil {
		return store.User{}, oauth.Unavailable(err)
	}
	return u, nil
}

func (h *Handler) ensureMembership(ctx context.Context, userID, orgID string, now time.Time) error {
	_, err := h.Store.GetOrganizationMembershipFor(ctx, userID, orgID)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return err
	}
	err = h.Store.CreateOrganizationMembership(ctx, store.OrganizationMembership{ID: id.New(id.OrganizationMembership),
		UserID: userID, OrganizationID: orgID, Role: "member", Status: store.MembershipActive, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}
