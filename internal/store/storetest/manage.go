package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// The store methods the management API needs beyond the others.

func manageTests() []subTest {
	return []subTest{
		{"LookupsByID", testManageLookups},
		{"FindOrganizations", testFindOrganizations},
		{"CreateOrganizationWithDomains", testCreateOrganizationWithDomains},
		{"UpdateOrganizationWithDomains", testUpdateOrganizationWithDomains},
		{"MembershipsByStatus", testMembershipsByStatus},
	}
}

// testManageLookups: domains by ID, organizations and users by external ID.
func testManageLookups(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := newOrganization()
	org.ExternalID = "ext-" + org.ID
	must(t, "CreateOrganization", s.CreateOrganization(ctx, org))
	d := newDomain(org.ID, "lookup.test")
	must(t, "CreateOrganizationDomain", s.CreateOrganizationDomain(ctx, d))
	u := newUser()
	u.ExternalID = "ext-" + u.ID
	must(t, "CreateUser", s.CreateUser(ctx, u))

	gotD, err := s.GetOrganizationDomain(ctx, d.ID)
	must(t, "GetOrganizationDomain", err)
	checkRecord(t, "domain", d, gotD)
	gotO, err := s.GetOrganizationByExternalID(ctx, org.ExternalID)
	must(t, "GetOrganizationByExternalID", err)
	checkRecord(t, "organization", org, gotO)
	gotU, err := s.GetUserByExternalID(ctx, u.ExternalID)
	must(t, "GetUserByExternalID", err)
	checkRecord(t, "user", u, gotU)

	_, err = s.GetOrganizationDomain(ctx, "org_domain_missing")
	wantErr(t, "GetOrganizationDomain(missing)", err, store.ErrNotFound)
	_, err = s.GetOrganizationByExternalID(ctx, "missing")
	wantErr(t, "GetOrganizationByExternalID(missing)", err, store.ErrNotFound)
	_, err = s.GetUserByExternalID(ctx, "missing")
	wantErr(t, "GetUserByExternalID(missing)", err, store.ErrNotFound)
	// An empty external ID is stored as "none", never found.
	_, err = s.GetUserByExternalID(ctx, "")
	wantErr(t, "GetUserByExternalID(empty)", err, store.ErrNotFound)
}

func testFindOrganizations(t *testing.T, s store.Store) {
	ctx := t.Context()
	named := func(name string, domains ...string) store.Organization {
		o := newOrganization()
		o.Name = name
		must(t, "CreateOrganization", s.CreateOrganization(ctx, o))
		for _, d := range domains {
			must(t, "CreateOrganizationDomain", s.CreateOrganizationDomain(ctx, newDomain(o.ID, d)))
		}
		return o
	}
	acme := named("Acme Corp", "acme.test", "acme.example")
	globex := named("Globex", "globex.test")
	odd := named(`100%_Real\Co`)
	tests := []struct {
		name   string
		filter store.OrganizationFilter
		want   []store.Organization // newest first
	}{
		{"no filter", store.OrganizationFilter{}, []store.Organization{odd, globex, acme}},
		{"one domain, any case", store.OrganizationFilter{Domains: []string{"ACME.example"}}, []store.Organization{acme}},
		{"several domains", store.OrganizationFilter{Domains: []string{"globex.test", "acme.test", "nobody.test"}}, []store.Organization{globex, acme}},
		{"unknown domain", store.OrganizationFilter{Domains: []string{"nobody.test"}}, nil},
		{"search, any case", store.OrganizationFilter{Search: "CORP"}, []store.Organization{acme}},
		{"search is literal, not a pattern", store.OrganizationFilter{Search: "%_real\\"}, []store.Organization{odd}},
		{"wildcards match nothing else", store.OrganizationFilter{Search: "_"}, []store.Organization{odd}},
		{"domain and search", store.OrganizationFilter{Domains: []string{"globex.test"}, Search: "acme"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := s.FindOrganizations(ctx, tt.filter, store.ListOptions{})
			must(t, "FindOrganizations", err)
			checkRecords(t, "organizations", tt.want, got)
		})
	}
	// Filtered lists page like the others.
	page, meta, err := s.FindOrganizations(ctx, store.OrganizationFilter{Domains: []string{"acme.test", "globex.test"}}, store.ListOptions{Limit: 1})
	must(t, "FindOrganizations page 1", err)
	checkPage(t, "page 1", ids(page), meta, []string{globex.ID}, "", globex.ID)
	page, meta, err = s.FindOrganizations(ctx, store.OrganizationFilter{Domains: []string{"acme.test", "globex.test"}}, store.ListOptions{Limit: 1, After: meta.After})
	must(t, "FindOrganizations page 2", err)
	checkPage(t, "page 2", ids(page), meta, []string{acme.ID}, acme.ID, "")
}

