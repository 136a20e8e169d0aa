package hostedui

import (
	"crypto/hmac"
	"crypto/rand"
	"net/http"
)

// Per-form tokens, in OWASP's "signed double-submit cookie" pattern: a
// random value in an HttpOnly cookie, and in each form an HMAC of that
// value and what the form acts on (the transaction, or a password reset).
// A page of another site can neither read the cookie nor compute the
// token, and a token of one transaction does not work for another. It
// backs up http.CrossOriginProtection, which relies on browser headers.

const csrfCookie = "latchkey_csrf"

// formToken returns the token for forms bound to binding, setting the
// cookie when the browser has none yet.
func (h *Handler) formToken(w http.ResponseWriter, r *http.Request, binding string) string {
	c, err := r.Cookie(csrfCookie)
	value := ""
	if err == nil && len(c.Value) >= 26 && len(c.Value) <= 64 {
		value = c.Value
	} else {
		value = rand.Text()
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: value, Path: h.cookiePath,
			HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
		// A second call while answering this request must use the same value.
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: value})
	}
	return h.keyed("csrf", value, binding)
}

// checkForm reports whether the posted csrf field is the token of this
// browser's cookie and binding.
func (h *Handler) checkForm(r *http.Request, binding string) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return false
	}
	want := h.keyed("csrf", c.Value, binding)
	return hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(want))
}

// formBinding is what a screen's forms act on: the reset token for the
// password reset (which may be opened without a transaction), else the
// transaction.
func formBinding(screen string, r *http.Request) string {
	if screen == screenReset {
		return "reset"
	}
	return "tx:" + r.URL.Query().Get("tx")
}
