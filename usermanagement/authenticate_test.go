package usermanagement

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

// fakeServer answers /user_management/authenticate with a fixture from
// testdata/ and records the request it got.
type fakeServer struct {
	*httptest.Server
	status  int
	fixture string

	mu      sync.Mutex
	method  string
	path    string
	ctype   string
	rawBody []byte
}

func newFakeServer(t *testing.T, status int, fixture string) *fakeServer {
	t.Helper()
	f := &fakeServer{status: status, fixture: fixture}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.method, f.path, f.ctype, f.rawBody = r.Method, r.URL.Path, r.Header.Get("Content-Type"), body
	f.mu.Unlock()
	data, err := os.ReadFile(filepath.Join("testdata", f.fixture))
	if err != nil {
		data = []byte(f.fixture) // not a file: the literal body
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(f.status)
	_, _ = w.Write(data)
}

// request is what the server received: method, path and content type.
func (f *fakeServer) request() (method, path, ctype string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.method, f.path, f.ctype
}

// body is the JSON body the server received, as generic values.
func (f *fakeServer) body(t *testing.T) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var m map[string]any
	if err := json.Unmarshal(f.rawBody, &m); err != nil {
		t.Fatalf("request body %q: %v", f.rawBody, err)
	}
	return m
}

func TestAuthenticateRequests(t *testing.T) {
	cases := []struct {
		name   string
		apiKey string
		call   func(*Client) (AuthenticateResponse, error)
		want   map[string]any
	}{
		{"code, confidential client", "sk_test_key", func(c *Client) (AuthenticateResponse, error) {
			return c.AuthenticateWithCode(context.Background(), AuthenticateWithCodeOpts{
				ClientID: testClientID, Code: "code_123", CodeVerifier: rfcVerifier,
				IPAddress: "203.0.113.42", UserAgent: "Mozilla/5.0", InvitationToken: "inv_tok_1",
			})
		}, map[string]any{
			"grant_type": "authorization_code", "client_id": testClientID, "client_secret": "sk_test_key",
			"code": "code_123", "code_verifier": rfcVerifier, "ip_address": "203.0.113.42",
			"user_agent": "Mozilla/5.0", "invitation_token": "inv_tok_1",
		}},
		{"code, public client", "", func(c *Client) (AuthenticateResponse, error) {
			return c.AuthenticateWithCode(context.Background(), AuthenticateWithCodeOpts{
				ClientID: testClientID, Code: "code_123", CodeVerifier: rfcVerifier,
			})
		}, map[string]any{
			"grant_type": "authorization_code", "client_id": testClientID, "code": "code_123", "code_verifier": rfcVerifier,
		}},
		{"code, client ID from the Client", "sk_test_key", func(c *Client) (AuthenticateResponse, error) {
			c.ClientID = "client_default"
			return c.AuthenticateWithCode(context.Background(), AuthenticateWithCodeOpts{Code: "code_123"})
		}, map[string]any{
			"grant_type": "authorization_code", "client_id": "client_default", "client_secret": "sk_test_key", "code": "code_123",
		}},
		{"refresh token", "sk_test_key", func(c *Client) (AuthenticateResponse, error) {
			return c.AuthenticateWithRefreshToken(context.Background(), AuthenticateWithRefreshTokenOpts{
				ClientID: testClientID, RefreshToken: "rt_1", OrganizationID: testOrgID, IPAddress: "::1", UserAgent: "ua",
			})
		}, map[string]any{
			"grant_type": "refresh_token", "client_id": testClientID, "client_secret": "sk_test_key",
			"refresh_token": "rt_1", "organization_id": testOrgID, "ip_address": "::1", "user_agent": "ua",
		}},
		{"password", "sk_test_key", func(c *Client) (AuthenticateResponse, error) {
			return c.AuthenticateWithPassword(context.Background(), AuthenticateWithPasswordOpts{
				ClientID: testClientID, Email: "alice@acme.test", Password: "correct horse",
			})
		}, map[string]any{
			"grant_type": "password", "client_id": testClientID, "client_secret": "sk_test_key",
			"email": "alice@acme.test", "password": "correct horse",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeServer(t, http.StatusOK, "authenticate_success.json")
			c := &Client{Endpoint: srv.URL, APIKey: tc.apiKey, HTTPClient: srv.Client()}
			if _, err := tc.call(c); err != nil {
				t.Fatal(err)
			}
			if method, path, ctype := srv.request(); method != http.MethodPost || path != AuthenticatePath || ctype != "application/json" {
				t.Errorf("request = %s %s (%s), want POST %s (application/json)", method, path, ctype, AuthenticatePath)
			}
			// Exact equality also proves client_secret is absent when there
			// is no API key, and that empty options are left out.
			if got := srv.body(t); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("body = %v\nwant   %v", got, tc.want)
			}
		})
	}
}

