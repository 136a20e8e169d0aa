package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/manage"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// TestRefusals: every refusal comes in the document's error shape with
// its status, and validation errors name each field at fault.
func TestRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org, err := e.svc.CreateOrganization(ctx, manage.OrganizationInput{Name: "Taken", ExternalID: "taken",
		Domains: []manage.DomainInput{{Domain: "taken.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	user, err := e.svc.CreateUser(ctx, manage.UserInput{Email: "taken@example.test", ExternalID: "user-taken"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.svc.CreateUser(ctx, manage.UserInput{Email: "other@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.svc.CreateMembership(ctx, user.ID, org.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	const missingOrg, missingUser = "org_01JABCDEFGHJKMNPQRSTVWXYZ0", "user_01JABCDEFGHJKMNPQRSTVWXYZ0"
	oidc := func(issuer string) object { return object{"issuer": issuer, "client_id": "c", "client_secret": "s"} }

	tests := []struct {
		name         string
		method, path string
		body         any
		status       int
		code         string
		fields       []string // the fields the errors name, in order
	}{
		// Organizations.
		{"organization without name", "POST", "/organizations", object{}, 422, "invalid_request_parameters", []string{"name"}},
		{"bad domains", "POST", "/organizations", object{"name": "A", "domain_data": []object{
			{"domain": "com", "state": "verified"}, {"domain": "a.test", "state": "maybe"}, {"domain": "", "state": "pending"}}},
			422, "invalid_request_parameters", []string{"domain_data[0].domain", "domain_data[1].state", "domain_data[2].domain"}},
		{"domain twice", "POST", "/organizations", object{"name": "A", "domains": []string{"a.test", "A.test"}}, 422, "", []string{"domain_data[1].domain"}},
		{"domains and domain_data", "POST", "/organizations", object{"name": "A", "domains": []string{}, "domain_data": []object{}}, 422, "", []string{"domain_data"}},
		{"metadata", "POST", "/organizations", object{"name": "A", "metadata": object{"tier": "gold"}}, 422, "", []string{"metadata"}},
		{"name of the wrong type", "POST", "/organizations", object{"name": 5}, 422, "", []string{"name"}},
		{"not JSON", "POST", "/organizations", "{name:", 422, "invalid_request_parameters", []string{""}},
		{"taken external_id", "POST", "/organizations", object{"name": "A", "external_id": "taken"}, 400, "external_id_already_used", nil},
		{"taken domain", "POST", "/organizations", object{"name": "A", "domains": []string{"TAKEN.test"}}, 409, "domain_already_exists", nil},
		{"update a missing organization", "PUT", "/organizations/" + missingOrg, object{"name": "A"}, 404, "entity_not_found", nil},
		{"get a missing organization", "GET", "/organizations/" + missingOrg, nil, 404, "entity_not_found", nil},
		{"domain of a missing organization", "POST", "/organization_domains", object{"domain": "new.test", "organization_id": missingOrg}, 404, "", nil},
		{"taken stand-alone domain", "POST", "/organization_domains", object{"domain": "taken.test", "organization_id": org.ID}, 409, "domain_already_exists", nil},
		{"verify a verified domain", "POST", "/organization_domains/" + org.Domains[0].ID + "/verify", nil, 400, "domain_already_verified", nil},

		// Connections.
		{"connection without anything", "POST", "/connections", object{}, 422, "", []string{"connection_type"}},
		{"unknown connection type", "POST", "/connections", object{"connection_type": "FooSAML", "name": "x"}, 422, "", []string{"connection_type"}},
		{"OIDC without its block", "POST", "/connections", object{"connection_type": "GenericOIDC", "organization_id": org.ID, "name": "x"},
			422, "", []string{"oidc"}},
		{"OIDC with a bad issuer and no organization", "POST", "/connections", object{"connection_type": "GenericOIDC", "name": "x",
			"oidc": oidc("ftp://idp.test")}, 422, "", []string{"oidc.issuer", "organization_id"}},
		{"OAuth provider of an organization", "POST", "/connections", object{"connection_type": "GoogleOAuth", "name": "G",
			"organization_id": org.ID, "oauth": object{"client_id": "c", "client_secret": "s"}}, 422, "", []string{"organization_id"}},
		{"connection of a missing organization", "POST", "/connections", object{"connection_type": "GenericOIDC", "name": "x",
			"organization_id": missingOrg, "oidc": oidc("https://idp.test")}, 404, "entity_not_found", nil},
		{"connection filtered by search", "GET", "/connections?search=acme", nil, 422, "", []string{"search"}},

		// Users.
		{"user without email", "POST", "/user_management/users", object{"first_name": "A"}, 422, "invalid_request_parameters", []string{"email"}},
		{"user with a display-form email", "POST", "/user_management/users", object{"email": "Ann <ann@a.test>"}, 422, "", []string{"email"}},
		{"taken email, any case", "POST", "/user_management/users", object{"email": "TAKEN@example.test"}, 400, "user_creation_error", []string{"email"}},
		{"taken user external_id", "POST", "/user_management/users", object{"email": "new@example.test", "external_id": "user-taken"},
			400, "user_creation_error", []string{"external_id"}},
		{"short password", "POST", "/user_management/users", object{"email": "new@example.test", "password": "short"},
			400, "password_strength_error", []string{"password"}},
		{"password hash import", "POST", "/user_management/users", object{"email": "new@example.test", "password_hash": "$2a$10$x",
			"password_hash_type": "bcrypt"}, 422, "", []string{"password_hash"}},
		{"update to a taken email", "PUT", "/user_management/users/" + other.ID, object{"email": "taken@example.test"}, 400, "email_not_available", nil},
		{"update to a short password", "PUT", "/user_management/users/" + other.ID, object{"password": "1234567"}, 400, "password_strength_error", []string{"password"}},
		{"update a missing user", "PUT", "/user_management/users/" + missingUser, object{"first_name": "A"}, 404, "", nil},
		{"sessions of a missing user", "GET", "/user_management/users/" + missingUser + "/sessions", nil, 404, "", nil},
		{"revoke a missing session", "POST", "/user_management/sessions/revoke", object{"session_id": "session_01JABCDEFGHJKMNPQRSTVWXYZ0"}, 400, "entity_not_found", nil},
		{"revoke without a session", "POST", "/user_management/sessions/revoke", object{}, 400, "", []string{"session_id"}},

		// Memberships.
		{"membership without ids", "POST", "/user_management/organization_memberships", object{}, 422, "", []string{"user_id", "organization_id"}},
		{"membership of a missing user", "POST", "/user_management/organization_memberships", object{"user_id": missingUser, "organization_id": org.ID}, 404, "", nil},
		{"membership twice", "POST", "/user_management/organization_memberships", object{"user_id": user.ID, "organization_id": org.ID}, 409, "", nil},
		{"bad role", "POST", "/user_management/organization_memberships", object{"user_id": other.ID, "organization_id": org.ID, "role_slug": "Admin!"},
			422, "", []string{"role_slug"}},
		{"two roles", "PUT", "/user_management/organization_memberships/" + m.ID, object{"role_slugs": []string{"a", "b"}}, 422, "multiple_roles_not_enabled", nil},
		{"list without user or organization", "GET", "/user_management/organization_memberships", nil, 400, "missing_user_id_or_organization_id", nil},
		{"list with an unknown status", "GET", "/user_management/organization_memberships?user_id=" + user.ID + "&statuses=active,gone", nil, 422, "", []string{"statuses[1]"}},

		// Redirect URIs and CORS origins.
		{"redirect URI missing", "POST", "/user_management/redirect_uris", object{}, 422, "", []string{"uri"}},
		{"redirect URI over http", "POST", "/user_management/redirect_uris", object{"uri": "http://example.com/cb"}, 422, "", []string{"uri"}},
		{"redirect URI with a fragment", "POST", "/user_management/redirect_uris", object{"uri": "https://example.com/cb#x"}, 422, "", []string{"uri"}},
		{"redirect URI twice", "POST", "/user_management/redirect_uris", object{"uri": "http://localhost:3000/callback"}, 422, "", []string{"uri"}},
		{"origin with a path", "POST", "/user_management/cors_origins", object{"origin": "https://example.com/"}, 422, "", []string{"origin"}},
		{"origin twice", "POST", "/user_management/cors_origins", object{"origin": "http://localhost:3000"}, 409, "duplicate_cors_origin", nil},
		{"delete a missing redirect URI", "DELETE", "/user_management/redirect_uris/ruri_01JABCDEFGHJKMNPQRSTVWXYZ0", nil, 404, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.changed.Load()
			got := decodeInto[struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Errors  []struct {
					Field, Code, Message string
				} `json:"errors"`
			}](t, e.do(tt.method, tt.path, tt.body, tt.status))
			if tt.code != "" && got.Code != tt.code {
				t.Errorf("code = %q, want %q", got.Code, tt.code)
			}
			var fields []string
			for _, f := range got.Errors {
				fields = append(fields, f.Field)
				if f.Code == "" || f.Message == "" {
					t.Errorf("error %+v lacks a code or message", f)
				}
			}
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("fields = %q, want %q (%s)", fields, tt.fields, got.Message)
			}
			if e.changed.Load() != before {
				t.Error("a refused request called Changed")
			}
			if strings.Contains(got.Message, "client_secret") || strings.Contains(got.Message, `"s"`) {
				t.Errorf("message quotes a secret: %s", got.Message)
			}
		})
	}
	// Nothing refused was written.
	orgs, _, _ := e.st.ListOrganizations(ctx, store.ListOptions{Limit: 100})
	conns, _, _ := e.st.ListConnections(ctx, store.ConnectionFilter{}, store.ListOptions{Limit: 100})
	users, _, _ := e.st.ListUsers(ctx, store.UserFilter{}, store.ListOptions{Limit: 100})
	if len(orgs) != 1 || len(conns) != 0 || len(users) != 2 {
		t.Errorf("after refusals: %d organizations, %d connections, %d users; want 1, 0, 2", len(orgs), len(conns), len(users))
	}
}
