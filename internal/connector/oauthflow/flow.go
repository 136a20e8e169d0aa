// Package oauthflow is the OAuth 2.0 authorization code flow that the
// provider connectors (google, microsoft, github, apple, gitlab) share:
// the authorization URL with PKCE and filtered provider_query_params, the
// checks on the callback, the code exchange with errors that are safe to
// log, the provider's tokens for oauth_tokens, ID token verification and
// calls to the provider's APIs. Each connector keeps only what makes its
// provider different.
package oauthflow

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
)

// MaxDescription bounds a provider's error_description that is passed on
// to the application.
const MaxDescription = 256

// Flow is the authorization code flow with one provider's client. It
// holds no per-login state and is safe for concurrent use.
type Flow struct {
	// Name prefixes every error ("google: …").
	Name string
	// Provider is the connection type (GoogleOAuth, …); it names the
	// provider in oauth_tokens.
	Provider     string
	ClientID     string
	ClientSecret string
	// MintSecret, when set, returns the client secret for one token
	// request instead of ClientSecret (Apple's is a short-lived JWT).
	MintSecret func() (string, error)
	// Endpoint has the authorization and token URLs and how the client
	// authenticates; set AuthStyle explicitly, since oauth2's detection
	// retries a refused exchange with the other style.
	Endpoint oauth2.Endpoint
	// Scopes are the connection's scopes; provider_scopes are merged in.
	Scopes []string
	// Nonce sends the request's nonce (providers that issue ID tokens).
	Nonce bool
	// ReturnTokens hands the provider's tokens to the application.
	ReturnTokens bool
	// Client makes every request to the provider.
	Client *http.Client
}

// ProtocolParam reports whether name is an authorization parameter the
// flow owns, which provider_query_params may not override
// (spec/authorize.md). response_mode, request and request_uri count too:
// each could change where or how the answer is delivered.
func ProtocolParam(name string) bool {
	switch name {
	case "client_id", "redirect_uri", "state", "nonce", "code_challenge", "code_challenge_method",
		"response_type", "scope", "response_mode", "request", "request_uri":
		return true
	}
	return false
}

// AuthURL returns the provider's authorization URL for req: the merged
// scopes, PKCE (S256), the nonce when the flow sends one, the request's
// provider_query_params, then params, the provider's own mapping of the
// request's hints. params are set last so that they win over a query
// parameter of the same name; empty values are left out. It does no
// network I/O.
func (f *Flow) AuthURL(req connector.Request, params ...Param) (string, error) {
	switch {
	case req.CallbackURL == "":
		return "", fmt.Errorf("%s: login URL: no callback URL", f.Name)
	case req.State == "":
		return "", fmt.Errorf("%s: login URL: no state", f.Name)
	case req.CodeVerifier == "":
		return "", fmt.Errorf("%s: login URL: no PKCE verifier", f.Name)
	case f.Nonce && req.Nonce == "":
		return "", fmt.Errorf("%s: login URL: no nonce", f.Name)
	}
	// Set with the precedence oauth2.Config.AuthCodeURL gave them: a later
	// parameter replaces an earlier one of the same name.
	var buf [16]Param
	q := append(buf[:0], Param{"client_id", f.ClientID}, Param{"redirect_uri", req.CallbackURL}, Param{"response_type", "code"})
	if scopes := f.requestedScopes(req); len(scopes) > 0 {
		q = append(q, Param{"scope", strings.Join(scopes, " ")})
	}
	q = append(q, Param{"state", req.State}) // sorted so far
	for k, v := range req.QueryParams {
		if k != "" && !ProtocolParam(k) {
			q = SetParam(q, k, v)
		}
	}
	for _, p := range params {
		if p.Value != "" {
			q = SetParam(q, p.Name, p.Value)
		}
	}
	if f.Nonce {
		q = SetParam(q, "nonce", req.Nonce)
	}
	q = SetParam(q, "code_challenge", oauth2.S256ChallengeFromVerifier(req.CodeVerifier))
	q = SetParam(q, "code_challenge_method", "S256")
	return AuthCodeURL(f.Endpoint.AuthURL, q), nil
}

// requestedScopes is RequestedScopes without its copy when the request
// adds none and the connection's scopes are already merged, as every
// connector builds them: the common case on the authorize path.
func (f *Flow) requestedScopes(req connector.Request) []string {
	if len(req.ExtraScopes) == 0 && merged(f.Scopes) {
		return f.Scopes
	}
	return f.RequestedScopes(req)
}

// merged reports whether MergeScopes would return scopes unchanged.
func merged(scopes []string) bool {
	for i, s := range scopes {
		if s == "" || s != strings.TrimSpace(s) || slices.Contains(scopes[:i], s) {
			return false
		}
	}
	return true
}

