package usermanagement

import (
	"errors"
	"testing"
)

func TestGetLogoutURL(t *testing.T) {
	cases := []struct {
		name string
		opts GetLogoutURLOpts
		want string
	}{
		{"with return", GetLogoutURLOpts{SessionID: "session_01H93ZY4F80QPBEZ1R5B2SHQG8", ReturnTo: "http://localhost:3000/?a=1&b=2"},
			"http://127.0.0.1:8080/user_management/sessions/logout?session_id=session_01H93ZY4F80QPBEZ1R5B2SHQG8&return_to=http%3A%2F%2Flocalhost%3A3000%2F%3Fa%3D1%26b%3D2"},
		{"without return", GetLogoutURLOpts{SessionID: "session_01H93ZY4F80QPBEZ1R5B2SHQG8"},
			"http://127.0.0.1:8080/user_management/sessions/logout?session_id=session_01H93ZY4F80QPBEZ1R5B2SHQG8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := latchkeyClient().GetLogoutURL(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if u.String() != tc.want {
				t.Errorf("got  %s\nwant %s", u, tc.want)
			}
		})
	}
	if _, err := latchkeyClient().GetLogoutURL(GetLogoutURLOpts{ReturnTo: "http://localhost:3000/"}); !errors.Is(err, ErrMissingSessionID) {
		t.Errorf("no session ID: err = %v, want ErrMissingSessionID", err)
	}
}

func TestGetJWKSURL(t *testing.T) {
	cases := []struct {
		name     string
		client   *Client
		clientID string
		want     string
	}{
		{"latchkey", latchkeyClient(), testClientID, "http://127.0.0.1:8080/sso/jwks/" + testClientID},
		{"client default", &Client{Endpoint: "http://127.0.0.1:8080", ClientID: "client_x"}, "", "http://127.0.0.1:8080/sso/jwks/client_x"},
		{"workos", &Client{}, "client_x", "https://api.workos.com/sso/jwks/client_x"},
		{"prefix", &Client{Endpoint: "https://example.com/latchkey/"}, "client_x", "https://example.com/latchkey/sso/jwks/client_x"},
		{"one segment", latchkeyClient(), "a/b c", "http://127.0.0.1:8080/sso/jwks/a%2Fb%20c"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := tc.client.GetJWKSURL(tc.clientID)
			if err != nil {
				t.Fatal(err)
			}
			if u.String() != tc.want {
				t.Errorf("got  %s\nwant %s", u, tc.want)
			}
		})
	}
	if _, err := latchkeyClient().GetJWKSURL(""); !errors.Is(err, ErrMissingClientID) {
		t.Errorf("no client ID: err = %v, want ErrMissingClientID", err)
	}
}
