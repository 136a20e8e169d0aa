package authorize

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/oauth"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// CodeTTL is how long an authorization code may be exchanged.
const CodeTTL = 10 * time.Minute

// HashCode is how authorization codes are stored: SHA-256, hex. Codes
// carry 256 random bits, so a fast hash suffices against a stolen table.
func HashCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// Callback serves the upstream's redirect back to Latchkey (GET, and POST
// for form_post responses).
func (h *Handler) Callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	trace := h.TraceID(ctx)
	if err := r.ParseForm(); err != nil {
		h.page(w, r, oauth.Errorf(oauth.InvalidRequest, "The callback request is malformed."), trace)
		return
	}
	if _, err := r.Cookie(cookiePrefix + r.Form.Get("state")); r.Method == http.MethodPost && err != nil {
		// A form_post answer (Apple) is a cross-site POST, on which the
		// browser withholds the SameSite=Lax transaction cookie: send it
		// back here as a top-level GET, which carries the cookie. The code
		// may sit in that URL: it is bound to our PKCE verifier, which only
		// the sealed transaction holds. The form's id_token is left out:
		// no connector reads it, and logs and history need not hold it.
		q := url.Values{}
		for k, v := range r.PostForm {
			if k != "id_token" {
				q[k] = v
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, h.callbackURL+"?"+q.Encode(), http.StatusSeeOther)
		return
	}
	tx, err := OpenTransaction(h.Box, r, r.Form.Get("state"), h.Now())
	if err != nil {
		// Without the transaction there is no trustworthy place to redirect.
		h.page(w, r, oauth.Errorf(oauth.InvalidRequest,
			"This sign-in attempt has expired, was already completed, or was started in another browser. Go back to the application and sign in again.").WithCause(err), trace)
		return
	}
	// The flow ends here whatever the outcome: the cookie is single-use.
	clearCookie(w, tx.ID, h.secure)
	fail := func(e *oauth.Error) { h.redirectError(w, r, tx.RedirectURI, tx.State, tx.HasState, e, trace) }

	conn, err := h.Catalog.Connection(ctx, tx.ConnectionID)
	if err != nil {
		fail(oauth.Errorf(oauth.ConnectionInvalid, "The connection used to sign in no longer exists.").WithCause(err))
		return
	}
	if conn.State != store.ConnectionActive {
		fail(oauth.Errorf(oauth.ConnectionInvalid, "Connection %s was deactivated during sign-in.", conn.ID))
		return
	}
	c, err := h.Catalog.Connector(ctx, conn)
	if err != nil {
		fail(oauth.Unavailable(err))
		return
	}
	ident, err := c.HandleCallback(ctx, h.connectorRequest(tx), r)
	if err != nil {
		var up *connector.UpstreamError
		if errors.As(err, &up) {
			fail(oauth.Errorf(oauth.AccessDenied, "The identity provider refused the sign-in: %s.", oauth.Truncate(up.Description+" ("+up.Code+")", 200)).WithCause(err))
			return
		}
		fail(oauth.Errorf(oauth.AccessDenied, "The identity provider's answer could not be verified.").WithCause(err))
		return
	}
	code, e := h.signIn(ctx, tx, conn, ident)
	if e != nil {
		fail(e)
		return
	}
	h.Log.LogAttrs(ctx, slog.LevelInfo, "signed in", slog.String("trace_id", trace),
		slog.String("client_id", tx.ClientID), slog.String("connection_id", conn.ID))
	q := url.Values{"code": {code}}
	if tx.HasState {
		q.Set("state", tx.State)
	}
	oauth.RedirectWith(w, tx.RedirectURI, q.Encode())
}