func testCreateOrganizationWithDomains(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := newOrganization()
	org.ExternalID = "ext-" + org.ID
	domains := []store.OrganizationDomain{newDomain(org.ID, "one.test"), newDomain(org.ID, "two.test")}
	domains[1].State = store.DomainPending
	before, err := s.Generation(ctx)
	must(t, "Generation", err)
	must(t, "CreateOrganizationWithDomains", s.CreateOrganizationWithDomains(ctx, org, domains))
	if after, _ := s.Generation(ctx); after <= before {
		t.Errorf("Generation = %d after the write, want more than %d", after, before)
	}
	got, err := s.GetOrganization(ctx, org.ID)
	must(t, "GetOrganization", err)
	checkRecord(t, "organization", org, got)
	gotDomains, err := s.ListOrganizationDomains(ctx, org.ID)
	must(t, "ListOrganizationDomains", err)
	checkRecords(t, "domains", domains, gotDomains)

	// A taken domain (in another case) or external ID stores nothing.
	for name, mutate := range map[string]func(o *store.Organization, ds []store.OrganizationDomain){
		"taken domain":      func(_ *store.Organization, ds []store.OrganizationDomain) { ds[1].Domain = "ONE.test" },
		"taken external ID": func(o *store.Organization, _ []store.OrganizationDomain) { o.ExternalID = org.ExternalID },
	} {
		t.Run(name, func(t *testing.T) {
			o := newOrganization()
			ds := []store.OrganizationDomain{newDomain(o.ID, "fresh-"+o.ID[4:12]+".test"), newDomain(o.ID, "other-"+o.ID[4:12]+".test")}
			mutate(&o, ds)
			wantErr(t, "CreateOrganizationWithDomains", s.CreateOrganizationWithDomains(ctx, o, ds), store.ErrConflict)
			_, err := s.GetOrganization(ctx, o.ID)
			wantErr(t, "GetOrganization after a failed create", err, store.ErrNotFound)
			_, err = s.GetOrganizationDomainByName(ctx, ds[0].Domain)
			wantErr(t, "the first domain after a failed create", err, store.ErrNotFound)
		})
	}
}

