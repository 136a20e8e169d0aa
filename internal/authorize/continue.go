package authorize

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/latchkeyhq/latchkey/internal/oauth"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// What the hosted login (package hostedui) needs to carry on a
// provider=authkit transaction: start an upstream flow for it, or end it
// with a code once the user signed in on the hosted pages.

// ContinueWithConnection starts the upstream sign-in at connection connID
// for a transaction the hosted login holds (an organization's SSO found by
// home-realm discovery or preselected with organization_id), re-sealing tx
// so that the callback finishes it as if authorize had routed there. A
// problem is answered to the application by redirect.
func (h *Handler) ContinueWithConnection(w http.ResponseWriter, r *http.Request, tx *Transaction, connID string) {
	h.continueAt(w, r, tx, &Params{ConnectionID: connID})
}

// ContinueWithProvider does as ContinueWithConnection for the
// environment's active connection of an OAuth provider type
// (GoogleOAuth, …), for the hosted login's provider buttons.
func (h *Handler) ContinueWithProvider(w http.ResponseWriter, r *http.Request, tx *Transaction, provider string) {
	h.continueAt(w, r, tx, &Params{Provider: provider})
}

func (h *Handler) continueAt(w http.ResponseWriter, r *http.Request, tx *Transaction, p *Params) {
	ctx := r.Context()
	trace := h.TraceID(ctx)
	conn, e := h.route(ctx, p)
	if e == nil {
		tx.ConnectionID = conn.ID
		if tx.OrganizationID == "" {
			tx.OrganizationID = conn.OrganizationID
		}
		var loginURL string
		if loginURL, e = h.loginURL(ctx, conn, tx); e == nil {
			h.setCookieAndRedirect(w, tx, loginURL, trace)
			return
		}
	}
	clearCookie(w, tx.ID, h.secure)
	h.redirectError(w, r, tx.RedirectURI, tx.State, tx.HasState, e, trace)
}

// ProviderConnections returns the environment's active OAuth provider
// connections, in the order of the OpenAPI document's provider enum. The
// catalog caches them, so this makes no database round trip once warm.
func (h *Handler) ProviderConnections(ctx context.Context) ([]*Connection, error) {
	var out []*Connection
	for _, name := range providerNames {
		conn, err := h.Catalog.ProviderConnection(ctx, name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		}
		out = append(out, conn)
	}
	return out, nil
}

// FinishSignIn ends a transaction in which the user signed in on the
// hosted pages: it mints the session and code, clears the transaction
// cookie so the flow cannot be completed twice, and sends the browser
// back to the application's redirect URI with the code and state.
func (h *Handler) FinishSignIn(w http.ResponseWriter, r *http.Request, tx *Transaction, userID, organizationID, method string) {
	ctx := r.Context()
	trace := h.TraceID(ctx)
	clearCookie(w, tx.ID, h.secure)
	code, err := h.IssueCode(ctx, Grant{ClientID: tx.ClientID, RedirectURI: tx.RedirectURI, CodeChallenge: tx.CodeChallenge,
		UserID: userID, OrganizationID: organizationID, AuthMethod: method, UserAgent: r.UserAgent()})
	if err != nil {
		h.redirectError(w, r, tx.RedirectURI, tx.State, tx.HasState, oauth.Unavailable(err), trace)
		return
	}
	h.Log.LogAttrs(ctx, slog.LevelInfo, "signed in", slog.String("trace_id", trace),
		slog.String("client_id", tx.ClientID), slog.String("method", method))
	q := url.Values{"code": {code}}
	if tx.HasState {
		q.Set("state", tx.State)
	}
	oauth.RedirectWith(w, tx.RedirectURI, q.Encode())
}
