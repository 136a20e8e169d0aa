package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/reconcile"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

// adminRun runs `latchkey admin args…` and returns what it printed.
func adminRun(t *testing.T, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb syncBuffer
	err := adminCmd(context.Background(), args, env{stdout: &out, stderr: &errb, lookup: environ(vars)})
	return out.String(), errb.String(), err
}

// adminJSON runs a command that must succeed and decodes its output.
func adminJSON(t *testing.T, vars map[string]string, args ...string) map[string]any {
	t.Helper()
	out, stderr, err := adminRun(t, vars, args...)
	if err != nil {
		t.Fatalf("admin %s: %v\n%s", args[0], err, stderr)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("admin %s printed %q: %v", args[0], out, err)
	}
	return v
}

// devDatabase returns a SQLite database holding the development
// application, as a first zero-configuration start leaves it.
func devDatabase(t *testing.T) (string, reconcile.DevApplication) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lk.db")
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dev, err := reconcile.EnsureDevApplication(context.Background(), st, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return path, dev
}

func TestAdminSetUp(t *testing.T) {
	db, dev := devDatabase(t)
	vars := map[string]string{"IDP_SECRET": "very-secret-value", "ALICE_PW": "correct horse battery"}
	org := adminJSON(t, vars, "create-organization", "--database", db, "--name", "Acme", "--domain", "acme.test", "--external-id", "acme")
	orgID := org["id"].(string)
	if org["object"] != "organization" || len(org["domains"].([]any)) != 1 {
		t.Fatalf("organization %v", org)
	}
	out, _, err := adminRun(t, vars, "add-connection", "--database", db, "--type", "GenericOIDC", "--organization", orgID,
		"--name", "Acme IdP", "--issuer", "https://idp.acme.test", "--client-id", "latchkey", "--client-secret-env", "IDP_SECRET",
		"--scope", "openid", "--scope", "email")
	if err != nil || strings.Contains(out, "very-secret-value") || !strings.Contains(out, `"connection_type": "GenericOIDC"`) {
		t.Fatalf("add-connection: %v\n%s", err, out)
	}
	if _, err := os.Stat(db + ".key"); err != nil {
		t.Fatalf("the key file the server will read was not created: %v", err)
	}
	user := adminJSON(t, vars, "create-user", "--database", db, "--email", "alice@acme.test", "--first-name", "Alice",
		"--password-env", "ALICE_PW", "--organization", orgID, "--role", "admin")
	if user["object"] != "user" || user["email"] != "alice@acme.test" {
		t.Fatalf("user %v", user)
	}
	r := adminJSON(t, vars, "add-redirect-uri", "--database", db, "--uri", "https://app.acme.test/callback")
	if r["object"] != "redirect_uri" {
		t.Fatalf("redirect URI %v", r)
	}
	adminJSON(t, vars, "add-redirect-uri", "--database", db, "--uri", "https://app.acme.test/", "--logout", "--application", dev.ClientID)
	adminJSON(t, vars, "add-cors-origin", "--database", db, "--origin", "https://app.acme.test")

	st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms, _, err := st.ListOrganizationMemberships(context.Background(), store.MembershipFilter{OrganizationID: orgID}, store.ListOptions{})
	if err != nil || len(ms) != 1 || ms[0].Role != "admin" {
		t.Fatalf("memberships %+v %v", ms, err)
	}
	logout, _ := st.ListRedirectURIs(context.Background(), dev.ClientID, store.RedirectLogout)
	if len(logout) != 2 {
		t.Fatalf("logout URIs %+v", logout)
	}
}

