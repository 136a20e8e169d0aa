package authorize

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	samlconn "github.com/latchkeyhq/latchkey/internal/connector/saml"
	"github.com/latchkeyhq/latchkey/internal/oauth"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// SAML paths served by this package. The ACS and metadata paths end with
// the connection ID.
const (
	SAMLACSPath      = "/sso/saml/acs/"
	SAMLMetadataPath = "/sso/saml/metadata/"
	SAMLContinuePath = "/sso/saml/continue"
)

// samlContinueTTL bounds the hop from the ACS to the continue step, which
// is one redirect.
const samlContinueTTL = 60 * time.Second

// maxSAMLPost bounds the form posted to the ACS.
const maxSAMLPost = 512 << 10

// samlContinueAD is the associated data of a sealed SAML outcome. The "/"
// never occurs in a transaction ID, so a transaction cookie (sealed with
// its ID) cannot be passed off as an outcome or the other way round.
var samlContinueAD = []byte("saml/continue")

// samlOutcome is what the ACS found, handed to the continue step in its
// URL. The ACS receives a cross-site POST, which carries no SameSite=Lax
// cookie, so it cannot see the transaction; the continue step is a
// same-site GET that can.
type samlOutcome struct {
	ConnectionID string              `json:"c"`
	RelayState   string              `json:"rs"`
	InResponseTo string              `json:"irt,omitempty"`
	Identity     *connector.Identity `json:"id,omitempty"`
	// Refusal, when set, is why the response was refused; the continue
	// step answers the application with access_denied.
	Refusal   string `json:"ref,omitempty"`
	ExpiresAt int64  `json:"exp"` // Unix seconds
	// cause is why the response was refused, for the ACS's log only.
	cause error
}

// newSAMLConnector builds the connector of a SAML connection. Its entity ID
// is its metadata URL, and its ACS URL names the connection, so one IdP
// can hold Latchkey as several service providers.
func newSAMLConnector(ctx context.Context, publicURL, connID string, s *config.SAML, client *http.Client, compressors *samlconn.Compressors) (connector.CallbackConnector, error) {
	c, err := samlconn.New(ctx, samlconn.Config{
		EntityID: publicURL + SAMLMetadataPath + connID, ACSURL: publicURL + SAMLACSPath + connID,
		IDPMetadata: s.IDPMetadata, IDPMetadataURL: s.IDPMetadataURL, AttributeMapping: s.AttributeMapping,
		Compressors: compressors,
	}, client)
	if err != nil {
		return nil, fmt.Errorf("authorize: connection %s: %w", connID, err)
	}
	return c, nil
}

// samlConnector returns a SAML connection and its connector, or the error
// to show on a page.
func (h *Handler) samlConnector(ctx context.Context, connID string) (*Connection, connector.SAMLConnector, *oauth.Error) {
	conn, err := h.Catalog.Connection(ctx, connID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, oauth.Errorf(oauth.ConnectionInvalid, "Connection %q does not exist.", oauth.Truncate(connID, 80))
	}
	if err != nil {
		return nil, nil, oauth.Unavailable(err)
	}
	c, err := h.Catalog.Connector(ctx, conn)
	if errors.Is(err, ErrUnsupportedConnection) {
		return nil, nil, oauth.Errorf(oauth.ConnectionInvalid, "Connection %s is not a SAML connection.", conn.ID)
	}
	if err != nil {
		return nil, nil, oauth.Unavailable(err)
	}
	sc, ok := c.(connector.SAMLConnector)
	if !ok {
		return nil, nil, oauth.Errorf(oauth.ConnectionInvalid, "Connection %s is not a SAML connection.", conn.ID)
	}
	return conn, sc, nil
}

