package usermanagement

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// AuthorizePath is the path of the authorization endpoint.
const AuthorizePath = "/user_management/authorize"

// ScreenHint selects the first screen of the hosted login when Provider is
// "authkit".
type ScreenHint string

// The screen hints the server accepts.
const (
	SignUp ScreenHint = "sign-up"
	SignIn ScreenHint = "sign-in"
)

// Providers Latchkey routes to. The server accepts every name of the WorkOS
// OpenAPI enum and answers a clear error when the application has no such
// connection, so Provider is a plain string and any name may be passed.
const (
	ProviderAuthKit        = "authkit"
	ProviderAppleOAuth     = "AppleOAuth"
	ProviderGitHubOAuth    = "GitHubOAuth"
	ProviderGitLabOAuth    = "GitLabOAuth"
	ProviderGoogleOAuth    = "GoogleOAuth"
	ProviderMicrosoftOAuth = "MicrosoftOAuth"
)

// CodeChallengeMethodS256 is the only PKCE method the server accepts
// (RFC 7636 §4.2; "plain" is refused).
const CodeChallengeMethodS256 = "S256"

// GetAuthorizationURLOpts holds the parameters of an authorization URL. The
// field names are those of the WorkOS documentation's Go API.
type GetAuthorizationURLOpts struct {
	// ClientID is the application's client ID. Required, unless the Client
	// has one.
	ClientID string

	// RedirectURI is where the user returns with a code; it must be one of
	// the application's registered redirect URIs. Required.
	RedirectURI string

	// CodeChallenge is the PKCE challenge derived from a code verifier (see
	// NewPKCE); the verifier is sent later with AuthenticateWithCode.
	CodeChallenge string

	// CodeChallengeMethod must be "S256" when CodeChallenge is set, and
	// empty otherwise.
	CodeChallengeMethod string

	// ConnectionID starts SSO with one connection.
	ConnectionID string

	// OrganizationID starts SSO with the organization's connection or, with
	// Provider "authkit", preselects the organization in the hosted login.
	OrganizationID string

	// Provider is "authkit" (the hosted login) or an OAuth provider such as
	// "GoogleOAuth". Exactly one of ConnectionID, OrganizationID and Provider
	// is required; "authkit" may be combined with OrganizationID.
	Provider string

	// State is returned unchanged with the code (or the error); use it to
	// bind the redirect to the browser that started the sign-in.
	State string

	// LoginHint pre-fills the email or username at the hosted login or the
	// identity provider.
	LoginHint string

	// DomainHint pre-fills the domain at Microsoft OAuth and Google.
	DomainHint string

	// ScreenHint selects "sign-in" (the default) or "sign-up" when Provider
	// is "authkit"; the server ignores it otherwise.
	ScreenHint ScreenHint

	// ProviderScopes asks the OAuth provider for scopes beyond the
	// connection's configured ones. Empty entries are skipped; the server
	// splits every value at commas, so a scope cannot contain one.
	ProviderScopes []string
}

// GetAuthorizationURL returns the URL to send the user's browser to. It does
// no I/O: ctx is taken for the shape of the documented Go API.
//
// It returns a *url.URL, as workos-go does, rather than the string that the
// documentation's language-neutral "url" suggests: callers get the same value
// from u.String(), code written for workos-go keeps compiling, and a URL
// cannot be mistaken for any other string.
//
// The options are checked as the server checks them (spec/authorize.md), and
// a violation returns an error wrapping one of the Err… values of this
// package. Parameters appear in a fixed order (that of the documentation) so
// the same options always give the same URL; provider_scopes is sent as
// repeated keys, as the official Node SDK does, although the server also
// accepts one comma-separated value (the OpenAPI document's
// style: form, explode: false).
func (c *Client) GetAuthorizationURL(ctx context.Context, opts GetAuthorizationURLOpts) (*url.URL, error) {
	opts.ClientID = c.clientID(opts.ClientID)
	if err := validateAuthorization(opts); err != nil {
		return nil, err
	}
	u, err := c.endpointURL(AuthorizePath)
	if err != nil {
		return nil, err
	}
	u.RawQuery = authorizationQuery(opts)
	return u, nil
}

// validateAuthorization applies the server's rules in the server's order
// (spec/authorize.md, "Validation order"): client and redirect URI first,
// then encoding, PKCE, selectors and screen hint.
func validateAuthorization(o GetAuthorizationURLOpts) error {
	if o.ClientID == "" {
		return ErrMissingClientID
	}
	if o.RedirectURI == "" {
		return ErrMissingRedirectURI
	}
	if err := validateRedirectURI(o.RedirectURI); err != nil {
		return err
	}
	if err := validateUTF8(o); err != nil {
		return err
	}
	if err := validatePKCE(o.CodeChallenge, o.CodeChallengeMethod); err != nil {
		return err
	}
	if err := validateSelectors(o); err != nil {
		return err
	}
	switch o.ScreenHint {
	case "", SignIn, SignUp:
	default:
		return fmt.Errorf("%w, not %q", ErrInvalidScreenHint, string(o.ScreenHint))
	}
	return nil
}

