package manage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Organization is an organization with its domains.
type Organization struct {
	store.Organization
	Domains []store.OrganizationDomain
}

// DomainInput is one domain of an organization as an operator gives it.
type DomainInput struct {
	Domain string
	// State is verified or pending; empty means verified, as a domain
	// declared in the configuration file is.
	State store.DomainState
}

// OrganizationInput is a new organization.
type OrganizationInput struct {
	Name       string
	ExternalID string
	Domains    []DomainInput
}

// OrganizationUpdate changes the fields that are not nil.
type OrganizationUpdate struct {
	Name       *string
	ExternalID *string
	// Domains, when set, is the organization's complete new set.
	Domains *[]DomainInput
}

// CreateOrganization creates an organization with its domains.
func (s *Service) CreateOrganization(ctx context.Context, in OrganizationInput) (Organization, error) {
	now := s.now()
	org := store.Organization{ID: id.New(id.Organization), Name: in.Name, ExternalID: in.ExternalID, CreatedAt: now, UpdatedAt: now}
	var p problems
	checkName(&p, "name", in.Name)
	checkExternalID(&p, in.ExternalID)
	domains := s.domains(&p, org.ID, in.Domains, now)
	if err := p.err(); err != nil {
		return Organization{}, err
	}
	if err := s.claimable(ctx, org, domains); err != nil {
		return Organization{}, err
	}
	if err := s.Store.CreateOrganizationWithDomains(ctx, org, domains); err != nil {
		return Organization{}, organizationWriteErr(err, org.ID)
	}
	return s.GetOrganization(ctx, org.ID)
}

// UpdateOrganization changes an organization.
func (s *Service) UpdateOrganization(ctx context.Context, orgID string, up OrganizationUpdate) (Organization, error) {
	org, err := existing(ctx, s.Store.GetOrganization, "Organization", orgID)
	if err != nil {
		return Organization{}, err
	}
	now := s.now()
	var p problems
	if up.Name != nil {
		org.Name = *up.Name
		checkName(&p, "name", org.Name)
	}
	if up.ExternalID != nil {
		org.ExternalID = *up.ExternalID
		checkExternalID(&p, org.ExternalID)
	}
	var domains []store.OrganizationDomain
	if up.Domains != nil {
		domains = s.domains(&p, org.ID, *up.Domains, now)
	}
	if err := p.err(); err != nil {
		return Organization{}, err
	}
	if err := s.claimable(ctx, org, domains); err != nil {
		return Organization{}, err
	}
	org.UpdatedAt = now
	if up.Domains != nil {
		err = s.Store.UpdateOrganizationWithDomains(ctx, org, domains)
	} else {
		err = s.Store.UpdateOrganization(ctx, org)
	}
	if err != nil {
		return Organization{}, organizationWriteErr(err, orgID)
	}
	return s.GetOrganization(ctx, org.ID)
}

// domains checks the domains of a request and returns them as records; a
// domain is kept in lower case, as it is compared.
func (s *Service) domains(p *problems, orgID string, in []DomainInput, now time.Time) []store.OrganizationDomain {
	seen := map[string]bool{}
	var out []store.OrganizationDomain
	for i, d := range in {
		field := fmt.Sprintf("domain_data[%d]", i)
		name := lowerTrim(d.Domain)
		state := d.State
		if state == "" {
			state = store.DomainVerified
		}
		switch {
		case !p.required(field+".domain", name):
		case config.CheckDomain(name) != nil:
			p.check(field+".domain", config.CheckDomain(name))
		case seen[name]:
			p.add(field+".domain", "duplicate", "is listed twice")
		}
		if state != store.DomainVerified && state != store.DomainPending {
			p.add(field+".state", "invalid", "must be verified or pending")
		}
		seen[name] = true
		out = append(out, store.OrganizationDomain{ID: id.New(id.OrganizationDomain), OrganizationID: orgID,
			Domain: name, State: state, CreatedAt: now, UpdatedAt: now})
	}
	return out
}

// claimable refuses an external ID or a domain that another organization
// has, naming which, before anything is written. (The store refuses them
// too, should another request take one meanwhile.)
func (s *Service) claimable(ctx context.Context, org store.Organization, domains []store.OrganizationDomain) error {
	if org.ExternalID != "" {
		other, err := s.Store.GetOrganizationByExternalID(ctx, org.ExternalID)
		switch {
		case err == nil && other.ID != org.ID:
			return &Error{Kind: Rejected, Code: "external_id_already_used",
				Message: "The external_id is already used by another organization."}
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return fail("find organization by external id", err)
		}
	}
	for _, d := range domains {
		other, err := s.Store.GetOrganizationDomainByName(ctx, d.Domain)
		switch {
		case err == nil && other.OrganizationID != org.ID:
			return &Error{Kind: Conflict, Code: "domain_already_exists",
				Message: fmt.Sprintf("The domain %s belongs to another organization.", d.Domain)}
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return fail("find domain", err)
		}
	}
	return nil
}

// organizationWriteErr classifies a failed write: a uniqueness violation
// that slipped past claimable (a concurrent request won) is a conflict, and
// an organization deleted meanwhile is missing.
func organizationWriteErr(err error, orgID string) error {
	if errors.Is(err, store.ErrConflict) {
		return &Error{Kind: Conflict, Code: "conflict", Message: "The external_id or a domain is already used by another organization."}
	}
	return orNotFound(err, "Organization", orgID)
}

