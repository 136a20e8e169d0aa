package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

func connectionTests() []subTest {
	return []subTest{
		{"CRUD", testConnectionCRUD},
		{"ListFilters", testListConnectionsFilters},
	}
}

func testConnectionCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := createOrganization(t, s)
	sso := newConnection(org.ID, "GenericSAML")
	provider := newConnection("", "GoogleOAuth") // an environment's OAuth provider
	provider.Secrets = nil
	empty := newConnection("", "GitHubOAuth")
	empty.Secrets, empty.State = []byte{}, store.ConnectionInactive

	for _, c := range []store.Connection{sso, provider, empty} {
		t.Run("RoundTrip/"+c.Type, func(t *testing.T) {
			must(t, "CreateConnection", s.CreateConnection(ctx, c))
			got, err := s.GetConnection(ctx, c.ID)
			must(t, "GetConnection", err)
			checkRecord(t, "GetConnection", c, got)
		})
	}
	dup := newConnection("", "GoogleOAuth")
	dup.ID = sso.ID
	wantErr(t, "CreateConnection with a taken ID", s.CreateConnection(ctx, dup), store.ErrConflict)

	updates := []struct {
		name   string
		change func(c *store.Connection)
	}{
		{"settings and state", func(c *store.Connection) {
			c.Name, c.State = "Renamed", store.ConnectionInactive
			c.Settings = []byte(`{"idp_entity_id":"urn:idp","sign_requests":true}`)
		}},
		{"secrets cleared", func(c *store.Connection) { c.Secrets = nil }},
		{"secrets set", func(c *store.Connection) { c.Secrets = []byte{0x7f, 0x00, 0x01} }},
	}
	for i, u := range updates {
		t.Run("Update/"+u.name, func(t *testing.T) {
			u.change(&sso)
			sso.UpdatedAt = at(time.Duration(i+1) * time.Hour)
			must(t, "UpdateConnection", s.UpdateConnection(ctx, sso))
			got, err := s.GetConnection(ctx, sso.ID)
			must(t, "GetConnection after update", err)
			checkRecord(t, "GetConnection after update", sso, got)
		})
	}

	missing := newConnection("", "GoogleOAuth")
	_, err := s.GetConnection(ctx, missing.ID)
	wantErr(t, "GetConnection of a missing ID", err, store.ErrNotFound)
	wantErr(t, "UpdateConnection of a missing ID", s.UpdateConnection(ctx, missing), store.ErrNotFound)
	wantErr(t, "DeleteConnection of a missing ID", s.DeleteConnection(ctx, missing.ID), store.ErrNotFound)

	must(t, "DeleteConnection", s.DeleteConnection(ctx, provider.ID))
	_, err = s.GetConnection(ctx, provider.ID)
	wantErr(t, "GetConnection after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteConnection again", s.DeleteConnection(ctx, provider.ID), store.ErrNotFound)
	_, err = s.GetConnection(ctx, sso.ID)
	must(t, "GetConnection of a connection that was not deleted", err)
}

func testListConnectionsFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	org, other := createOrganization(t, s), createOrganization(t, s)
	// Created in ID order, so each want below is already in ascending order.
	oidc := createConnection(t, s, org.ID, "GenericOIDC")
	saml := createConnection(t, s, org.ID, "GenericSAML")
	otherSAML := createConnection(t, s, other.ID, "GenericSAML")
	google := createConnection(t, s, "", "GoogleOAuth")
	github := createConnection(t, s, "", "GitHubOAuth")

	cases := []struct {
		name   string
		filter store.ConnectionFilter
		want   []store.Connection
	}{
		{"none", store.ConnectionFilter{}, []store.Connection{oidc, saml, otherSAML, google, github}},
		{"organization", store.ConnectionFilter{OrganizationID: org.ID}, []store.Connection{oidc, saml}},
		{"other organization", store.ConnectionFilter{OrganizationID: other.ID}, []store.Connection{otherSAML}},
		{"type", store.ConnectionFilter{Type: "GenericSAML"}, []store.Connection{saml, otherSAML}},
		{"provider type", store.ConnectionFilter{Type: "GoogleOAuth"}, []store.Connection{google}},
		{"organization and type", store.ConnectionFilter{OrganizationID: org.ID, Type: "GenericSAML"}, []store.Connection{saml}},
		{"no match", store.ConnectionFilter{OrganizationID: other.ID, Type: "GoogleOAuth"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := s.ListConnections(ctx, c.filter, store.ListOptions{Order: store.Asc, Limit: 100})
			must(t, "ListConnections asc", err)
			checkRecords(t, "ListConnections asc", c.want, got)
			got, _, err = s.ListConnections(ctx, c.filter, store.ListOptions{Limit: 100})
			must(t, "ListConnections default order", err)
			checkRecords(t, "ListConnections default order (desc)", reversed(c.want), got)
		})
	}
}

// reversed returns a reversed copy of recs.
func reversed[T any](recs []T) []T {
	out := make([]T, len(recs))
	for i, r := range recs {
		out[len(recs)-1-i] = r
	}
	return out
}
