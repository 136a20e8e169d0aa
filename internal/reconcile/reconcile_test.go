package reconcile

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/apikey"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

const exampleConfig = `
applications:
  - name: Example App
    client_id: client_01JABCDEFGHJKMNPQRSTVWXYZ0
    api_keys: [sk_test_example_key_1234]
    redirect_uris: [http://localhost:3000/callback, https://*.example.com/auth/callback]
    logout_redirect_uris: [http://localhost:3000/]
    cors_origins: [http://localhost:3000]
  - name: Generated Keys App
    redirect_uris: [https://gen.example.com/cb]
organizations:
  - id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    name: Acme
    domains: [acme.test]
connections:
  - id: conn_01JABCDEFGHJKMNPQRSTVWXYZ2
    type: GenericOIDC
    organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    name: Acme IdP
    oidc:
      issuer: http://127.0.0.1:9000
      client_id: latchkey
      client_secret: ${ACME_OIDC_SECRET}
users:
  - email: alice@acme.test
    password: correct-horse-battery-staple
    email_verified: true
    first_name: Alice
    last_name: Liddell
    organizations: [org_01JABCDEFGHJKMNPQRSTVWXYZ1]
`

func newStore(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func parse(t *testing.T, yaml, secret string) *config.File {
	t.Helper()
	f, err := config.Parse("test.yaml", []byte(yaml), func(k string) (string, bool) {
		if k == "ACME_OIDC_SECRET" {
			return secret, true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// snapshot reads back everything reconcile may write.
func snapshot(t *testing.T, st store.Store) map[string]any {
	t.Helper()
	ctx := context.Background()
	all := store.ListOptions{Limit: 100}
	snap := map[string]any{}
	apps, _, err := st.ListApplications(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	snap["apps"] = apps
	for _, a := range apps {
		for _, k := range []store.RedirectKind{store.RedirectLogin, store.RedirectLogout} {
			uris, _ := st.ListRedirectURIs(ctx, a.ID, k)
			snap["uris "+a.ID+string(k)] = uris
		}
		keys, _ := st.ListAPIKeys(ctx, a.ID)
		snap["keys "+a.ID] = keys
		origins, _ := st.ListCORSOrigins(ctx, a.ID)
		snap["cors "+a.ID] = origins
	}
	orgs, _, _ := st.ListOrganizations(ctx, all)
	snap["orgs"] = orgs
	for _, o := range orgs {
		d, _ := st.ListOrganizationDomains(ctx, o.ID)
		snap["domains "+o.ID] = d
	}
	conns, _, _ := st.ListConnections(ctx, store.ConnectionFilter{}, all)
	snap["conns"] = conns
	users, _, _ := st.ListUsers(ctx, store.UserFilter{}, all)
	snap["users"] = users
	ms, _, _ := st.ListOrganizationMemberships(ctx, store.MembershipFilter{}, all)
	snap["memberships"] = ms
	gen, _ := st.Generation(ctx)
	snap["generation"] = gen
	return snap
}

func newReconciler(t *testing.T, st store.Store, box *secrets.Box, now time.Time) *Reconciler {
	return &Reconciler{Store: st, Secrets: box, Now: func() time.Time { return now },
		PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}
}

func TestApplyIsIdempotentAndStoresSecretsSafely(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	box, _ := secrets.NewBox(secrets.NewMasterKey(), "connection-secrets")
	f := parse(t, exampleConfig, "oidc-s3cret")

	res, err := newReconciler(t, st, box, time.Now()).Apply(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applications["Example App"] != "client_01JABCDEFGHJKMNPQRSTVWXYZ0" {
		t.Fatalf("declared client ID not used: %v", res.Applications)
	}
	if _, ok := res.GeneratedKeys["Example App"]; ok {
		t.Fatal("a key was generated for an application that declares one")
	}
	gen := res.GeneratedKeys["Generated Keys App"]
	if !strings.HasPrefix(gen, "sk_test_") {
		t.Fatalf("no key generated for the application without keys: %v", res.GeneratedKeys)
	}
	before := snapshot(t, st)

	// A restart with the same file, later: nothing changes, not even
	// updated_at or the generation, and no second key is generated.
	res2, err := newReconciler(t, st, box, time.Now().Add(time.Hour)).Apply(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.GeneratedKeys) != 0 {
		t.Fatalf("second run generated keys: %v", res2.GeneratedKeys)
	}
	if after := snapshot(t, st); !reflect.DeepEqual(before, after) {
		t.Fatalf("second apply changed the store:\nbefore %+v\nafter  %+v", before, after)
	}

	// Secrets at rest: API key and password hashed, client secret sealed.
	keys, _ := st.ListAPIKeys(ctx, "client_01JABCDEFGHJKMNPQRSTVWXYZ0")
	if len(keys) != 1 || strings.Contains(keys[0].Hash, "example_key") || !apikey.Verify("sk_test_example_key_1234", keys[0].Hash) {
		t.Fatalf("API key not stored as a verifiable hash: %+v", keys)
	}
	u, err := st.GetUserByEmail(ctx, "ALICE@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || password.Verify("correct-horse-battery-staple", u.PasswordHash) != nil {
		t.Fatalf("password hash %q", u.PasswordHash)
	}
	if _, err := st.GetOrganizationMembershipFor(ctx, u.ID, "org_01JABCDEFGHJKMNPQRSTVWXYZ1"); err != nil {
		t.Fatalf("membership: %v", err)
	}
	conn, err := st.GetConnection(ctx, "conn_01JABCDEFGHJKMNPQRSTVWXYZ2")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(conn.Settings), "oidc-s3cret") || strings.Contains(string(conn.Secrets), "oidc-s3cret") {
		t.Fatal("client secret stored in clear")
	}
	pt, err := box.Open(conn.Secrets, []byte(conn.ID))
	if err != nil {
		t.Fatal(err)
	}
	var sec connector.Secrets
	if err := json.Unmarshal(pt, &sec); err != nil || sec.ClientSecret != "oidc-s3cret" {
		t.Fatalf("sealed secrets = %s (%v)", pt, err)
	}
	d, err := st.GetOrganizationDomainByName(ctx, "ACME.test")
	if err != nil || d.State != store.DomainVerified {
		t.Fatalf("domain = %+v, %v", d, err)
	}

	// A changed secret and name are updated in place.
	f2 := parse(t, strings.Replace(exampleConfig, "name: Acme IdP", "name: Acme Okta", 1), "rotated")
	if _, err := newReconciler(t, st, box, time.Now()).Apply(ctx, f2); err != nil {
		t.Fatal(err)
	}
	conn2, _ := st.GetConnection(ctx, conn.ID)
	pt, _ = box.Open(conn2.Secrets, []byte(conn.ID))
	if conn2.Name != "Acme Okta" || !strings.Contains(string(pt), "rotated") {
		t.Fatalf("connection not updated: %s %s", conn2.Name, pt)
	}
}

func TestApplyLeavesAPIObjectsAlone(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	box, _ := secrets.NewBox(secrets.NewMasterKey(), "connection-secrets")
	f := parse(t, exampleConfig, "x")
	r := newReconciler(t, st, box, time.Now())
	if _, err := r.Apply(ctx, f); err != nil {
		t.Fatal(err)
	}
	// Something created at run time (as the management API will).
	now := time.Now()
	extra := store.RedirectURI{ID: "ruri_01JABCDEFGHJKMNPQRSTVWXYZ9", ApplicationID: "client_01JABCDEFGHJKMNPQRSTVWXYZ0",
		Kind: store.RedirectLogin, URI: "https://api-added.example.com/cb", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateRedirectURI(ctx, extra); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Apply(ctx, f); err != nil {
		t.Fatal(err)
	}
	uris, _ := st.ListRedirectURIs(ctx, extra.ApplicationID, store.RedirectLogin)
	found := false
	for _, u := range uris {
		found = found || u.URI == extra.URI
	}
	if !found {
		t.Fatal("reconcile deleted a redirect URI it did not declare")
	}
}

func TestEnsureDevApplication(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	// Two nodes starting at once agree on one application.
	var wg sync.WaitGroup
	devs := make([]DevApplication, 4)
	errs := make([]error, 4)
	for i := range devs {
		wg.Add(1)
		go func() { defer wg.Done(); devs[i], errs[i] = EnsureDevApplication(ctx, st, time.Now()) }()
	}
	wg.Wait()
	created, keys := 0, 0
	for i, d := range devs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if d.ClientID != devs[0].ClientID {
			t.Fatalf("nodes disagree: %s vs %s", d.ClientID, devs[0].ClientID)
		}
		if d.Created {
			created++
		}
		if d.APIKey != "" {
			keys++
		}
	}
	if created != 1 {
		t.Fatalf("%d starts say they created the application, want 1", created)
	}
	apps, _, _ := st.ListApplications(ctx, store.ListOptions{})
	if len(apps) != 1 {
		t.Fatalf("%d applications, want 1", len(apps))
	}
	uris, _ := st.ListRedirectURIs(ctx, devs[0].ClientID, store.RedirectLogin)
	if len(uris) != 1 || uris[0].URI != DevRedirectURI || !uris[0].Default {
		t.Fatalf("redirect URIs %+v", uris)
	}
	again, err := EnsureDevApplication(ctx, st, time.Now())
	if err != nil || again.Created || again.APIKey != "" || again.ClientID != devs[0].ClientID {
		t.Fatalf("restart: %+v %v", again, err)
	}
	if keys < 1 {
		t.Fatal("no start printed an API key")
	}
}
