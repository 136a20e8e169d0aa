// Package hostedui serves the hosted sign-in and sign-up pages that
// provider=authkit leads to. Until the hosted login is built, it shows a
// placeholder that proves the authorize plumbing: it opens the sealed
// transaction and shows what the hosted page will act on.
package hostedui

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/secrets"
)

// OrganizationNamer looks up an organization's display name.
type OrganizationNamer interface {
	Organization(ctx context.Context, id string) (*authorize.Organization, error)
}

// Placeholder serves GET /authkit/sign-in and /authkit/sign-up.
type Placeholder struct {
	Box  *secrets.Box
	Orgs OrganizationNamer
	Now  func() time.Time
	Log  *slog.Logger
}

// ServeHTTP renders the placeholder for the transaction named by ?tx=.
func (p *Placeholder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	screen := r.PathValue("screen")
	if screen != "sign-in" && screen != "sign-up" {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Type", "text/html; charset=utf-8")
	tx, err := authorize.OpenTransaction(p.Box, r, r.URL.Query().Get("tx"), p.Now())
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = page.Execute(w, view{Expired: true})
		return
	}
	v := view{Screen: screen, Email: tx.LoginHint, OrganizationID: tx.OrganizationID}
	if tx.OrganizationID != "" {
		if org, err := p.Orgs.Organization(r.Context(), tx.OrganizationID); err == nil {
			v.Organization = org.Name
		}
	}
	_ = page.Execute(w, v)
}

type view struct {
	Expired        bool
	Screen         string
	Email          string
	Organization   string
	OrganizationID string
}

var page = template.Must(template.New("placeholder").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if eq .Screen "sign-up"}}Sign up{{else}}Sign in{{end}}</title>
<style>
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f7f9;color:#1b1f24}
main{max-width:28rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #8c959f;border-radius:6px;font:inherit}
.note{color:#57606a;font-size:.875rem}
</style>
</head>
<body>
<main>
{{if .Expired}}
<h1>This sign-in link has expired</h1>
<p>Go back to the application and start again.</p>
{{else}}
<h1>{{if eq .Screen "sign-up"}}Create your account{{else}}Sign in{{end}}</h1>
{{if .Organization}}<p>Organization: <strong>{{.Organization}}</strong></p>{{end}}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" value="{{.Email}}" disabled>
<p class="note">Hosted {{.Screen}} is not available in this build yet: use an SSO connection or OAuth provider.</p>
{{end}}
</main>
</body>
</html>
`))
