package postgres

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATE codes Latchkey tells apart (PostgreSQL Appendix A).
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// dialect is PostgreSQL's sqlstore.Dialect.
type dialect struct{}

func (dialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

func (dialect) EncodeTime(t time.Time) any { return t }

func (dialect) DecodeTime(src any) (time.Time, error) {
	t, ok := src.(time.Time)
	if !ok {
		return time.Time{}, fmt.Errorf("postgres: time column holds %T, want time.Time", src)
	}
	return t, nil
}

// CachesStatements says pgx prepares each query once per connection and
// keeps it (its default QueryExecModeCacheStatement), so sqlstore leaves
// statements to it (sqlstore.StatementCacher).
func (dialect) CachesStatements() {}

// DataModifyingWith says PostgreSQL runs INSERT and UPDATE inside WITH, so
// sqlstore writes a token grant in one statement
// (sqlstore.DataModifyingWith).
func (dialect) DataModifyingWith() {}

func (dialect) IsUniqueViolation(err error) bool { return sqlState(err) == uniqueViolation }

func (dialect) IsForeignKeyViolation(err error) bool { return sqlState(err) == foreignKeyViolation }

func (dialect) MigrationsTable() string {
	return `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL
	)`
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
