package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

func organizationTests() []subTest {
	return []subTest{
		{"CRUD", testOrganizationCRUD},
		{"ExternalID", testOrganizationExternalID},
		{"Domains", testOrganizationDomains},
		{"DeleteCascades", testDeleteOrganizationCascades},
	}
}

func testOrganizationCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	o := newOrganization()
	o.ExternalID = "crm-1"
	must(t, "CreateOrganization", s.CreateOrganization(ctx, o))
	got, err := s.GetOrganization(ctx, o.ID)
	must(t, "GetOrganization", err)
	checkRecord(t, "GetOrganization", o, got)
	list, _, err := s.ListOrganizations(ctx, store.ListOptions{})
	must(t, "ListOrganizations", err)
	checkRecords(t, "ListOrganizations", []store.Organization{o}, list)

	dup := newOrganization()
	dup.ID = o.ID
	wantErr(t, "CreateOrganization with a taken ID", s.CreateOrganization(ctx, dup), store.ErrConflict)

	o.Name, o.ExternalID, o.UpdatedAt = "Renamed", "crm-2", at(time.Hour)
	must(t, "UpdateOrganization", s.UpdateOrganization(ctx, o))
	got, err = s.GetOrganization(ctx, o.ID)
	must(t, "GetOrganization after update", err)
	checkRecord(t, "GetOrganization after update", o, got)

	missing := newOrganization()
	_, err = s.GetOrganization(ctx, missing.ID)
	wantErr(t, "GetOrganization of a missing ID", err, store.ErrNotFound)
	wantErr(t, "UpdateOrganization of a missing ID", s.UpdateOrganization(ctx, missing), store.ErrNotFound)
	wantErr(t, "DeleteOrganization of a missing ID", s.DeleteOrganization(ctx, missing.ID), store.ErrNotFound)

	must(t, "DeleteOrganization", s.DeleteOrganization(ctx, o.ID))
	_, err = s.GetOrganization(ctx, o.ID)
	wantErr(t, "GetOrganization after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteOrganization again", s.DeleteOrganization(ctx, o.ID), store.ErrNotFound)
}

func testOrganizationExternalID(t *testing.T, s store.Store) {
	ctx := t.Context()
	// Any number of organizations may have no external ID.
	var blank []store.Organization
	for range 3 {
		blank = append(blank, createOrganization(t, s))
	}
	o := newOrganization()
	o.ExternalID = "crm-42"
	must(t, "CreateOrganization with an external ID", s.CreateOrganization(ctx, o))

	taken := newOrganization()
	taken.ExternalID = o.ExternalID
	wantErr(t, "CreateOrganization with a taken external ID", s.CreateOrganization(ctx, taken), store.ErrConflict)
	b := blank[0]
	b.ExternalID = o.ExternalID
	wantErr(t, "UpdateOrganization to a taken external ID", s.UpdateOrganization(ctx, b), store.ErrConflict)
	got, err := s.GetOrganization(ctx, b.ID)
	must(t, "GetOrganization after the refused update", err)
	checkRecord(t, "GetOrganization after the refused update", blank[0], got)

	// Releasing the external ID frees it.
	o.ExternalID = ""
	must(t, "UpdateOrganization clearing the external ID", s.UpdateOrganization(ctx, o))
	must(t, "UpdateOrganization to the released external ID", s.UpdateOrganization(ctx, b))
	got, err = s.GetOrganization(ctx, b.ID)
	must(t, "GetOrganization", err)
	checkRecord(t, "GetOrganization", b, got)
}

