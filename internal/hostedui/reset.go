package hostedui

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// resetTTL is how long a password reset link works.
const resetTTL = time.Hour

func (h *Handler) forgotPage(w http.ResponseWriter, r *http.Request) {
	tx := h.transaction(w, r)
	if tx == nil {
		return
	}
	if !h.canMail() {
		h.resetUnavailable(w, r, tx)
		return
	}
	v := h.formView(w, r, tx)
	v.Email = first(r.URL.Query().Get("email"), tx.LoginHint)
	h.render(w, http.StatusOK, "forgot-password", v)
}

func (h *Handler) resetUnavailable(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction) {
	v := h.baseView(r, tx)
	v.Title, v.Heading = "Password reset unavailable", "Password reset is not available"
	v.Message = "This server cannot send email right now. Contact the administrator to reset your password."
	v.Continue = template.URL("sign-in?tx=" + url.QueryEscape(tx.ID))
	h.render(w, http.StatusServiceUnavailable, "message", v)
}

// forgotSubmit emails a reset link when the address has an account, and
// answers the same whether or not it has.
func (h *Handler) forgotSubmit(w http.ResponseWriter, r *http.Request) {
	tx := h.transaction(w, r)
	if tx == nil {
		return
	}
	if !h.canMail() {
		h.resetUnavailable(w, r, tx)
		return
	}
	ctx := r.Context()
	v := h.formView(w, r, tx)
	v.Email = strings.TrimSpace(r.PostForm.Get("email"))
	if config.CheckEmail(v.Email) != nil || len(v.Email) > 254 {
		v.Fields["email"] = msgEmail
		h.render(w, http.StatusUnprocessableEntity, "forgot-password", v)
		return
	}
	if limited, err := h.mailLimited(r, v.Email); err != nil || limited != "" {
		if err != nil {
			h.fail(w, r, "email limit", err)
			return
		}
		v.Error = limited
		h.render(w, http.StatusTooManyRequests, "forgot-password", v)
		return
	}
	user, err := h.Store.GetUserByEmail(ctx, v.Email)
	sso, serr := h.ssoFor(ctx, v.Email)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil || serr != nil:
		h.fail(w, r, "find user", errors.Join(err, serr))
		return
	case sso != "":
		// People of an SSO domain sign in only through their IdP; a
		// password would be a way around it.
	default:
		if err := h.sendResetLink(r, tx, user); err != nil {
			h.fail(w, r, "reset link", err)
			return
		}
	}
	v.Notice = "If an account exists for " + v.Email + ", we sent it a link to choose a new password. The link works for one hour."
	h.render(w, http.StatusOK, "forgot-password", v)
}

func (h *Handler) sendResetLink(r *http.Request, tx *authorize.Transaction, user store.User) error {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	now := h.Now().UTC()
	err := h.Store.CreatePasswordReset(r.Context(), store.PasswordReset{Hash: authorize.HashCode(token), UserID: user.ID,
		CreatedAt: now, ExpiresAt: now.Add(resetTTL)})
	if err != nil {
		return err
	}
	link := h.PublicURL + authorize.HostedPath + "/" + screenReset + "?" + url.Values{"token": {token}, "tx": {tx.ID}}.Encode()
	app := h.appName(r, tx)
	h.send(r.Context(), user.Email, "Reset your "+app+" password", "reset", letter{App: app, Name: user.FirstName, Link: link, TTL: "one hour"})
	return nil
}

// resetView is the view of the reset pages. The link may be opened in
// another browser than the sign-in, so the transaction is optional: with
// it the page shows the application's branding and leads back to sign-in.
func (h *Handler) resetView(w http.ResponseWriter, r *http.Request) (*view, *authorize.Transaction) {
	tx, err := authorize.OpenTransaction(h.TxBox, r, r.URL.Query().Get("tx"), h.Now())
	if err != nil {
		tx = nil
	}
	v := h.baseView(r, tx)
	v.CSRF = h.formToken(w, r, "reset")
	v.Fields = map[string]string{}
	return v, tx
}

