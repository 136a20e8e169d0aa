package sqlstore

import (
	"fmt"
	"time"
)

// Conversions between record fields and column values. Zero times and nil
// byte slices are NULL; optional strings that a unique index or a foreign
// key must ignore when empty are NULL too (NULLIF(?, '') in the SQL,
// COALESCE on the way out).

// t is the column value of a time: NULL for the zero time, else the
// dialect's encoding of the UTC time truncated to the microsecond.
func (s *Store) t(tm time.Time) any {
	if tm.IsZero() {
		return nil
	}
	return s.d.EncodeTime(tm.UTC().Truncate(time.Microsecond))
}

// tm returns a scan destination for a time column.
func (s *Store) tm(dst *time.Time) timeColumn {
	return timeColumn{d: s.d, dst: dst}
}

// timeColumn scans a time column: NULL is the zero time, anything else is
// decoded by the dialect and normalised to UTC and the microsecond.
type timeColumn struct {
	d   Dialect
	dst *time.Time
}

// Scan implements sql.Scanner.
func (c timeColumn) Scan(src any) error {
	if src == nil {
		*c.dst = time.Time{}
		return nil
	}
	tm, err := c.d.DecodeTime(src)
	if err != nil {
		return fmt.Errorf("decode time: %w", err)
	}
	*c.dst = tm.UTC().Truncate(time.Microsecond)
	return nil
}

// blob is the column value of a byte slice: NULL for nil.
func blob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}
