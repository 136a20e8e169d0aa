// Package authorize implements GET /user_management/authorize and the
// upstream callback (spec/authorize.md): parse, validate in the spec's
// order, route to the hosted login or an upstream connector, and seal the
// flow into a browser-bound cookie; on the way back, verify, find or
// create the user, and mint a one-time code.
package authorize

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/oauth"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Paths served by this package.
const (
	AuthorizePath = "/user_management/authorize"
	CallbackPath  = "/sso/callback"
	// HostedPath is where provider=authkit sends the browser; the hosted
	// login (package hostedui) serves it.
	HostedPath = "/authkit"
)

// Options configure a Handler.
type Options struct {
	Catalog *Catalog
	Store   store.Store
	// Box seals transactions; all nodes must share its key.
	Box *secrets.Box
	// ExtraBox seals what a code's exchange returns besides the user (the
	// upstream's OAuth tokens) into the stored code; all nodes must share
	// its key. Needed only by connections that return OAuth tokens.
	ExtraBox *secrets.Box
	// PublicURL is where browsers reach Latchkey (no trailing slash).
	PublicURL string
	Log       *slog.Logger
	Now       func() time.Time
	// TraceID returns the request's trace ID for error descriptions.
	TraceID func(context.Context) string
}

// Handler serves authorize and the callback.
type Handler struct {
	Options
	callbackURL string
	secure      bool // cookies only over https when the public URL is https
}

// New returns a Handler.
func New(o Options) *Handler {
	return &Handler{Options: o, callbackURL: o.PublicURL + CallbackPath, secure: strings.HasPrefix(o.PublicURL, "https://")}
}

// Authorize serves GET /user_management/authorize.
func (h *Handler) Authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	trace := h.TraceID(ctx)
	if len(r.URL.RawQuery) > maxQueryLen {
		e := oauth.Errorf(oauth.InvalidRequest, "The authorization URL is too long.")
		e.Status = http.StatusRequestURITooLong
		h.page(w, r, e, trace)
		return
	}

	// 1. Parse; the client and its redirect URI first, answered on a page.
	pr := parseQuery(r.URL.RawQuery)
	p := &pr.Params
	if pr.clientErr != nil {
		h.page(w, r, pr.clientErr, trace)
		return
	}
	app, err := h.Catalog.Application(ctx, p.ClientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.page(w, r, oauth.Errorf(oauth.InvalidClient, "client_id %q is not a known client.", oauth.Truncate(p.ClientID, 80)), trace)
		return
	case err != nil:
		h.page(w, r, oauth.Unavailable(err), trace)
		return
	}
	if pr.redirectDup {
		h.page(w, r, oauth.Errorf(oauth.InvalidRequest, "redirect_uri is repeated; send it once."), trace)
		return
	}
	if reason := checkRequestedURI(p.RedirectURI); reason != "" {
		code := oauth.InvalidRedirectURI
		if p.RedirectURI == "" {
			code = oauth.InvalidRequest
		}
		h.page(w, r, oauth.Errorf(code, "%s.", reason), trace)
		return
	}
	if !matchRedirectURI(app.redirects, p.RedirectURI) {
		h.page(w, r, oauth.Errorf(oauth.InvalidRedirectURI, "redirect_uri %q is not registered for this client.", oauth.Truncate(p.RedirectURI, 200)), trace)
		return
	}

	// 2. Everything else goes back to the client by redirect.
	fail := func(e *oauth.Error) { h.redirectError(w, r, p.RedirectURI, p.State, p.HasState, e, trace) }
	// The spec's order: response_type first, then the request's form.
	if e := validateResponseType(p.ResponseType); e != nil {
		fail(e)
		return
	}
	if pr.redirectErr != nil {
		fail(pr.redirectErr)
		return
	}
	if e := validate(p); e != nil {
		fail(e)
		return
	}

	// 3. Route, then 4. seal.
	tx := &Transaction{
		ID: randomString(16), ClientID: app.ID, RedirectURI: p.RedirectURI, State: p.State, HasState: p.HasState,
		CodeChallenge: p.CodeChallenge, OrganizationID: p.OrganizationID, Provider: p.Provider,
		LoginHint: p.LoginHint, DomainHint: p.DomainHint, ScreenHint: p.ScreenHint, Prompt: p.Prompt, MaxAge: p.MaxAge,
		Scopes: p.ProviderScopes, QueryParams: p.ProviderQueryParams,
		ExpiresAt: h.Now().Add(TransactionTTL).Unix(),
	}
	if p.Provider == ProviderAuthKit {
		if e := h.routeHosted(ctx, tx); e != nil {
			fail(e)
			return
		}
		screen := "sign-in"
		if tx.ScreenHint == "sign-up" {
			screen = "sign-up"
		}
		h.setCookieAndRedirect(w, tx, h.PublicURL+HostedPath+"/"+screen+"?tx="+tx.ID, trace)
		return
	}
	conn, e := h.route(ctx, p)
	if e != nil {
		fail(e)
		return
	}
	tx.ConnectionID = conn.ID
	if tx.OrganizationID == "" {
		tx.OrganizationID = conn.OrganizationID
	}
	loginURL, e := h.loginURL(ctx, conn, tx)
	if e != nil {
		fail(e)
		return
	}
	h.setCookieAndRedirect(w, tx, loginURL, trace)
}

