package scenario

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/latchkeyhq/latchkey/bench/load"
)

// AuthenticatePath is the token endpoint.
const AuthenticatePath = "/user_management/authenticate"

// authResponse is the part of the authenticate answer the checks read.
type authResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	User         struct {
		ID string `json:"id"`
	} `json:"user"`
}

// Tokens is where exchanges leave their refresh tokens for the refresh
// scenarios.
type Tokens = *Pool[string]

// Exchange returns the operation that redeems one code from codes: with
// its code_verifier as a public client, or with the API key as client
// secret when withSecret. The user stops when codes run out. alg, when
// set, is the signing algorithm the access token must name.
func Exchange(client *http.Client, base string, app App, codes *Pool[Code], withSecret bool, alg string, refresh Tokens) func(vu int) load.Op {
	return func(int) load.Op {
		return func(ctx context.Context) error {
			c, ok := codes.Take()
			if !ok {
				return load.ErrDone
			}
			body := map[string]string{"client_id": app.ClientID, "grant_type": "authorization_code", "code": c.Value}
			if c.Verifier != "" {
				body["code_verifier"] = c.Verifier
			}
			if withSecret {
				body["client_secret"] = app.APIKey
			}
			r, err := authenticate(ctx, client, base, body, alg)
			if err != nil {
				return err
			}
			refresh.Put(r.RefreshToken)
			return nil
		}
	}
}

// Refresh returns the operation that redeems a refresh token and keeps
// the new one for the user's next call: each user walks its own chain of
// rotations, starting from a token taken from tokens.
func Refresh(client *http.Client, base string, app App, tokens Tokens, withSecret bool, alg string) func(vu int) load.Op {
	return func(int) load.Op {
		var current string
		return func(ctx context.Context) error {
			if current == "" {
				t, ok := tokens.Take()
				if !ok {
					return load.ErrDone
				}
				current = t
			}
			body := map[string]string{"client_id": app.ClientID, "grant_type": "refresh_token", "refresh_token": current}
			if withSecret {
				body["client_secret"] = app.APIKey
			}
			r, err := authenticate(ctx, client, base, body, alg)
			if err != nil {
				current = "" // a failed rotation may have spent it: start another chain
				return err
			}
			current = r.RefreshToken
			return nil
		}
	}
}

func authenticate(ctx context.Context, client *http.Client, base string, body map[string]string, alg string) (authResponse, error) {
	var r authResponse
	js, err := json.Marshal(body)
	if err != nil {
		return r, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+AuthenticatePath, bytes.NewReader(js))
	if err != nil {
		return r, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return r, err
	}
	if resp.StatusCode != http.StatusOK {
		return r, errStatus(body["grant_type"], resp)
	}
	err = json.NewDecoder(resp.Body).Decode(&r)
	drain(resp)
	switch {
	case err != nil:
		return r, fmt.Errorf("%s: decode: %w", body["grant_type"], err)
	case r.AccessToken == "" || r.RefreshToken == "" || r.User.ID == "":
		return r, fmt.Errorf("%s: answer lacks a token or the user", body["grant_type"])
	}
	if alg != "" {
		if got := tokenAlg(r.AccessToken); got != alg {
			return r, fmt.Errorf("%s: access token signed with %q, want %q", body["grant_type"], got, alg)
		}
	}
	return r, nil
}

// tokenAlg returns the alg of a JWT's header.
func tokenAlg(jwt string) string {
	head, _, _ := strings.Cut(jwt, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ""
	}
	var h struct {
		Alg string `json:"alg"`
	}
	_ = json.Unmarshal(b, &h)
	return h.Alg
}
