package oauthflow

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
)

func TestMergeScopes(t *testing.T) {
	tests := []struct {
		name        string
		base, extra []string
		want        []string
	}{
		{"order kept", []string{"openid", "email"}, []string{"drive"}, []string{"openid", "email", "drive"}},
		{"duplicates dropped", []string{"openid", "email", "openid"}, []string{"email", "drive", "drive"}, []string{"openid", "email", "drive"}},
		{"empty and blank dropped", []string{"", " "}, []string{" repo "}, []string{"repo"}},
		{"nothing", nil, nil, []string{}},
	}
	for _, tt := range tests {
		if got := MergeScopes(tt.base, tt.extra); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestTokensScopes(t *testing.T) {
	f := &Flow{Provider: "GitHubOAuth", Scopes: []string{"user:email"}, ReturnTokens: true}
	req := connector.Request{ExtraScopes: []string{"repo"}}
	tests := []struct {
		name    string
		granted any
		want    []string
	}{
		{"space-separated", "openid email", []string{"openid", "email"}},
		{"comma-separated (GitHub)", "repo,user:email", []string{"repo", "user:email"}},
		{"none: the requested ones", nil, []string{"user:email", "repo"}},
	}
	for _, tt := range tests {
		tok := (&oauth2.Token{AccessToken: "a", Expiry: time.Unix(1700000000, 0)}).WithExtra(map[string]any{"scope": tt.granted})
		got := f.Tokens(tok, req)
		if !slices.Equal(got.Scopes, tt.want) || got.ExpiresAt != 1700000000 || got.Provider != "GitHubOAuth" {
			t.Errorf("%s: %+v, want scopes %q", tt.name, got, tt.want)
		}
	}
	f.ReturnTokens = false
	if got := f.Tokens(&oauth2.Token{AccessToken: "a"}, req); got != nil {
		t.Errorf("tokens %+v from a connection that does not return them", got)
	}
}

func TestBool(t *testing.T) {
	tests := []struct {
		in   string
		want bool
		err  bool
	}{
		{`true`, true, false}, {`"true"`, true, false}, {`false`, false, false}, {`"false"`, false, false},
		{`null`, false, false}, {`1`, false, true}, {`"yes"`, false, true},
	}
	for _, tt := range tests {
		var v struct {
			B Bool `json:"b"`
		}
		err := json.Unmarshal([]byte(`{"b":`+tt.in+`}`), &v)
		if (err != nil) != tt.err || bool(v.B) != tt.want {
			t.Errorf("%s: %v, %v", tt.in, v.B, err)
		}
	}
}

func TestGetJSON(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantErr     string
	}{
		{"JSON", 200, "application/json; charset=utf-8", `{"id":1}`, ""},
		{"vendor JSON", 200, "application/vnd.github+json", `{"id":1}`, ""},
		{"HTML", 200, "text/html", `<html>secret-body</html>`, "not JSON"},
		{"error status", 502, "application/json", `{"id":1}`, "502"},
		{"malformed", 200, "application/json", `{"id":`, "unreadable JSON"},
		{"wrong shape", 200, "application/json", `{"id":"x"}`, "unreadable JSON"},
		{"too large", 200, "application/json", `"` + strings.Repeat("a", maxBody) + `"`, "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("X-Extra") != "1" {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			var v struct {
				ID int `json:"id"`
			}
			err := GetJSON(context.Background(), srv.Client(), srv.URL, "tok", http.Header{"X-Extra": {"1"}}, &v)
			switch {
			case tt.wantErr == "" && (err != nil || v.ID != 1):
				t.Fatalf("%+v, %v", v, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), "secret-body"):
				t.Fatalf("error %q repeats the body", err)
			}
		})
	}
}

// TestDiscoveredKeysRetry: a failed discovery is not kept; the next use
// fetches again.
func TestDiscoveredKeysRetry(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"jwks_uri":"http://127.0.0.1:1/keys"}`))
	}))
	defer srv.Close()
	keys := DiscoveredKeys(srv.Client(), srv.URL).(*lazyKeys)
	if _, err := keys.keySet(context.Background()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("first use: %v, want the 503", err)
	}
	for range 2 {
		if ks, err := keys.keySet(context.Background()); err != nil || ks == nil {
			t.Fatalf("later use: %v", err)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d discovery fetches, want 2 (one failed, one kept)", n)
	}
}
