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
	// An SSO sign-in makes the user a member of the connection's
	// organization.
	method, orgID := conn.Type, ""
	if IsSSOType(conn.Type) {
		method, orgID = "SSO", conn.OrganizationID
	}
	user, member, e := h.findOrCreateUser(ctx, conn, orgID, ident, now)
	if e != nil {
		return "", e
	}
	if orgID != "" && !member {
		if err := h.addMembership(ctx, user.ID, orgID, now); err != nil {
			return "", oauth.Unavailable(err)
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

// StartSession creates the session of a sign-in that ends without a code
// (the password grant).
func StartSession(ctx context.Context, st store.Store, g Grant, now time.Time) (store.Session, error) {
	sess := newSession(g, now)
	if err := st.CreateSession(ctx, sess); err != nil {
		return store.Session{}, fmt.Errorf("authorize: create session: %w", err)
	}
	return sess, nil
}

func newSession(g Grant, now time.Time) store.Session {
	now = now.UTC()
	return store.Session{ID: id.New(id.Session), UserID: g.UserID, ApplicationID: g.ClientID, OrganizationID: g.OrganizationID,
		AuthMethod: g.AuthMethod, IPAddress: g.IPAddress, UserAgent: g.UserAgent, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
}

// IssueCode creates the session and a one-time authorization code bound
// to it, and records the sign-in as the user's last, all in one store
// transaction; it returns the code. The code is 256 random bits; only its
// hash is stored.
func (h *Handler) IssueCode(ctx context.Context, g Grant) (string, error) {
	now := h.Now().UTC()
	sess := newSession(g, now)
	code := randomString(32)
	hash := HashCode(code)
	var extra []byte
	if g.OAuthTokens != nil {
		if h.ExtraBox == nil {
			return "", errors.New("authorize: the connection returns OAuth tokens, but no ExtraBox is configured to seal them")
		}
		js, err := json.Marshal(CodeExtra{OAuthTokens: g.OAuthTokens})
		if err != nil {
			return "", fmt.Errorf("authorize: code extra: %w", err)
		}
		extra = h.ExtraBox.Seal(js, []byte(hash))
	}
	err := h.Store.RecordSignIn(ctx, sess, store.AuthCode{Hash: hash, ApplicationID: g.ClientID, RedirectURI: g.RedirectURI,
		CodeChallenge: g.CodeChallenge, UserID: g.UserID, OrganizationID: g.OrganizationID, SessionID: sess.ID,
		AuthMethod: g.AuthMethod, Extra: extra, CreatedAt: now, ExpiresAt: now.Add(CodeTTL)})
	if err != nil {
		return "", fmt.Errorf("authorize: create session and code: %w", err)
	}
	return code, nil
}

// findOrCreateUser applies the linking rule of spec/authorize.md: an
// upstream identity is linked to an existing user by email only when both
// the upstream and the existing user have the email verified. member
// reports whether the user is known to be a member of orgID already: a
// user linked before comes with their membership, in the same read.
func (h *Handler) findOrCreateUser(ctx context.Context, conn *Connection, orgID string, ident connector.Identity, now time.Time) (_ store.User, member bool, _ *oauth.Error) {
	if ident.Subject == "" {
		return store.User{}, false, oauth.Errorf(oauth.AccessDenied, "The identity provider did not say who signed in (no subject).")
	}
	u, m, err := h.Store.GetLinkedUser(ctx, conn.ID, ident.Subject, orgID)
	if err == nil {
		u, e := h.touchUser(ctx, u, ident, now)
		return u, m.ID != "", e
	}
	if !errors.Is(err, store.ErrNotFound) {
		return store.User{}, false, oauth.Unavailable(err)
	}
	u, e := h.linkUser(ctx, conn, ident, now)
	return u, false, e
}

// linkUser links a first sign-in through conn to the user with the
// identity's email, or to a new user.
func (h *Handler) linkUser(ctx context.Context, conn *Connection, ident connector.Identity, now time.Time) (store.User, *oauth.Error) {
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

// touchUser takes up profile changes the upstream reports. It writes only
// when something changed: the time of the sign-in is recorded with the
// session (IssueCode), and most sign-ins change nothing else.
func (h *Handler) touchUser(ctx context.Context, u store.User, ident connector.Identity, now time.Time) (store.User, *oauth.Error) {
	was := u
	if ident.FirstName != "" {
		u.FirstName = ident.FirstName
	}
	if ident.LastName != "" {
		u.LastName = ident.LastName
	}
	if ident.PictureURL != "" {
		u.ProfilePictureURL = ident.PictureURL
	}
	if u == was {
		return u, nil
	}
	u.LastSignInAt, u.UpdatedAt = now, now
	if err := h.Store.UpdateUser(ctx, u); err != nil {
		return store.User{}, oauth.Unavailable(err)
	}
	return u, nil
}

// addMembership makes the user a member of the organization unless they
// are one already, in whatever status: the unique (user, organization)
// pair turns an existing membership into ErrConflict.
func (h *Handler) addMembership(ctx context.Context, userID, orgID string, now time.Time) error {
	err := h.Store.CreateOrganizationMembership(ctx, store.OrganizationMembership{ID: id.New(id.OrganizationMembership),
		UserID: userID, OrganizationID: orgID, Role: "member", Status: store.MembershipActive, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}
