package hostedui

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Email verification: a six-digit code, good for codeTTL and
// maxCodeAttempts guesses, stored as a keyed hash bound to its record.
const (
	verificationPrefix = "email_verification"
	codeTTL            = 10 * time.Minute
	maxCodeAttempts    = 5
	msgBadCode         = "That code is incorrect or has expired. Check the email, or send a new code."
)

// codeHash binds a code to its verification: a code of one record never
// matches another, and a stolen table does not give codes away without
// the key.
func (h *Handler) codeHash(verificationID, code string) string {
	return h.keyed("email-code", verificationID, code)
}

func sixDigits() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%06d", n)
}

// verifyEmail asks a user who signed in with the right password, but has
// not verified their address yet, for a code.
func (h *Handler) verifyEmail(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction, user store.User) {
	if !h.canMail() {
		v := h.baseView(r, tx)
		v.Title, v.Heading = "Email not verified", "Your email address is not verified"
		v.Message = "This server cannot send email right now, so the address cannot be verified. Contact the administrator."
		h.render(w, http.StatusServiceUnavailable, "message", v)
		return
	}
	if limited, err := h.mailLimited(r, user.Email); err != nil || limited != "" {
		if err != nil {
			h.fail(w, r, "email limit", err)
			return
		}
		v := h.baseView(r, tx)
		v.Title, v.Heading, v.Message = "Too many emails", "Too many emails", limited
		h.render(w, http.StatusTooManyRequests, "message", v)
		return
	}
	h.sendCode(w, r, tx, user)
}

// sendCode creates a verification for user, emails its code, and moves
// on to the code page.
func (h *Handler) sendCode(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction, user store.User) {
	vid, err := h.newCode(r, tx, user)
	if err != nil {
		h.fail(w, r, "create verification", err)
		return
	}
	if err := h.setPending(w, tx, pending{Email: user.Email, VerificationID: vid}); err != nil {
		h.fail(w, r, "pending", err)
		return
	}
	seeOther(w, "verify-email?tx="+url.QueryEscape(tx.ID))
}

func (h *Handler) newCode(r *http.Request, tx *authorize.Transaction, user store.User) (string, error) {
	now := h.Now().UTC()
	code := sixDigits()
	ver := store.EmailVerification{ID: id.New(verificationPrefix), UserID: user.ID, CreatedAt: now, ExpiresAt: now.Add(codeTTL)}
	ver.CodeHash = h.codeHash(ver.ID, code)
	if err := h.Store.CreateEmailVerification(r.Context(), ver); err != nil {
		return "", err
	}
	app := h.appName(r, tx)
	h.send(r.Context(), user.Email, "Your "+app+" verification code", "code",
		letter{App: app, Name: user.FirstName, Code: code, TTL: "10 minutes"})
	return ver.ID, nil
}

func (h *Handler) verifyPage(w http.ResponseWriter, r *http.Request) {
	tx := h.transaction(w, r)
	if tx == nil {
		return
	}
	p, ok := h.getPending(r, tx)
	if !ok {
		seeOther(w, "sign-in?tx="+url.QueryEscape(tx.ID))
		return
	}
	v := h.formView(w, r, tx)
	v.Email = p.Email
	h.render(w, http.StatusOK, "verify-email", v)
}

func (h *Handler) verifySubmit(w http.ResponseWriter, r *http.Request) {
	tx := h.transaction(w, r)
	if tx == nil {
		return
	}
	p, ok := h.getPending(r, tx)
	if !ok {
		seeOther(w, "sign-in?tx="+url.QueryEscape(tx.ID))
		return
	}
	v := h.formView(w, r, tx)
	v.Email = p.Email
	if r.PostForm.Get("action") == "resend" {
		h.resend(w, r, tx, p, v)
		return
	}
	code := strings.Join(strings.Fields(r.PostForm.Get("code")), "")
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		v.Fields["code"] = "Enter the 6-digit code from the email."
		h.render(w, http.StatusUnprocessableEntity, "verify-email", v)
		return
	}
	// Counted for real and stand-in verifications alike, so both run out
	// of attempts the same way.
	err := h.hit(r.Context(), "verify:"+p.VerificationID, h.Limits.Verify)
	var le *limitedError
	switch {
	case errors.As(err, &le):
		v.Error = "Too many attempts with this code. Send a new code."
		h.render(w, http.StatusTooManyRequests, "verify-email", v)
		return
	case err != nil:
		h.fail(w, r, "verify limit", err)
		return
	}
	user, ok, err := h.checkCode(r, p.VerificationID, code)
	switch {
	case err != nil:
		h.fail(w, r, "check code", err)
	case !ok:
		v.Fields["code"] = msgBadCode
		h.render(w, http.StatusUnprocessableEntity, "verify-email", v)
	default:
		// Verified for good, whether or not the sign-in goes through.
		user.EmailVerified, user.UpdatedAt = true, h.Now().UTC()
		if err := h.Store.UpdateUser(r.Context(), user); err != nil {
			h.fail(w, r, "verify user", err)
			return
		}
		h.complete(w, r, tx, user)
	}
}

// checkCode reports whether code is the one of verification vid, and
// returns its user.
func (h *Handler) checkCode(r *http.Request, vid, code string) (store.User, bool, error) {
	ctx := r.Context()
	now := h.Now()
	ver, err := h.Store.GetEmailVerification(ctx, vid)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.User{}, false, nil
	case err != nil:
		return store.User{}, false, err
	case !now.Before(ver.ExpiresAt):
		return store.User{}, false, nil
	}
	ver, err = h.Store.AttemptEmailVerification(ctx, vid, h.codeHash(vid, code), maxCodeAttempts, now)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed) || err == nil && ver.ConsumedAt.IsZero():
		return store.User{}, false, nil
	case err != nil:
		return store.User{}, false, err
	}
	user, err := h.Store.GetUser(ctx, ver.UserID)
	return user, err == nil, err
}

// resend sends a new code, or, for an address that has a verified
// account, a new notice; the page says the same either way.
func (h *Handler) resend(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction, p pending, v *view) {
	if limited, err := h.mailLimited(r, p.Email); err != nil || limited != "" {
		if err != nil {
			h.fail(w, r, "email limit", err)
			return
		}
		v.Error = limited
		h.render(w, http.StatusTooManyRequests, "verify-email", v)
		return
	}
	user, err := h.Store.GetUserByEmail(r.Context(), p.Email)
	switch {
	case err == nil && !user.EmailVerified:
		p.VerificationID, err = h.newCode(r, tx, user)
	case err == nil || errors.Is(err, store.ErrNotFound):
		if err == nil {
			app := h.appName(r, tx)
			h.send(r.Context(), p.Email, "Your "+app+" account", "exists", letter{App: app})
		}
		p.VerificationID, err = id.New(verificationPrefix), nil
	}
	if err == nil {
		err = h.setPending(w, tx, p)
	}
	if err != nil {
		h.fail(w, r, "resend", err)
		return
	}
	v.Notice = "We sent a new code to " + p.Email + "."
	h.render(w, http.StatusOK, "verify-email", v)
}
