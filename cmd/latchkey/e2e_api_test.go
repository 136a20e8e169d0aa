package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/reconcile"
	"github.com/latchkeyhq/latchkey/internal/server"
	"github.com/latchkeyhq/latchkey/internal/store/postgres/pgtest"
)

// apiClient calls a node's management API with an API key.
type apiClient struct {
	t    *testing.T
	base string
	key  string
}

// call sends one request and decodes a JSON answer into a map (nil when
// there is no body); it fails the test unless the status is want.
func (c apiClient) call(method, path string, body any, want int) map[string]any {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if len(raw) == 0 {
		return nil
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
	return out
}

// authorizeStatus opens an authorize URL without following redirects and
// returns the status: 302 when accepted, the error page's status when not.
func authorizeStatus(t *testing.T, base, clientID, redirectURI string, q url.Values) int {
	t.Helper()
	q.Set("client_id", clientID)
	q.Set("redirect_uri", redirectURI)
	q.Set("response_type", "code")
	resp, err := newBrowser(t).client.Get(base + "/user_management/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestEndToEndAPI sets up single sign-on entirely through the management
// API of a server started without configuration, and signs in with it,
// with no restart: an organization, a GenericOIDC connection to dev-idp, a
// user with a membership, and the redirect URI (removed, refused, added
// back).
func TestEndToEndAPI(t *testing.T) {
	idp := start(t, nil, "dev-idp", "--listen", "127.0.0.1:0")
	lk := start(t, nil, "serve", "--listen", "127.0.0.1:0", "--database", filepath.Join(t.TempDir(), "lk.db"))
	out := lk.stdout.String()
	clientID, key := field(t, out, "Client ID"), field(t, out, "API key")
	api := apiClient{t: t, base: lk.url, key: key}

	org := api.call("POST", "/organizations", map[string]any{"name": "Acme",
		"domain_data": []map[string]string{{"domain": "example.test", "state": "verified"}}}, http.StatusCreated)
	orgID := org["id"].(string)
	conn := api.call("POST", "/connections", map[string]any{"connection_type": "GenericOIDC", "organization_id": orgID,
		"name": "Acme IdP", "oidc": map[string]any{"issuer": idp.url, "client_id": "latchkey", "client_secret": "anything"}}, http.StatusCreated)
	if conn["state"] != "active" || conn["oidc"].(map[string]any)["client_secret"] != nil {
		t.Fatalf("connection %v", conn)
	}
	user := api.call("POST", "/user_management/users", map[string]any{"email": "dev@example.test", "first_name": "Dev",
		"email_verified": true}, http.StatusCreated)
	api.call("POST", "/user_management/organization_memberships", map[string]any{"user_id": user["id"], "organization_id": orgID,
		"role_slug": "admin"}, http.StatusCreated)

	// The development redirect URI, removed through the API, is refused
	// by the very next authorize; added back, it is accepted again.
	q := func() url.Values {
		return url.Values{"organization_id": {orgID}, "state": {"api"}, "login_hint": {"dev@example.test"}}
	}
	uris := api.call("GET", "/user_management/redirect_uris", nil, http.StatusOK)["data"].([]any)
	if len(uris) != 1 || uris[0].(map[string]any)["uri"] != e2eRedirect {
		t.Fatalf("redirect URIs %v", uris)
	}
	api.call("DELETE", "/user_management/redirect_uris/"+uris[0].(map[string]any)["id"].(string), nil, http.StatusNoContent)
	if got := authorizeStatus(t, lk.url, clientID, e2eRedirect, q()); got == http.StatusFound {
		t.Fatal("authorize accepted a redirect URI removed through the API")
	}
	api.call("POST", "/user_management/redirect_uris", map[string]string{"uri": e2eRedirect}, http.StatusCreated)

	q2 := q()
	q2.Set("client_id", clientID)
	q2.Set("redirect_uri", e2eRedirect)
	q2.Set("response_type", "code")
	final := newBrowser(t).signIn(lk.url + "/user_management/authorize?" + q2.Encode())
	assertCode(t, final, "api")

	// The code is the API-made user's, in the API-made organization.
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "client_secret": {key},
		"code": {final.Query().Get("code")}}
	resp, err := http.PostForm(lk.url+"/user_management/authenticate", form)
	if err != nil {
		t.Fatal(err)
	}
	var authn struct {
		User           struct{ ID string } `json:"user"`
		OrganizationID string              `json:"organization_id"`
		RefreshToken   string              `json:"refresh_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&authn)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || authn.User.ID != user["id"] || authn.OrganizationID != orgID {
		t.Fatalf("authenticate: %d %+v %v", resp.StatusCode, authn, err)
	}

	// The session shows through the API; revoking it ends its refresh token.
	sessions := api.call("GET", "/user_management/users/"+authn.User.ID+"/sessions", nil, http.StatusOK)["data"].([]any)
	if len(sessions) != 1 || sessions[0].(map[string]any)["auth_method"] != "sso" || sessions[0].(map[string]any)["status"] != "active" {
		t.Fatalf("sessions %v", sessions)
	}
	api.call("POST", "/user_management/sessions/revoke", map[string]any{"session_id": sessions[0].(map[string]any)["id"]}, http.StatusOK)
	resp, err = http.PostForm(lk.url+"/user_management/authenticate", url.Values{"grant_type": {"refresh_token"},
		"client_id": {clientID}, "client_secret": {key}, "refresh_token": {authn.RefreshToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("the refresh token of a revoked session still works")
	}
}

// node is one in-process Latchkey node with the serve command's routes.
type node struct{ url string }

// startNode runs the routes serve runs over a store of its own on dbURL,
// with a catalog poll of poll: long, so that only a change notification
// can explain a change seen at once.
func startNode(t *testing.T, dbURL string, poll time.Duration) node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	target, err := parseDatabase(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openDatabase(ctx, target, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, err := config.ParseSecretKey(secretKeyForTest())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := server.New(log, db)
	if err := routes(ctx, srv, routeDeps{db: db, masterKey: key, publicURL: "http://127.0.0.1:9", log: log, catalogRefresh: poll}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return node{url: hs.URL}
}

// TestAPIChangeReachesEveryNodeAtOnce: a redirect URI removed through the
// API of one node is refused by the next authorize on another node, and
// one added is accepted, long before the other node's poll (a minute
// here) could explain it: PostgreSQL's NOTIFY carried the change.
func TestAPIChangeReachesEveryNodeAtOnce(t *testing.T) {
	dbURL := pgtest.URL(t)
	const poll = time.Minute
	a, b := startNode(t, dbURL, poll), startNode(t, dbURL, poll)
	st, err := openDatabase(t.Context(), dbTarget{postgres: true, url: dbURL}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dev, err := reconcile.EnsureDevApplication(t.Context(), st, time.Now())
	if err != nil || dev.APIKey == "" {
		t.Fatalf("development application: %+v %v", dev, err)
	}
	api := apiClient{t: t, base: a.url, key: dev.APIKey}
	hosted := func() url.Values { return url.Values{"provider": {"authkit"}} }

	// Node b caches the application with its redirect URI.
	if got := authorizeStatus(t, b.url, dev.ClientID, reconcile.DevRedirectURI, hosted()); got != http.StatusFound {
		t.Fatalf("authorize on b before the change = %d, want 302", got)
	}
	const other = "http://localhost:4000/callback"
	if got := authorizeStatus(t, b.url, dev.ClientID, other, hosted()); got == http.StatusFound {
		t.Fatal("authorize on b accepted an unregistered redirect URI")
	}

	uris := api.call("GET", "/user_management/redirect_uris", nil, http.StatusOK)["data"].([]any)
	api.call("POST", "/user_management/redirect_uris", map[string]string{"uri": other}, http.StatusCreated)
	api.call("DELETE", "/user_management/redirect_uris/"+uris[0].(map[string]any)["id"].(string), nil, http.StatusNoContent)
	changed := time.Now()

	// Poll b for up to 2 s; the answer must come well within the first
	// second, and the one-minute poll cannot have brought it.
	var took time.Duration
	for {
		removed := authorizeStatus(t, b.url, dev.ClientID, reconcile.DevRedirectURI, hosted()) != http.StatusFound
		added := authorizeStatus(t, b.url, dev.ClientID, other, hosted()) == http.StatusFound
		if removed && added {
			took = time.Since(changed)
			break
		}
		if time.Since(changed) > 2*time.Second {
			t.Fatalf("node b still sees the old redirect URIs 2s after the change (removed %v, added %v)", removed, added)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took > 500*time.Millisecond {
		t.Errorf("node b saw the change after %v; a notification takes milliseconds", took)
	}
	t.Logf("node b saw the change after %v", took)
}