// GetOrganization returns an organization with its domains.
func (s *Service) GetOrganization(ctx context.Context, orgID string) (Organization, error) {
	org, err := existing(ctx, s.Store.GetOrganization, "Organization", orgID)
	if err != nil {
		return Organization{}, err
	}
	return s.withDomains(ctx, org)
}

// GetOrganizationByExternalID finds an organization by its external ID.
func (s *Service) GetOrganizationByExternalID(ctx context.Context, externalID string) (Organization, error) {
	org, err := existing(ctx, s.Store.GetOrganizationByExternalID, "Organization", externalID)
	if err != nil {
		return Organization{}, err
	}
	return s.withDomains(ctx, org)
}

func (s *Service) withDomains(ctx context.Context, org store.Organization) (Organization, error) {
	ds, err := s.Store.ListOrganizationDomains(ctx, org.ID)
	if err != nil {
		return Organization{}, fail("list domains", err)
	}
	return Organization{Organization: org, Domains: ds}, nil
}

// ListOrganizations returns a page of organizations with their domains.
func (s *Service) ListOrganizations(ctx context.Context, f store.OrganizationFilter, opts store.ListOptions) ([]Organization, store.ListMetadata, error) {
	for i, d := range f.Domains {
		f.Domains[i] = lowerTrim(d)
	}
	orgs, meta, err := s.Store.FindOrganizations(ctx, f, opts)
	if err != nil {
		return nil, meta, fail("list organizations", err)
	}
	out := make([]Organization, len(orgs))
	for i, o := range orgs {
		if out[i], err = s.withDomains(ctx, o); err != nil {
			return nil, meta, err
		}
	}
	return out, meta, nil
}

// DeleteOrganization deletes an organization with its domains,
// connections and memberships. The users stay.
func (s *Service) DeleteOrganization(ctx context.Context, orgID string) error {
	if err := s.Store.DeleteOrganization(ctx, orgID); err != nil {
		return orNotFound(err, "Organization", orgID)
	}
	return nil
}

// AddOrganizationDomain adds one domain to an organization.
func (s *Service) AddOrganizationDomain(ctx context.Context, orgID, domain string, state store.DomainState) (store.OrganizationDomain, error) {
	var p problems
	p.required("organization_id", orgID)
	ds := s.domains(&p, orgID, []DomainInput{{Domain: domain, State: state}}, s.now())
	for i := range p {
		p[i].Field = trimIndex(p[i].Field)
	}
	if err := p.err(); err != nil {
		return store.OrganizationDomain{}, err
	}
	org, err := existing(ctx, s.Store.GetOrganization, "Organization", orgID)
	if err != nil {
		return store.OrganizationDomain{}, err
	}
	if err := s.claimable(ctx, org, ds); err != nil {
		return store.OrganizationDomain{}, err
	}
	if err := s.Store.CreateOrganizationDomain(ctx, ds[0]); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.OrganizationDomain{}, &Error{Kind: Conflict, Code: "domain_already_exists",
				Message: fmt.Sprintf("The domain %s already exists.", ds[0].Domain)}
		}
		return store.OrganizationDomain{}, orNotFound(err, "Organization", orgID)
	}
	return ds[0], nil
}

// trimIndex turns "domain_data[0].domain" into "domain": the stand-alone
// domain endpoint takes one domain, not a list.
func trimIndex(field string) string {
	const prefix = "domain_data[0]."
	if len(field) > len(prefix) && field[:len(prefix)] == prefix {
		return field[len(prefix):]
	}
	return field
}

// GetOrganizationDomain returns one domain.
func (s *Service) GetOrganizationDomain(ctx context.Context, domainID string) (store.OrganizationDomain, error) {
	return existing(ctx, s.Store.GetOrganizationDomain, "Organization domain", domainID)
}

// VerifyOrganizationDomain marks a pending domain verified.
func (s *Service) VerifyOrganizationDomain(ctx context.Context, domainID string) (store.OrganizationDomain, error) {
	d, err := s.GetOrganizationDomain(ctx, domainID)
	if err != nil {
		return d, err
	}
	if d.State == store.DomainVerified {
		return d, &Error{Kind: Rejected, Code: "domain_already_verified", Message: "Domain is already verified."}
	}
	org, err := s.GetOrganization(ctx, d.OrganizationID)
	if err != nil {
		return d, err
	}
	now := s.now()
	for i := range org.Domains {
		if org.Domains[i].ID == d.ID {
			org.Domains[i].State, org.Domains[i].UpdatedAt = store.DomainVerified, now
		}
	}
	if err := s.Store.UpdateOrganizationWithDomains(ctx, org.Organization, org.Domains); err != nil {
		return d, organizationWriteErr(err, org.ID)
	}
	return s.GetOrganizationDomain(ctx, domainID)
}

// DeleteOrganizationDomain removes one domain.
func (s *Service) DeleteOrganizationDomain(ctx context.Context, domainID string) error {
	if err := s.Store.DeleteOrganizationDomain(ctx, domainID); err != nil {
		return orNotFound(err, "Organization domain", domainID)
	}
	return nil
}
