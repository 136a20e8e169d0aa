package storetest

import (
	"context"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// The pagers of the paginated lists. Each add mints its ID when called, so
// items are newer the later they are added.

func pageApplications(t *testing.T, s store.Store) pager {
	now := clock()
	return pager{
		add: func() string {
			a := newApplication()
			a.CreatedAt = now()
			a.UpdatedAt = a.CreatedAt
			must(t, "CreateApplication", s.CreateApplication(t.Context(), a))
			return a.ID
		},
		list: func(ctx context.Context, opts store.ListOptions) ([]string, store.ListMetadata, error) {
			recs, meta, err := s.ListApplications(ctx, opts)
			return ids(recs), meta, err
		},
	}
}

func pageOrganizations(t *testing.T, s store.Store) pager {
	now := clock()
	return pager{
		add: func() string {
			o := newOrganization()
			o.CreatedAt = now()
			o.UpdatedAt = o.CreatedAt
			must(t, "CreateOrganization", s.CreateOrganization(t.Context(), o))
			return o.ID
		},
		list: func(ctx context.Context, opts store.ListOptions) ([]string, store.ListMetadata, error) {
			recs, meta, err := s.ListOrganizations(ctx, opts)
			return ids(recs), meta, err
		},
	}
}

func pageConnections(t *testing.T, s store.Store) pager {
	now := clock()
	return pager{
		add: func() string {
			c := newConnection("", "GenericOIDC")
			c.CreatedAt = now()
			c.UpdatedAt = c.CreatedAt
			must(t, "CreateConnection", s.CreateConnection(t.Context(), c))
			return c.ID
		},
		list: func(ctx context.Context, opts store.ListOptions) ([]string, store.ListMetadata, error) {
			recs, meta, err := s.ListConnections(ctx, store.ConnectionFilter{}, opts)
			return ids(recs), meta, err
		},
	}
}

func pageUsers(t *testing.T, s store.Store) pager {
	now := clock()
	return pager{
		add: func() string {
			u := newUser()
			u.CreatedAt = now()
			u.UpdatedAt = u.CreatedAt
			must(t, "CreateUser", s.CreateUser(t.Context(), u))
			return u.ID
		},
		list: func(ctx context.Context, opts store.ListOptions) ([]string, store.ListMetadata, error) {
			recs, meta, err := s.ListUsers(ctx, store.UserFilter{}, opts)
			return ids(recs), meta, err
		},
	}
}

// pageMemberships pages the members of one organization; each item is a
// new user's membership.
func pageMemberships(t *testing.T, s store.Store) pager {
	now := clock()
	org := createOrganization(t, s)
	return pager{
		add: func() string {
			u := createUser(t, s)
			m := newMembership(u.ID, org.ID)
			m.CreatedAt = now()
			m.UpdatedAt = m.CreatedAt
			must(t, "CreateOrganizationMembership", s.CreateOrganizationMembership(t.Context(), m))
			return m.ID
		},
		list: func(ctx context.Context, opts store.ListOptions) ([]string, store.ListMetadata, error) {
			recs, meta, err := s.ListOrganizationMemberships(ctx, store.MembershipFilter{OrganizationID: org.ID}, opts)
			return ids(recs), meta, err
		},
	}
}

// pageSessions pages the sessions of one user.
func pageSessions(t *testing.T, s store.Store) pager {
	now := clock()
	u, app := createUser(t, s), createApplication(t, s)
	return pager{
		add: func() string {
			sess := newSession(u.ID, app.ID, "")
			sess.CreatedAt = now()
			must(t, "CreateSession", s.CreateSession(t.Context(), sess))
			return sess.ID
		},
		list: func(ctx context.Context, opts store.ListOptions) ([]string, store.ListMetadata, error) {
			recs, meta, err := s.ListSessions(ctx, u.ID, opts)
			return ids(recs), meta, err
		},
	}
}
