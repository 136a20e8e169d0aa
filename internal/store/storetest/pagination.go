package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// listFunc lists one page and returns the IDs on it.
type listFunc func(ctx context.Context, opts store.ListOptions) ([]string, store.ListMetadata, error)

// pager is one paginated list under test: add stores a new item (newer than
// every earlier one) and returns its ID.
type pager struct {
	add  func() string
	list listFunc
}

// fill adds n items and returns their IDs, oldest first.
func (p pager) fill(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = p.add()
	}
	return out
}

// page lists one page and stops the test on an error.
func (p pager) page(t *testing.T, opts store.ListOptions) ([]string, store.ListMetadata) {
	t.Helper()
	got, meta, err := p.list(t.Context(), opts)
	must(t, fmt.Sprintf("list %+v", opts), err)
	return got, meta
}

// checkPage compares a page and its cursors with what the list should give.
func checkPage(t *testing.T, what string, got []string, meta store.ListMetadata, want []string, before, after string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: items = %v, want %v", what, got, want)
	}
	if meta.Before != before {
		t.Errorf("%s: ListMetadata.Before = %q, want %q", what, meta.Before, before)
	}
	if meta.After != after {
		t.Errorf("%s: ListMetadata.After = %q, want %q", what, meta.After, after)
	}
}

// inOrder returns IDs (oldest first) in the order a list of that order
// gives them.
func inOrder(oldestFirst []string, order store.Order) []string {
	if order == store.Asc {
		return slices.Clone(oldestFirst)
	}
	return reversed(oldestFirst)
}

// runPagination runs every pagination check over every paginated list, so
// all lists page alike.
func runPagination(t *testing.T, newStore func(t *testing.T) store.Store) {
	checks := []struct {
		name string
		run  func(t *testing.T, p pager)
	}{
		{"Defaults", testPageDefaults},
		{"Walk", testPageWalk},
		{"Cursors", testPageCursors},
		{"LimitClamp", testPageLimitClamp},
		{"InsertsBetweenPages", testPageInserts},
	}
	for _, lc := range listCases() {
		t.Run(lc.name, func(t *testing.T) {
			for _, c := range checks {
				t.Run(c.name, func(t *testing.T) { c.run(t, lc.setup(t, newStore(t))) })
			}
		})
	}
}

// testPageDefaults: no options means newest first, ten to a page.
func testPageDefaults(t *testing.T, p pager) {
	want := reversed(p.fill(25))
	for _, opts := range []store.ListOptions{{}, {Order: store.Desc}} {
		got, meta := p.page(t, opts)
		checkPage(t, fmt.Sprintf("first page of %+v", opts), got, meta, want[:10], "", want[9])
	}
}

// testPageWalk walks the whole list forwards with After and back with
// Before, as a client following ListMetadata does, in both orders and for
// limits that do and do not divide the item count.
func testPageWalk(t *testing.T, p pager) {
	all := p.fill(25)
	for _, order := range []store.Order{store.Desc, store.Asc} {
		for _, limit := range []int{0, 5, 7, 25, 30} {
			t.Run(fmt.Sprintf("%s/limit=%d", order, limit), func(t *testing.T) {
				want := inOrder(all, order)
				size := limit
				if size == 0 {
					size = 10
				}
				pages := slices.Collect(slices.Chunk(want, size))
				last := len(pages) - 1
				firstOf := func(i int) string {
					if i == 0 {
						return ""
					}
					return pages[i][0]
				}

				var visited []string
				cursor := ""
				for i := 0; ; i++ {
					got, meta := p.page(t, store.ListOptions{Limit: limit, After: cursor, Order: order})
					lastOf := ""
					if i < last {
						lastOf = pages[i][len(pages[i])-1]
					}
					checkPage(t, fmt.Sprintf("forward page %d", i), got, meta, pages[i], firstOf(i), lastOf)
					visited = append(visited, got...)
					if meta.After == "" || i >= last {
						break
					}
					cursor = meta.After
				}
				if !slices.Equal(visited, want) {
					t.Fatalf("walking forward visited %v, want each of %v once in order", visited, want)
				}

				cursor = firstOf(last)
				for i := last - 1; i >= 0; i-- {
					got, meta := p.page(t, store.ListOptions{Limit: limit, Before: cursor, Order: order})
					checkPage(t, fmt.Sprintf("backward page %d", i), got, meta, pages[i], firstOf(i), pages[i][len(pages[i])-1])
					if meta.Before == "" {
						break
					}
					cursor = meta.Before
				}
			})
		}
	}
}

