// Package hostedui serves the hosted login that provider=authkit leads to:
// sign-in (email first, then a password or the organization's SSO found
// by the email's domain), sign-up with an emailed one-time code, password
// reset by an emailed one-time link, and buttons for the environment's
// OAuth providers. Pages are server-rendered html/template with embedded
// CSS and no script; every form is guarded by http.CrossOriginProtection
// and a per-form token, and rate-limited per address and per account.
package hostedui

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/mail"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Flow is what the hosted login needs of the authorize handler to carry
// on a provider=authkit transaction.
type Flow interface {
	ContinueWithConnection(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction, connID string)
	ContinueWithProvider(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction, provider string)
	ProviderConnections(ctx context.Context) ([]*authorize.Connection, error)
	FinishSignIn(w http.ResponseWriter, r *http.Request, tx *authorize.Transaction, userID, organizationID, method string)
}

// Directory looks up the cached applications and organizations.
type Directory interface {
	Application(ctx context.Context, clientID string) (*authorize.Application, error)
	Organization(ctx context.Context, id string) (*authorize.Organization, error)
}

// Options configure a Handler.
type Options struct {
	Flow      Flow
	Directory Directory
	Store     store.Store
	// TxBox opens the transaction cookies that authorize seals.
	TxBox *secrets.Box
	// StateBox seals the hosted login's own cookie (the pending email
	// verification of a transaction).
	StateBox *secrets.Box
	// Secret keys the per-form tokens and the hashes of email codes: at
	// least 32 random bytes, the same on every node.
	Secret []byte
	// PublicURL is where browsers reach Latchkey; links in emails start
	// with it.
	PublicURL string
	// Mail delivers email; nil when no SMTP relay is configured.
	Mail mail.Sender
	// Outbox, when set (development mode only), keeps every email sent,
	// and codes and links are logged.
	Outbox *Outbox
	// OutboxPage serves the Outbox at /authkit/dev/outbox. Anyone who
	// can open it can take over any account, so it is for development
	// servers that only their developer reaches.
	OutboxPage bool
	// Limits are the rate limits; the zero value means DefaultLimits.
	Limits         Limits
	PasswordParams password.Params
	Log            *slog.Logger
	Now            func() time.Time
	TraceID        func(context.Context) string
}

// Handler serves the hosted pages.
type Handler struct {
	Options
	pages      *pages
	secure     bool   // cookies only over https
	cookiePath string // the public path of the hosted pages
	dummyHash  string // verified for unknown emails, so a miss takes as long as a wrong password
	mailSlots  chan struct{}
	commonPass map[string]bool
}

// New returns a Handler.
func New(o Options) (*Handler, error) {
	if len(o.Secret) < 32 {
		return nil, errors.New("hostedui: the secret must have at least 32 bytes")
	}
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits()
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	dummy, err := password.Hash("latchkey-hosted-dummy", o.PasswordParams)
	if err != nil {
		return nil, err
	}
	common, err := loadCommonPasswords()
	if err != nil {
		return nil, err
	}
	// Cookies are scoped to where browsers see the pages, which includes
	// the public URL's path when a proxy serves Latchkey under one.
	pub, err := url.Parse(o.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("hostedui: public URL: %w", err)
	}
	return &Handler{Options: o, pages: p, secure: pub.Scheme == "https", cookiePath: pub.Path + authorize.HostedPath,
		dummyHash: dummy, mailSlots: make(chan struct{}, 8), commonPass: common}, nil
}

// Screens of the hosted login, under authorize.HostedPath.
const (
	screenSignIn  = "sign-in"
	screenSignUp  = "sign-up"
	screenVerify  = "verify-email"
	screenForgot  = "forgot-password"
	screenReset   = "reset-password"
	outboxPath    = authorize.HostedPath + "/dev/outbox"
	assetsPattern = authorize.HostedPath + "/assets/{file}"
)

// Register adds the hosted login's routes with handle (a ServeMux's
// Handle). Form posts pass http.CrossOriginProtection, which refuses
// cross-origin posts before any handler runs.
func (h *Handler) Register(handle func(pattern string, handler http.Handler)) {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.formExpired(w, r, http.StatusForbidden)
	}))
	handle("GET "+authorize.HostedPath+"/{screen}", http.HandlerFunc(h.get))
	handle("POST "+authorize.HostedPath+"/{screen}", cop.Handler(http.HandlerFunc(h.post)))
	handle("GET "+assetsPattern, http.HandlerFunc(h.asset))
	if h.Outbox != nil && h.OutboxPage {
		handle("GET "+outboxPath, http.HandlerFunc(h.outboxPage))
	}
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("screen") {
	case screenSignIn:
		h.signInPage(w, r)
	case screenSignUp:
		h.signUpPage(w, r)
	case screenVerify:
		h.verifyPage(w, r)
	case screenForgot:
		h.forgotPage(w, r)
	case screenReset:
		h.resetPage(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.formExpired(w, r, http.StatusBadRequest)
		return
	}
	screen := r.PathValue("screen")
	if !h.checkForm(r, formBinding(screen, r)) {
		h.formExpired(w, r, http.StatusForbidden)
		return
	}
	if ok := h.limitAddress(w, r); !ok {
		return
	}
	switch screen {
	case screenSignIn:
		h.signInSubmit(w, r)
	case screenSignUp:
		h.signUpSubmit(w, r)
	case screenVerify:
		h.verifySubmit(w, r)
	case screenForgot:
		h.forgotSubmit(w, r)
	case screenReset:
		h.resetSubmit(w, r)
	default:
		http.NotFound(w, r)
	}
}

// transaction opens the transaction named by ?tx=, or answers with the
// expired page and returns nil.
func (h *Handler) transaction(w http.ResponseWriter, r *http.Request) *authorize.Transaction {
	tx, err := authorize.OpenTransaction(h.TxBox, r, r.URL.Query().Get("tx"), h.Now())
	if err != nil {
		h.expired(w, r)
		return nil
	}
	return tx
}

// keyed returns the hex HMAC of parts under the handler's secret; the
// first part names the purpose, so keys of one use never match another.
func (h *Handler) keyed(parts ...string) string {
	m := hmac.New(sha256.New, h.Secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// fail answers a server-side failure with a page that names the trace ID.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	trace := h.TraceID(r.Context())
	h.Log.LogAttrs(r.Context(), slog.LevelError, "hosted login failed", slog.String("trace_id", trace),
		slog.String("step", what), slog.Any("err", err))
	v := h.baseView(r, nil)
	v.Title, v.Heading = "Something went wrong", "Something went wrong"
	v.Message = "We could not complete this step. Please try again in a moment."
	v.Trace = trace
	h.render(w, http.StatusServiceUnavailable, "message", v)
}

// expired answers a missing or expired transaction.
func (h *Handler) expired(w http.ResponseWriter, r *http.Request) {
	v := h.baseView(r, nil)
	v.Title, v.Heading = "Sign-in expired", "This sign-in has expired"
	v.Message = "Sign-in links work for a few minutes and in the browser that opened them. Go back to the application and start again."
	h.render(w, http.StatusBadRequest, "message", v)
}

// formExpired answers a form whose token or origin check failed.
func (h *Handler) formExpired(w http.ResponseWriter, r *http.Request, status int) {
	v := h.baseView(r, nil)
	v.Title, v.Heading = "Form expired", "This form has expired"
	v.Message = "For your security, forms work only on the page that showed them. Go back, reload the page and try again."
	h.render(w, status, "message", v)
}
