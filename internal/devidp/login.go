package devidp

import (
	"crypto/subtle"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// login is the sign-in step the library leaves to the application: the
// provider redirects to GET /login?id=… with a stored request, and the
// user is signed in either at once (login_hint) or from the picker page.
type login struct {
	store       *storage
	provider    *op.Provider
	pages       *pages
	interactive bool
	log         *slog.Logger
}

// show decides what a fresh request needs: a known login_hint signs in
// without a page unless in interactive mode (spec/config.md); otherwise
// the picker, which prompt=none forbids.
func (l *login) show(w http.ResponseWriter, r *http.Request) {
	ar, err := l.store.request(r.URL.Query().Get("id"))
	if err != nil {
		l.pages.error(w, http.StatusBadRequest, "This sign-in has expired or does not exist. Start again from the application.")
		return
	}
	if !l.interactive && ar.loginHint != "" {
		u, ok := l.store.userByEmail(ar.loginHint)
		if !ok {
			l.refuse(w, r, ar, oidc.ErrAccessDenied().WithDescription("login_hint names no user of this identity provider"))
			return
		}
		l.signIn(w, r, ar, u)
		return
	}
	if ar.promptNone() {
		// OIDC Core §3.1.2.1: prompt=none must not show a page.
		l.refuse(w, r, ar, oidc.ErrLoginRequired().WithDescription("a user must be picked, but prompt=none was given"))
		return
	}
	l.pages.login(w, http.StatusOK, l.pageData(ar, ""))
}

// submit signs in the user picked on the page.
func (l *login) submit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		l.pages.error(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	ar, err := l.store.request(r.PostForm.Get("id"))
	if err != nil {
		l.pages.error(w, http.StatusBadRequest, "This sign-in has expired or does not exist. Start again from the application.")
		return
	}
	u, ok := l.store.userByEmail(r.PostForm.Get("email"))
	if !ok {
		l.pages.login(w, http.StatusBadRequest, l.pageData(ar, "Pick one of the users below."))
		return
	}
	if l.askPassword(u) && subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(u.Password)) != 1 {
		l.pages.login(w, http.StatusUnauthorized, l.pageData(ar, "Wrong password for "+u.Email+"."))
		return
	}
	l.signIn(w, r, ar, u)
}

func (l *login) askPassword(u User) bool { return l.interactive && u.Password != "" }

// signIn completes the request and lets the library answer with the
// code redirect, as its own callback endpoint would.
func (l *login) signIn(w http.ResponseWriter, r *http.Request, ar *authRequest, u User) {
	done, err := l.store.complete(ar.id, u)
	if err != nil {
		l.pages.error(w, http.StatusBadRequest, "This sign-in cannot be completed: "+err.Error()+".")
		return
	}
	l.log.InfoContext(r.Context(), "signed in", slog.String("email", u.Email), slog.String("client_id", ar.clientID))
	op.AuthResponse(done, l.provider, w, r)
}

// refuse ends the request with an OAuth error redirect to its (already
// checked) redirect URI, through the library's error writer.
func (l *login) refuse(w http.ResponseWriter, r *http.Request, ar *authRequest, e *oidc.Error) {
	_ = l.store.DeleteAuthRequest(r.Context(), ar.id)
	l.log.InfoContext(r.Context(), "sign-in refused", slog.String("error", string(e.ErrorType)), slog.String("client_id", ar.clientID))
	op.AuthRequestError(w, r, ar, e, l.provider)
}

type pageUser struct {
	User
	AskPassword bool
}

type pageData struct {
	RequestID string
	ClientID  string
	Error     string
	Users     []pageUser
}

func (l *login) pageData(ar *authRequest, msg string) pageData {
	d := pageData{RequestID: ar.id, ClientID: ar.clientID, Error: msg}
	for _, u := range l.store.users {
		d.Users = append(d.Users, pageUser{User: u, AskPassword: l.askPassword(u)})
	}
	return d
}

// pages renders the sign-in and error pages. html/template escapes every
// value, user data included.
type pages struct{ t *template.Template }

func newPages() (*pages, error) {
	t, err := template.New("").Funcs(template.FuncMap{"join": strings.Join}).Parse(pageTemplates)
	if err != nil {
		return nil, err
	}
	return &pages{t: t}, nil
}

func (p *pages) login(w http.ResponseWriter, status int, d pageData) { p.render(w, status, "login", d) }

func (p *pages) error(w http.ResponseWriter, status int, msg string) {
	p.render(w, status, "error", struct{ Message string }{msg})
}

func (p *pages) render(w http.ResponseWriter, status int, name string, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// No form-action: Chrome applies it to the redirect that follows the
	// POST, which goes to the client's origin.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = p.t.ExecuteTemplate(w, name, data)
}

const pageTemplates = `
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Latchkey dev-idp</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}
form{border:1px solid #ccc;border-radius:6px;padding:.75rem;margin:.6rem 0}
button{font:inherit;cursor:pointer;padding:.3rem .7rem}
label{display:block;margin:.4rem 0}
small{display:block;color:#555}
.error{color:#a00}
</style></head><body>{{end}}

{{define "login"}}{{template "head"}}
<h1>Sign in</h1>
<p>Development identity provider. Pick who signs in to <code>{{.ClientID}}</code>.</p>
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
{{range .Users}}<form method="post" action="/login">
<input type="hidden" name="id" value="{{$.RequestID}}">
<input type="hidden" name="email" value="{{.Email}}">
{{if .AskPassword}}<label>Password for {{.Email}} <input type="password" name="password" autocomplete="current-password" required></label>{{end}}
<button type="submit">{{with .Name}}<strong>{{.}}</strong> {{end}}&lt;{{.Email}}&gt;</button>
{{if .Groups}}<small>groups: {{join .Groups ", "}}</small>{{end}}
{{if not .EmailVerified}}<small>email not verified</small>{{end}}
</form>
{{end}}</body></html>
{{end}}

{{define "error"}}{{template "head"}}
<h1>Sign-in error</h1>
<p class="error" role="alert">{{.Message}}</p>
</body></html>
{{end}}
`
