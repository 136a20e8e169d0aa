package storetest

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

func applicationTests() []subTest {
	return []subTest{
		{"CRUD", testApplicationCRUD},
		{"RedirectURIs", testRedirectURIs},
		{"APIKeys", testAPIKeys},
		{"CORSOrigins", testCORSOrigins},
	}
}

func testApplicationCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := newApplication()
	must(t, "CreateApplication", s.CreateApplication(ctx, a))

	got, err := s.GetApplication(ctx, a.ID)
	must(t, "GetApplication", err)
	checkRecord(t, "GetApplication", a, got)
	got, err = s.GetApplicationByName(ctx, a.Name)
	must(t, "GetApplicationByName", err)
	checkRecord(t, "GetApplicationByName", a, got)
	list, _, err := s.ListApplications(ctx, store.ListOptions{})
	must(t, "ListApplications", err)
	checkRecords(t, "ListApplications", []store.Application{a}, list)

	dup := newApplication()
	dup.ID = a.ID
	wantErr(t, "CreateApplication with a taken ID", s.CreateApplication(ctx, dup), store.ErrConflict)

	oldName := a.Name
	a.Name, a.UpdatedAt = "Renamed "+a.ID, at(time.Hour)
	must(t, "UpdateApplication", s.UpdateApplication(ctx, a))
	got, err = s.GetApplication(ctx, a.ID)
	must(t, "GetApplication after update", err)
	checkRecord(t, "GetApplication after update", a, got)
	got, err = s.GetApplicationByName(ctx, a.Name)
	must(t, "GetApplicationByName after update", err)
	checkRecord(t, "GetApplicationByName after update", a, got)
	_, err = s.GetApplicationByName(ctx, oldName)
	wantErr(t, "GetApplicationByName of the old name", err, store.ErrNotFound)

	_, err = s.GetApplication(ctx, id.New(id.Application))
	wantErr(t, "GetApplication of a missing ID", err, store.ErrNotFound)
	wantErr(t, "UpdateApplication of a missing ID", s.UpdateApplication(ctx, newApplication()), store.ErrNotFound)
}

func newRedirectURI(appID string, kind store.RedirectKind, uri string) store.RedirectURI {
	return store.RedirectURI{
		ID: id.New(id.RedirectURI), ApplicationID: appID, Kind: kind, URI: uri,
		CreatedAt: at(0), UpdatedAt: at(time.Second),
	}
}

func testRedirectURIs(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := createApplication(t, s), createApplication(t, s)
	loginA := newRedirectURI(app.ID, store.RedirectLogin, "https://app.test/callback")
	loginA.Default = true
	loginB := newRedirectURI(app.ID, store.RedirectLogin, "http://localhost:3000/callback")
	loginC := newRedirectURI(app.ID, store.RedirectLogin, "https://*.app.test/callback")
	// The same URI under the other kind, or of another application, is a
	// different registration.
	logoutA := newRedirectURI(app.ID, store.RedirectLogout, loginA.URI)
	otherA := newRedirectURI(other.ID, store.RedirectLogin, loginA.URI)
	for _, r := range []store.RedirectURI{loginA, loginB, loginC, logoutA, otherA} {
		must(t, "CreateRedirectURI "+r.URI, s.CreateRedirectURI(ctx, r))
	}

	conflicts := []struct {
		name string
		r    store.RedirectURI
	}{
		{"same application, kind and URI", newRedirectURI(app.ID, store.RedirectLogin, loginB.URI)},
		{"same logout URI", newRedirectURI(app.ID, store.RedirectLogout, loginA.URI)},
		{"taken ID", func() store.RedirectURI {
			r := newRedirectURI(app.ID, store.RedirectLogin, "https://fresh.test/cb")
			r.ID = loginA.ID
			return r
		}()},
	}
	for _, c := range conflicts {
		t.Run("Conflict/"+c.name, func(t *testing.T) {
			wantErr(t, "CreateRedirectURI", s.CreateRedirectURI(ctx, c.r), store.ErrConflict)
		})
	}

	lists := []struct {
		name string
		app  string
		kind store.RedirectKind
		want []store.RedirectURI
	}{
		{"login, oldest first", app.ID, store.RedirectLogin, []store.RedirectURI{loginA, loginB, loginC}},
		{"logout", app.ID, store.RedirectLogout, []store.RedirectURI{logoutA}},
		{"other application", other.ID, store.RedirectLogin, []store.RedirectURI{otherA}},
		{"none", other.ID, store.RedirectLogout, nil},
	}
	for _, l := range lists {
		t.Run("List/"+l.name, func(t *testing.T) {
			got, err := s.ListRedirectURIs(ctx, l.app, l.kind)
			must(t, "ListRedirectURIs", err)
			checkRecords(t, "ListRedirectURIs", l.want, got)
		})
	}

	must(t, "DeleteRedirectURI", s.DeleteRedirectURI(ctx, loginB.ID))
	got, err := s.ListRedirectURIs(ctx, app.ID, store.RedirectLogin)
	must(t, "ListRedirectURIs after delete", err)
	checkRecords(t, "ListRedirectURIs after delete", []store.RedirectURI{loginA, loginC}, got)
	wantErr(t, "DeleteRedirectURI again", s.DeleteRedirectURI(ctx, loginB.ID), store.ErrNotFound)
	again := newRedirectURI(app.ID, store.RedirectLogin, loginB.URI)
	must(t, "CreateRedirectURI of a deleted URI", s.CreateRedirectURI(ctx, again))
}

