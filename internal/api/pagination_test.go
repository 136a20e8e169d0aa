package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/manage"
)

// page is a decoded list response: the IDs and the cursors.
type page struct {
	ids           []string
	before, after string
}

func (e *testEnv) page(path string, q url.Values) page {
	e.t.Helper()
	l := decodeInto[struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		ListMetadata struct {
			Before, After *string
		} `json:"list_metadata"`
	}](e.t, e.do("GET", path+"?"+q.Encode(), nil, http.StatusOK))
	var p page
	for _, d := range l.Data {
		p.ids = append(p.ids, d.ID)
	}
	if l.ListMetadata.Before != nil {
		p.before = *l.ListMetadata.Before
	}
	if l.ListMetadata.After != nil {
		p.after = *l.ListMetadata.After
	}
	return p
}

func TestPagination(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var ids []string // oldest first
	for i := range 5 {
		u, err := e.svc.CreateUser(ctx, manage.UserInput{Email: fmt.Sprintf("u%d@example.test", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	newest := slices.Clone(ids)
	slices.Reverse(newest)
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name  string
		query url.Values
		want  page
	}{
		{"defaults: newest first, all on one page", q(), page{ids: newest}},
		{"limit 1", q("limit", "1"), page{ids: newest[:1], after: newest[0]}},
		{"limit 100", q("limit", "100"), page{ids: newest}},
		{"limit equal to the count", q("limit", "5"), page{ids: newest}},
		{"desc, after", q("limit", "2", "after", newest[1]), page{ids: newest[2:4], before: newest[2], after: newest[3]}},
		{"desc, last page", q("limit", "2", "after", newest[3]), page{ids: newest[4:], before: newest[4]}},
		{"desc, before", q("limit", "2", "before", newest[2]), page{ids: newest[:2], after: newest[1]}},
		{"asc", q("order", "asc", "limit", "2"), page{ids: ids[:2], after: ids[1]}},
		{"asc, after", q("order", "asc", "limit", "2", "after", ids[1]), page{ids: ids[2:4], before: ids[2], after: ids[3]}},
		{"asc, before the first", q("order", "asc", "before", ids[0]), page{}},
		{"after the last", q("after", newest[4]), page{}},
		{"cursor of no object, older than all", q("limit", "2", "after", "user_0"), page{}},
		{"cursor of no object, newer than all", q("limit", "2", "after", "user_Z"), page{ids: newest[:2], after: newest[1]}},
		// normal: newest first, but before pages to older items and
		// after to newer ones.
		{"normal", q("order", "normal", "limit", "2"), page{ids: newest[:2], before: newest[1]}},
		{"normal, before (older)", q("order", "normal", "limit", "2", "before", newest[1]), page{ids: newest[2:4], before: newest[3], after: newest[2]}},
		{"normal, after (newer)", q("order", "normal", "limit", "2", "after", newest[2]), page{ids: newest[:2], before: newest[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.page("/user_management/users", tt.query)
			if !slices.Equal(got.ids, tt.want.ids) || got.before != tt.want.before || got.after != tt.want.after {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}

	for _, bad := range []string{"limit=0", "limit=101", "limit=-1", "limit=ten", "limit=1.5", "order=up", "order=ASC"} {
		t.Run("refused "+bad, func(t *testing.T) {
			e.do("GET", "/user_management/users?"+bad, nil, http.StatusUnprocessableEntity)
		})
	}
}

// TestPaginationUnderInserts: users created while a client walks the list
// (newest first) neither repeat nor hide older ones.
func TestPaginationUnderInserts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var want []string
	for i := range 7 {
		u, err := e.svc.CreateUser(ctx, manage.UserInput{Email: fmt.Sprintf("old%d@example.test", i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append([]string{u.ID}, want...)
	}
	var seen []string
	p := e.page("/user_management/users", url.Values{"limit": {"3"}})
	for i := 0; ; i++ {
		seen = append(seen, p.ids...)
		if _, err := e.svc.CreateUser(ctx, manage.UserInput{Email: fmt.Sprintf("new%d@example.test", i)}); err != nil {
			t.Fatal(err)
		}
		if p.after == "" {
			break
		}
		p = e.page("/user_management/users", url.Values{"limit": {"3"}, "after": {p.after}})
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("walked %v, want %v", seen, want)
	}
}

// TestEveryListPages: each list endpoint takes the cursor parameters and
// answers the list envelope.
func TestEveryListPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org, err := e.svc.CreateOrganization(ctx, manage.OrganizationInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	user, err := e.svc.CreateUser(ctx, manage.UserInput{Email: "a@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateMembership(ctx, user.ID, org.ID, ""); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/organizations", "/connections", "/user_management/users",
		"/user_management/organization_memberships?organization_id=" + org.ID + "&",
		"/user_management/users/" + user.ID + "/sessions",
	} {
		t.Run(path, func(t *testing.T) {
			sep := "?"
			if path[len(path)-1] == '&' {
				sep = ""
			}
			e.do("GET", path+sep+"limit=1&order=asc", nil, http.StatusOK)
			e.do("GET", path+sep+"limit=1000", nil, http.StatusUnprocessableEntity)
		})
	}
}
