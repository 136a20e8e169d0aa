package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/store"
)

func catalogTests() []subTest {
	return []subTest{
		{"ScanReadsEverythingRouted", testScanCatalog},
		{"ScanStopsOnCallbackError", testScanCatalogCallbackError},
		{"ScanDetectsConcurrentWrite", testScanCatalogConflict},
	}
}

// testScanCatalog: every organization, only active connections (of every
// kind), in ID order, with the generation they reflect.
func testScanCatalog(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := createOrganization(t, s), createOrganization(t, s)
	older := newConnection(a.ID, "GenericOIDC")
	newer := newConnection(a.ID, "GenericSAML")
	off := newConnection(b.ID, "GenericOIDC")
	off.State = store.ConnectionInactive
	google := newConnection("", "GoogleOAuth")
	for _, c := range []store.Connection{older, newer, off, google} {
		must(t, "CreateConnection", s.CreateConnection(ctx, c))
	}
	want, err := s.Generation(ctx)
	must(t, "Generation", err)

	var orgs []store.Organization
	var conns []store.Connection
	gen, err := s.ScanCatalog(ctx,
		func(o store.Organization) error { orgs = append(orgs, o); return nil },
		func(c store.Connection) error { conns = append(conns, c); return nil })
	must(t, "ScanCatalog", err)
	if gen != want {
		t.Errorf("ScanCatalog generation = %d, want %d", gen, want)
	}
	slices.SortFunc(orgs, func(x, y store.Organization) int { return cmpString(x.ID, y.ID) })
	wantOrgs := []store.Organization{a, b}
	slices.SortFunc(wantOrgs, func(x, y store.Organization) int { return cmpString(x.ID, y.ID) })
	if len(orgs) != 2 {
		t.Fatalf("ScanCatalog organizations = %d, want 2", len(orgs))
	}
	for i := range orgs {
		checkRecord(t, "ScanCatalog organization", wantOrgs[i], orgs[i])
	}
	wantConns := []store.Connection{older, newer, google}
	slices.SortFunc(wantConns, func(x, y store.Connection) int { return cmpString(x.ID, y.ID) })
	if len(conns) != len(wantConns) {
		t.Fatalf("ScanCatalog connections = %d, want %d (the inactive one left out)", len(conns), len(wantConns))
	}
	for i := range conns {
		checkRecord(t, "ScanCatalog connection", wantConns[i], conns[i])
	}
}

func cmpString(x, y string) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// testScanCatalogCallbackError: an error from a callback ends the scan and
// comes back.
func testScanCatalogCallbackError(t *testing.T, s store.Store) {
	ctx := t.Context()
	createOrganization(t, s)
	createOrganization(t, s)
	stop := errors.New("enough")
	calls := 0
	_, err := s.ScanCatalog(ctx, func(store.Organization) error { calls++; return stop },
		func(store.Connection) error {
			t.Error("connections scanned after the organization callback failed")
			return nil
		})
	wantErr(t, "ScanCatalog with a failing callback", err, stop)
	if calls != 1 {
		t.Errorf("organization callback called %d times after failing, want 1", calls)
	}
}

// testScanCatalogConflict: a write committed while the scan reads makes
// it fail with ErrConflict rather than return a mixed state.
func testScanCatalogConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	createOrganization(t, s)
	wrote := false
	_, err := s.ScanCatalog(ctx, func(store.Organization) error {
		if !wrote {
			wrote = true
			return s.CreateOrganization(ctx, newOrganization())
		}
		return nil
	}, func(store.Connection) error { return nil })
	wantErr(t, "ScanCatalog with a write in the middle", err, store.ErrConflict)

	// Without writes, the next scan succeeds and sees the new organization.
	n := 0
	_, err = s.ScanCatalog(ctx, func(store.Organization) error { n++; return nil }, func(store.Connection) error { return nil })
	must(t, "ScanCatalog again", err)
	if n != 2 {
		t.Errorf("ScanCatalog again saw %d organizations, want 2", n)
	}
}
