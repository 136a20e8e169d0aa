package storetest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

// at returns a point of the suite's timeline. The base carries nanoseconds
// and a non-UTC zone whose date differs from UTC's, so every round-trip
// proves the backend's normalisation: UTC, truncated (not rounded) to the
// microsecond.
func at(d time.Duration) time.Time {
	zone := time.FixedZone("UTC+05:30", 5*3600+30*60)
	return time.Date(2031, time.May, 17, 2, 26, 53, 123456789, zone).Add(d)
}

// stored returns tm as the store conventions say a backend gives it back.
func stored(tm time.Time) time.Time {
	if tm.IsZero() {
		return time.Time{}
	}
	return tm.UTC().Truncate(time.Microsecond)
}

// jsonField reports whether a []byte field holds JSON. Those compare by
// meaning, because a backend may keep them in a JSON column (PostgreSQL
// jsonb) that re-spaces them; callers only ever decode them.
func jsonField(name string) bool {
	return name == "Settings" || name == "PublicKey"
}

// checkRecord fails t unless got is the record that want was stored as:
// every field equal, times in UTC and equal to want's truncated to the
// microsecond, zero times zero, nil and empty byte slices alike.
func checkRecord[T any](t *testing.T, what string, want, got T) {
	t.Helper()
	w, g := reflect.ValueOf(want), reflect.ValueOf(got)
	for i := range w.NumField() {
		name := w.Type().Field(i).Name
		wf, gf := w.Field(i).Interface(), g.Field(i).Interface()
		switch wv := wf.(type) {
		case time.Time:
			gv := gf.(time.Time)
			if wv.IsZero() {
				if !gv.IsZero() {
					t.Errorf("%s: %s = %v, want the zero time", what, name, gv)
				}
				continue
			}
			if gv.Location() != time.UTC {
				t.Errorf("%s: %s = %v, location %q, want UTC", what, name, gv, gv.Location())
			}
			if !gv.Equal(stored(wv)) {
				t.Errorf("%s: %s = %v, want %v", what, name, gv, stored(wv))
			}
		case []byte:
			gv := gf.([]byte)
			if jsonField(name) && len(wv) > 0 {
				if !sameJSON(wv, gv) {
					t.Errorf("%s: %s = %s, want JSON equal to %s", what, name, gv, wv)
				}
			} else if !bytes.Equal(wv, gv) { // nil and empty are alike
				t.Errorf("%s: %s = %x, want %x", what, name, gv, wv)
			}
		default:
			if !reflect.DeepEqual(wf, gf) {
				t.Errorf("%s: %s = %#v, want %#v", what, name, gf, wf)
			}
		}
	}
}

func sameJSON(a, b []byte) bool {
	var av, bv any
	if json.Unmarshal(a, &av) != nil || json.Unmarshal(b, &bv) != nil {
		return false
	}
	return reflect.DeepEqual(av, bv)
}

// checkRecords compares two lists element by element, in order.
func checkRecords[T any](t *testing.T, what string, want, got []T) {
	t.Helper()
	if wk, gk := ids(want), ids(got); !slices.Equal(wk, gk) {
		t.Errorf("%s: got %d records %v, want %d %v", what, len(gk), gk, len(wk), wk)
		return
	}
	for i := range want {
		checkRecord(t, what+"["+recordID(want[i])+"]", want[i], got[i])
	}
}

// checkRecordSet compares two lists whose order the contract leaves open.
func checkRecordSet[T any](t *testing.T, what string, want, got []T) {
	t.Helper()
	byID := func(a, b T) int { return cmp.Compare(recordID(a), recordID(b)) }
	want, got = slices.Clone(want), slices.Clone(got)
	slices.SortFunc(want, byID)
	slices.SortFunc(got, byID)
	checkRecords(t, what, want, got)
}

// recordID returns a record's ID field (every record type but AuthCode,
// which is never listed, has one).
func recordID(rec any) string {
	return reflect.ValueOf(rec).FieldByName("ID").String()
}

// ids returns the IDs of records, in order.
func ids[T any](recs []T) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = recordID(r)
	}
	return out
}

// must stops the test when a step the check relies on fails.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErr fails t unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}