// RequestedScopes are the connection's scopes followed by the request's
// provider_scopes, without duplicates or empty entries.
func (f *Flow) RequestedScopes(req connector.Request) []string {
	return MergeScopes(f.Scopes, req.ExtraScopes)
}

// config is built per call: oauth2.Config must not be copied once used,
// and the redirect URL, scopes and (for Apple) the secret vary.
func (f *Flow) config(redirectURL string, scopes []string, secret string) *oauth2.Config {
	return &oauth2.Config{ClientID: f.ClientID, ClientSecret: secret, Endpoint: f.Endpoint, RedirectURL: redirectURL, Scopes: scopes}
}

// Code checks the provider's answer on Latchkey's callback, in the query
// or in a form_post body, and returns the authorization code. A refusal
// is a *connector.UpstreamError (RFC 6749 §4.1.2.1); a state that does
// not match the sign-in transaction is an error.
func (f *Flow) Code(r *http.Request, state string) (string, error) {
	if err := r.ParseForm(); err != nil {
		return "", fmt.Errorf("%s: callback: %w", f.Name, err)
	}
	if code := r.Form.Get("error"); code != "" {
		return "", &connector.UpstreamError{Code: Truncate(code, 64), Description: Truncate(r.Form.Get("error_description"), MaxDescription)}
	}
	if state == "" || subtle.ConstantTimeCompare([]byte(r.Form.Get("state")), []byte(state)) != 1 {
		return "", fmt.Errorf("%s: callback state does not match the sign-in transaction", f.Name)
	}
	code := r.Form.Get("code")
	if code == "" {
		return "", fmt.Errorf("%s: callback carries no code", f.Name)
	}
	return code, nil
}

// Exchange redeems code at the token endpoint with the request's PKCE
// verifier (RFC 6749 §4.1.3, RFC 7636 §4.5).
func (f *Flow) Exchange(ctx context.Context, req connector.Request, code string) (*oauth2.Token, error) {
	secret := f.ClientSecret
	if f.MintSecret != nil {
		var err error
		if secret, err = f.MintSecret(); err != nil {
			return nil, fmt.Errorf("%s: client secret: %w", f.Name, err)
		}
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, f.Client)
	tok, err := f.config(req.CallbackURL, nil, secret).Exchange(ctx, code, oauth2.VerifierOption(req.CodeVerifier))
	if err != nil {
		return nil, f.exchangeError(err)
	}
	return tok, nil
}

// exchangeError turns a failed code exchange into an error that is safe
// to log: the provider's RFC 6749 §5.2 answer becomes an UpstreamError,
// and any other body is left out, since it is not ours to repeat.
func (f *Flow) exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		// A transport failure, or a 2xx answer that is no token response.
		return fmt.Errorf("%s: token request: %w", f.Name, err)
	}
	if re.ErrorCode != "" {
		return fmt.Errorf("%s: token endpoint refused the code: %w", f.Name,
			&connector.UpstreamError{Code: Truncate(re.ErrorCode, 64), Description: Truncate(re.ErrorDescription, MaxDescription)})
	}
	status := "no response"
	if re.Response != nil {
		status = re.Response.Status
	}
	return fmt.Errorf("%s: token endpoint answered %s", f.Name, status)
}

// Tokens returns the provider's tokens for oauth_tokens, or nil when the
// connection does not return them. The scopes are those the provider says
// it granted (space- or, as GitHub writes them, comma-separated), else
// those requested.
func (f *Flow) Tokens(tok *oauth2.Token, req connector.Request) *connector.OAuthTokens {
	if !f.ReturnTokens {
		return nil
	}
	t := &connector.OAuthTokens{Provider: f.Provider, AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken}
	if !tok.Expiry.IsZero() {
		t.ExpiresAt = tok.Expiry.Unix()
	}
	granted, _ := tok.Extra("scope").(string)
	t.Scopes = MergeScopes(strings.FieldsFunc(granted, func(r rune) bool { return r == ' ' || r == ',' }), nil)
	if len(t.Scopes) == 0 {
		t.Scopes = f.RequestedScopes(req)
	}
	return t
}

// MergeScopes returns base followed by extra, in order, without
// duplicates or empty entries.
func MergeScopes(base, extra []string) []string {
	out := []string{}
	for _, s := range slices.Concat(base, extra) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// CheckURL checks that an endpoint is an absolute http(s) URL.
func CheckURL(name, raw string) error {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%s %q is not an absolute http(s) URL", name, raw)
	}
	return nil
}

// Origin returns the scheme and host of an absolute URL.
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// SplitName splits a display name at its first space, for providers that
// give no given and family names.
func SplitName(name string) (first, last string) {
	first, last, _ = strings.Cut(strings.TrimSpace(name), " ")
	return first, strings.TrimSpace(last)
}

// Truncate cuts s to at most n bytes on a rune boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
