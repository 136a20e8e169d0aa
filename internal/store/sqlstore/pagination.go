package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Page sizes, as WorkOS documents them.
const (
	defaultLimit = 10
	maxLimit     = 100
)

// listQuery is one paginated list: the table, the columns its scan function
// reads and the filter every page of the list shares.
type listQuery struct {
	table string
	cols  string
	where []string // conditions joined with AND, written with ?
	args  []any
}

// filter adds a condition to the list's filter.
func (l *listQuery) filter(cond string, args ...any) {
	l.where = append(l.where, cond)
	l.args = append(l.args, args...)
}

// pageOrder is how a request walks a list ordered by ID (IDs are ULIDs, so
// ID order is creation order).
type pageOrder struct {
	asc bool // the list runs oldest first
	// forward is whether the query reads in the list's order. A request
	// with only a Before cursor reads backwards from it, so the page
	// nearest the cursor comes first, and then flips the page back.
	forward bool
	limit   int
}

func newPageOrder(opts store.ListOptions) (pageOrder, error) {
	p := pageOrder{forward: opts.Before == "" || opts.After != "", limit: opts.Limit}
	switch opts.Order {
	case store.Asc:
		p.asc = true
	case store.Desc, "":
	default:
		return p, fmt.Errorf("unknown order %q", opts.Order)
	}
	// Zero is "unset"; a negative limit is treated the same, as the
	// conformance suite expects, rather than as a page of one.
	switch {
	case p.limit <= 0:
		p.limit = defaultLimit
	case p.limit > maxLimit:
		p.limit = maxLimit
	}
	return p, nil
}

// after is the comparison that selects the IDs after a cursor in the
// list's order; before selects those preceding it.
func (p pageOrder) after() string {
	if p.asc {
		return "id > ?"
	}
	return "id < ?"
}

func (p pageOrder) before() string {
	if p.asc {
		return "id < ?"
	}
	return "id > ?"
}

// direction is the ORDER BY direction of the query.
func (p pageOrder) direction() string {
	if p.asc == p.forward {
		return "ASC"
	}
	return "DESC"
}

// list returns one page of l with WorkOS cursor semantics and the cursors
// of the neighbouring pages: After is the page's last ID when more items
// follow it, Before its first ID when items precede it.
func list[T any](ctx context.Context, s *Store, op string, l listQuery, opts store.ListOptions,
	scan func(rowScanner) (T, error), idOf func(T) string) ([]T, store.ListMetadata, error) {
	var md store.ListMetadata
	p, err := newPageOrder(opts)
	if err != nil {
		return nil, md, fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	page := l
	page.where = slices.Clone(l.where)
	page.args = slices.Clone(l.args)
	if opts.After != "" {
		page.filter(p.after(), opts.After)
	}
	if opts.Before != "" {
		page.filter(p.before(), opts.Before)
	}
	query := "SELECT " + l.cols + " FROM " + l.table + whereClause(page.where) +
		" ORDER BY id " + p.direction() + " LIMIT ?"
	// One row more than the page tells whether the list goes on past it.
	rows, err := s.reader().QueryContext(ctx, query, append(page.args, p.limit+1)...)
	if err != nil {
		return nil, md, s.fail(op, err)
	}
	items, err := collect(rows, scan)
	if err != nil {
		return nil, md, s.fail(op, err)
	}
	more := len(items) > p.limit
	items = items[:min(len(items), p.limit)]
	if !p.forward {
		slices.Reverse(items)
	}
	if len(items) == 0 {
		return items, md, nil
	}
	md, err = s.metadata(ctx, l, p, opts, more, idOf(items[0]), idOf(items[len(items)-1]))
	if err != nil {
		return nil, md, s.fail(op, err)
	}
	return items, md, nil
}

// metadata returns the cursors around a page whose first and last IDs are
// given; more says whether the read found a row past the page. The far end
// of the read is known from that row; the cursor side needs a look, since
// the cursor's own record may have been deleted.
func (s *Store) metadata(ctx context.Context, l listQuery, p pageOrder, opts store.ListOptions,
	more bool, first, last string) (store.ListMetadata, error) {
	var md store.ListMetadata
	var err error
	follows := p.forward && more
	if !follows && opts.Before != "" {
		if follows, err = s.exists(ctx, l, p.after(), last); err != nil {
			return md, err
		}
	}
	precedes := !p.forward && more
	if !precedes && opts.After != "" {
		if precedes, err = s.exists(ctx, l, p.before(), first); err != nil {
			return md, err
		}
	}
	if follows {
		md.After = last
	}
	if precedes {
		md.Before = first
	}
	return md, nil
}

// exists reports whether l has an item matching cond.
func (s *Store) exists(ctx context.Context, l listQuery, cond string, arg any) (bool, error) {
	where := append(slices.Clone(l.where), cond)
	args := append(slices.Clone(l.args), arg)
	query := "SELECT 1 FROM " + l.table + whereClause(where) + " LIMIT 1"
	rows, err := s.reader().QueryContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	found := rows.Next()
	return found, rows.Err()
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
