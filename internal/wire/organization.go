package wire

import "github.com/latchkeyhq/latchkey/internal/store"

// Organization is the OpenAPI Organization schema.
type Organization struct {
	Object     string               `json:"object"` // "organization"
	ID         string               `json:"id"`
	Name       string               `json:"name"`
	Domains    []OrganizationDomain `json:"domains"`
	Metadata   map[string]string    `json:"metadata"`
	ExternalID *string              `json:"external_id"`
	CreatedAt  string               `json:"created_at"`
	UpdatedAt  string               `json:"updated_at"`
	// AllowProfilesOutsideOrganization is deprecated in the document and
	// always false here: Latchkey does not restrict profiles by domain.
	AllowProfilesOutsideOrganization bool `json:"allow_profiles_outside_organization"`
}

// OrganizationDomain is the OpenAPI OrganizationDomainStandAlone schema,
// which is also the shape of an organization's domains.
type OrganizationDomain struct {
	Object               string `json:"object"` // "organization_domain"
	ID                   string `json:"id"`
	OrganizationID       string `json:"organization_id"`
	Domain               string `json:"domain"`
	State                string `json:"state"`
	VerificationStrategy string `json:"verification_strategy"`
	CreatedAt            string `json:"created_at"`
	UpdatedAt            string `json:"updated_at"`
}

// FromOrganization converts a stored organization and its domains.
func FromOrganization(o store.Organization, domains []store.OrganizationDomain) Organization {
	return Organization{
		Object: "organization", ID: o.ID, Name: o.Name, Domains: Map(domains, FromOrganizationDomain),
		Metadata: map[string]string{}, ExternalID: optString(o.ExternalID),
		CreatedAt: Time(o.CreatedAt), UpdatedAt: Time(o.UpdatedAt),
	}
}

// FromOrganizationDomain converts a stored domain. Latchkey verifies no
// domain over DNS: an operator declares it verified, so the strategy is
// manual.
func FromOrganizationDomain(d store.OrganizationDomain) OrganizationDomain {
	return OrganizationDomain{
		Object: "organization_domain", ID: d.ID, OrganizationID: d.OrganizationID, Domain: d.Domain,
		State: string(d.State), VerificationStrategy: "manual", CreatedAt: Time(d.CreatedAt), UpdatedAt: Time(d.UpdatedAt),
	}
}
