package hostedui

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// maxNameLength bounds first and last names, in characters.
const maxNameLength = 100

func (h *Handler) signUpPage(w http.ResponseWriter, r *http.Request) {
	tx := h.transaction(w, r)
	if tx == nil {
		return
	}
	if conn := h.preselectedSSO(r.Context(), tx); conn != "" {
		h.Flow.ContinueWithConnection(w, r, tx, conn)
		return
	}
	if !h.canMail() {
		h.signUpUnavailable(w, r, tx)
		return
	}
	v := h.formView(w, r, tx)
	v.Email = tx.LoginHint
	h.render(w, http.StatusOK, "sign-up", v)
}

// signUpUnavailable: in production without SMTP nobody could receive the
// verification code.
func (h *Handler) signUpUnavailable(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction) {
	v := h.baseView(r, tx)
	v.Title, v.Heading = "Sign-up unavailable", "Sign-up is not available"
	v.Message = "New accounts cannot be created here right now. If you already have an account, sign in."
	v.Continue = template.URL("sign-in?tx=" + url.QueryEscape(tx.ID))
	h.render(w, http.StatusServiceUnavailable, "message", v)
}

// signUpSubmit creates the account and sends its verification code. When
// the email already has a verified account, it answers exactly the same
// way (a code page) and emails that account a notice instead, so the form
// cannot tell whether an address is registered.
func (h *Handler) signUpSubmit(w http.ResponseWriter, r *http.Request) {
	tx := h.transaction(w, r)
	if tx == nil {
		return
	}
	if r.PostForm.Get("action") == "provider" {
		h.startProvider(w, r, tx)
		return
	}
	if !h.canMail() {
		h.signUpUnavailable(w, r, tx)
		return
	}
	v := h.formView(w, r, tx)
	pw := r.PostForm.Get("password")
	if h.checkSignUp(r, v, pw); len(v.Fields) > 0 {
		h.render(w, http.StatusUnprocessableEntity, "sign-up", v)
		return
	}
	if h.toSSO(w, r, tx, v.Email) { // an SSO domain's people sign up through their IdP
		return
	}
	if limited, err := h.mailLimited(r, v.Email); err != nil || limited != "" {
		if err != nil {
			h.fail(w, r, "email limit", err)
			return
		}
		v.Error = limited
		h.render(w, http.StatusTooManyRequests, "sign-up", v)
		return
	}
	// Hash before looking the email up, so both answers take as long.
	hash, err := password.Hash(pw, h.PasswordParams)
	if err != nil {
		h.fail(w, r, "hash password", err)
		return
	}
	user, exists, err := h.register(r, v, hash)
	switch {
	case err != nil:
		h.fail(w, r, "create user", err)
	case exists:
		h.accountExists(w, r, tx, v.Email)
	default:
		h.sendCode(w, r, tx, user)
	}
}

// checkSignUp reads the sign-up form into v, noting each field's problem.
func (h *Handler) checkSignUp(r *http.Request, v *view, pw string) {
	f := r.PostForm
	v.Email, v.FirstName, v.LastName = strings.TrimSpace(f.Get("email")), strings.TrimSpace(f.Get("first_name")), strings.TrimSpace(f.Get("last_name"))
	if v.FirstName == "" {
		v.Fields["first_name"] = "Enter your first name."
	} else if utf8.RuneCountInString(v.FirstName) > maxNameLength {
		v.Fields["first_name"] = "Use at most 100 characters."
	}
	if utf8.RuneCountInString(v.LastName) > maxNameLength {
		v.Fields["last_name"] = "Use at most 100 characters."
	}
	if config.CheckEmail(v.Email) != nil || len(v.Email) > 254 {
		v.Fields["email"] = msgEmail
	}
	if msg := h.checkPassword(pw, v.Email); msg != "" {
		v.Fields["password"] = msg
	}
}

// register creates the account of a sign-up, or reports that a verified
// one has the address.
func (h *Handler) register(r *http.Request, v *view, hash string) (store.User, bool, error) {
	ctx := r.Context()
	user, err := h.Store.GetUserByEmail(ctx, v.Email)
	now := h.Now().UTC()
	switch {
	case errors.Is(err, store.ErrNotFound):
		user = store.User{ID: id.New(id.User), Email: v.Email, FirstName: v.FirstName, LastName: v.LastName,
			PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		err = h.Store.CreateUser(ctx, user)
		if errors.Is(err, store.ErrConflict) { // signed up meanwhile: answer as for an existing account
			return user, true, nil
		}
		return user, false, err
	case err != nil:
		return user, false, err
	case user.EmailVerified:
		return user, true, nil
	}
	// Never verified: whoever proves the address now owns the account,
	// with the password they chose.
	user.FirstName, user.LastName, user.PasswordHash, user.UpdatedAt = v.FirstName, v.LastName, hash, now
	return user, false, h.Store.UpdateUser(ctx, user)
}

// accountExists emails the owner of a verified account that someone tried
// to sign up with their address, and shows the code page as for a new
// account. Its verification ID names no record, so every code fails, the
// same way a wrong code does.
func (h *Handler) accountExists(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction, email string) {
	app := h.appName(r, tx)
	h.send(r.Context(), email, "Your "+app+" account", "exists", letter{App: app})
	if err := h.setPending(w, tx, pending{Email: email, VerificationID: id.New(verificationPrefix)}); err != nil {
		h.fail(w, r, "pending", err)
		return
	}
	seeOther(w, "verify-email?tx="+url.QueryEscape(tx.ID))
}

// mailLimited counts an email to address and returns the message to show
// once too many were sent, "" while it may be sent.
func (h *Handler) mailLimited(r *http.Request, address string) (string, error) {
	err := h.hit(r.Context(), "email:"+strings.ToLower(address), h.Limits.Email)
	var le *limitedError
	if errors.As(err, &le) {
		return "Too many emails were sent to this address. " + retryIn(le.retry), nil
	}
	return "", err
}

func (h *Handler) appName(r *http.Request, tx *authorize.Transaction) string {
	if app, err := h.Directory.Application(r.Context(), tx.ClientID); err == nil {
		return app.Name
	}
	return "Latchkey"
}
