package authenticate

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/latchkeyhq/latchkey/internal/oauth"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// LogoutPath is where Logout is served.
const LogoutPath = "/user_management/sessions/logout"

// Logout serves GET /user_management/sessions/logout: it ends the session
// and sends the browser to return_to only when that is one of the
// application's registered logout redirect URIs (exact match); otherwise
// to the application's default logout URI, or to a signed-out page.
type Logout struct {
	Store   store.Store
	Log     *slog.Logger
	Now     func() time.Time
	TraceID func(context.Context) string
}

// ServeHTTP ends one session.
func (l *Logout) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	sid := q.Get("session_id")
	if sid == "" || len(q["session_id"]) > 1 {
		oauth.Page(w, r, oauth.Errorf(oauth.InvalidRequest, "session_id is required, once."), l.TraceID(ctx))
		return
	}
	sess, err := l.Store.GetSession(ctx, sid)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Nothing to end; the browser still deserves a signed-out page,
		// but an unknown session cannot vouch for any return_to.
		signedOut(w)
		return
	case err != nil:
		oauth.Page(w, r, oauth.Unavailable(err), l.TraceID(ctx))
		return
	}
	if sess.RevokedAt.IsZero() {
		if err := l.Store.RevokeSession(ctx, sess.ID, l.Now()); err != nil {
			oauth.Page(w, r, oauth.Unavailable(err), l.TraceID(ctx))
			return
		}
	}
	uris, err := l.Store.ListRedirectURIs(ctx, sess.ApplicationID, store.RedirectLogout)
	if err != nil {
		oauth.Page(w, r, oauth.Unavailable(err), l.TraceID(ctx))
		return
	}
	returnTo, fallback := q.Get("return_to"), ""
	for _, u := range uris {
		if u.URI == returnTo && len(q["return_to"]) == 1 {
			redirect(w, returnTo)
			return
		}
		if u.Default || fallback == "" {
			fallback = u.URI
		}
	}
	if fallback != "" {
		redirect(w, fallback)
		return
	}
	signedOut(w)
}

func redirect(w http.ResponseWriter, to string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusFound)
}

func signedOut(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	_ = signedOutPage.Execute(w, nil)
}

var signedOutPage = template.Must(template.New("out").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signed out</title>
<style>body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f6f7f9;color:#1b1f24}
main{max-width:28rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12)}</style>
</head><body><main><h1>You are signed out</h1><p>You can close this window.</p></main></body></html>
`))
