package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// What the management API needs beyond the rest of the store: look-ups by
// external ID, filtered lists, and organizations written together with
// their domains so that a taken domain leaves nothing half-created.

// GetOrganizationDomain returns the domain with that ID.
func (s *Store) GetOrganizationDomain(ctx context.Context, id string) (store.OrganizationDomain, error) {
	return get(ctx, s, "get organization domain "+id, s.scanDomain,
		`SELECT `+domainCols+` FROM organization_domains WHERE id = ?`, id)
}

// GetOrganizationByExternalID finds an organization by its external ID.
func (s *Store) GetOrganizationByExternalID(ctx context.Context, externalID string) (store.Organization, error) {
	return get(ctx, s, "get organization by external id", s.scanOrganization,
		`SELECT `+organizationCols+` FROM organizations WHERE external_id = ?`, externalID)
}

// GetUserByExternalID finds a user by their external ID.
func (s *Store) GetUserByExternalID(ctx context.Context, externalID string) (store.User, error) {
	return get(ctx, s, "get user by external id", s.scanUser,
		`SELECT `+userCols+` FROM users WHERE external_id = ?`, externalID)
}

// FindOrganizations returns a page of organizations that have any of the
// filter's domains and whose name contains its search text.
func (s *Store) FindOrganizations(ctx context.Context, f store.OrganizationFilter, opts store.ListOptions) ([]store.Organization, store.ListMetadata, error) {
	l := listQuery{table: "organizations", cols: organizationCols}
	if len(f.Domains) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("lower(?), ", len(f.Domains)), ", ")
		args := make([]any, len(f.Domains))
		for i, d := range f.Domains {
			args[i] = d
		}
		l.filter("id IN (SELECT organization_id FROM organization_domains WHERE lower(domain) IN ("+marks+"))", args...)
	}
	if f.Search != "" {
		l.filter(`lower(name) LIKE ? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(f.Search))+"%")
	}
	return list(ctx, s, "find organizations", l, opts, s.scanOrganization,
		func(o store.Organization) string { return o.ID })
}

// escapeLike makes s match itself literally in a LIKE pattern whose escape
// character is a backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CreateOrganizationWithDomains stores o and its domains in one
// transaction.
func (s *Store) CreateOrganizationWithDomains(ctx context.Context, o store.Organization, domains []store.OrganizationDomain) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.within(tx).ExecContext(ctx, `INSERT INTO organizations (id, name, external_id, created_at, updated_at)
			VALUES (?, ?, NULLIF(?, ''), ?, ?)`,
			o.ID, o.Name, o.ExternalID, s.t(o.CreatedAt), s.t(o.UpdatedAt)); err != nil {
			return err
		}
		for _, d := range domains {
			if err := s.insertDomain(ctx, tx, d); err != nil {
				return err
			}
		}
		return s.bumpGeneration(ctx, tx)
	})
	if err != nil {
		return s.fail("create organization "+o.ID, err)
	}
	return nil
}

// UpdateOrganizationWithDomains writes o and replaces its set of domains
// in one transaction.
func (s *Store) UpdateOrganizationWithDomains(ctx context.Context, o store.Organization, domains []store.OrganizationDomain) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.within(tx).ExecContext(ctx, `UPDATE organizations SET name = ?, external_id = NULLIF(?, ''), updated_at = ? WHERE id = ?`,
			o.Name, o.ExternalID, s.t(o.UpdatedAt), o.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmpErr(err, sql.ErrNoRows)
		}
		rows, err := s.within(tx).QueryContext(ctx, `SELECT `+domainCols+` FROM organization_domains WHERE organization_id = ?`, o.ID)
		if err != nil {
			return err
		}
		have, err := collect(rows, s.scanDomain)
		if err != nil {
			return err
		}
		want := map[string]store.OrganizationDomain{}
		for _, d := range domains {
			want[strings.ToLower(d.Domain)] = d
		}
		// Removals first: a domain that only changes case is removed and
		// added again, which the unique index would refuse the other way
		// round.
		for _, h := range have {
			d, keep := want[strings.ToLower(h.Domain)]
			switch {
			case !keep || d.Domain != h.Domain:
				if _, err := s.within(tx).ExecContext(ctx, `DELETE FROM organization_domains WHERE id = ?`, h.ID); err != nil {
					return err
				}
			case d.State != h.State:
				if _, err := s.within(tx).ExecContext(ctx, `UPDATE organization_domains SET state = ?, updated_at = ? WHERE id = ?`,
					string(d.State), s.t(d.UpdatedAt), h.ID); err != nil {
					return err
				}
				delete(want, strings.ToLower(h.Domain))
			default:
				delete(want, strings.ToLower(h.Domain))
			}
		}
		for _, d := range domains {
			if _, add := want[strings.ToLower(d.Domain)]; add {
				if err := s.insertDomain(ctx, tx, d); err != nil {
					return err
				}
			}
		}
		return s.bumpGeneration(ctx, tx)
	})
	if err != nil {
		return s.fail("update organization "+o.ID, err)
	}
	return nil
}

func (s *Store) insertDomain(ctx context.Context, tx *sql.Tx, d store.OrganizationDomain) error {
	_, err := s.within(tx).ExecContext(ctx, `INSERT INTO organization_domains (`+domainCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		d.ID, d.OrganizationID, d.Domain, string(d.State), s.t(d.CreatedAt), s.t(d.UpdatedAt))
	return err
}

// cmpErr returns err, or fallback when err is nil.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// ListOrganizationMembershipsByStatus returns a page of memberships,
// filtered by user, organization and status when those are set.
func (s *Store) ListOrganizationMembershipsByStatus(ctx context.Context, f store.MembershipFilter, statuses []store.MembershipStatus,
	opts store.ListOptions) ([]store.OrganizationMembership, store.ListMetadata, error) {
	l := listQuery{table: "organization_memberships", cols: membershipCols}
	if f.UserID != "" {
		l.filter("user_id = ?", f.UserID)
	}
	if f.OrganizationID != "" {
		l.filter("organization_id = ?", f.OrganizationID)
	}
	if len(statuses) > 0 {
		args := make([]any, len(statuses))
		for i, st := range statuses {
			args[i] = string(st)
		}
		l.filter("status IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ")+")", args...)
	}
	return list(ctx, s, "list organization memberships", l, opts, s.scanMembership,
		func(m store.OrganizationMembership) string { return m.ID })
}
