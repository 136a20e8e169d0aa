package sqlstore

import (
	"context"

	"github.com/latchkeyhq/latchkey/internal/store"
)

const membershipCols = `id, user_id, organization_id, role, status, created_at, updated_at`

// membershipDest returns the scan destinations of membershipCols.
func (s *Store) membershipDest(m *store.OrganizationMembership) []any {
	return []any{&m.ID, &m.UserID, &m.OrganizationID, &m.Role, &m.Status, s.tm(&m.CreatedAt), s.tm(&m.UpdatedAt)}
}

func (s *Store) scanMembership(r rowScanner) (store.OrganizationMembership, error) {
	var m store.OrganizationMembership
	err := r.Scan(s.membershipDest(&m)...)
	return m, err
}

// CreateOrganizationMembership stores m; a second membership of the same
// user in the same organization is ErrConflict, a missing user or
// organization ErrNotFound.
func (s *Store) CreateOrganizationMembership(ctx context.Context, m store.OrganizationMembership) error {
	return s.change(ctx, "create organization membership "+m.ID, notCached,
		`INSERT INTO organization_memberships (`+membershipCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.UserID, m.OrganizationID, m.Role, string(m.Status), s.t(m.CreatedAt), s.t(m.UpdatedAt))
}

// GetOrganizationMembership returns the membership with that ID.
func (s *Store) GetOrganizationMembership(ctx context.Context, id string) (store.OrganizationMembership, error) {
	return get(ctx, s, "get organization membership "+id, s.scanMembership,
		`SELECT `+membershipCols+` FROM organization_memberships WHERE id = ?`, id)
}

// GetOrganizationMembershipFor returns the user's membership in the
// organization.
func (s *Store) GetOrganizationMembershipFor(ctx context.Context, userID, organizationID string) (store.OrganizationMembership, error) {
	return get(ctx, s, "get membership of "+userID+" in "+organizationID, s.scanMembership,
		`SELECT `+membershipCols+` FROM organization_memberships WHERE user_id = ? AND organization_id = ?`,
		userID, organizationID)
}

// UpdateOrganizationMembership writes every field of m but ID and
// CreatedAt.
func (s *Store) UpdateOrganizationMembership(ctx context.Context, m store.OrganizationMembership) error {
	return s.change(ctx, "update organization membership "+m.ID, notCached,
		`UPDATE organization_memberships SET user_id = ?, organization_id = ?, role = ?, status = ?, updated_at = ?
		 WHERE id = ?`,
		m.UserID, m.OrganizationID, m.Role, string(m.Status), s.t(m.UpdatedAt), m.ID)
}

// DeleteOrganizationMembership removes a membership.
func (s *Store) DeleteOrganizationMembership(ctx context.Context, id string) error {
	return s.change(ctx, "delete organization membership "+id, notCached,
		`DELETE FROM organization_memberships WHERE id = ?`, id)
}

// ListOrganizationMemberships returns a page of memberships, filtered by
// user and organization when those are set.
func (s *Store) ListOrganizationMemberships(ctx context.Context, f store.MembershipFilter, opts store.ListOptions) ([]store.OrganizationMembership, store.ListMetadata, error) {
	l := listQuery{table: "organization_memberships", cols: membershipCols}
	if f.UserID != "" {
		l.filter("user_id = ?", f.UserID)
	}
	if f.OrganizationID != "" {
		l.filter("organization_id = ?", f.OrganizationID)
	}
	return list(ctx, s, "list organization memberships", l, opts, s.scanMembership,
		func(m store.OrganizationMembership) string { return m.ID })
}
