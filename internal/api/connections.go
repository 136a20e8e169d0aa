package api

import (
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/manage"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/wire"
)

// The OpenAPI document lists, gets and deletes connections but creates and
// configures them only through the WorkOS dashboard. Latchkey adds
// POST /connections and PUT /connections/{id} in the document's
// conventions: snake_case fields, the Connection schema in the response
// (with the settings block added), 201 on create, 422 with per-field
// errors.

func (h *Handler) connectionRoutes(m map[string]endpoint) {
	m["GET /connections"] = h.listConnections
	m["POST /connections"] = h.createConnection
	m["GET /connections/{id}"] = h.getConnection
	m["PUT /connections/{id}"] = h.updateConnection
	m["DELETE /connections/{id}"] = h.deleteConnection
}

// connectionBody creates or updates a connection: its identity and the
// block of settings its type takes, secrets included (write-only).
type connectionBody struct {
	ConnectionType string              `json:"connection_type"`
	OrganizationID string              `json:"organization_id"`
	Name           opt[string]         `json:"name"`
	State          opt[string]         `json:"state"`
	OIDC           *wire.OIDCSettings  `json:"oidc"`
	OAuth          *wire.OAuthSettings `json:"oauth"`
	SAML           *wire.SAMLSettings  `json:"saml"`
}

func connectionJSON(c manage.Connection) wire.Connection {
	return wire.FromConnection(c.Connection, c.Settings, c.Domains)
}

// connectionType accepts the document's list-filter spelling GithubOAuth
// for the GitHubOAuth that connection objects carry.
func connectionType(t string) string {
	if t == "GithubOAuth" {
		return "GitHubOAuth"
	}
	return t
}

func (h *Handler) listConnections(c call) (int, any, error) {
	q := c.r.URL.Query()
	l, err := parseList(q)
	if err != nil {
		return 0, nil, err
	}
	for _, unsupported := range []string{"domain", "search"} {
		if q.Get(unsupported) != "" {
			return 0, nil, invalid(unsupported, "not_supported", "Latchkey does not filter connections by "+unsupported)
		}
	}
	f := store.ConnectionFilter{OrganizationID: q.Get("organization_id"), Type: connectionType(q.Get("connection_type"))}
	conns, md, err := h.Service.ListConnections(c.r.Context(), f, l.opts)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, list(l, wire.Map(conns, connectionJSON), md), nil
}

func (h *Handler) createConnection(c call) (int, any, error) {
	var b connectionBody
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	conn, err := h.Service.CreateConnection(c.r.Context(), manage.ConnectionInput{
		Type: connectionType(b.ConnectionType), OrganizationID: b.OrganizationID, Name: b.Name.V,
		State: store.ConnectionState(b.State.V), OIDC: b.OIDC.Config(), OAuth: b.OAuth.Config(), SAML: b.SAML.Config(),
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, connectionJSON(conn), nil
}

func (h *Handler) getConnection(c call) (int, any, error) {
	conn, err := h.Service.GetConnection(c.r.Context(), c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, connectionJSON(conn), nil
}

func (h *Handler) updateConnection(c call) (int, any, error) {
	var b connectionBody
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	ctx := c.r.Context()
	id := c.r.PathValue("id")
	old, err := h.Service.GetConnection(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	// The type and organization are a connection's identity: a client
	// may repeat them, not change them.
	if t := connectionType(b.ConnectionType); t != "" && t != old.Type {
		return 0, nil, invalid("connection_type", "immutable", "cannot change: create a new connection")
	}
	if b.OrganizationID != "" && b.OrganizationID != old.OrganizationID {
		return 0, nil, invalid("organization_id", "immutable", "cannot change: create a new connection")
	}
	up := manage.ConnectionUpdate{Name: b.Name.ptr(), OIDC: b.OIDC.Config(), OAuth: b.OAuth.Config(), SAML: b.SAML.Config()}
	if b.State.Set {
		st := store.ConnectionState(b.State.V)
		up.State = &st
	}
	conn, err := h.Service.UpdateConnection(ctx, id, up)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, connectionJSON(conn), nil
}

func (h *Handler) deleteConnection(c call) (int, any, error) {
	return http.StatusNoContent, nil, h.Service.DeleteConnection(c.r.Context(), c.r.PathValue("id"))
}