func TestAdminRefusals(t *testing.T) {
	db, _ := devDatabase(t)
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want []string // in the error
	}{
		{"no command", nil, nil, []string{"missing command"}},
		{"unknown command", nil, []string{"drop-everything"}, []string{"unknown command"}},
		{"organization without name", nil, []string{"create-organization", "--database", db}, []string{"Validation failed", "--name: is required"}},
		{"public suffix", nil, []string{"create-organization", "--database", db, "--name", "A", "--domain", "co.uk"}, []string{"domain", "public suffix"}},
		{"unknown connection type", nil, []string{"add-connection", "--database", db, "--type", "Okta", "--name", "x"}, []string{"--connection-type", "unknown connection type"}},
		{"OIDC without issuer", nil, []string{"add-connection", "--database", db, "--type", "GenericOIDC", "--name", "x",
			"--organization", "org_01JABCDEFGHJKMNPQRSTVWXYZ1", "--client-id", "c", "--client-secret", "s"}, []string{"--oidc.issuer: required"}},
		{"secret variable not set", nil, []string{"add-connection", "--database", db, "--type", "GoogleOAuth", "--name", "g",
			"--client-id", "c", "--client-secret-env", "NOPE"}, []string{"NOPE is not set"}},
		{"bad redirect URI", nil, []string{"add-redirect-uri", "--database", db, "--uri", "http://example.com/cb"}, []string{"--uri"}},
		{"user without email", nil, []string{"create-user", "--database", db}, []string{"--email: is required"}},
		{"short password", map[string]string{"PW": "short"}, []string{"create-user", "--database", db, "--email", "a@b.test", "--password-env", "PW"},
			[]string{"--password", "at least 8"}},
		{"bad flag", nil, []string{"create-organization", "--colour", "red"}, []string{"colour"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := adminRun(t, tt.vars, tt.args...)
			if err == nil || !errors.As(err, new(usageError)) {
				t.Fatalf("err = %v (output %q), want a usage error", err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestEndToEndAdminCLI sets up single sign-on with `latchkey admin` while
// the server runs on the same SQLite file, then signs in: the server sees
// the new objects at its next poll, with no restart.
func TestEndToEndAdminCLI(t *testing.T) {
	idp := start(t, nil, "dev-idp", "--listen", "127.0.0.1:0")
	db := filepath.Join(t.TempDir(), "lk.db")
	lk := start(t, nil, "serve", "--listen", "127.0.0.1:0", "--database", db)
	clientID := field(t, lk.stdout.String(), "Client ID")
	vars := map[string]string{"IDP_SECRET": "anything"}

	orgID := adminJSON(t, vars, "create-organization", "--database", db, "--name", "Acme", "--domain", "example.test")["id"].(string)
	adminJSON(t, vars, "add-connection", "--database", db, "--type", "GenericOIDC", "--organization", orgID, "--name", "Acme IdP",
		"--issuer", idp.url, "--client-id", "latchkey", "--client-secret-env", "IDP_SECRET")
	// Verified, so that the sign-in links to this user rather than refuse.
	adminJSON(t, vars, "create-user", "--database", db, "--email", "dev@example.test", "--email-verified", "--organization", orgID)

	q := url.Values{"organization_id": {orgID}, "state": {"cli"}, "login_hint": {"dev@example.test"},
		"client_id": {clientID}, "redirect_uri": {e2eRedirect}, "response_type": {"code"}}
	// Another process wrote the file: the server's poll (one second)
	// brings the organization's connection in.
	deadline := time.Now().Add(5 * time.Second)
	// Until then authorize answers with a 302 too, back to the application
	// with organization_invalid: wait for the one to the IdP.
	toIdP := func() bool {
		resp, err := newBrowser(t).client.Get(lk.url + "/user_management/authorize?" + url.Values{"organization_id": {orgID},
			"client_id": {clientID}, "redirect_uri": {e2eRedirect}, "response_type": {"code"}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), idp.url)
	}
	for !toIdP() {
		if time.Now().After(deadline) {
			t.Fatal("the server does not route to the organization set up by the CLI")
		}
		time.Sleep(50 * time.Millisecond)
	}
	final := newBrowser(t).signIn(lk.url + "/user_management/authorize?" + q.Encode())
	assertCode(t, final, "cli")
}