// validateRedirectURI refuses what the server refuses before it would ever
// redirect: relative URIs and fragments (RFC 6749 §3.1.2). Registration is
// the server's to check.
func validateRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidRedirectURI, err)
	}
	if u.Scheme == "" {
		return fmt.Errorf("%w: %q is not absolute", ErrInvalidRedirectURI, raw)
	}
	if strings.Contains(raw, "#") {
		return fmt.Errorf("%w: %q has a fragment", ErrInvalidRedirectURI, raw)
	}
	return nil
}

// validateUTF8 names the first option that is not UTF-8.
func validateUTF8(o GetAuthorizationURLOpts) error {
	fields := []struct{ name, value string }{
		{"ClientID", o.ClientID}, {"RedirectURI", o.RedirectURI}, {"ConnectionID", o.ConnectionID},
		{"OrganizationID", o.OrganizationID}, {"Provider", o.Provider}, {"State", o.State},
		{"LoginHint", o.LoginHint}, {"DomainHint", o.DomainHint},
	}
	for _, s := range o.ProviderScopes {
		fields = append(fields, struct{ name, value string }{"ProviderScopes", s})
	}
	for _, f := range fields {
		if !utf8.ValidString(f.value) {
			return fmt.Errorf("%w: %s", ErrInvalidUTF8, f.name)
		}
	}
	return nil
}

// validatePKCE: RFC 7636 §4.2 fixes the challenge's form; the server takes
// only S256 and wants the method exactly when there is a challenge.
func validatePKCE(challenge, method string) error {
	if challenge != "" && !isPKCEValue(challenge) {
		return fmt.Errorf("%w: want 43 to 128 characters of A-Z a-z 0-9 - . _ ~, got %d characters", ErrInvalidCodeChallenge, len(challenge))
	}
	switch {
	case method != "" && method != CodeChallengeMethodS256:
		return fmt.Errorf("%w, not %q", ErrCodeChallengeMethod, method)
	case challenge != "" && method == "":
		return fmt.Errorf("%w: CodeChallenge is set without CodeChallengeMethod", ErrCodeChallengeMethod)
	case challenge == "" && method != "":
		return fmt.Errorf("%w: CodeChallengeMethod is set without CodeChallenge", ErrCodeChallengeMethod)
	}
	return nil
}

// validateSelectors: exactly one selector, except authkit with an
// organization, which preselects it in the hosted login.
func validateSelectors(o GetAuthorizationURLOpts) error {
	var set []string
	if o.ConnectionID != "" {
		set = append(set, "ConnectionID")
	}
	if o.OrganizationID != "" {
		set = append(set, "OrganizationID")
	}
	if o.Provider != "" {
		set = append(set, "Provider")
	}
	switch {
	case len(set) == 0:
		return ErrSelectorRequired
	case len(set) == 1:
		return nil
	case len(set) == 2 && o.Provider == ProviderAuthKit && o.OrganizationID != "":
		return nil
	}
	return fmt.Errorf("%w: got %s", ErrMultipleSelectors, strings.Join(set, ", "))
}

// authorizationQuery encodes the parameters in the documentation's order.
// url.Values.Encode would sort them; a fixed order reads better in logs and
// golden files and is just as reproducible.
func authorizationQuery(o GetAuthorizationURLOpts) string {
	var q query
	q.add("response_type", "code")
	q.add("client_id", o.ClientID)
	q.add("code_challenge", o.CodeChallenge)
	q.add("code_challenge_method", o.CodeChallengeMethod)
	q.add("redirect_uri", o.RedirectURI)
	q.add("connection_id", o.ConnectionID)
	q.add("organization_id", o.OrganizationID)
	q.add("provider", o.Provider)
	q.add("state", o.State)
	q.add("login_hint", o.LoginHint)
	q.add("domain_hint", o.DomainHint)
	q.add("screen_hint", string(o.ScreenHint))
	for _, s := range o.ProviderScopes {
		q.add("provider_scopes", s)
	}
	return q.String()
}

// query is an ordered query string. Empty values are left out: an empty
// option field means "not given", as in the Go zero value.
type query struct{ b strings.Builder }

func (q *query) add(key, value string) {
	if value == "" {
		return
	}
	if q.b.Len() > 0 {
		q.b.WriteByte('&')
	}
	q.b.WriteString(url.QueryEscape(key))
	q.b.WriteByte('=')
	q.b.WriteString(url.QueryEscape(value))
}

func (q *query) String() string { return q.b.String() }
