package api

import (
	"context"
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/manage"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/wire"
)

func (h *Handler) membershipRoutes(m map[string]endpoint) {
	const base = "/user_management/organization_memberships"
	m["GET "+base] = h.listMemberships
	m["POST "+base] = h.createMembership
	m["GET "+base+"/{id}"] = h.getMembership
	m["PUT "+base+"/{id}"] = h.updateMembership
	m["DELETE "+base+"/{id}"] = h.deleteMembership
	m["PUT "+base+"/{id}/deactivate"] = h.changeMembership(h.Service.DeactivateMembership)
	m["PUT "+base+"/{id}/reactivate"] = h.changeMembership(h.Service.ReactivateMembership)
}

// roleBody carries role_slug or, with one element (Latchkey has one role
// per membership), role_slugs.
type roleBody struct {
	RoleSlug  string   `json:"role_slug"`
	RoleSlugs []string `json:"role_slugs"`
}

func (b roleBody) role() (string, error) {
	switch {
	case b.RoleSlug != "" && len(b.RoleSlugs) > 0:
		return "", invalid("role_slugs", "invalid", "send role_slug or role_slugs, not both")
	case len(b.RoleSlugs) > 1:
		return "", &apiError{status: http.StatusUnprocessableEntity, Code: "multiple_roles_not_enabled",
			Message: "Multiple roles are not enabled for this environment."}
	case len(b.RoleSlugs) == 1:
		return b.RoleSlugs[0], nil
	}
	return b.RoleSlug, nil
}

func membershipJSON(m manage.Membership) wire.OrganizationMembership {
	return wire.FromMembership(m.OrganizationMembership, m.User, m.OrganizationName)
}

func (h *Handler) listMemberships(c call) (int, any, error) {
	q := c.r.URL.Query()
	l, err := parseList(q)
	if err != nil {
		return 0, nil, err
	}
	var statuses []store.MembershipStatus
	for _, s := range csv(q, "statuses") {
		statuses = append(statuses, store.MembershipStatus(s))
	}
	f := store.MembershipFilter{UserID: q.Get("user_id"), OrganizationID: q.Get("organization_id")}
	ms, md, err := h.Service.ListMemberships(c.r.Context(), f, statuses, l.opts)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, list(l, wire.Map(ms, membershipJSON), md), nil
}

func (h *Handler) createMembership(c call) (int, any, error) {
	var b struct {
		UserID         string `json:"user_id"`
		OrganizationID string `json:"organization_id"`
		roleBody
	}
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	role, err := b.role()
	if err != nil {
		return 0, nil, err
	}
	m, err := h.Service.CreateMembership(c.r.Context(), b.UserID, b.OrganizationID, role)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, membershipJSON(m), nil
}

func (h *Handler) getMembership(c call) (int, any, error) {
	m, err := h.Service.GetMembership(c.r.Context(), c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, membershipJSON(m), nil
}

func (h *Handler) updateMembership(c call) (int, any, error) {
	var b roleBody
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	role, err := b.role()
	if err != nil {
		return 0, nil, err
	}
	m, err := h.Service.UpdateMembership(c.r.Context(), c.r.PathValue("id"), role)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, membershipJSON(m), nil
}

func (h *Handler) changeMembership(change func(ctx context.Context, id string) (manage.Membership, error)) endpoint {
	return func(c call) (int, any, error) {
		m, err := change(c.r.Context(), c.r.PathValue("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, membershipJSON(m), nil
	}
}

func (h *Handler) deleteMembership(c call) (int, any, error) {
	return http.StatusOK, nil, h.Service.DeleteMembership(c.r.Context(), c.r.PathValue("id"))
}