// usableReset returns the reset of token while it may still be used.
func (h *Handler) usableReset(r *http.Request, token string) (store.PasswordReset, bool, error) {
	if token == "" || len(token) > 100 {
		return store.PasswordReset{}, false, nil
	}
	reset, err := h.Store.GetPasswordReset(r.Context(), authorize.HashCode(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return reset, false, nil
	case err != nil:
		return reset, false, err
	}
	return reset, reset.UsedAt.IsZero() && h.Now().Before(reset.ExpiresAt), nil
}

func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request) {
	v, _ := h.resetView(w, r)
	v.Token = r.URL.Query().Get("token")
	reset, ok, err := h.usableReset(r, v.Token)
	if err == nil && ok {
		var user store.User
		if user, err = h.Store.GetUser(r.Context(), reset.UserID); err == nil {
			v.Email = user.Email
		}
	}
	switch {
	case err != nil:
		h.fail(w, r, "reset", err)
	case !ok:
		h.resetExpired(w, v)
	default:
		h.render(w, http.StatusOK, "reset-password", v)
	}
}

func (h *Handler) resetExpired(w http.ResponseWriter, v *view) {
	v.Title, v.Heading = "Link expired", "This link has expired"
	v.Message = "Password reset links work once, for one hour. Ask for a new one from the sign-in page."
	h.render(w, http.StatusGone, "message", v)
}

func (h *Handler) resetSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, tx := h.resetView(w, r)
	v.Token = r.PostForm.Get("token")
	pw := r.PostForm.Get("password")
	reset, ok, err := h.usableReset(r, v.Token)
	if err != nil {
		h.fail(w, r, "reset", err)
		return
	}
	if !ok {
		h.resetExpired(w, v)
		return
	}
	user, err := h.Store.GetUser(ctx, reset.UserID)
	if err != nil {
		h.fail(w, r, "reset user", err)
		return
	}
	// The password is checked before the link is spent, so a rejected
	// password leaves the link working.
	v.Email = user.Email
	if msg := h.checkPassword(pw, user.Email); msg != "" {
		v.Fields["password"] = msg
		h.render(w, http.StatusUnprocessableEntity, "reset-password", v)
		return
	}
	hash, err := password.Hash(pw, h.PasswordParams)
	if err != nil {
		h.fail(w, r, "hash password", err)
		return
	}
	if _, err := h.Store.ConsumePasswordReset(ctx, reset.Hash, h.Now()); err != nil {
		if errors.Is(err, store.ErrAlreadyUsed) {
			h.resetExpired(w, v)
			return
		}
		h.fail(w, r, "use reset", err)
		return
	}
	// The link proves control of the address, so it counts as verified.
	now := h.Now().UTC()
	user.PasswordHash, user.EmailVerified, user.UpdatedAt = hash, true, now
	if err := h.Store.UpdateUser(ctx, user); err != nil {
		h.fail(w, r, "set password", err)
		return
	}
	if err := h.signedIn(ctx, user.Email); err != nil {
		h.Log.Warn("clearing failures after a reset failed", slog.Any("err", err))
	}
	h.endSessions(r, user.ID, now)
	v.Title, v.Heading = "Password changed", "Your password has been changed"
	v.Message = "You have been signed out everywhere else. Use your new password from now on."
	if tx != nil {
		v.Continue = template.URL("sign-in?" + url.Values{"tx": {tx.ID}, "email": {user.Email}}.Encode())
	}
	h.render(w, http.StatusOK, "message", v)
}

// endSessions revokes the user's live sessions: whoever knew the old
// password is signed out.
func (h *Handler) endSessions(r *http.Request, userID string, now time.Time) {
	ctx := r.Context()
	opts := store.ListOptions{Limit: 100, Order: store.Asc}
	for {
		page, meta, err := h.Store.ListSessions(ctx, userID, opts)
		if err != nil {
			h.Log.Warn("listing sessions after a reset failed", slog.Any("err", err))
			return
		}
		for _, s := range page {
			if s.RevokedAt.IsZero() && now.Before(s.ExpiresAt) {
				if err := h.Store.RevokeSession(ctx, s.ID, now); err != nil {
					h.Log.Warn("revoking a session after a reset failed", slog.String("session_id", s.ID), slog.Any("err", err))
				}
			}
		}
		if meta.After == "" {
			return
		}
		opts.After = meta.After
	}
}
