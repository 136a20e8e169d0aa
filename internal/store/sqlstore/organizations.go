package sqlstore

import (
	"context"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Organizations and their domains; authorize caches both, so every write
// bumps the generation.

const organizationCols = `id, name, COALESCE(external_id, ''), created_at, updated_at`

func (s *Store) scanOrganization(r rowScanner) (store.Organization, error) {
	var o store.Organization
	err := r.Scan(&o.ID, &o.Name, &o.ExternalID, s.tm(&o.CreatedAt), s.tm(&o.UpdatedAt))
	return o, err
}

// CreateOrganization stores o; an ExternalID already taken is ErrConflict.
func (s *Store) CreateOrganization(ctx context.Context, o store.Organization) error {
	return s.change(ctx, "create organization "+o.ID, cached,
		`INSERT INTO organizations (id, name, external_id, created_at, updated_at) VALUES (?, ?, NULLIF(?, ''), ?, ?)`,
		o.ID, o.Name, o.ExternalID, s.t(o.CreatedAt), s.t(o.UpdatedAt))
}

// GetOrganization returns the organization with that ID.
func (s *Store) GetOrganization(ctx context.Context, id string) (store.Organization, error) {
	return get(ctx, s, "get organization "+id, s.scanOrganization,
		`SELECT `+organizationCols+` FROM organizations WHERE id = ?`, id)
}

// UpdateOrganization writes every field of o but ID and CreatedAt.
func (s *Store) UpdateOrganization(ctx context.Context, o store.Organization) error {
	return s.change(ctx, "update organization "+o.ID, cached,
		`UPDATE organizations SET name = ?, external_id = NULLIF(?, ''), updated_at = ? WHERE id = ?`,
		o.Name, o.ExternalID, s.t(o.UpdatedAt), o.ID)
}

// DeleteOrganization removes an organization with its domains,
// memberships and connections.
func (s *Store) DeleteOrganization(ctx context.Context, id string) error {
	return s.change(ctx, "delete organization "+id, cached, `DELETE FROM organizations WHERE id = ?`, id)
}

// ListOrganizations returns a page of organizations.
func (s *Store) ListOrganizations(ctx context.Context, opts store.ListOptions) ([]store.Organization, store.ListMetadata, error) {
	l := listQuery{table: "organizations", cols: organizationCols}
	return list(ctx, s, "list organizations", l, opts, s.scanOrganization,
		func(o store.Organization) string { return o.ID })
}

const domainCols = `id, organization_id, domain, state, created_at, updated_at`

func (s *Store) scanDomain(r rowScanner) (store.OrganizationDomain, error) {
	var d store.OrganizationDomain
	err := r.Scan(&d.ID, &d.OrganizationID, &d.Domain, &d.State, s.tm(&d.CreatedAt), s.tm(&d.UpdatedAt))
	return d, err
}

// CreateOrganizationDomain stores d; a domain that any organization has
// already, in any case, is ErrConflict.
func (s *Store) CreateOrganizationDomain(ctx context.Context, d store.OrganizationDomain) error {
	return s.change(ctx, "create organization domain "+d.ID, cached,
		`INSERT INTO organization_domains (`+domainCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		d.ID, d.OrganizationID, d.Domain, string(d.State), s.t(d.CreatedAt), s.t(d.UpdatedAt))
}

// ListOrganizationDomains returns the organization's domains, oldest first.
func (s *Store) ListOrganizationDomains(ctx context.Context, organizationID string) ([]store.OrganizationDomain, error) {
	return all(ctx, s, "list domains of "+organizationID, s.scanDomain,
		`SELECT `+domainCols+` FROM organization_domains WHERE organization_id = ? ORDER BY id`, organizationID)
}

// GetOrganizationDomainByName finds a domain case-insensitively.
func (s *Store) GetOrganizationDomainByName(ctx context.Context, domain string) (store.OrganizationDomain, error) {
	return get(ctx, s, "get organization domain "+domain, s.scanDomain,
		`SELECT `+domainCols+` FROM organization_domains WHERE lower(domain) = lower(?)`, domain)
}

// DeleteOrganizationDomain removes a domain.
func (s *Store) DeleteOrganizationDomain(ctx context.Context, id string) error {
	return s.change(ctx, "delete organization domain "+id, cached, `DELETE FROM organization_domains WHERE id = ?`, id)
}
