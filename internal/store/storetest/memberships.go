package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

func membershipTests() []subTest {
	return []subTest{
		{"CRUD", testMembershipCRUD},
		{"ListFilters", testListMembershipsFilters},
	}
}

func testMembershipCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	u, org := createUser(t, s), createOrganization(t, s)
	m := newMembership(u.ID, org.ID)
	must(t, "CreateOrganizationMembership", s.CreateOrganizationMembership(ctx, m))
	got, err := s.GetOrganizationMembership(ctx, m.ID)
	must(t, "GetOrganizationMembership", err)
	checkRecord(t, "GetOrganizationMembership", m, got)
	got, err = s.GetOrganizationMembershipFor(ctx, u.ID, org.ID)
	must(t, "GetOrganizationMembershipFor", err)
	checkRecord(t, "GetOrganizationMembershipFor", m, got)

	wantErr(t, "CreateOrganizationMembership of a taken (user, organization)",
		s.CreateOrganizationMembership(ctx, newMembership(u.ID, org.ID)), store.ErrConflict)
	dup := newMembership(u.ID, createOrganization(t, s).ID)
	dup.ID = m.ID
	wantErr(t, "CreateOrganizationMembership with a taken ID", s.CreateOrganizationMembership(ctx, dup), store.ErrConflict)

	m.Role, m.Status, m.UpdatedAt = "admin", store.MembershipInactive, at(time.Hour)
	must(t, "UpdateOrganizationMembership", s.UpdateOrganizationMembership(ctx, m))
	got, err = s.GetOrganizationMembership(ctx, m.ID)
	must(t, "GetOrganizationMembership after update", err)
	checkRecord(t, "GetOrganizationMembership after update", m, got)

	missing := newMembership(u.ID, org.ID)
	_, err = s.GetOrganizationMembership(ctx, missing.ID)
	wantErr(t, "GetOrganizationMembership of a missing ID", err, store.ErrNotFound)
	_, err = s.GetOrganizationMembershipFor(ctx, u.ID, createOrganization(t, s).ID)
	wantErr(t, "GetOrganizationMembershipFor without membership", err, store.ErrNotFound)
	wantErr(t, "UpdateOrganizationMembership of a missing ID", s.UpdateOrganizationMembership(ctx, missing), store.ErrNotFound)
	wantErr(t, "DeleteOrganizationMembership of a missing ID", s.DeleteOrganizationMembership(ctx, missing.ID), store.ErrNotFound)

	must(t, "DeleteOrganizationMembership", s.DeleteOrganizationMembership(ctx, m.ID))
	_, err = s.GetOrganizationMembership(ctx, m.ID)
	wantErr(t, "GetOrganizationMembership after delete", err, store.ErrNotFound)
	_, err = s.GetOrganizationMembershipFor(ctx, u.ID, org.ID)
	wantErr(t, "GetOrganizationMembershipFor after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteOrganizationMembership again", s.DeleteOrganizationMembership(ctx, m.ID), store.ErrNotFound)
	// The pair is free again.
	must(t, "CreateOrganizationMembership after delete", s.CreateOrganizationMembership(ctx, newMembership(u.ID, org.ID)))
}

func testListMembershipsFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	org, other := createOrganization(t, s), createOrganization(t, s)
	u1, u2 := createUser(t, s), createUser(t, s)
	// Created in ID order, so each want below is in ascending order.
	m1 := createMembership(t, s, u1.ID, org.ID)
	m2 := createMembership(t, s, u2.ID, org.ID)
	m3 := createMembership(t, s, u1.ID, other.ID)

	cases := []struct {
		name   string
		filter store.MembershipFilter
		want   []store.OrganizationMembership
	}{
		{"user", store.MembershipFilter{UserID: u1.ID}, []store.OrganizationMembership{m1, m3}},
		{"other user", store.MembershipFilter{UserID: u2.ID}, []store.OrganizationMembership{m2}},
		{"organization", store.MembershipFilter{OrganizationID: org.ID}, []store.OrganizationMembership{m1, m2}},
		{"other organization", store.MembershipFilter{OrganizationID: other.ID}, []store.OrganizationMembership{m3}},
		{"user and organization", store.MembershipFilter{UserID: u2.ID, OrganizationID: org.ID}, []store.OrganizationMembership{m2}},
		{"no match", store.MembershipFilter{UserID: u2.ID, OrganizationID: other.ID}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := s.ListOrganizationMemberships(ctx, c.filter, store.ListOptions{Order: store.Asc, Limit: 100})
			must(t, "ListOrganizationMemberships", err)
			checkRecords(t, "ListOrganizationMemberships", c.want, got)
		})
	}
}
