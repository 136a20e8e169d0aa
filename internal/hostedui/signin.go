package hostedui

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// The messages of a failed sign-in are the same whether or not an account
// has the email, so the page cannot be used to find out.
const (
	msgBadCredentials = "Incorrect email or password."
	msgEmail          = "Enter an email address, like name@example.com."
)

// formView is baseView plus what the forms of a transaction need: the
// form token, the provider buttons and the preselected organization.
func (h *Handler) formView(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction) *view {
	v := h.baseView(r, tx)
	v.CSRF = h.formToken(w, r, "tx:"+tx.ID)
	v.Fields = map[string]string{}
	v.SignUpEnabled = h.canMail()
	if conns, err := h.Flow.ProviderConnections(r.Context()); err == nil {
		for _, c := range conns {
			v.Providers = append(v.Providers, providerButton(c.Type))
		}
	}
	if tx.OrganizationID != "" {
		if org, err := h.Directory.Organization(r.Context(), tx.OrganizationID); err == nil {
			v.Organization = org.Name
		}
	}
	return v
}

// preselectedSSO returns the SSO connection of the organization that the
// application preselected with organization_id, "" when none.
func (h *Handler) preselectedSSO(ctx context.Context, tx *authorize.Transaction) string {
	if tx.OrganizationID == "" {
		return ""
	}
	org, err := h.Directory.Organization(ctx, tx.OrganizationID)
	if err != nil {
		return ""
	}
	return org.SSOConnectionID
}

// ssoFor is home-realm discovery: the SSO connection of the organization
// that verified the email's domain, "" when there is none.
func (h *Handler) ssoFor(ctx context.Context, email string) (string, error) {
	domain := strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
	d, err := h.Store.GetOrganizationDomainByName(ctx, domain)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	case d.State != store.DomainVerified:
		return "", nil
	}
	org, err := h.Directory.Organization(ctx, d.OrganizationID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return org.SSOConnectionID, nil
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	tx := h.transaction(w, r)
	if tx == nil {
		return
	}
	if conn := h.preselectedSSO(r.Context(), tx); conn != "" {
		h.Flow.ContinueWithConnection(w, r, tx, conn)
		return
	}
	v := h.formView(w, r, tx)
	v.Email = first(r.URL.Query().Get("email"), tx.LoginHint)
	h.render(w, http.StatusOK, "sign-in", v)
}

func (h *Handler) signInSubmit(w http.ResponseWriter, r *http.Request) {
	tx := h.transaction(w, r)
	if tx == nil {
		return
	}
	switch r.PostForm.Get("action") {
	case "provider":
		h.startProvider(w, r, tx)
	case "password":
		h.passwordStep(w, r, tx)
	default:
		h.emailStep(w, r, tx)
	}
}

// emailStep takes the email: to the organization's SSO when its domain
// has one, else on to the password.
func (h *Handler) emailStep(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction) {
	email := strings.TrimSpace(r.PostForm.Get("email"))
	v := h.formView(w, r, tx)
	v.Email = email
	if config.CheckEmail(email) != nil || len(email) > 254 {
		v.Fields["email"] = msgEmail
		h.render(w, http.StatusUnprocessableEntity, "sign-in", v)
		return
	}
	if h.toSSO(w, r, tx, email) {
		return
	}
	v.EmailLocked = true
	h.render(w, http.StatusOK, "password", v)
}

// toSSO sends the browser to the SSO connection of the email's domain and
// reports whether it did. The email goes along as the login hint.
func (h *Handler) toSSO(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction, email string) bool {
	conn, err := h.ssoFor(r.Context(), email)
	if err != nil {
		h.fail(w, r, "home-realm discovery", err)
		return true
	}
	if conn == "" {
		return false
	}
	tx.LoginHint = email
	h.Flow.ContinueWithConnection(w, r, tx, conn)
	return true
}

func (h *Handler) passwordStep(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction) {
	ctx := r.Context()
	email, pw := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password")
	v := h.formView(w, r, tx)
	v.Email, v.EmailLocked = email, true
	if config.CheckEmail(email) != nil || len(email) > 254 {
		v.EmailLocked = false
		v.Fields["email"] = msgEmail
		h.render(w, http.StatusUnprocessableEntity, "sign-in", v)
		return
	}
	if h.toSSO(w, r, tx, email) { // the domain's SSO is the only way in
		return
	}
	if pw == "" || len(pw) > maxPasswordLength {
		v.Fields["password"] = "Enter your password."
		h.render(w, http.StatusUnprocessableEntity, "password", v)
		return
	}
	wait, err := h.backoff(ctx, email)
	if err != nil {
		h.fail(w, r, "back-off", err)
		return
	}
	if wait > 0 {
		v.Error = "Too many incorrect attempts. " + retryIn(wait)
		h.render(w, http.StatusTooManyRequests, "password", v)
		return
	}
	user, err := h.Store.GetUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, "find user", err)
		return
	}
	hash := user.PasswordHash
	if hash == "" {
		hash = h.dummyHash // as slow as a real check
	}
	if password.Verify(pw, hash) != nil || user.PasswordHash == "" {
		if err := h.failedPassword(ctx, email); err != nil {
			h.fail(w, r, "count failure", err)
			return
		}
		v.Error = msgBadCredentials
		h.render(w, http.StatusUnauthorized, "password", v)
		return
	}
	if err := h.signedIn(ctx, email); err != nil {
		h.fail(w, r, "clear failures", err)
		return
	}
	if !user.EmailVerified {
		// Only someone who knows the password gets here, so saying that
		// the address needs verifying reveals nothing new.
		h.verifyEmail(w, r, tx, user)
		return
	}
	h.complete(w, r, tx, user)
}

// startProvider sends the browser to one of the provider buttons'
// connections.
func (h *Handler) startProvider(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction) {
	provider := r.PostForm.Get("provider")
	conns, err := h.Flow.ProviderConnections(r.Context())
	if err != nil {
		h.fail(w, r, "providers", err)
		return
	}
	for _, c := range conns {
		if c.Type == provider {
			h.Flow.ContinueWithProvider(w, r, tx, provider)
			return
		}
	}
	h.formExpired(w, r, http.StatusBadRequest) // a button that the page never showed
}

// complete ends a password sign-in: membership of the preselected
// organization is required, then the application gets its code.
func (h *Handler) complete(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction, user store.User) {
	ctx := r.Context()
	if tx.OrganizationID != "" {
		m, err := h.Store.GetOrganizationMembershipFor(ctx, user.ID, tx.OrganizationID)
		switch {
		case errors.Is(err, store.ErrNotFound) || err == nil && m.Status != store.MembershipActive:
			v := h.baseView(r, tx)
			org := "this organization"
			if o, err := h.Directory.Organization(ctx, tx.OrganizationID); err == nil {
				org = o.Name
			}
			v.Title, v.Heading = "Not a member", "You are not a member of "+org
			v.Message = "Your account (" + user.Email + ") does not belong to " + org + ". Ask an administrator of " + org + " to invite you, or sign in with another account."
			v.Continue = template.URL("sign-in?tx=" + url.QueryEscape(tx.ID))
			h.render(w, http.StatusForbidden, "message", v)
			return
		case err != nil:
			h.fail(w, r, "membership", err)
			return
		}
	}
	// FinishSignIn records the sign-in time with the session and code
	// (Store.RecordSignIn).
	h.clearPending(w, tx)
	h.Flow.FinishSignIn(w, r, tx, user.ID, tx.OrganizationID, "Password")
}

// seeOther redirects after a post, to a location relative to the page,
// so the hosted pages work under any path prefix of the public URL.
func seeOther(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