// routeHosted checks the organization preselected for the hosted login.
func (h *Handler) routeHosted(ctx context.Context, tx *Transaction) *oauth.Error {
	if tx.OrganizationID == "" {
		return nil
	}
	_, err := h.Catalog.Organization(ctx, tx.OrganizationID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return oauth.Errorf(oauth.OrganizationInvalid, "organization_id %q is not a known organization.", oauth.Truncate(tx.OrganizationID, 80))
	case err != nil:
		return oauth.Unavailable(err)
	}
	return nil
}

// route picks the connection: connection_id, the organization's SSO
// connection, or the environment's connection for the provider.
func (h *Handler) route(ctx context.Context, p *Params) (*Connection, *oauth.Error) {
	var conn *Connection
	var err error
	switch {
	case p.ConnectionID != "":
		conn, err = h.Catalog.Connection(ctx, p.ConnectionID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, oauth.Errorf(oauth.ConnectionInvalid, "connection_id %q is not a known connection.", oauth.Truncate(p.ConnectionID, 80))
		}
	case p.OrganizationID != "":
		var org *Organization
		org, err = h.Catalog.Organization(ctx, p.OrganizationID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil, oauth.Errorf(oauth.OrganizationInvalid, "organization_id %q is not a known organization.", oauth.Truncate(p.OrganizationID, 80))
		case err == nil && org.SSOConnectionID == "":
			return nil, oauth.Errorf(oauth.OrganizationInvalid, "Organization %s has no active SSO connection.", org.ID)
		case err == nil:
			conn, err = h.Catalog.Connection(ctx, org.SSOConnectionID)
		}
	default:
		conn, err = h.Catalog.ProviderConnection(ctx, p.Provider)
		if errors.Is(err, store.ErrNotFound) {
			return nil, oauth.Errorf(oauth.ConnectionInvalid, "No active %s connection is configured.", p.Provider)
		}
	}
	if err != nil {
		return nil, oauth.Unavailable(err)
	}
	if conn.State != store.ConnectionActive {
		return nil, oauth.Errorf(oauth.ConnectionInvalid, "Connection %s is not active.", conn.ID)
	}
	return conn, nil
}

// loginURL asks the connection's connector where to send the browser.
func (h *Handler) loginURL(ctx context.Context, conn *Connection, tx *Transaction) (string, *oauth.Error) {
	c, err := h.Catalog.Connector(ctx, conn)
	if errors.Is(err, ErrUnsupportedConnection) {
		return "", oauth.Errorf(oauth.ConnectionInvalid, "Connection %s has type %s, which this server cannot sign in with yet.", conn.ID, conn.Type)
	}
	if err != nil {
		return "", oauth.Unavailable(err)
	}
	tx.Nonce, tx.Verifier = randomString(16), randomString(32)
	u, err := c.LoginURL(h.connectorRequest(tx))
	if err != nil {
		return "", oauth.Internal(err)
	}
	return u, nil
}

func (h *Handler) connectorRequest(tx *Transaction) connector.Request {
	return connector.Request{
		CallbackURL: h.callbackURL, State: tx.ID, Nonce: tx.Nonce, CodeVerifier: tx.Verifier,
		LoginHint: tx.LoginHint, DomainHint: tx.DomainHint, Prompt: tx.Prompt, MaxAge: tx.MaxAge,
		ExtraScopes: tx.Scopes, QueryParams: tx.QueryParams,
	}
}

func (h *Handler) setCookieAndRedirect(w http.ResponseWriter, tx *Transaction, location, trace string) {
	c, err := sealCookie(h.Box, tx, h.secure)
	if errors.Is(err, errTooLarge) {
		h.redirectError(w, nil, tx.RedirectURI, tx.State, tx.HasState, oauth.Errorf(oauth.InvalidRequest,
			"state, the hints, provider_scopes and provider_query_params are too long to carry through sign-in; keep them under about 2,500 bytes in all."), trace)
		return
	}
	if err != nil {
		h.redirectError(w, nil, tx.RedirectURI, tx.State, tx.HasState, oauth.Internal(err), trace)
		return
	}
	setCookie(w.Header(), c)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusFound)
}

// page answers with the error page and logs the failure.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, e *oauth.Error, trace string) {
	h.logError(r, e, trace)
	oauth.Page(w, r, e, trace)
}

func (h *Handler) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state string, hasState bool, e *oauth.Error, trace string) {
	h.logError(r, e, trace)
	oauth.Redirect(w, redirectURI, state, hasState, e, trace)
}

func (h *Handler) logError(r *http.Request, e *oauth.Error, trace string) {
	level := slog.LevelInfo // a client's mistake
	if e.Status >= 500 {
		level = slog.LevelError
	}
	ctx := context.Background()
	if r != nil {
		ctx = r.Context()
	}
	attrs := []slog.Attr{slog.String("trace_id", trace), slog.String("error", e.Code), slog.String("description", e.Description)}
	if e.Cause != nil {
		attrs = append(attrs, slog.String("cause", e.Cause.Error()))
	}
	h.Log.LogAttrs(ctx, level, "authorize failed", attrs...)
}
