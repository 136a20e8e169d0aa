package sqlstore_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

// Edge cases of the cursor logic in pagination.go that the conformance
// suite's walks do not reach: cursors whose record is gone, filters that
// hide neighbours, both cursors at once. SQLite stands in for every
// backend, since the logic is shared.

func newStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// orgs stores n organizations and returns their IDs oldest first.
func orgs(t *testing.T, s store.Store, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		o := store.Organization{ID: id.New(id.Organization), Name: "org"}
		if err := s.CreateOrganization(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	return ids
}

func orgIDs(os []store.Organization) []string {
	var ids []string
	for _, o := range os {
		ids = append(ids, o.ID)
	}
	return ids
}

func TestPageEdges(t *testing.T) {
	s := newStore(t)
	ids := orgs(t, s, 9) // oldest first
	deleted := ids[4]
	if err := s.DeleteOrganization(t.Context(), deleted); err != nil {
		t.Fatal(err)
	}
	live := slices.Delete(slices.Clone(ids), 4, 5)

	cases := []struct {
		name       string
		opts       store.ListOptions
		want       []string
		wantBefore string
		wantAfter  string
	}{
		{
			name: "after a deleted cursor, ascending",
			opts: store.ListOptions{Order: store.Asc, After: deleted, Limit: 2},
			want: ids[5:7], wantBefore: ids[5], wantAfter: ids[6],
		},
		{
			name: "before a deleted cursor, ascending",
			opts: store.ListOptions{Order: store.Asc, Before: deleted, Limit: 2},
			want: ids[2:4], wantBefore: ids[2], wantAfter: ids[3],
		},
		{
			name: "after a deleted cursor, descending",
			opts: store.ListOptions{After: deleted, Limit: 10},
			want: []string{ids[3], ids[2], ids[1], ids[0]}, wantBefore: ids[3],
		},
		{
			name: "after the last item",
			opts: store.ListOptions{Order: store.Asc, After: ids[8]},
			want: []string{},
		},
		{
			name: "before the first item",
			opts: store.ListOptions{Order: store.Asc, Before: ids[0]},
			want: []string{},
		},
		{
			name: "both cursors, the range fits the page",
			opts: store.ListOptions{Order: store.Asc, After: ids[1], Before: ids[7]},
			want: []string{ids[2], ids[3], ids[5], ids[6]}, wantBefore: ids[2], wantAfter: ids[6],
		},
		{
			name: "both cursors, the range overflows the page",
			opts: store.ListOptions{Order: store.Asc, After: ids[1], Before: ids[7], Limit: 2},
			want: ids[2:4], wantBefore: ids[2], wantAfter: ids[3],
		},
		{
			name: "a cursor from another list",
			opts: store.ListOptions{Order: store.Asc, After: "org_", Limit: 100},
			want: live, wantBefore: "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, md, err := s.ListOrganizations(t.Context(), c.opts)
			if err != nil {
				t.Fatalf("ListOrganizations: %v", err)
			}
			if g := orgIDs(got); !slices.Equal(g, c.want) && (len(g) != 0 || len(c.want) != 0) {
				t.Errorf("items = %v, want %v", g, c.want)
			}
			if got == nil {
				t.Error("items = nil, want an empty slice")
			}
			if md.Before != c.wantBefore || md.After != c.wantAfter {
				t.Errorf("metadata = %+v, want Before %q After %q", md, c.wantBefore, c.wantAfter)
			}
		})
	}
}

// TestPageFilterHidesNeighbours: items outside the filter neither show on a
// page nor count as preceding or following it.
func TestPageFilterHidesNeighbours(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	org := orgs(t, s, 1)[0]
	var mine []string
	for i := range 6 {
		c := store.Connection{ID: id.New(id.Connection), Type: "GoogleOAuth", Name: "c", State: store.ConnectionActive}
		if i%2 == 0 {
			c.OrganizationID, c.Type = org, "GenericOIDC"
			mine = append(mine, c.ID)
		}
		if err := s.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	filter := store.ConnectionFilter{OrganizationID: org}
	got, md, err := s.ListConnections(ctx, filter, store.ListOptions{Order: store.Asc, After: mine[0]})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, mine[1:]) {
		t.Errorf("items = %v, want %v", ids, mine[1:])
	}
	// mine[0] precedes the page; nothing of the organization follows it,
	// though another connection does.
	if md.Before != mine[1] || md.After != "" {
		t.Errorf("metadata = %+v, want Before %q and no After", md, mine[1])
	}

	got, md, err = s.ListConnections(ctx, filter, store.ListOptions{Order: store.Asc, Before: mine[1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != mine[0] || md.Before != "" || md.After != mine[0] {
		t.Errorf("page before %s = %d items, metadata %+v; want [%s], After %q only", mine[1], len(got), md, mine[0], mine[0])
	}
}

func TestPageUnknownOrder(t *testing.T) {
	s := newStore(t)
	if _, _, err := s.ListOrganizations(t.Context(), store.ListOptions{Order: "sideways"}); err == nil {
		t.Error("ListOrganizations with an unknown order succeeded")
	}
}
