package hostedui

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
)

// pending is the hosted login's own state of a transaction between
// pages: the email verification the user is asked to complete. It is
// sealed into a cookie bound to the transaction, like the transaction
// itself, so any node can serve the next page.
type pending struct {
	Email          string `json:"e"`
	VerificationID string `json:"v"`
}

const stateCookiePrefix = "latchkey_hosted_"

func (h *Handler) setPending(w http.ResponseWriter, tx *authorize.Transaction, p pending) error {
	js, err := json.Marshal(p)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:  stateCookiePrefix + tx.ID,
		Value: base64.RawURLEncoding.EncodeToString(h.StateBox.Seal(js, []byte(tx.ID))),
		Path:  h.cookiePath, MaxAge: int(authorize.TransactionTTL / time.Second),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// getPending returns the pending verification of tx; ok is false when
// there is none.
func (h *Handler) getPending(r *http.Request, tx *authorize.Transaction) (pending, bool) {
	var p pending
	c, err := r.Cookie(stateCookiePrefix + tx.ID)
	if err != nil {
		return p, false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return p, false
	}
	js, err := h.StateBox.Open(sealed, []byte(tx.ID))
	if err != nil || json.Unmarshal(js, &p) != nil || p.VerificationID == "" {
		return p, false
	}
	return p, true
}

func (h *Handler) clearPending(w http.ResponseWriter, tx *authorize.Transaction) {
	http.SetCookie(w, &http.Cookie{Name: stateCookiePrefix + tx.ID, Value: "", Path: h.cookiePath, MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}
