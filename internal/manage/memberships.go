package manage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// DefaultRole is the role of a membership created without one, as in
// WorkOS.
const DefaultRole = "member"

// Membership is an organization membership with the user and the
// organization's name, which the WorkOS shape embeds.
type Membership struct {
	store.OrganizationMembership
	User             store.User
	OrganizationName string
}

// CreateMembership makes a user a member of an organization. An inactive
// membership of the same pair is reactivated with the role, as the WorkOS
// API does; an active or pending one is a conflict.
func (s *Service) CreateMembership(ctx context.Context, userID, orgID, role string) (Membership, error) {
	var p problems
	p.required("user_id", userID)
	p.required("organization_id", orgID)
	role = checkRole(&p, role)
	if err := p.err(); err != nil {
		return Membership{}, err
	}
	if _, err := existing(ctx, s.Store.GetUser, "User", userID); err != nil {
		return Membership{}, err
	}
	if _, err := existing(ctx, s.Store.GetOrganization, "Organization", orgID); err != nil {
		return Membership{}, err
	}
	now := s.now()
	m, err := s.Store.GetOrganizationMembershipFor(ctx, userID, orgID)
	switch {
	case err == nil && m.Status == store.MembershipInactive:
		m.Role, m.Status, m.UpdatedAt = role, store.MembershipActive, now
		if err := s.Store.UpdateOrganizationMembership(ctx, m); err != nil {
			return Membership{}, orNotFound(err, "Organization membership", m.ID)
		}
	case err == nil:
		return Membership{}, &Error{Kind: Conflict, Code: "organization_membership_already_exists",
			Message: fmt.Sprintf("The user is already a member of the organization (%s).", m.ID)}
	case !errors.Is(err, store.ErrNotFound):
		return Membership{}, fail("find membership", err)
	default:
		m = store.OrganizationMembership{ID: id.New(id.OrganizationMembership), UserID: userID, OrganizationID: orgID,
			Role: role, Status: store.MembershipActive, CreatedAt: now, UpdatedAt: now}
		if err := s.Store.CreateOrganizationMembership(ctx, m); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return Membership{}, &Error{Kind: Conflict, Code: "organization_membership_already_exists",
					Message: "The user is already a member of the organization."}
			}
			return Membership{}, orNotFound(err, "Organization", orgID)
		}
	}
	return s.membership(ctx, m)
}

// checkRole returns the role slug to store: DefaultRole when empty.
func checkRole(p *problems, role string) string {
	if role == "" {
		return DefaultRole
	}
	if len(role) > 64 || strings.ContainsFunc(role, func(r rune) bool {
		return !(r == '-' || r == '_' || r == ':' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9')
	}) {
		p.add("role_slug", "invalid", "must be a role slug: lower-case letters, digits, -, _ and :, at most 64 characters")
	}
	return role
}

// GetMembership returns a membership.
func (s *Service) GetMembership(ctx context.Context, membershipID string) (Membership, error) {
	m, err := existing(ctx, s.Store.GetOrganizationMembership, "Organization membership", membershipID)
	if err != nil {
		return Membership{}, err
	}
	return s.membership(ctx, m)
}

func (s *Service) membership(ctx context.Context, m store.OrganizationMembership) (Membership, error) {
	u, err := s.Store.GetUser(ctx, m.UserID)
	if err != nil {
		return Membership{}, orNotFound(err, "User", m.UserID)
	}
	org, err := s.Store.GetOrganization(ctx, m.OrganizationID)
	if err != nil {
		return Membership{}, orNotFound(err, "Organization", m.OrganizationID)
	}
	return Membership{OrganizationMembership: m, User: u, OrganizationName: org.Name}, nil
}

// ListMemberships returns a page of memberships of a user, of an
// organization, or of a user in an organization, with the given statuses
// (active only when none are given, as in WorkOS).
func (s *Service) ListMemberships(ctx context.Context, f store.MembershipFilter, statuses []store.MembershipStatus, opts store.ListOptions) ([]Membership, store.ListMetadata, error) {
	if f.UserID == "" && f.OrganizationID == "" {
		return nil, store.ListMetadata{}, &Error{Kind: Rejected, Code: "missing_user_id_or_organization_id",
			Message: "Either user_id or organization_id is required."}
	}
	var p problems
	for i, st := range statuses {
		if st != store.MembershipActive && st != store.MembershipInactive && st != store.MembershipPending {
			p.add(fmt.Sprintf("statuses[%d]", i), "invalid", "must be active, inactive or pending")
		}
	}
	if err := p.err(); err != nil {
		return nil, store.ListMetadata{}, err
	}
	if len(statuses) == 0 {
		statuses = []store.MembershipStatus{store.MembershipActive}
	}
	ms, meta, err := s.Store.ListOrganizationMembershipsByStatus(ctx, f, statuses, opts)
	if err != nil {
		return nil, meta, fail("list memberships", err)
	}
	out := make([]Membership, len(ms))
	for i, m := range ms {
		if out[i], err = s.membership(ctx, m); err != nil {
			return nil, meta, err
		}
	}
	return out, meta, nil
}

// UpdateMembership changes a membership's role.
func (s *Service) UpdateMembership(ctx context.Context, membershipID, role string) (Membership, error) {
	return s.changeMembership(ctx, membershipID, func(m *store.OrganizationMembership) error {
		var p problems
		m.Role = checkRole(&p, role)
		return p.err()
	})
}

// DeactivateMembership sets an active membership inactive.
func (s *Service) DeactivateMembership(ctx context.Context, membershipID string) (Membership, error) {
	return s.changeMembership(ctx, membershipID, func(m *store.OrganizationMembership) error {
		if m.Status == store.MembershipPending {
			return &Error{Kind: Rejected, Code: "cannot_deactivate_pending_organization_membership",
				Message: "A pending organization membership cannot be deactivated."}
		}
		m.Status = store.MembershipInactive
		return nil
	})
}

// ReactivateMembership sets an inactive membership active.
func (s *Service) ReactivateMembership(ctx context.Context, membershipID string) (Membership, error) {
	return s.changeMembership(ctx, membershipID, func(m *store.OrganizationMembership) error {
		if m.Status == store.MembershipPending {
			return &Error{Kind: Rejected, Code: "cannot_reactivate_pending_organization_membership",
				Message: "A pending organization membership cannot be reactivated. The user needs to accept the invitation instead."}
		}
		m.Status = store.MembershipActive
		return nil
	})
}

func (s *Service) changeMembership(ctx context.Context, membershipID string, change func(*store.OrganizationMembership) error) (Membership, error) {
	m, err := existing(ctx, s.Store.GetOrganizationMembership, "Organization membership", membershipID)
	if err != nil {
		return Membership{}, err
	}
	if err := change(&m); err != nil {
		return Membership{}, err
	}
	m.UpdatedAt = s.now()
	if err := s.Store.UpdateOrganizationMembership(ctx, m); err != nil {
		return Membership{}, orNotFound(err, "Organization membership", membershipID)
	}
	return s.membership(ctx, m)
}

// DeleteMembership removes a membership.
func (s *Service) DeleteMembership(ctx context.Context, membershipID string) error {
	if err := s.Store.DeleteOrganizationMembership(ctx, membershipID); err != nil {
		return orNotFound(err, "Organization membership", membershipID)
	}
	return nil
}
