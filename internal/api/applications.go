package api

import (
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/wire"
)

// The application's redirect URIs and CORS origins: those of the
// application whose API key authenticated the request. The document only
// creates them; Latchkey adds listing (GET, the WorkOS list envelope with
// every item on one page: an application has few) and deleting
// (DELETE …/{id}, 204), in the document's conventions.

func (h *Handler) applicationRoutes(m map[string]endpoint) {
	m["POST /user_management/redirect_uris"] = h.createRedirectURI
	m["GET /user_management/redirect_uris"] = h.listRedirectURIs
	m["DELETE /user_management/redirect_uris/{id}"] = h.deleteRedirectURI
	m["POST /user_management/cors_origins"] = h.createCORSOrigin
	m["GET /user_management/cors_origins"] = h.listCORSOrigins
	m["DELETE /user_management/cors_origins/{id}"] = h.deleteCORSOrigin
}

func (h *Handler) createRedirectURI(c call) (int, any, error) {
	var b struct {
		URI string `json:"uri"`
	}
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	r, err := h.Service.AddRedirectURI(c.r.Context(), c.app, store.RedirectLogin, b.URI)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, wire.FromRedirectURI(r), nil
}

func (h *Handler) listRedirectURIs(c call) (int, any, error) {
	rs, err := h.Service.ListRedirectURIs(c.r.Context(), c.app, store.RedirectLogin)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, wire.NewList(wire.Map(rs, wire.FromRedirectURI), store.ListMetadata{}), nil
}

func (h *Handler) deleteRedirectURI(c call) (int, any, error) {
	return http.StatusNoContent, nil, h.Service.DeleteRedirectURI(c.r.Context(), c.app, c.r.PathValue("id"))
}

func (h *Handler) createCORSOrigin(c call) (int, any, error) {
	var b struct {
		Origin string `json:"origin"`
	}
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	o, err := h.Service.AddCORSOrigin(c.r.Context(), c.app, b.Origin)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, wire.FromCORSOrigin(o), nil
}

func (h *Handler) listCORSOrigins(c call) (int, any, error) {
	os, err := h.Service.ListCORSOrigins(c.r.Context(), c.app)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, wire.NewList(wire.Map(os, wire.FromCORSOrigin), store.ListMetadata{}), nil
}

func (h *Handler) deleteCORSOrigin(c call) (int, any, error) {
	return http.StatusNoContent, nil, h.Service.DeleteCORSOrigin(c.r.Context(), c.app, c.r.PathValue("id"))
}