func testUpdateOrganizationWithDomains(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := newOrganization()
	keep, restate, recase, drop := newDomain(org.ID, "keep.test"), newDomain(org.ID, "restate.test"),
		newDomain(org.ID, "recase.test"), newDomain(org.ID, "drop.test")
	must(t, "CreateOrganizationWithDomains", s.CreateOrganizationWithDomains(ctx, org, []store.OrganizationDomain{keep, restate, recase, drop}))
	other := createOrganization(t, s)
	taken := newDomain(other.ID, "taken.test")
	must(t, "CreateOrganizationDomain", s.CreateOrganizationDomain(ctx, taken))

	org.Name, org.ExternalID, org.UpdatedAt = "Renamed", "ext-renamed", at(time.Hour)
	restated := newDomain(org.ID, "restate.test") // a domain it has, in a new state: keeps its ID
	restated.State, restated.UpdatedAt = store.DomainPending, at(time.Hour)
	recased := newDomain(org.ID, "ReCase.test")
	added := newDomain(org.ID, "added.test")
	sameKeep := newDomain(org.ID, "keep.test")
	before, err := s.Generation(ctx)
	must(t, "Generation", err)
	must(t, "UpdateOrganizationWithDomains", s.UpdateOrganizationWithDomains(ctx, org,
		[]store.OrganizationDomain{sameKeep, restated, recased, added}))
	if after, _ := s.Generation(ctx); after <= before {
		t.Errorf("Generation = %d after the write, want more than %d", after, before)
	}
	got, err := s.GetOrganization(ctx, org.ID)
	must(t, "GetOrganization", err)
	checkRecord(t, "organization", org, got)
	restate.State, restate.UpdatedAt = store.DomainPending, at(time.Hour)
	gotDomains, err := s.ListOrganizationDomains(ctx, org.ID)
	must(t, "ListOrganizationDomains", err)
	checkRecordSet(t, "domains", []store.OrganizationDomain{keep, restate, recased, added}, gotDomains)

	// Another organization's domain, or a missing organization, changes nothing.
	org.Name = "Not saved"
	err = s.UpdateOrganizationWithDomains(ctx, org, []store.OrganizationDomain{newDomain(org.ID, "TAKEN.test")})
	wantErr(t, "UpdateOrganizationWithDomains(taken domain)", err, store.ErrConflict)
	got, _ = s.GetOrganization(ctx, org.ID)
	if got.Name != "Renamed" {
		t.Errorf("name = %q after a failed update, want Renamed", got.Name)
	}
	gotDomains, _ = s.ListOrganizationDomains(ctx, org.ID)
	checkRecordSet(t, "domains after a failed update", []store.OrganizationDomain{keep, restate, recased, added}, gotDomains)
	missing := newOrganization()
	wantErr(t, "UpdateOrganizationWithDomains(missing)", s.UpdateOrganizationWithDomains(ctx, missing, nil), store.ErrNotFound)

	// No domains removes them all.
	must(t, "UpdateOrganizationWithDomains(none)", s.UpdateOrganizationWithDomains(ctx, org, nil))
	gotDomains, _ = s.ListOrganizationDomains(ctx, org.ID)
	if len(gotDomains) != 0 {
		t.Errorf("domains = %v, want none", ids(gotDomains))
	}
}

func testMembershipsByStatus(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := createOrganization(t, s)
	var ms []store.OrganizationMembership
	for _, st := range []store.MembershipStatus{store.MembershipActive, store.MembershipInactive, store.MembershipPending, store.MembershipActive} {
		m := newMembership(createUser(t, s).ID, org.ID)
		m.Status = st
		must(t, "CreateOrganizationMembership", s.CreateOrganizationMembership(ctx, m))
		ms = append(ms, m)
	}
	elsewhere := createMembership(t, s, ms[0].UserID, createOrganization(t, s).ID)
	tests := []struct {
		name     string
		filter   store.MembershipFilter
		statuses []store.MembershipStatus
		want     []store.OrganizationMembership // newest first
	}{
		{"any status", store.MembershipFilter{OrganizationID: org.ID}, nil, reversed(ms)},
		{"active", store.MembershipFilter{OrganizationID: org.ID}, []store.MembershipStatus{store.MembershipActive}, []store.OrganizationMembership{ms[3], ms[0]}},
		{"inactive or pending", store.MembershipFilter{OrganizationID: org.ID},
			[]store.MembershipStatus{store.MembershipInactive, store.MembershipPending}, []store.OrganizationMembership{ms[2], ms[1]}},
		{"by user", store.MembershipFilter{UserID: ms[0].UserID}, []store.MembershipStatus{store.MembershipActive}, []store.OrganizationMembership{elsewhere, ms[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := s.ListOrganizationMembershipsByStatus(ctx, tt.filter, tt.statuses, store.ListOptions{})
			must(t, "ListOrganizationMembershipsByStatus", err)
			checkRecords(t, "memberships", tt.want, got)
		})
	}
}
