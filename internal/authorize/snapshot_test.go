package authorize_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// snapshot is every record the handler could write.
type snapshot struct {
	Generation    int64
	Applications  []store.Application
	RedirectURIs  map[string][]store.RedirectURI
	APIKeys       map[string][]store.APIKey
	CORSOrigins   map[string][]store.CORSOrigin
	Organizations []store.Organization
	Domains       map[string][]store.OrganizationDomain
	Connections   []store.Connection
	Users         []store.User
	Identities    map[string][]store.Identity
	Sessions      map[string][]store.Session
	Memberships   []store.OrganizationMembership
	SigningKeys   []store.SigningKey
}

// listAll reads every page of a list.
func listAll[T any](t *testing.T, list func(store.ListOptions) ([]T, store.ListMetadata, error)) []T {
	t.Helper()
	var all []T
	opts := store.ListOptions{Limit: 100, Order: store.Asc}
	for {
		page, meta, err := list(opts)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if meta.After == "" {
			return all
		}
		opts.After = meta.After
	}
}

// snapshot reads back every table. Authorization codes and refresh tokens
// cannot be listed through the Store; every code comes with a session,
// which is.
func (h *harness) snapshot(t *testing.T) snapshot {
	t.Helper()
	ctx, st := h.ctx, h.store
	var s snapshot
	var err error
	if s.Generation, err = st.Generation(ctx); err != nil {
		t.Fatal(err)
	}
	s.Applications = listAll(t, func(o store.ListOptions) ([]store.Application, store.ListMetadata, error) {
		return st.ListApplications(ctx, o)
	})
	s.RedirectURIs, s.APIKeys, s.CORSOrigins = map[string][]store.RedirectURI{}, map[string][]store.APIKey{}, map[string][]store.CORSOrigin{}
	for _, a := range s.Applications {
		for _, kind := range []store.RedirectKind{store.RedirectLogin, store.RedirectLogout} {
			uris, err := st.ListRedirectURIs(ctx, a.ID, kind)
			if err != nil {
				t.Fatal(err)
			}
			s.RedirectURIs[a.ID+"/"+string(kind)] = uris
		}
		if s.APIKeys[a.ID], err = st.ListAPIKeys(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if s.CORSOrigins[a.ID], err = st.ListCORSOrigins(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	s.Organizations = listAll(t, func(o store.ListOptions) ([]store.Organization, store.ListMetadata, error) {
		return st.ListOrganizations(ctx, o)
	})
	s.Domains = map[string][]store.OrganizationDomain{}
	for _, o := range s.Organizations {
		if s.Domains[o.ID], err = st.ListOrganizationDomains(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	s.Connections = listAll(t, func(o store.ListOptions) ([]store.Connection, store.ListMetadata, error) {
		return st.ListConnections(ctx, store.ConnectionFilter{}, o)
	})
	s.Users = listAll(t, func(o store.ListOptions) ([]store.User, store.ListMetadata, error) {
		return st.ListUsers(ctx, store.UserFilter{}, o)
	})
	s.Identities, s.Sessions = map[string][]store.Identity{}, map[string][]store.Session{}
	for _, u := range s.Users {
		if s.Identities[u.ID], err = st.ListIdentities(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		s.Sessions[u.ID] = listAll(t, func(o store.ListOptions) ([]store.Session, store.ListMetadata, error) {
			return st.ListSessions(ctx, u.ID, o)
		})
	}
	s.Memberships = listAll(t, func(o store.ListOptions) ([]store.OrganizationMembership, store.ListMetadata, error) {
		return st.ListOrganizationMemberships(ctx, store.MembershipFilter{}, o)
	})
	if s.SigningKeys, err = st.ListSigningKeys(ctx, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return s
}

// assertUnchanged fails when the store differs from before.
func (h *harness) assertUnchanged(t *testing.T, before snapshot) {
	t.Helper()
	if after := h.snapshot(t); !reflect.DeepEqual(before, after) {
		t.Errorf("stored state changed:\nbefore %+v\nafter  %+v", before, after)
	}
}