// testPageCursors asks for pages around cursors that are not page
// boundaries, and past either end.
func testPageCursors(t *testing.T, p pager) {
	all := p.fill(25)
	for _, order := range []store.Order{store.Desc, store.Asc} {
		w := inOrder(all, order)
		cases := []struct {
			name          string
			opts          store.ListOptions
			want          []string
			before, after string
		}{
			{"after mid-list", store.ListOptions{After: w[3]}, w[4:9], w[4], w[8]},
			{"before mid-list", store.ListOptions{Before: w[12]}, w[7:12], w[7], w[11]},
			{"before near the start", store.ListOptions{Before: w[3]}, w[0:3], "", w[2]},
			{"after near the end", store.ListOptions{After: w[21]}, w[22:25], w[22], ""},
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%s", order, c.name), func(t *testing.T) {
				c.opts.Limit, c.opts.Order = 5, order
				got, meta := p.page(t, c.opts)
				checkPage(t, c.name, got, meta, c.want, c.before, c.after)
			})
		}
		t.Run(fmt.Sprintf("%s/past the ends", order), func(t *testing.T) {
			for _, opts := range []store.ListOptions{{After: w[24]}, {Before: w[0]}} {
				opts.Limit, opts.Order = 5, order
				if got, _ := p.page(t, opts); len(got) != 0 {
					t.Errorf("list %+v = %v, want no items", opts, got)
				}
			}
		})
	}
}

// testPageLimitClamp: Limit is clamped to 1..100, with 10 for zero or less.
func testPageLimitClamp(t *testing.T, p pager) {
	want := reversed(p.fill(105))
	for _, c := range []struct{ limit, n int }{
		{0, 10}, {-1, 10}, {-50, 10}, {1, 1}, {100, 100}, {101, 100}, {1000, 100},
	} {
		t.Run(fmt.Sprintf("limit=%d", c.limit), func(t *testing.T) {
			got, meta := p.page(t, store.ListOptions{Limit: c.limit})
			checkPage(t, "first page", got, meta, want[:c.n], "", want[c.n-1])
		})
	}
}

// testPageInserts: newer items stored between two page requests (newest
// first) neither repeat nor hide the older ones, and show up when the
// client pages back to the start.
func testPageInserts(t *testing.T, p pager) {
	old := reversed(p.fill(25))
	first, meta := p.page(t, store.ListOptions{})
	checkPage(t, "page 1", first, meta, old[:10], "", old[9])

	newer := reversed(p.fill(5))
	second, meta := p.page(t, store.ListOptions{After: meta.After})
	checkPage(t, "page 2 after inserts", second, meta, old[10:20], old[10], old[19])
	third, meta := p.page(t, store.ListOptions{After: meta.After})
	checkPage(t, "page 3 after inserts", third, meta, old[20:], old[20], "")

	// Back from page 2: page 1 now has newer items before it.
	back, meta := p.page(t, store.ListOptions{Before: old[10]})
	checkPage(t, "page 1 again", back, meta, old[:10], old[0], old[9])
	back, meta = p.page(t, store.ListOptions{Before: meta.Before})
	checkPage(t, "the new items", back, meta, newer, "", newer[len(newer)-1])
}

// listCase is one paginated list; setup stores what its items need and
// returns the pager.
type listCase struct {
	name  string
	setup func(t *testing.T, s store.Store) pager
}

func listCases() []listCase {
	return []listCase{
		{"Applications", pageApplications},
		{"Organizations", pageOrganizations},
		{"Connections", pageConnections},
		{"Users", pageUsers},
		{"OrganizationMemberships", pageMemberships},
		{"Sessions", pageSessions},
	}
}

// clock returns successive creation times, so CreatedAt agrees with ID order.
func clock() func() time.Time {
	n := 0
	return func() time.Time {
		n++
		return at(time.Duration(n) * time.Second)
	}
}
