package hostedui

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/authorize"
)

// view is everything a page template may show. One flat type keeps the
// templates simple; each page uses a few fields.
type view struct {
	Page    string // names the <main> element, for tests and styling
	Title   string // the <title>, before the application's name
	Heading string
	Lead    string // the line under the heading
	App     appView
	Theme   template.CSS // the inline accent colours; hashed into the CSP
	Dev     bool         // development mode: link the outbox
	// Root leads from the page to /authkit/; links are relative, so the
	// pages work under any path prefix of the public URL.
	Root       string
	CSSVersion string
	Focus      string // the input to focus: the first with an error

	TxID string
	CSRF string

	Error   string            // the form's error, announced with role=alert
	Fields  map[string]string // per-field errors by input name
	Notice  string            // a non-error status line
	Message string            // the text of message pages
	Trace   string

	Email, FirstName, LastName string
	EmailLocked                bool // the email was entered on an earlier step
	Providers                  []providerView
	Organization               string
	SignUpEnabled              bool
	MinPassword                int
	Token                      string // password reset token, kept in the form
	Continue                   template.URL
	Outbox                     []Sent
}

type appView struct {
	Name    string
	LogoURL string
	Initial string
}

type providerView struct {
	Type  string
	Label string
	Icon  string // a key of the icons in the templates
}

// titles are the pages' default <title>s.
var titles = map[string]string{
	"sign-in": "Sign in", "password": "Sign in", "sign-up": "Create your account", "verify-email": "Verify your email",
	"forgot-password": "Reset your password", "reset-password": "Choose a new password",
}

// pages holds one template per page, each the layout plus that page's
// content, and the stylesheet with its version.
type pages struct {
	byName     map[string]*template.Template
	css        []byte
	cssVersion string
}

func loadPages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	layout, err := template.New("layout.html").Funcs(template.FuncMap{"icon": icon}).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("hostedui: %w", err)
	}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, f)
		if err != nil {
			return nil, fmt.Errorf("hostedui: %w", err)
		}
		p.byName[name] = t
	}
	if p.css, err = fs.ReadFile(assets, "static/hosted.css"); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(p.css)
	p.cssVersion = base64.RawURLEncoding.EncodeToString(sum[:6])
	return p, nil
}

// render writes page name with the security headers. The page is rendered
// into a buffer first, so a template error never leaves half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, v *view) {
	if v.Page == "" {
		v.Page = name
	}
	v.CSSVersion = h.pages.cssVersion
	if v.Title == "" {
		v.Title = titles[name]
	}
	v.Focus = "first_name"
	for _, f := range []string{"first_name", "last_name", "email", "password", "code"} {
		if v.Fields[f] != "" {
			v.Focus = f
			break
		}
	}
	var b bytes.Buffer
	if err := h.pages.byName[name].ExecuteTemplate(&b, "layout.html", v); err != nil {
		h.Log.Error("hosted page failed to render", slog.String("page", name), slog.Any("err", err))
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	securityHeaders(w.Header(), string(v.Theme), v.App.LogoURL)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// securityHeaders: no script at all; styles only from our stylesheet and
// the one inline block of accent colours, allowed by its hash; images
// from us and the logo's origin; never framed; no referrer, since page
// URLs carry transaction IDs and reset tokens. form-action is left out on
// purpose: browsers apply it to the redirects that follow a post, and
// ours go on to the application and to identity providers.
func securityHeaders(hd http.Header, theme, logoURL string) {
	sum := sha256.Sum256([]byte(theme))
	img := "'self'"
	if u, err := url.Parse(logoURL); err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http") {
		img += " " + u.Scheme + "://" + u.Host
	}
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self' 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+
		"'; img-src "+img+"; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
}

// asset serves the embedded stylesheet. Its URL carries a version, so it
// may be cached for long.
func (h *Handler) asset(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("file") != "hosted.css" {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/css; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == h.pages.cssVersion {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(h.pages.css)
}

// baseView fills what every page shows: the application's name and
// branding (Latchkey's own without a transaction), the development link,
// and the per-form token.
func (h *Handler) baseView(r *http.Request, tx *authorize.Transaction) *view {
	v := &view{App: appView{Name: "Latchkey"}, Dev: h.Outbox != nil && h.OutboxPage, MinPassword: minPasswordLength}
	accent := ""
	if tx != nil {
		v.TxID = tx.ID
		ctx := r.Context()
		if app, err := h.Directory.Application(ctx, tx.ClientID); err == nil {
			v.App.Name = app.Name
		}
		b, err := h.Store.GetApplicationBranding(ctx, tx.ClientID)
		if err != nil {
			h.Log.Warn("branding unavailable", slog.String("client_id", tx.ClientID), slog.Any("err", err))
		}
		v.App.LogoURL, accent = b.LogoURL, b.AccentColor
	}
	if name := []rune(v.App.Name); len(name) > 0 {
		v.App.Initial = strings.ToUpper(string(name[0]))
	}
	v.Theme = template.CSS(themeCSS(accent))
	return v
}
