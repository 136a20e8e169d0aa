// Package sqlstore implements store.Store once, over database/sql, for
// every SQL database Latchkey runs on. What differs between them (parameter
// markers, how times are kept, how a constraint violation is reported) sits
// behind a small Dialect; the backends (sqlite, postgres) supply it, open the
// connections and own the schema migrations.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Dialect is what differs between the databases sqlstore runs on.
type Dialect interface {
	// Placeholder returns the marker of the n-th (from 1) query parameter.
	// Queries are written with ?; a dialect that returns something else for
	// n = 1 gets every ? rewritten.
	Placeholder(n int) string
	// EncodeTime turns a non-zero time, already in UTC and truncated to the
	// microsecond, into the value a time column stores.
	EncodeTime(t time.Time) any
	// DecodeTime turns what the driver returns for a non-NULL time column
	// back into a time.
	DecodeTime(src any) (time.Time, error)
	// IsUniqueViolation reports whether err is a unique or primary key
	// violation.
	IsUniqueViolation(err error) bool
	// IsForeignKeyViolation reports whether err says a referenced row is
	// missing.
	IsForeignKeyViolation(err error) bool
	// MigrationsTable is the statement that creates schema_migrations
	// (version, applied_at) when it does not exist yet.
	MigrationsTable() string
}

// Store is a store.Store over database/sql.
type Store struct {
	read  *sql.DB
	write *sql.DB
	d     Dialect
	// numbered is whether ? markers need rewriting.
	numbered bool
	stmts    statements
	// rebound caches the rewritten text of each query (for numbered
	// dialects): the queries of a token grant run to a kilobyte, and
	// rewriting them cost more than a map lookup.
	rebound  sync.Map // string → string
	nRebound atomic.Int64
	// writingWith is whether the dialect is a DataModifyingWith.
	writingWith bool
}

var _ store.Store = (*Store)(nil)

// New returns a Store that reads through read and writes through write. A
// backend whose database serialises writers (SQLite) passes a separate
// one-connection pool as write so writers queue in Go instead of failing
// with a busy error; others pass the same pool twice. Close closes both.
func New(read, write *sql.DB, d Dialect) *Store {
	s := &Store{read: read, write: write, d: d, numbered: d.Placeholder(1) != "?"}
	_, s.stmts.off = d.(StatementCacher)
	_, s.writingWith = d.(DataModifyingWith)
	return s
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	if s.write != s.read {
		if err := s.write.PingContext(ctx); err != nil {
			return fmt.Errorf("sqlstore: ping: %w", err)
		}
	}
	return nil
}

// Close closes the prepared statements and the connection pools.
func (s *Store) Close() error {
	err := errors.Join(s.stmts.close(), s.read.Close())
	if s.write != s.read {
		err = errors.Join(err, s.write.Close())
	}
	return err
}

// Generation returns the counter that writes to the records authorize
// caches increase.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var n int64
	if err := s.reader().QueryRowContext(ctx, `SELECT value FROM generation WHERE id = 1`).Scan(&n); err != nil {
		return 0, s.fail("generation", err)
	}
	return n, nil
}

// rebind rewrites ? markers for dialects that number their parameters.
// No query here has a ? inside a string literal.
func rebind(d Dialect, query string) string {
	if d.Placeholder(1) == "?" {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString(d.Placeholder(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Store) q(query string) string {
	if !s.numbered {
		return query
	}
	if v, ok := s.rebound.Load(query); ok {
		return v.(string)
	}
	r := rebind(s.d, query)
	if s.nRebound.Load() < maxStatements {
		if _, loaded := s.rebound.LoadOrStore(query, r); !loaded {
			s.nRebound.Add(1)
		}
	}
	return r
}

// fail wraps err with the operation, turning "no row" and constraint
// violations into the store's sentinel errors. The driver's own message is
// dropped for those: it can quote the conflicting value.
func (s *Store) fail(op string, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	case s.d.IsUniqueViolation(err):
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrConflict)
	case s.d.IsForeignKeyViolation(err):
		return fmt.Errorf("sqlstore: %s: a referenced record is missing: %w", op, store.ErrNotFound)
	default:
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
}

// inTx runs fn in a transaction on the write pool and commits when fn
// returns nil. Errors come back unwrapped; callers pass them to fail. fn
// runs its statements through s.within(tx) to use prepared ones.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// Once the transaction has let go of its connection.
	defer s.stmts.prepareMissed(ctx, s.write)
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// bump says whether a write changes a record that authorize caches, and so
// must increase the generation counter in the same transaction.
type bump bool

const (
	cached    bump = true
	notCached bump = false
)

// change runs one write statement. It reports ErrNotFound when the
// statement touched no row, which for UPDATE and DELETE means the record
// does not exist.
func (s *Store) change(ctx context.Context, op string, b bump, query string, args ...any) error {
	run := func(ctx context.Context, x runner) error { return execOne(ctx, x, query, args...) }
	var err error
	if b == cached {
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			if err := run(ctx, s.within(tx)); err != nil {
				return err
			}
			return s.bumpGeneration(ctx, tx)
		})
	} else {
		err = run(ctx, s.writer())
	}
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// get reads one record through the read pool.
func get[T any](ctx context.Context, s *Store, op string, scan func(rowScanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(s.reader().QueryRowContext(ctx, query, args...))
	if err != nil {
		var zero T
		return zero, s.fail(op, err)
	}
	return v, nil
}

// all reads every record a query returns through the read pool; never nil.
func all[T any](ctx context.Context, s *Store, op string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	out, err := collect(rows, scan)
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

func collect[T any](rows *sql.Rows, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// execOne runs a write that must touch a row: touching none is
// sql.ErrNoRows.
func execOne(ctx context.Context, x runner, query string, args ...any) error {
	res, err := x.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}

// markOnce runs update, which sets a mark on one row only where it is not
// set yet (… AND consumed_at IS NULL). When it touches no row, exists (a
// SELECT 1 of that row, with eargs) tells a row marked before (false, nil)
// from a missing one (sql.ErrNoRows).
func markOnce(ctx context.Context, x runner, update string, uargs []any, exists string, eargs ...any) (bool, error) {
	err := execOne(ctx, x, update, uargs...)
	if !errors.Is(err, sql.ErrNoRows) {
		return err == nil, err
	}
	var one int
	if err := x.QueryRowContext(ctx, exists, eargs...).Scan(&one); err != nil {
		return false, err
	}
	return false, nil
}
