package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/manage"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// TestConnectionLifecycle: secrets go in, are sealed, and never come out;
// an update without them keeps them.
func TestConnectionLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org, err := e.svc.CreateOrganization(ctx, manage.OrganizationInput{Name: "Acme", Domains: []manage.DomainInput{{Domain: "acme.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cr3t-client-secret"
	body := e.do("POST", "/connections", object{"connection_type": "GenericOIDC", "organization_id": org.ID, "name": "Acme IdP",
		"oidc": object{"issuer": "https://idp.acme.test", "client_id": "latchkey", "client_secret": secret, "scopes": []string{"openid", "email"}}},
		http.StatusCreated)
	if strings.Contains(string(body), secret) {
		t.Fatalf("the response holds the secret: %s", body)
	}
	conn := decodeInto[object](t, body)
	connID := conn["id"].(string)
	if conn["connection_type"] != "GenericOIDC" || conn["state"] != "active" || conn["status"] != "linked" ||
		conn["organization_id"] != org.ID || len(conn["domains"].([]any)) != 1 || conn["oidc"].(object)["issuer"] != "https://idp.acme.test" {
		t.Fatalf("created %s", body)
	}
	checkSecret(t, e, connID, secret)

	// Scopes and state change; the secret stays.
	body = e.do("PUT", "/connections/"+connID, object{"state": "inactive", "oidc": object{"issuer": "https://idp.acme.test",
		"client_id": "latchkey", "scopes": []string{"openid"}}}, http.StatusOK)
	up := decodeInto[object](t, body)
	if up["state"] != "inactive" || up["status"] != "unlinked" || len(up["oidc"].(object)["scopes"].([]any)) != 1 || up["name"] != "Acme IdP" {
		t.Fatalf("updated %s", body)
	}
	checkSecret(t, e, connID, secret)
	e.do("PUT", "/connections/"+connID, object{"connection_type": "GenericSAML"}, http.StatusUnprocessableEntity)
	e.do("PUT", "/connections/"+connID, object{"oidc": object{"issuer": "https://idp.acme.test"}}, http.StatusUnprocessableEntity)

	// Two active providers of one type would make provider=GoogleOAuth ambiguous.
	google := object{"connection_type": "GoogleOAuth", "name": "Google", "oauth": object{"client_id": "g", "client_secret": "gs"}}
	g1 := decodeInto[object](t, e.do("POST", "/connections", google, http.StatusCreated))
	if _, has := g1["organization_id"]; has {
		t.Fatalf("a provider connection has an organization_id: %v", g1)
	}
	e.do("POST", "/connections", google, http.StatusConflict)

	list := decodeInto[object](t, e.do("GET", "/connections?organization_id="+org.ID, nil, http.StatusOK))
	if data := list["data"].([]any); len(data) != 1 || data[0].(object)["id"] != connID {
		t.Fatalf("list by organization %v", list)
	}
	list = decodeInto[object](t, e.do("GET", "/connections?connection_type=GoogleOAuth", nil, http.StatusOK))
	if data := list["data"].([]any); len(data) != 1 || data[0].(object)["id"] != g1["id"] {
		t.Fatalf("list by type %v", list)
	}
	e.do("GET", "/connections/"+connID, nil, http.StatusOK)
	e.do("DELETE", "/connections/"+connID, nil, http.StatusNoContent)
	e.do("GET", "/connections/"+connID, nil, http.StatusNotFound)
	e.do("DELETE", "/connections/"+connID, nil, http.StatusNotFound)
}

// checkSecret opens the stored secrets as authorize's connector factory
// does: sealed under the connection's own ID.
func checkSecret(t *testing.T, e *testEnv, connID, want string) {
	t.Helper()
	c, err := e.st.GetConnection(context.Background(), connID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(c.Settings), want) {
		t.Fatal("the secret is stored in the clear settings")
	}
	pt, err := e.box.Open(c.Secrets, []byte(connID))
	if err != nil {
		t.Fatal(err)
	}
	var sec connector.Secrets
	if err := json.Unmarshal(pt, &sec); err != nil || sec.ClientSecret != want {
		t.Fatalf("stored secret %q, %v; want %q", sec.ClientSecret, err, want)
	}
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	body := e.do("POST", "/user_management/users", object{"email": "ada@example.test", "first_name": "Ada", "email_verified": true,
		"password": "correct horse battery", "external_id": "ada-1", "metadata": nil}, http.StatusCreated)
	if strings.Contains(string(body), "correct horse") || strings.Contains(string(body), "argon2") {
		t.Fatalf("the response holds the password: %s", body)
	}
	u := decodeInto[object](t, body)
	userID := u["id"].(string)
	if u["email"] != "ada@example.test" || u["first_name"] != "Ada" || u["last_name"] != nil || u["email_verified"] != true {
		t.Fatalf("created %s", body)
	}
	checkPassword(t, e, userID, "correct horse battery")

	e.do("GET", "/user_management/users/"+userID, nil, http.StatusOK)
	if got := decodeInto[object](t, e.do("GET", "/user_management/users/external_id/ada-1", nil, http.StatusOK)); got["id"] != userID {
		t.Fatalf("by external ID %v", got)
	}
	e.do("GET", "/user_management/users/external_id/nobody", nil, http.StatusNotFound)

	// Set the password, change the name, leave the rest alone.
	up := decodeInto[object](t, e.do("PUT", "/user_management/users/"+userID, object{"last_name": "Lovelace", "password": "a new passphrase"}, http.StatusOK))
	if up["last_name"] != "Lovelace" || up["first_name"] != "Ada" || up["external_id"] != "ada-1" {
		t.Fatalf("updated %v", up)
	}
	checkPassword(t, e, userID, "a new passphrase")

	org, err := e.svc.CreateOrganization(ctx, manage.OrganizationInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateMembership(ctx, userID, org.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateUser(ctx, manage.UserInput{Email: "bob@example.test"}); err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]int{"": 2, "?email=ADA@example.test": 1, "?organization_id=" + org.ID: 1, "?organization=" + org.ID: 1, "?email=nobody@x.test": 0} {
		if got := decodeInto[object](t, e.do("GET", "/user_management/users"+query, nil, http.StatusOK)); len(got["data"].([]any)) != want {
			t.Errorf("list%s: %d users, want %d", query, len(got["data"].([]any)), want)
		}
	}
	e.do("DELETE", "/user_management/users/"+userID, nil, http.StatusOK)
	e.do("GET", "/user_management/users/"+userID, nil, http.StatusNotFound)
	e.do("DELETE", "/user_management/users/"+userID, nil, http.StatusNotFound)
}

func checkPassword(t *testing.T, e *testEnv, userID, want string) {
	t.Helper()
	u, err := e.st.GetUser(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	if err := password.Verify(want, u.PasswordHash); err != nil {
		t.Fatalf("the stored password is not %q: %v", want, err)
	}
}

func TestMembershipLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	org, _ := e.svc.CreateOrganization(ctx, manage.OrganizationInput{Name: "Acme"})
	user, _ := e.svc.CreateUser(ctx, manage.UserInput{Email: "ada@example.test"})
	const base = "/user_management/organization_memberships"
	m := decodeInto[object](t, e.do("POST", base, object{"user_id": user.ID, "organization_id": org.ID, "role_slugs": []string{"admin"}}, http.StatusCreated))
	mID := m["id"].(string)
	if m["status"] != "active" || m["role"].(object)["slug"] != "admin" || m["organization_name"] != "Acme" || m["user"].(object)["id"] != user.ID {
		t.Fatalf("created %v", m)
	}
	if got := decodeInto[object](t, e.do("PUT", base+"/"+mID, object{"role_slug": "member"}, http.StatusOK)); got["role"].(object)["slug"] != "member" {
		t.Fatalf("role %v", got)
	}
	if got := decodeInto[object](t, e.do("PUT", base+"/"+mID+"/deactivate", nil, http.StatusOK)); got["status"] != "inactive" {
		t.Fatalf("deactivated %v", got)
	}
	// Listing shows active memberships unless asked for others.
	if got := decodeInto[object](t, e.do("GET", base+"?user_id="+user.ID, nil, http.StatusOK)); len(got["data"].([]any)) != 0 {
		t.Fatalf("default list %v", got)
	}
	if got := decodeInto[object](t, e.do("GET", base+"?organization_id="+org.ID+"&statuses=inactive,active", nil, http.StatusOK)); len(got["data"].([]any)) != 1 {
		t.Fatalf("list of inactive %v", got)
	}
	// Creating an inactive membership again reactivates it, with the role.
	again := decodeInto[object](t, e.do("POST", base, object{"user_id": user.ID, "organization_id": org.ID, "role_slug": "owner"}, http.StatusCreated))
	if again["id"] != mID || again["status"] != "active" || again["role"].(object)["slug"] != "owner" {
		t.Fatalf("recreated %v", again)
	}
	e.do("PUT", base+"/"+mID+"/deactivate", nil, http.StatusOK)
	if got := decodeInto[object](t, e.do("PUT", base+"/"+mID+"/reactivate", nil, http.StatusOK)); got["status"] != "active" {
		t.Fatalf("reactivated %v", got)
	}
	e.do("GET", base+"/"+mID, nil, http.StatusOK)
	e.do("DELETE", base+"/"+mID, nil, http.StatusOK)
	e.do("GET", base+"/"+mID, nil, http.StatusNotFound)
}

func TestRedirectURIsAndCORSOrigins(t *testing.T) {
	e := newEnv(t)
	r := decodeInto[object](t, e.do("POST", "/user_management/redirect_uris", object{"uri": "https://app.example.com/callback"}, http.StatusCreated))
	if r["default"] != false || r["uri"] != "https://app.example.com/callback" {
		t.Fatalf("created %v (the development URI is the default)", r)
	}
	list := decodeInto[object](t, e.do("GET", "/user_management/redirect_uris", nil, http.StatusOK))
	if len(list["data"].([]any)) != 2 {
		t.Fatalf("list %v", list)
	}
	e.do("DELETE", "/user_management/redirect_uris/"+r["id"].(string), nil, http.StatusNoContent)
	e.do("DELETE", "/user_management/redirect_uris/"+r["id"].(string), nil, http.StatusNotFound)

	o := decodeInto[object](t, e.do("POST", "/user_management/cors_origins", object{"origin": "https://app.example.com"}, http.StatusCreated))
	if len(decodeInto[object](t, e.do("GET", "/user_management/cors_origins", nil, http.StatusOK))["data"].([]any)) != 2 {
		t.Fatal("the new origin is not listed")
	}
	e.do("DELETE", "/user_management/cors_origins/"+o["id"].(string), nil, http.StatusNoContent)
}

func TestSessions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	user, _ := e.svc.CreateUser(ctx, manage.UserInput{Email: "ada@example.test"})
	now := time.Now().UTC()
	mk := func(method string, created time.Time, ttl time.Duration) store.Session {
		s := store.Session{ID: id.New(id.Session), UserID: user.ID, ApplicationID: e.clientID, AuthMethod: method,
			IPAddress: "192.0.2.1", CreatedAt: created, ExpiresAt: created.Add(ttl)}
		if err := e.st.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	expired := mk("GoogleOAuth", now.Add(-2*time.Hour), time.Hour)
	live := mk("Password", now, time.Hour)
	rt := store.RefreshToken{ID: id.New(id.RefreshToken), Hash: "h-" + live.ID, SessionID: live.ID, ApplicationID: e.clientID,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := e.st.CreateRefreshToken(ctx, rt); err != nil {
		t.Fatal(err)
	}

	path := "/user_management/users/" + user.ID + "/sessions"
	got := decodeInto[object](t, e.do("GET", path, nil, http.StatusOK))["data"].([]any)
	want := []struct{ id, status, method string }{{live.ID, "active", "password"}, {expired.ID, "expired", "oauth"}}
	if len(got) != len(want) {
		t.Fatalf("sessions %v", got)
	}
	for i, w := range want {
		s := got[i].(object)
		if s["id"] != w.id || s["status"] != w.status || s["auth_method"] != w.method || s["ip_address"] != "192.0.2.1" || s["user_agent"] != nil {
			t.Errorf("session %d = %v, want %+v", i, s, w)
		}
	}

	e.do("POST", "/user_management/sessions/revoke", object{"session_id": live.ID}, http.StatusOK)
	e.do("POST", "/user_management/sessions/revoke", object{"session_id": live.ID}, http.StatusOK) // again: no change
	s := decodeInto[object](t, e.do("GET", path+"?limit=1", nil, http.StatusOK))["data"].([]any)[0].(object)
	if s["status"] != "revoked" || s["ended_at"] == nil {
		t.Fatalf("revoked session %v", s)
	}
	if got, err := e.st.GetRefreshToken(ctx, rt.Hash); err != nil || got.UsedAt.IsZero() {
		t.Fatalf("refresh token after revocation: %+v %v; want it used up", got, err)
	}
}