// SAMLMetadata serves GET /sso/saml/metadata/{connection_id}: the service
// provider metadata to give the connection's IdP.
func (h *Handler) SAMLMetadata(w http.ResponseWriter, r *http.Request) {
	_, sc, e := h.samlConnector(r.Context(), r.PathValue("connection_id"))
	if e != nil {
		if e.Code == oauth.ConnectionInvalid {
			e.Status = http.StatusNotFound
		}
		h.page(w, r, e, h.TraceID(r.Context()))
		return
	}
	md, err := sc.Metadata()
	if err != nil {
		h.page(w, r, oauth.Internal(err), h.TraceID(r.Context()))
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(md)
}

// SAMLACS serves POST /sso/saml/acs/{connection_id}. It verifies the
// response fully against the connection and records the assertion ID, so
// a replay fails on every node; then it seals the outcome and sends the
// browser on to the continue step with 303 See Other, which turns the
// cross-site POST into a same-site GET that carries the transaction cookie.
func (h *Handler) SAMLACS(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	trace := h.TraceID(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, maxSAMLPost)
	if err := r.ParseForm(); err != nil {
		h.page(w, r, oauth.Errorf(oauth.InvalidRequest, "The SAML response could not be read.").WithCause(err), trace)
		return
	}
	relayState := r.PostForm.Get("RelayState")
	if !validTransactionID(relayState) {
		// IdP-initiated sign-in: nothing says which application asked, so
		// there is nowhere to send the person. Refused, no user touched.
		h.page(w, r, oauth.Errorf(oauth.AccessDenied,
			"Sign-in must start at the application: this identity provider sent a response nobody asked for."), trace)
		return
	}
	conn, sc, e := h.samlConnector(ctx, r.PathValue("connection_id"))
	if e != nil {
		h.page(w, r, e, trace)
		return
	}
	out, err := h.verifyResponse(ctx, conn, sc, r.PostForm.Get("SAMLResponse"), relayState)
	if err != nil {
		h.page(w, r, oauth.Unavailable(err), trace)
		return
	}
	if out.Refusal != "" {
		h.Log.LogAttrs(ctx, slog.LevelInfo, "saml response refused", slog.String("trace_id", trace),
			slog.String("connection_id", conn.ID), slog.String("reason", out.Refusal), slog.Any("cause", out.cause))
	}
	js, err := json.Marshal(out)
	if err != nil {
		h.page(w, r, oauth.Internal(err), trace)
		return
	}
	sealed := base64.RawURLEncoding.EncodeToString(h.Box.Seal(js, samlContinueAD))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, h.PublicURL+SAMLContinuePath+"?r="+sealed, http.StatusSeeOther)
}

// verifyResponse verifies a posted response for the transaction named by
// relayState and records its assertion ID. A response that fails is an
// outcome with a Refusal; the error is for the store failing.
func (h *Handler) verifyResponse(ctx context.Context, conn *Connection, sc connector.SAMLConnector, samlResponse, relayState string) (samlOutcome, error) {
	out := samlOutcome{ConnectionID: conn.ID, RelayState: relayState, ExpiresAt: h.Now().Add(samlContinueTTL).Unix()}
	a, err := sc.HandlePOST(ctx, samlResponse, sc.RequestID(relayState))
	var up *connector.UpstreamError
	switch {
	case errors.As(err, &up):
		out.Refusal, out.cause = fmt.Sprintf("The identity provider refused the sign-in: %s.", oauth.Truncate(up.Description, 200)), err
		return out, nil
	case err != nil:
		out.Refusal, out.cause = "The identity provider's answer could not be verified.", err
		return out, nil
	}
	// Scoped by connection: another organization's IdP cannot block this
	// one's assertion IDs by using them first.
	err = h.Store.RecordAssertion(ctx, conn.ID+" "+a.ID, a.ExpiresAt)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		out.Refusal, out.cause = "This identity provider response was already used.", err
	case err != nil:
		return out, err
	default:
		out.InResponseTo, out.Identity = a.InResponseTo, &a.Identity
	}
	return out, nil
}

// validTransactionID reports whether s can be a transaction ID: what
// randomString makes, base64url without padding.
func validTransactionID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	return !strings.ContainsFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')
	})
}