func testOrganizationDomains(t *testing.T, s store.Store) {
	ctx := t.Context()
	org, other := createOrganization(t, s), createOrganization(t, s)
	d1 := newDomain(org.ID, "acme.test")
	d2 := newDomain(org.ID, "acme-corp.test")
	d2.State = store.DomainPending
	d3 := newDomain(other.ID, "other.test")
	for _, d := range []store.OrganizationDomain{d1, d2, d3} {
		must(t, "CreateOrganizationDomain "+d.Domain, s.CreateOrganizationDomain(ctx, d))
	}

	conflicts := []struct {
		name string
		d    store.OrganizationDomain
	}{
		{"same organization", newDomain(org.ID, "acme.test")},
		{"other organization", newDomain(other.ID, "acme.test")},
		{"other case", newDomain(other.ID, "ACME.Test")},
		{"taken ID", func() store.OrganizationDomain {
			d := newDomain(other.ID, "fresh.test")
			d.ID = d1.ID
			return d
		}()},
	}
	for _, c := range conflicts {
		t.Run("Conflict/"+c.name, func(t *testing.T) {
			wantErr(t, "CreateOrganizationDomain", s.CreateOrganizationDomain(ctx, c.d), store.ErrConflict)
		})
	}

	got, err := s.ListOrganizationDomains(ctx, org.ID)
	must(t, "ListOrganizationDomains", err)
	checkRecordSet(t, "ListOrganizationDomains", []store.OrganizationDomain{d1, d2}, got)

	for _, name := range []string{"acme.test", "ACME.TEST", "Acme.Test"} {
		t.Run("ByName/"+name, func(t *testing.T) {
			got, err := s.GetOrganizationDomainByName(ctx, name)
			must(t, "GetOrganizationDomainByName", err)
			checkRecord(t, "GetOrganizationDomainByName", d1, got)
		})
	}
	_, err = s.GetOrganizationDomainByName(ctx, "missing.test")
	wantErr(t, "GetOrganizationDomainByName of a missing domain", err, store.ErrNotFound)

	must(t, "DeleteOrganizationDomain", s.DeleteOrganizationDomain(ctx, d1.ID))
	wantErr(t, "DeleteOrganizationDomain again", s.DeleteOrganizationDomain(ctx, d1.ID), store.ErrNotFound)
	_, err = s.GetOrganizationDomainByName(ctx, d1.Domain)
	wantErr(t, "GetOrganizationDomainByName after delete", err, store.ErrNotFound)
	got, err = s.ListOrganizationDomains(ctx, org.ID)
	must(t, "ListOrganizationDomains after delete", err)
	checkRecordSet(t, "ListOrganizationDomains after delete", []store.OrganizationDomain{d2}, got)
	// The deleted domain is free for another organization.
	must(t, "CreateOrganizationDomain of a freed domain", s.CreateOrganizationDomain(ctx, newDomain(other.ID, d1.Domain)))
}

// testDeleteOrganizationCascades: deleting an organization removes its
// domains and memberships and nothing of another organization.
func testDeleteOrganizationCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	org, keep := createOrganization(t, s), createOrganization(t, s)
	u1, u2 := createUser(t, s), createUser(t, s)
	d1, d2, dKeep := newDomain(org.ID, "gone.test"), newDomain(org.ID, "gone.example"), newDomain(keep.ID, "kept.test")
	for _, d := range []store.OrganizationDomain{d1, d2, dKeep} {
		must(t, "CreateOrganizationDomain", s.CreateOrganizationDomain(ctx, d))
	}
	m1, m2 := createMembership(t, s, u1.ID, org.ID), createMembership(t, s, u2.ID, org.ID)
	mKeep := createMembership(t, s, u1.ID, keep.ID)

	must(t, "DeleteOrganization", s.DeleteOrganization(ctx, org.ID))

	domains, err := s.ListOrganizationDomains(ctx, org.ID)
	must(t, "ListOrganizationDomains", err)
	checkRecords(t, "ListOrganizationDomains of the deleted organization", nil, domains)
	for _, d := range []store.OrganizationDomain{d1, d2} {
		_, err := s.GetOrganizationDomainByName(ctx, d.Domain)
		wantErr(t, "GetOrganizationDomainByName "+d.Domain, err, store.ErrNotFound)
	}
	for _, m := range []store.OrganizationMembership{m1, m2} {
		_, err := s.GetOrganizationMembership(ctx, m.ID)
		wantErr(t, "GetOrganizationMembership "+m.ID, err, store.ErrNotFound)
		_, err = s.GetOrganizationMembershipFor(ctx, m.UserID, org.ID)
		wantErr(t, "GetOrganizationMembershipFor "+m.UserID, err, store.ErrNotFound)
	}
	ms, _, err := s.ListOrganizationMemberships(ctx, store.MembershipFilter{UserID: u1.ID}, store.ListOptions{})
	must(t, "ListOrganizationMemberships", err)
	checkRecords(t, "ListOrganizationMemberships of the first user", []store.OrganizationMembership{mKeep}, ms)

	// The other organization, its domain and the users are untouched.
	got, err := s.GetOrganizationDomainByName(ctx, dKeep.Domain)
	must(t, "GetOrganizationDomainByName of the kept domain", err)
	checkRecord(t, "kept domain", dKeep, got)
	for _, u := range []store.User{u1, u2} {
		_, err := s.GetUser(ctx, u.ID)
		must(t, "GetUser after the organization went", err)
	}
	// The domains really are gone: another organization may claim them.
	must(t, "CreateOrganizationDomain of a freed domain", s.CreateOrganizationDomain(ctx, newDomain(keep.ID, d1.Domain)))
	_, err = s.GetOrganization(ctx, org.ID)
	wantErr(t, "GetOrganization after delete", err, store.ErrNotFound)
}