func TestAuthenticateDecodesResponse(t *testing.T) {
	srv := newFakeServer(t, http.StatusOK, "authenticate_success.json")
	c := &Client{Endpoint: srv.URL, APIKey: "sk_test_key"}
	got, err := c.AuthenticateWithCode(context.Background(), AuthenticateWithCodeOpts{ClientID: testClientID, Code: "c"})
	if err != nil {
		t.Fatal(err)
	}
	want := AuthenticateResponse{
		User: User{
			ID: "user_01E4ZCR3C56J083X43JQXF3JK5", Email: "marcelina.davis@example.com", EmailVerified: true,
			FirstName: "Marcelina", LastName: "Davis", Metadata: map[string]string{"timezone": "America/New_York"},
			LastSignInAt: "2025-06-25T19:07:33.155Z", CreatedAt: "2026-01-15T12:00:00.000Z", UpdatedAt: "2026-01-15T12:00:00.000Z",
		},
		OrganizationID:       "org_01H945H0YD4F97JN9MATX7BYAG",
		AccessToken:          "eyJhb.nNzb19vaWRjX2tleV9.lc5Uk4yWVk5In0",
		RefreshToken:         "yAjhKk123NLIjdrBdGZPf8pLIDvK",
		AuthenticationMethod: SSO,
		Impersonator:         &Impersonator{Email: "admin@foocorp.com"},
		OAuthTokens:          &OAuthTokens{Provider: "GoogleOAuth", RefreshToken: "1//04g...", AccessToken: "ya29.a0ARrdaM..."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestAuthenticateErrors(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		fixture string
		want    APIError
	}{
		{"oauth shape", 400, "error_invalid_grant.json", APIError{StatusCode: 400, Code: "invalid_grant", Message: "The request failed due to: invalid_grant."}},
		{"workos shape", 400, "error_invalid_credentials.json", APIError{StatusCode: 400, Code: "invalid_credentials", Message: "Request could not be processed."}},
		{"pending authentication", 403, "error_email_verification_required.json", APIError{
			StatusCode: 403, Code: "email_verification_required", Message: "Request could not be processed.", PendingAuthenticationToken: "cTDQJTTkTkkVYxbn...",
		}},
		{"message only", 404, "error_not_found.json", APIError{StatusCode: 404, Message: "Organization not found: 'org_01EHQMYV6MBK39QC5PZXHY59C3'."}},
		{"not JSON", 502, "<html>Bad Gateway</html>", APIError{StatusCode: 502, Message: "<html>Bad Gateway</html>"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeServer(t, tc.status, tc.fixture)
			c := &Client{Endpoint: srv.URL, APIKey: "sk_test_key"}
			resp, err := c.AuthenticateWithCode(context.Background(), AuthenticateWithCodeOpts{ClientID: testClientID, Code: "c"})
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			raw := apiErr.RawBody
			apiErr.RawBody = ""
			if *apiErr != tc.want {
				t.Errorf("got  %+v\nwant %+v", *apiErr, tc.want)
			}
			if raw == "" {
				t.Error("RawBody is empty")
			}
			if !reflect.DeepEqual(resp, AuthenticateResponse{}) {
				t.Errorf("response = %+v, want the zero value with an error", resp)
			}
		})
	}
}

func TestAuthenticateRefusesAnswerWithoutToken(t *testing.T) {
	srv := newFakeServer(t, http.StatusOK, `{"user":{"id":"user_1"}}`)
	c := &Client{Endpoint: srv.URL}
	if _, err := c.AuthenticateWithRefreshToken(context.Background(), AuthenticateWithRefreshTokenOpts{ClientID: testClientID, RefreshToken: "r"}); err == nil {
		t.Fatal("a 200 without access_token was accepted")
	}
}

func TestAuthenticateNeedsClientID(t *testing.T) {
	c := &Client{Endpoint: "http://127.0.0.1:1"} // never dialled
	_, err1 := c.AuthenticateWithCode(context.Background(), AuthenticateWithCodeOpts{Code: "c"})
	_, err2 := c.AuthenticateWithRefreshToken(context.Background(), AuthenticateWithRefreshTokenOpts{RefreshToken: "r"})
	_, err3 := c.AuthenticateWithPassword(context.Background(), AuthenticateWithPasswordOpts{Email: "e", Password: "p"})
	for _, err := range []error{err1, err2, err3} {
		if !errors.Is(err, ErrMissingClientID) {
			t.Errorf("err = %v, want ErrMissingClientID", err)
		}
	}
}

func TestAPIErrorMessage(t *testing.T) {
	e := &APIError{StatusCode: 400, Code: "invalid_grant", Message: "trace=abc: the code has expired"}
	if got, want := e.Error(), "usermanagement: 400 Bad Request: invalid_grant: trace=abc: the code has expired"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
