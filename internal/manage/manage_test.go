package manage_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/manage"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/reconcile"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

func newService(t *testing.T) *manage.Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, err := secrets.NewBox(secrets.NewMasterKey(), "connection-secrets")
	if err != nil {
		t.Fatal(err)
	}
	return &manage.Service{Store: st, Secrets: box, PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16},
		Now: time.Now}
}

const declared = `
applications:
  - name: Example App
    client_id: client_01JABCDEFGHJKMNPQRSTVWXYZ0
    api_keys: [sk_test_example_key_1234]
    redirect_uris: [http://localhost:3000/callback]
organizations:
  - id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    name: Acme
    domains: [acme.test]
connections:
  - id: conn_01JABCDEFGHJKMNPQRSTVWXYZ2
    type: GenericOIDC
    organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    name: Acme IdP
    oidc: {issuer: "https://idp.acme.test", client_id: latchkey, client_secret: s}
users:
  - email: alice@acme.test
    organizations: [org_01JABCDEFGHJKMNPQRSTVWXYZ1]
`

// TestReconcileKeepsAPIObjects: objects made through the service live
// beside the declared ones, and a start with the file (or with a file
// that no longer declares anything) deletes none of them.
func TestReconcileKeepsAPIObjects(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	rec := reconcile.Reconciler{Store: svc.Store, Secrets: svc.Secrets, PasswordParams: svc.PasswordParams, Now: time.Now}
	f, err := config.Parse("latchkey.yaml", []byte(declared), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Apply(ctx, f); err != nil {
		t.Fatal(err)
	}
	const appID, declaredOrg = "client_01JABCDEFGHJKMNPQRSTVWXYZ0", "org_01JABCDEFGHJKMNPQRSTVWXYZ1"

	org, err := svc.CreateOrganization(ctx, manage.OrganizationInput{Name: "Globex", Domains: []manage.DomainInput{{Domain: "globex.test"}}})
	must(t, err)
	conn, err := svc.CreateConnection(ctx, manage.ConnectionInput{Type: "GenericOIDC", OrganizationID: org.ID, Name: "Globex IdP",
		OIDC: &config.OIDC{Issuer: "https://idp.globex.test", ClientID: "c", ClientSecret: "s"}})
	must(t, err)
	// A second connection of a declared organization, and a member.
	extra, err := svc.CreateConnection(ctx, manage.ConnectionInput{Type: "GenericOIDC", OrganizationID: declaredOrg, Name: "Acme backup",
		OIDC: &config.OIDC{Issuer: "https://backup.acme.test", ClientID: "c", ClientSecret: "s"}})
	must(t, err)
	user, err := svc.CreateUser(ctx, manage.UserInput{Email: "bob@globex.test"})
	must(t, err)
	m, err := svc.CreateMembership(ctx, user.ID, declaredOrg, "")
	must(t, err)
	uri, err := svc.AddRedirectURI(ctx, appID, store.RedirectLogin, "https://app.globex.test/cb")
	must(t, err)
	origin, err := svc.AddCORSOrigin(ctx, appID, "https://app.globex.test")
	must(t, err)

	empty, err := config.Parse("empty.yaml", nil, nil)
	must(t, err)
	for _, file := range []*config.File{f, empty} {
		if _, err := rec.Apply(ctx, file); err != nil {
			t.Fatal(err)
		}
		for what, get := range map[string]func() error{
			"organization":             func() error { _, err := svc.GetOrganization(ctx, org.ID); return err },
			"declared organization":    func() error { _, err := svc.GetOrganization(ctx, declaredOrg); return err },
			"connection":               func() error { _, err := svc.GetConnection(ctx, conn.ID); return err },
			"connection of a declared": func() error { _, err := svc.GetConnection(ctx, extra.ID); return err },
			"user":                     func() error { _, err := svc.GetUser(ctx, user.ID); return err },
			"membership":               func() error { _, err := svc.GetMembership(ctx, m.ID); return err },
			"redirect URI":             func() error { return present(svc.ListRedirectURIs(ctx, appID, store.RedirectLogin))(uri.ID) },
			"CORS origin":              func() error { return presentOrigin(svc.ListCORSOrigins(ctx, appID))(origin.ID) },
		} {
			if err := get(); err != nil {
				t.Errorf("%s after reconcile: %v", what, err)
			}
		}
	}
	// The API-made connection's secret still opens: reconcile left it alone.
	c, err := svc.Store.GetConnection(ctx, conn.ID)
	must(t, err)
	if _, err := svc.Secrets.Open(c.Secrets, []byte(conn.ID)); err != nil {
		t.Fatal(err)
	}
}

func present(rs []store.RedirectURI, err error) func(string) error {
	return func(id string) error {
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.ID == id {
				return nil
			}
		}
		return errors.New("gone")
	}
}

func presentOrigin(os []store.CORSOrigin, err error) func(string) error {
	return func(id string) error {
		if err != nil {
			return err
		}
		for _, o := range os {
			if o.ID == id {
				return nil
			}
		}
		return errors.New("gone")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestApplication(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	wantKind := func(err error, k manage.Kind) {
		t.Helper()
		if e, ok := manage.AsError(err); !ok || e.Kind != k {
			t.Fatalf("err = %v, want a refusal of kind %d", err, k)
		}
	}
	_, err := svc.Application(ctx, "")
	wantKind(err, manage.Invalid) // none
	a := store.Application{ID: id.New(id.Application), Name: "A", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	must(t, svc.Store.CreateApplication(ctx, a))
	got, err := svc.Application(ctx, "")
	if err != nil || got.ID != a.ID {
		t.Fatalf("the only application: %+v %v", got, err)
	}
	must(t, svc.Store.CreateApplication(ctx, store.Application{ID: id.New(id.Application), Name: "B", CreatedAt: time.Now(), UpdatedAt: time.Now()}))
	_, err = svc.Application(ctx, "")
	wantKind(err, manage.Invalid) // several
	_, err = svc.Application(ctx, "client_01JABCDEFGHJKMNPQRSTVWXYZ9")
	wantKind(err, manage.NotFound)
}

// TestOAuthSecretsKept: an OAuth update without secrets keeps the stored
// ones, and one with a new secret replaces them.
func TestOAuthSecretsKept(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	c, err := svc.CreateConnection(ctx, manage.ConnectionInput{Type: "GitHubOAuth", Name: "GitHub",
		OAuth: &config.OAuth{ClientID: "gh", ClientSecret: "first"}})
	must(t, err)
	secretOf := func() string {
		rec, err := svc.Store.GetConnection(ctx, c.ID)
		must(t, err)
		pt, err := svc.Secrets.Open(rec.Secrets, []byte(c.ID))
		must(t, err)
		var s connector.Secrets
		must(t, json.Unmarshal(pt, &s))
		return s.ClientSecret
	}
	tests := []struct {
		name string
		up   manage.ConnectionUpdate
		want string
	}{
		{"rename", manage.ConnectionUpdate{Name: ptr("GitHub.com")}, "first"},
		{"scopes without secret", manage.ConnectionUpdate{OAuth: &config.OAuth{ClientID: "gh", Scopes: []string{"read:user"}}}, "first"},
		{"new secret", manage.ConnectionUpdate{OAuth: &config.OAuth{ClientID: "gh", ClientSecret: "second"}}, "second"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := svc.UpdateConnection(ctx, c.ID, tt.up); err != nil {
				t.Fatal(err)
			}
			if got := secretOf(); got != tt.want {
				t.Fatalf("secret %q, want %q", got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
