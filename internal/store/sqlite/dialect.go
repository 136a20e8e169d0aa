package sqlite

import (
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is SQLite's sqlstore.Dialect. Times are INTEGER microseconds
// since the Unix epoch: SQLite has no time type, and an integer keeps the
// precision fixed and orders correctly under plain comparison.
type dialect struct{}

func (dialect) Placeholder(int) string { return "?" }

func (dialect) EncodeTime(t time.Time) any { return t.UnixMicro() }

func (dialect) DecodeTime(src any) (time.Time, error) {
	us, ok := src.(int64)
	if !ok {
		return time.Time{}, fmt.Errorf("sqlite: time column holds %T, want int64", src)
	}
	return time.UnixMicro(us).UTC(), nil
}

func (dialect) IsUniqueViolation(err error) bool {
	code := errorCode(err)
	return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func (dialect) IsForeignKeyViolation(err error) bool {
	return errorCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

func (dialect) MigrationsTable() string {
	return `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`
}

// errorCode is the extended result code of a SQLite error, or 0.
func errorCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}
