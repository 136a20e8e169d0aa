package api

import (
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/manage"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/wire"
)

func (h *Handler) organizationRoutes(m map[string]endpoint) {
	m["GET /organizations"] = h.listOrganizations
	m["POST /organizations"] = h.createOrganization
	m["GET /organizations/{id}"] = h.getOrganization
	m["GET /organizations/external_id/{external_id}"] = h.getOrganizationByExternalID
	m["PUT /organizations/{id}"] = h.updateOrganization
	m["DELETE /organizations/{id}"] = h.deleteOrganization

	m["POST /organization_domains"] = h.createOrganizationDomain
	m["GET /organization_domains/{id}"] = h.getOrganizationDomain
	m["DELETE /organization_domains/{id}"] = h.deleteOrganizationDomain
	m["POST /organization_domains/{id}/verify"] = h.verifyOrganizationDomain
}

// organizationBody is the OpenAPI OrganizationDto and UpdateOrganizationDto:
// domains (deprecated, verified) or domain_data (with a state).
type organizationBody struct {
	Name       opt[string]       `json:"name"`
	ExternalID opt[string]       `json:"external_id"`
	Domains    []string          `json:"domains"`     // nil when absent or null
	DomainData []domainData      `json:"domain_data"` // nil when absent or null
	Metadata   map[string]string `json:"metadata"`
	Stripe     opt[string]       `json:"stripe_customer_id"`
}

type domainData struct {
	Domain string `json:"domain"`
	State  string `json:"state"`
}

// domains returns the body's domains, or nil when it sets none. A null
// list sets none: clearing every domain takes an explicit [].
func (b organizationBody) domains() (*[]manage.DomainInput, error) {
	data, plain := b.DomainData != nil, b.Domains != nil
	if data && plain {
		return nil, invalid("domain_data", "invalid", "send domain_data or domains, not both")
	}
	out := []manage.DomainInput{}
	switch {
	case data:
		for _, d := range b.DomainData {
			out = append(out, manage.DomainInput{Domain: d.Domain, State: store.DomainState(d.State)})
		}
	case plain:
		for _, d := range b.Domains {
			out = append(out, manage.DomainInput{Domain: d})
		}
	default:
		return nil, nil
	}
	return &out, nil
}

func (b organizationBody) check() error {
	if err := noMetadata(b.Metadata); err != nil {
		return err
	}
	if b.Stripe.Set && b.Stripe.V != "" {
		return invalid("stripe_customer_id", "not_supported", "Latchkey has no billing integration")
	}
	return nil
}

func organizationJSON(o manage.Organization) wire.Organization {
	return wire.FromOrganization(o.Organization, o.Domains)
}

func (h *Handler) listOrganizations(c call) (int, any, error) {
	q := c.r.URL.Query()
	l, err := parseList(q)
	if err != nil {
		return 0, nil, err
	}
	f := store.OrganizationFilter{Domains: csv(q, "domains"), Search: q.Get("search")}
	orgs, md, err := h.Service.ListOrganizations(c.r.Context(), f, l.opts)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, list(l, wire.Map(orgs, organizationJSON), md), nil
}

func (h *Handler) createOrganization(c call) (int, any, error) {
	var b organizationBody
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	if err := b.check(); err != nil {
		return 0, nil, err
	}
	domains, err := b.domains()
	if err != nil {
		return 0, nil, err
	}
	in := manage.OrganizationInput{Name: b.Name.V, ExternalID: b.ExternalID.V}
	if domains != nil {
		in.Domains = *domains
	}
	org, err := h.Service.CreateOrganization(c.r.Context(), in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, organizationJSON(org), nil
}

func (h *Handler) getOrganization(c call) (int, any, error) {
	org, err := h.Service.GetOrganization(c.r.Context(), c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, organizationJSON(org), nil
}

func (h *Handler) getOrganizationByExternalID(c call) (int, any, error) {
	org, err := h.Service.GetOrganizationByExternalID(c.r.Context(), c.r.PathValue("external_id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, organizationJSON(org), nil
}

func (h *Handler) updateOrganization(c call) (int, any, error) {
	var b organizationBody
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	if err := b.check(); err != nil {
		return 0, nil, err
	}
	domains, err := b.domains()
	if err != nil {
		return 0, nil, err
	}
	org, err := h.Service.UpdateOrganization(c.r.Context(), c.r.PathValue("id"),
		manage.OrganizationUpdate{Name: b.Name.ptr(), ExternalID: b.ExternalID.ptr(), Domains: domains})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, organizationJSON(org), nil
}

func (h *Handler) deleteOrganization(c call) (int, any, error) {
	return http.StatusOK, nil, h.Service.DeleteOrganization(c.r.Context(), c.r.PathValue("id"))
}

func (h *Handler) createOrganizationDomain(c call) (int, any, error) {
	var b struct {
		Domain         string `json:"domain"`
		OrganizationID string `json:"organization_id"`
	}
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	// A domain added on its own awaits verification, as in WorkOS; an
	// operator who vouches for it lists it verified in domain_data.
	d, err := h.Service.AddOrganizationDomain(c.r.Context(), b.OrganizationID, b.Domain, store.DomainPending)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, wire.FromOrganizationDomain(d), nil
}

func (h *Handler) getOrganizationDomain(c call) (int, any, error) {
	d, err := h.Service.GetOrganizationDomain(c.r.Context(), c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, wire.FromOrganizationDomain(d), nil
}

func (h *Handler) deleteOrganizationDomain(c call) (int, any, error) {
	return http.StatusNoContent, nil, h.Service.DeleteOrganizationDomain(c.r.Context(), c.r.PathValue("id"))
}

// verifyOrganizationDomain marks a pending domain verified. Latchkey looks
// up no DNS record: the caller holds the environment's API key and vouches
// for the domain (verification_strategy manual).
func (h *Handler) verifyOrganizationDomain(c call) (int, any, error) {
	d, err := h.Service.VerifyOrganizationDomain(c.r.Context(), c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, wire.FromOrganizationDomain(d), nil
}
