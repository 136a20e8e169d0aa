// Package connector defines what Latchkey needs of an upstream identity
// provider, after Dex's connector package: one Identity type and small
// capability interfaces. Each upstream type lives in its own sub-package
// and implements only the interfaces it needs; the authorize and callback
// handlers type-switch on capability.
package connector

import (
	"context"
	"net/http"
)

// Identity is what an upstream says about the person who signed in.
type Identity struct {
	// Subject is the upstream's stable ID for the person (OIDC sub, SAML
	// NameID, GitHub numeric ID).
	Subject       string
	Email         string
	EmailVerified bool
	FirstName     string
	LastName      string
	PictureURL    string
	Groups        []string
	// OAuthTokens are the upstream's own tokens, for connections that
	// return them to the application.
	OAuthTokens *OAuthTokens
}

// OAuthTokens are an upstream OAuth provider's tokens.
type OAuthTokens struct {
	Provider     string   `json:"provider"`
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token,omitempty"`
	ExpiresAt    int64    `json:"expires_at,omitempty"` // Unix seconds
	Scopes       []string `json:"scopes,omitempty"`
}

// Request carries one sign-in attempt to the upstream and back. Latchkey
// seals it into the browser-bound transaction at authorize and hands the
// same values to HandleCallback, so connectors keep no state of their own.
type Request struct {
	// CallbackURL is Latchkey's redirect URI at the upstream.
	CallbackURL string
	// State is the value the upstream must return unchanged; it ties the
	// callback to the sealed transaction.
	State string
	// Nonce binds the ID token to this attempt (OIDC).
	Nonce string
	// CodeVerifier is Latchkey's own PKCE verifier towards the upstream;
	// connectors send its S256 challenge.
	CodeVerifier string

	// Hints and options from the application's authorize request.
	LoginHint   string
	DomainHint  string
	Prompt      string
	MaxAge      string
	ExtraScopes []string
	// QueryParams are provider_query_params; a connector drops any that
	// would override the protocol's own parameters.
	QueryParams map[string]string
}

// CallbackConnector is an upstream that signs people in by redirecting the
// browser to it and back to Latchkey's callback (OIDC, OAuth 2.0).
type CallbackConnector interface {
	// LoginURL returns where to send the browser. It must not do network
	// I/O: authorize calls it on the hot path.
	LoginURL(req Request) (string, error)
	// HandleCallback verifies the upstream's answer on the callback request
	// and returns who signed in. An answer that fails any check is an error;
	// an upstream refusal is an *UpstreamError.
	HandleCallback(ctx context.Context, req Request, r *http.Request) (Identity, error)
}

// UpstreamError is an error the upstream itself reported (an OAuth error
// redirect, a refused token request). Latchkey answers it with
// access_denied and the upstream's description.
type UpstreamError struct {
	Code        string
	Description string
}

func (e *UpstreamError) Error() string {
	if e.Description == "" {
		return "upstream error: " + e.Code
	}
	return "upstream error: " + e.Code + ": " + e.Description
}
