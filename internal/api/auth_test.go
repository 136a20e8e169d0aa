package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/apikey"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

func TestAuthFailures(t *testing.T) {
	e := newEnv(t)
	// A key of a deleted application's prefix, and a valid key that was
	// deleted, are as unknown as a made-up one.
	deleted := apikey.Generate()
	h, _ := apikey.Hash(deleted)
	k := store.APIKey{ID: id.New(id.APIKey), ApplicationID: e.clientID, Name: "gone", Prefix: apikey.Prefix(deleted), Hash: h, CreatedAt: time.Now()}
	if err := e.st.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	if err := e.st.DeleteAPIKey(context.Background(), k.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header string
	}{
		{"no header", ""},
		{"empty bearer", "Bearer "},
		{"basic scheme", "Basic " + e.key},
		{"no scheme", e.key},
		{"unknown key", "Bearer " + apikey.Generate()},
		{"right prefix, wrong key", "Bearer " + otherLast(e.key)},
		{"deleted key", "Bearer " + deleted},
		{"client ID instead of key", "Bearer " + e.clientID},
	}
	routes := []struct{ method, path string }{
		{"GET", "/organizations"},
		{"POST", "/organizations"},
		{"GET", "/user_management/users/user_01JABCDEFGHJKMNPQRSTVWXYZ0"},
		{"DELETE", "/connections/conn_01JABCDEFGHJKMNPQRSTVWXYZ0"},
		{"POST", "/user_management/redirect_uris"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range routes {
				req, _ := http.NewRequest(r.method, e.url+r.path, nil)
				if tt.header != "" {
					req.Header.Set("Authorization", tt.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body := readAll(t, resp)
				conform(t, req, resp, body)
				if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s = %d (WWW-Authenticate %q), want 401 with a challenge", r.method, r.path,
						resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
				}
			}
		})
	}
	if n := e.changed.Load(); n != 0 {
		t.Errorf("refused writes called Changed %d times", n)
	}
}

// TestScopedToTheKeysApplication: redirect URIs and CORS origins are the
// key's application's; another application's are out of reach.
func TestScopedToTheKeysApplication(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := store.Application{ID: id.New(id.Application), Name: "Other", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := e.st.CreateApplication(ctx, other); err != nil {
		t.Fatal(err)
	}
	r, err := e.svc.AddRedirectURI(ctx, other.ID, store.RedirectLogin, "https://other.test/cb")
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.svc.AddCORSOrigin(ctx, other.ID, "https://other.test")
	if err != nil {
		t.Fatal(err)
	}
	list := decodeInto[object](t, e.do("GET", "/user_management/redirect_uris", nil, http.StatusOK))
	for _, item := range list["data"].([]any) {
		if item.(object)["id"] == r.ID {
			t.Fatal("another application's redirect URI is listed")
		}
	}
	e.do("DELETE", "/user_management/redirect_uris/"+r.ID, nil, http.StatusNotFound)
	e.do("DELETE", "/user_management/cors_origins/"+o.ID, nil, http.StatusNotFound)
	if _, err := e.st.ListRedirectURIs(ctx, other.ID, store.RedirectLogin); err != nil {
		t.Fatal(err)
	}
}

// otherLast returns s with its last character changed: a key or secret
// that is wrong by one character, never equal to s.
func otherLast(s string) string {
	if strings.HasSuffix(s, "x") {
		return s[:len(s)-1] + "y"
	}
	return s[:len(s)-1] + "x"
}
