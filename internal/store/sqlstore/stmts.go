package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
)

// Prepared statements. modernc.org/sqlite compiles a statement again on
// every DB.QueryContext and DB.ExecContext, and database/sql caches nothing
// for those: compiling was a quarter of the database work of a token grant.
// A *sql.Stmt is compiled once on each connection that runs it, and
// database/sql keeps it there.

// StatementCacher is implemented by a Dialect whose driver keeps prepared
// statements by itself, so that sqlstore must not. pgx caches one per
// connection and query text; a *sql.Stmt on top would cost more, not less,
// since pgx's database/sql pool keeps no idle connection of its own and a
// statement would be prepared, and deallocated, with every use.
type StatementCacher interface {
	// CachesStatements only marks the dialect.
	CachesStatements()
}

// maxStatements bounds the cache: every query text is a constant or built
// from a few filters, so the bound is only a guard.
const maxStatements = 512

// statements caches a *sql.Stmt per pool and query text, created on first
// use.
type statements struct {
	off bool
	m   sync.Map // stmtKey → *sql.Stmt
	n   atomic.Int64

	mu sync.Mutex
	// missed are the queries a transaction ran unprepared, to be prepared
	// on the write pool once the transaction let go of its connection.
	missed map[string]struct{}
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// get returns db's statement for query, preparing it on first use. It
// returns nil when caching is off or preparing failed: the caller runs the
// query text instead, which reports the failure.
func (c *statements) get(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	if c.off {
		return nil
	}
	if st := c.lookup(db, query); st != nil {
		return st
	}
	if c.n.Load() >= maxStatements {
		return nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if v, loaded := c.m.LoadOrStore(stmtKey{db, query}, st); loaded {
		_ = st.Close()
		return v.(*sql.Stmt)
	}
	c.n.Add(1)
	return st
}

// lookup returns db's statement for query when it was prepared already.
func (c *statements) lookup(db *sql.DB, query string) *sql.Stmt {
	if c.off {
		return nil
	}
	if v, ok := c.m.Load(stmtKey{db, query}); ok {
		return v.(*sql.Stmt)
	}
	return nil
}

// miss records a query a transaction ran unprepared.
func (c *statements) miss(query string) {
	if c.off {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.missed == nil {
		c.missed = map[string]struct{}{}
	}
	c.missed[query] = struct{}{}
}

// prepareMissed prepares on db the queries transactions ran unprepared.
func (c *statements) prepareMissed(ctx context.Context, db *sql.DB) {
	if c.off {
		return
	}
	c.mu.Lock()
	missed := c.missed
	c.missed = nil
	c.mu.Unlock()
	for q := range missed {
		c.get(ctx, db, q)
	}
}

// close closes every cached statement.
func (c *statements) close() error {
	var err error
	c.m.Range(func(k, v any) bool {
		c.m.Delete(k)
		c.n.Add(-1)
		err = errors.Join(err, v.(*sql.Stmt).Close())
		return true
	})
	return err
}

// runner runs statements through the cache: on the pool db, or inside tx
// (a transaction on the write pool) when tx is not nil. Its methods take
// queries written with ? markers.
type runner struct {
	s  *Store
	db *sql.DB
	tx *sql.Tx
}

// reader runs statements on the read pool.
func (s *Store) reader() runner { return runner{s: s, db: s.read} }

// writer runs statements on the write pool, each in a transaction of its
// own.
func (s *Store) writer() runner { return runner{s: s, db: s.write} }

// within runs statements in tx.
func (s *Store) within(tx *sql.Tx) runner { return runner{s: s, db: s.write, tx: tx} }

// stmt returns the cached statement for query (rebound already), bound to
// the transaction when there is one; nil when there is none to use.
func (r runner) stmt(ctx context.Context, query string) *sql.Stmt {
	if r.tx == nil {
		return r.s.stmts.get(ctx, r.db, query)
	}
	// Preparing on the pool now would wait for a connection, and the
	// write pool may have only the one this transaction holds.
	st := r.s.stmts.lookup(r.db, query)
	if st == nil {
		r.s.stmts.miss(query)
		return nil
	}
	return r.tx.StmtContext(ctx, st)
}

// QueryRowContext is sql.DB.QueryRowContext through the cache.
func (r runner) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	q := r.s.q(query)
	switch st := r.stmt(ctx, q); {
	case st != nil:
		return st.QueryRowContext(ctx, args...)
	case r.tx != nil:
		return r.tx.QueryRowContext(ctx, q, args...)
	default:
		return r.db.QueryRowContext(ctx, q, args...)
	}
}

// QueryContext is sql.DB.QueryContext through the cache.
func (r runner) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := r.s.q(query)
	switch st := r.stmt(ctx, q); {
	case st != nil:
		return st.QueryContext(ctx, args...)
	case r.tx != nil:
		return r.tx.QueryContext(ctx, q, args...)
	default:
		return r.db.QueryContext(ctx, q, args...)
	}
}

// ExecContext is sql.DB.ExecContext through the cache.
func (r runner) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := r.s.q(query)
	switch st := r.stmt(ctx, q); {
	case st != nil:
		return st.ExecContext(ctx, args...)
	case r.tx != nil:
		return r.tx.ExecContext(ctx, q, args...)
	default:
		return r.db.ExecContext(ctx, q, args...)
	}
}