// openOutcome opens the sealed outcome of the ACS, refusing it once
// expired.
func (h *Handler) openOutcome(raw string) (*samlOutcome, error) {
	sealed, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, errors.New("authorize: saml outcome: not base64url")
	}
	js, err := h.Box.Open(sealed, samlContinueAD)
	if err != nil {
		return nil, fmt.Errorf("authorize: saml outcome: %w", err)
	}
	var out samlOutcome
	if err := json.Unmarshal(js, &out); err != nil {
		return nil, fmt.Errorf("authorize: saml outcome: %w", err)
	}
	if h.Now().Unix() >= out.ExpiresAt {
		return nil, errors.New("authorize: saml outcome expired")
	}
	return &out, nil
}

// SAMLContinue serves GET /sso/saml/continue: it opens the transaction the
// response's RelayState names, in this browser's cookies, checks that the
// response answers that transaction's AuthnRequest at its connection, and
// completes the sign-in as the callback does.
func (h *Handler) SAMLContinue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	trace := h.TraceID(ctx)
	out, err := h.openOutcome(r.URL.Query().Get("r"))
	if err != nil {
		h.page(w, r, oauth.Errorf(oauth.InvalidRequest,
			"This sign-in attempt has expired. Go back to the application and sign in again.").WithCause(err), trace)
		return
	}
	tx, err := OpenTransaction(h.Box, r, out.RelayState, h.Now())
	if err != nil {
		h.page(w, r, oauth.Errorf(oauth.InvalidRequest,
			"This sign-in attempt has expired, was already completed, or was started in another browser. Go back to the application and sign in again.").WithCause(err), trace)
		return
	}
	// The flow ends here whatever the outcome: the cookie is single-use.
	clearCookie(w, tx.ID, h.secure)
	fail := func(e *oauth.Error) { h.redirectError(w, r, tx.RedirectURI, tx.State, tx.HasState, e, trace) }
	conn, ident, e := h.acceptOutcome(ctx, out, tx)
	if e != nil {
		fail(e)
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

// acceptOutcome checks that the ACS's outcome answers this transaction:
// its connection, still active, and the AuthnRequest sent for it. It
// returns who signed in, with the email marked verified when the
// organization owns its domain.
func (h *Handler) acceptOutcome(ctx context.Context, out *samlOutcome, tx *Transaction) (*Connection, connector.Identity, *oauth.Error) {
	if out.ConnectionID != tx.ConnectionID {
		return nil, connector.Identity{}, oauth.Errorf(oauth.AccessDenied, "The identity provider's answer came from another connection than the one sign-in started with.")
	}
	if out.Refusal != "" || out.Identity == nil {
		return nil, connector.Identity{}, oauth.Errorf(oauth.AccessDenied, "%s", out.Refusal)
	}
	conn, sc, e := h.samlConnector(ctx, tx.ConnectionID)
	switch {
	case e != nil && e.Code == oauth.ConnectionInvalid:
		return nil, connector.Identity{}, oauth.Errorf(oauth.ConnectionInvalid, "The connection used to sign in no longer exists.").WithCause(e)
	case e != nil:
		return nil, connector.Identity{}, e
	case conn.State != store.ConnectionActive:
		return nil, connector.Identity{}, oauth.Errorf(oauth.ConnectionInvalid, "Connection %s was deactivated during sign-in.", conn.ID)
	case out.InResponseTo == "" || out.InResponseTo != sc.RequestID(tx.ID):
		return nil, connector.Identity{}, oauth.Errorf(oauth.AccessDenied, "The identity provider's answer is not for this sign-in attempt.")
	}
	ident := *out.Identity
	verified, err := h.emailDomainVerified(ctx, conn.OrganizationID, ident.Email)
	if err != nil {
		return nil, connector.Identity{}, oauth.Unavailable(err)
	}
	ident.EmailVerified = verified
	return conn, ident, nil
}

// emailDomainVerified decides the email_verified that SAML lacks: an
// organization's IdP speaks for the addresses of the domains the
// organization has verified, and for no others.
func (h *Handler) emailDomainVerified(ctx context.Context, orgID, email string) (bool, error) {
	_, domain, ok := strings.Cut(strings.TrimSpace(email), "@")
	if orgID == "" || !ok || domain == "" {
		return false, nil
	}
	d, err := h.Store.GetOrganizationDomainByName(ctx, domain)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return d.OrganizationID == orgID && d.State == store.DomainVerified, nil
}
