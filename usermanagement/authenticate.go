package usermanagement

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// AuthenticatePath is the path of the token endpoint.
const AuthenticatePath = "/user_management/authenticate"

// maxResponseBody bounds what is read from the server: real answers are a
// few kilobytes, and a misbehaving endpoint must not exhaust memory.
const maxResponseBody = 1 << 20

// userAgent names the SDK in the server's logs.
const userAgent = "latchkey-go-usermanagement"

// AuthenticateWithCodeOpts holds an authorization code exchange
// (grant_type=authorization_code).
type AuthenticateWithCodeOpts struct {
	// ClientID is the application's client ID; empty means the Client's.
	ClientID string `json:"client_id"`

	// Code is the code from the redirect URI's query.
	Code string `json:"code"`

	// CodeVerifier is the PKCE verifier whose challenge went into the
	// authorization URL. A public client (no APIKey) must send it.
	CodeVerifier string `json:"code_verifier,omitempty"`

	// IPAddress and UserAgent describe the user's browser; the server stores
	// them on the session.
	IPAddress string `json:"ip_address,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`

	// InvitationToken accepts an invitation while signing in.
	InvitationToken string `json:"invitation_token,omitempty"`
}

// AuthenticateWithRefreshTokenOpts holds a refresh
// (grant_type=refresh_token). The server rotates refresh tokens: store the
// new one from the response, the old one stops working.
type AuthenticateWithRefreshTokenOpts struct {
	// ClientID is the application's client ID; empty means the Client's.
	ClientID string `json:"client_id"`

	// RefreshToken is the latest refresh token of the session.
	RefreshToken string `json:"refresh_token"`

	// OrganizationID switches the session to another organization the user
	// is a member of.
	OrganizationID string `json:"organization_id,omitempty"`

	// IPAddress and UserAgent describe the user's browser.
	IPAddress string `json:"ip_address,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

// AuthenticateWithPasswordOpts holds a sign-in by email and password
// (grant_type=password), for first-party applications with their own form.
type AuthenticateWithPasswordOpts struct {
	// ClientID is the application's client ID; empty means the Client's.
	ClientID string `json:"client_id"`

	// Email and Password are the user's credentials.
	Email    string `json:"email"`
	Password string `json:"password"`

	// IPAddress and UserAgent describe the user's browser.
	IPAddress string `json:"ip_address,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

// AuthenticationMethod is how the user signed in.
type AuthenticationMethod string

// Authentication methods the server reports (the OpenAPI document lists more;
// any value decodes).
const (
	SSO            AuthenticationMethod = "SSO"
	Password       AuthenticationMethod = "Password"
	AppleOAuth     AuthenticationMethod = "AppleOAuth"
	GitHubOAuth    AuthenticationMethod = "GitHubOAuth"
	GitLabOAuth    AuthenticationMethod = "GitLabOAuth"
	GoogleOAuth    AuthenticationMethod = "GoogleOAuth"
	MicrosoftOAuth AuthenticationMethod = "MicrosoftOAuth"
	MagicAuth      AuthenticationMethod = "MagicAuth"
	Impersonation  AuthenticationMethod = "Impersonation"
)

// User is a user in the WorkOS shape (OpenAPI schema UserlandUser). Members
// that the document allows to be null decode to "".
type User struct {
	ID                string            `json:"id"`
	Email             string            `json:"email"`
	EmailVerified     bool              `json:"email_verified"`
	FirstName         string            `json:"first_name"`
	LastName          string            `json:"last_name"`
	ProfilePictureURL string            `json:"profile_picture_url"`
	ExternalID        string            `json:"external_id"`
	Metadata          map[string]string `json:"metadata,omitempty"`
	Locale            string            `json:"locale"`
	LastSignInAt      string            `json:"last_sign_in_at"`
	CreatedAt         string            `json:"created_at"`
	UpdatedAt         string            `json:"updated_at"`
}

// Impersonator is the administrator acting as the user, when the session
// was created by impersonation.
type Impersonator struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

// OAuthTokens are the upstream OAuth provider's tokens, present when the
// connection is configured to return them.
type OAuthTokens struct {
	Provider     string   `json:"provider,omitempty"`
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	Scopes       []string `json:"scopes,omitempty"`
	ExpiresAt    int64    `json:"expires_at,omitempty"`
}

// AuthenticateResponse is a successful authentication (OpenAPI schema
// UserlandAuthenticateResponse). Every grant answers with this shape,
// refreshes included.
type AuthenticateResponse struct {
	// User is the signed-in user.
	User User `json:"user"`

	// OrganizationID is the organization the session belongs to, if any.
	OrganizationID string `json:"organization_id,omitempty"`

	// AccessToken is a short-lived RS256 JWT; verify it against GetJWKSURL
	// before trusting it in an API. Its "sid" claim is the session ID.
	AccessToken string `json:"access_token"`

	// RefreshToken renews the session with AuthenticateWithRefreshToken.
	RefreshToken string `json:"refresh_token"`

	// AuthenticationMethod is how the user signed in.
	AuthenticationMethod AuthenticationMethod `json:"authentication_method"`

	// Impersonator is set when an administrator is acting as the user.
	Impersonator *Impersonator `json:"impersonator,omitempty"`

	// OAuthTokens are the upstream provider's tokens, when configured.
	OAuthTokens *OAuthTokens `json:"oauth_tokens,omitempty"`
}

// AuthenticateWithCode exchanges the code from the redirect URI for a
// session. With an APIKey the Client authenticates as a confidential client
// (client_secret); without one it relies on opts.CodeVerifier alone, as a
// public client does. A server refusal is an *APIError (invalid_grant for a
// bad, expired or reused code or a failed PKCE check).
func (c *Client) AuthenticateWithCode(ctx context.Context, opts AuthenticateWithCodeOpts) (AuthenticateResponse, error) {
	opts.ClientID = c.clientID(opts.ClientID)
	if opts.ClientID == "" {
		return AuthenticateResponse{}, ErrMissingClientID
	}
	return c.authenticate(ctx, struct {
		grant
		AuthenticateWithCodeOpts
	}{c.grant("authorization_code"), opts})
}

// AuthenticateWithRefreshToken exchanges a refresh token for a new access
// token and a new refresh token.
func (c *Client) AuthenticateWithRefreshToken(ctx context.Context, opts AuthenticateWithRefreshTokenOpts) (AuthenticateResponse, error) {
	opts.ClientID = c.clientID(opts.ClientID)
	if opts.ClientID == "" {
		return AuthenticateResponse{}, ErrMissingClientID
	}
	return c.authenticate(ctx, struct {
		grant
		AuthenticateWithRefreshTokenOpts
	}{c.grant("refresh_token"), opts})
}

// AuthenticateWithPassword signs a user in with email and password. Wrong
// credentials are an *APIError with Code "invalid_credentials".
func (c *Client) AuthenticateWithPassword(ctx context.Context, opts AuthenticateWithPasswordOpts) (AuthenticateResponse, error) {
	opts.ClientID = c.clientID(opts.ClientID)
	if opts.ClientID == "" {
		return AuthenticateResponse{}, ErrMissingClientID
	}
	return c.authenticate(ctx, struct {
		grant
		AuthenticateWithPasswordOpts
	}{c.grant("password"), opts})
}

// grant is the part of every request body that the Client supplies.
type grant struct {
	GrantType    string `json:"grant_type"`
	ClientSecret string `json:"client_secret,omitempty"`
}

func (c *Client) grant(grantType string) grant {
	return grant{GrantType: grantType, ClientSecret: c.APIKey}
}

// authenticate posts body as JSON (the form the OpenAPI document gives; the
// server also takes form encoding) and decodes either answer.
func (c *Client) authenticate(ctx context.Context, body any) (AuthenticateResponse, error) {
	var out AuthenticateResponse
	payload, err := json.Marshal(body)
	if err != nil {
		return out, fmt.Errorf("usermanagement: authenticate: %w", err)
	}
	u, err := c.endpointURL(AuthenticatePath)
	if err != nil {
		return out, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(payload))
	if err != nil {
		return out, fmt.Errorf("usermanagement: authenticate: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)

	res, err := c.httpClient().Do(req)
	if err != nil {
		return out, fmt.Errorf("usermanagement: authenticate: %w", err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBody+1))
	if err != nil {
		return out, fmt.Errorf("usermanagement: authenticate: reading the response: %w", err)
	}
	if len(data) > maxResponseBody {
		return out, fmt.Errorf("usermanagement: authenticate: response larger than %d bytes", maxResponseBody)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return out, newAPIError(res.StatusCode, data)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return AuthenticateResponse{}, fmt.Errorf("usermanagement: authenticate: decoding the response: %w", err)
	}
	if out.AccessToken == "" {
		// A 2xx without a token is not a session; failing here beats a
		// confusing error later, when the empty token is used.
		return AuthenticateResponse{}, errors.New("usermanagement: authenticate: the response has no access_token")
	}
	return out, nil
}
