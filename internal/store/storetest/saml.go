package storetest

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

func samlTests() []subTest {
	return []subTest{
		{"RecordOnce", testRecordAssertion},
		{"RecordOnceConcurrently", testConcurrentRecordAssertion},
		{"DeleteExpired", testDeleteExpiredAssertions},
	}
}

// assertionID is an ID as the ACS handler records it: the connection, then
// the IdP's assertion ID.
func assertionID() string { return "conn_" + rand.Text() + " _" + rand.Text() }

func testRecordAssertion(t *testing.T, s store.Store) {
	ctx := t.Context()
	id := assertionID()
	must(t, "RecordAssertion", s.RecordAssertion(ctx, id, at(time.Minute)))
	for _, exp := range []time.Duration{time.Minute, time.Hour, -time.Hour} {
		wantErr(t, "RecordAssertion again", s.RecordAssertion(ctx, id, at(exp)), store.ErrAlreadyUsed)
	}
	// IDs differ byte-wise: another case or another connection is another ID.
	must(t, "RecordAssertion of another ID", s.RecordAssertion(ctx, id+"x", at(time.Minute)))
	must(t, "RecordAssertion of the upper-cased ID", s.RecordAssertion(ctx, "CONN_"+id[len("conn_"):], at(time.Minute)))
	if err := s.RecordAssertion(ctx, assertionID(), time.Time{}); err == nil {
		t.Error("RecordAssertion with a zero expiry succeeded")
	}
}

// testConcurrentRecordAssertion: nodes that receive one response at once
// (a replay racing the original) let exactly one through.
func testConcurrentRecordAssertion(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, n := range []int{2, racers} {
		for range rounds {
			id := assertionID()
			errs := race(n, func(i int) error {
				return s.RecordAssertion(ctx, id, at(time.Duration(i+1)*time.Second))
			})
			checkOneWinner(t, "RecordAssertion", errs, store.ErrAlreadyUsed)
		}
	}
}

func testDeleteExpiredAssertions(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := at(time.Hour)
	record := func(expires time.Duration) string {
		id := assertionID()
		must(t, "RecordAssertion", s.RecordAssertion(ctx, id, now.Add(expires)))
		return id
	}
	expired := []string{record(-time.Hour), record(-time.Second), record(-time.Microsecond)}
	live := []string{record(0), record(time.Second), record(10 * time.Minute)}

	n, err := s.DeleteExpiredAssertions(ctx, now)
	must(t, "DeleteExpiredAssertions", err)
	if n != int64(len(expired)) {
		t.Errorf("DeleteExpiredAssertions = %d, want %d", n, len(expired))
	}
	// A deleted record no longer blocks its ID; a live one still does.
	for _, id := range expired {
		must(t, "RecordAssertion of a deleted ID", s.RecordAssertion(ctx, id, now.Add(time.Minute)))
	}
	for _, id := range live {
		wantErr(t, "RecordAssertion of a live ID", s.RecordAssertion(ctx, id, now.Add(time.Minute)), store.ErrAlreadyUsed)
	}
	n, err = s.DeleteExpiredAssertions(ctx, now)
	must(t, "DeleteExpiredAssertions again", err)
	if n != 0 {
		t.Errorf("DeleteExpiredAssertions again = %d, want 0", n)
	}
}