func newAPIKey(appID, prefix string) store.APIKey {
	return store.APIKey{
		ID: id.New(id.APIKey), ApplicationID: appID, Name: "key " + prefix, Prefix: prefix,
		Hash: "$argon2id$v=19$m=65536,t=3,p=4$" + rand.Text(), CreatedAt: at(0),
	}
}

func testAPIKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := createApplication(t, s), createApplication(t, s)
	k1 := newAPIKey(app.ID, "sk_test_aaaa")
	k2 := newAPIKey(other.ID, "sk_test_aaaa") // prefixes only narrow the search
	k3 := newAPIKey(app.ID, "sk_test_bbbb")
	for _, k := range []store.APIKey{k1, k2, k3} {
		must(t, "CreateAPIKey", s.CreateAPIKey(ctx, k))
	}
	dup := newAPIKey(app.ID, "sk_test_cccc")
	dup.ID = k1.ID
	wantErr(t, "CreateAPIKey with a taken ID", s.CreateAPIKey(ctx, dup), store.ErrConflict)

	byPrefix := []struct {
		prefix string
		want   []store.APIKey
	}{
		{"sk_test_aaaa", []store.APIKey{k1, k2}},
		{"sk_test_bbbb", []store.APIKey{k3}},
		{"sk_test_", nil}, // equality, not a prefix search
		{"sk_test_aaaa_", nil},
		{"SK_TEST_AAAA", nil},
	}
	for _, c := range byPrefix {
		t.Run("ByPrefix/"+c.prefix, func(t *testing.T) {
			got, err := s.ListAPIKeysByPrefix(ctx, c.prefix)
			must(t, "ListAPIKeysByPrefix", err)
			checkRecordSet(t, "ListAPIKeysByPrefix", c.want, got)
		})
	}
	got, err := s.ListAPIKeys(ctx, app.ID)
	must(t, "ListAPIKeys", err)
	checkRecordSet(t, "ListAPIKeys", []store.APIKey{k1, k3}, got)

	must(t, "DeleteAPIKey", s.DeleteAPIKey(ctx, k1.ID))
	wantErr(t, "DeleteAPIKey again", s.DeleteAPIKey(ctx, k1.ID), store.ErrNotFound)
	got, err = s.ListAPIKeysByPrefix(ctx, "sk_test_aaaa")
	must(t, "ListAPIKeysByPrefix after delete", err)
	checkRecordSet(t, "ListAPIKeysByPrefix after delete", []store.APIKey{k2}, got)
	got, err = s.ListAPIKeys(ctx, app.ID)
	must(t, "ListAPIKeys after delete", err)
	checkRecordSet(t, "ListAPIKeys after delete", []store.APIKey{k3}, got)
}

func newCORSOrigin(appID, origin string) store.CORSOrigin {
	return store.CORSOrigin{ID: id.New(id.CORSOrigin), ApplicationID: appID, Origin: origin, CreatedAt: at(0)}
}

func testCORSOrigins(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, other := createApplication(t, s), createApplication(t, s)
	o1 := newCORSOrigin(app.ID, "https://app.test")
	o2 := newCORSOrigin(app.ID, "http://localhost:3000")
	o3 := newCORSOrigin(other.ID, o1.Origin) // unique per application only
	for _, o := range []store.CORSOrigin{o1, o2, o3} {
		must(t, "CreateCORSOrigin "+o.Origin, s.CreateCORSOrigin(ctx, o))
	}
	wantErr(t, "CreateCORSOrigin of a taken origin",
		s.CreateCORSOrigin(ctx, newCORSOrigin(app.ID, o1.Origin)), store.ErrConflict)
	dup := newCORSOrigin(app.ID, "https://fresh.test")
	dup.ID = o1.ID
	wantErr(t, "CreateCORSOrigin with a taken ID", s.CreateCORSOrigin(ctx, dup), store.ErrConflict)

	got, err := s.ListCORSOrigins(ctx, app.ID)
	must(t, "ListCORSOrigins", err)
	checkRecordSet(t, "ListCORSOrigins", []store.CORSOrigin{o1, o2}, got)
	got, err = s.ListCORSOrigins(ctx, other.ID)
	must(t, "ListCORSOrigins of the other application", err)
	checkRecordSet(t, "ListCORSOrigins of the other application", []store.CORSOrigin{o3}, got)

	must(t, "DeleteCORSOrigin", s.DeleteCORSOrigin(ctx, o1.ID))
	wantErr(t, "DeleteCORSOrigin again", s.DeleteCORSOrigin(ctx, o1.ID), store.ErrNotFound)
	got, err = s.ListCORSOrigins(ctx, app.ID)
	must(t, "ListCORSOrigins after delete", err)
	checkRecordSet(t, "ListCORSOrigins after delete", []store.CORSOrigin{o2}, got)
	must(t, "CreateCORSOrigin of a deleted origin", s.CreateCORSOrigin(ctx, newCORSOrigin(app.ID, o1.Origin)))
}
