package authorize

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/latchkeyhq/latchkey/internal/oauth"
)

// Provider names of the OpenAPI document's enum for
// /user_management/authorize; authkit is the hosted login.
const ProviderAuthKit = "authkit"

var providerNames = []string{
	"AppleOAuth", "BitbucketOAuth", "GitHubOAuth", "GitLabOAuth", "GoogleOAuth", "IntuitOAuth",
	"LinkedInOAuth", "MicrosoftOAuth", "SalesforceOAuth", "SlackOAuth", "VercelMarketplaceOAuth",
	"VercelOAuth", "XeroOAuth",
}

// IsSSOType reports whether a connection type is an organization's SSO
// connection (…SAML, …OIDC) rather than an environment's OAuth provider.
func IsSSOType(t string) bool {
	l := strings.ToLower(t)
	return strings.HasSuffix(l, "saml") || strings.HasSuffix(l, "oidc")
}

// maxQueryLen bounds the query string authorize reads. Real authorization
// URLs are far shorter; anything longer is refused with 414 before parsing.
const maxQueryLen = 8 << 10

// Params are the parsed authorize parameters (spec/authorize.md).
type Params struct {
	ResponseType        string
	ClientID            string
	RedirectURI         string
	CodeChallenge       string
	CodeChallengeMethod string
	ConnectionID        string
	OrganizationID      string
	Provider            string
	State               string
	HasState            bool
	LoginHint           string
	DomainHint          string
	ScreenHint          string
	Prompt              string
	MaxAge              string
	InvitationToken     string
	ClaimNonce          string
	ProviderScopes      []string
	ProviderQueryParams map[string]string
}

// multiValued are the parameters that may repeat.
const (
	paramProviderScopes = "provider_scopes"
	paramQueryPrefix    = "provider_query_params["
)

// singleParams are the parameters that may appear at most once (RFC 6749
// §3.1); the parsed values are copied into Params by their position.
var singleParams = []string{
	"response_type", "client_id", "redirect_uri", "code_challenge", "code_challenge_method",
	"connection_id", "organization_id", "provider", "state", "login_hint", "domain_hint",
	"screen_hint", "prompt", "max_age", "invitation_token", "claim_nonce",
}

// parseResult carries what parsing found wrong, in the order the spec
// answers it: client and redirect URI problems go to an error page; the
// rest go to the client by redirect.
type parseResult struct {
	Params
	clientErr   *oauth.Error // about client_id: answered on an error page
	redirectDup bool         // redirect_uri repeated: an error page, once the client is known
	redirectErr *oauth.Error // answered by redirect, once the client and URI are known good
}

// parseQuery parses a raw query string. It never fails outright: it
// records the first problem of each kind so the handler can answer in the
// spec's order.
func parseQuery(raw string) parseResult {
	var r parseResult
	values, perr := url.ParseQuery(raw)
	repeated := ""
	badUTF8 := ""
	get := func(name string) string {
		vs := values[name]
		if len(vs) > 1 && repeated == "" {
			repeated = name
		}
		if len(vs) == 0 {
			return ""
		}
		if !utf8.ValidString(vs[0]) && badUTF8 == "" {
			badUTF8 = name
		}
		return vs[0]
	}
	p := &r.Params
	fields := []*string{&p.ResponseType, &p.ClientID, &p.RedirectURI, &p.CodeChallenge, &p.CodeChallengeMethod,
		&p.ConnectionID, &p.OrganizationID, &p.Provider, &p.State, &p.LoginHint, &p.DomainHint,
		&p.ScreenHint, &p.Prompt, &p.MaxAge, &p.InvitationToken, &p.ClaimNonce}
	for i, name := range singleParams {
		*fields[i] = get(name)
	}
	_, p.HasState = values["state"]

	// provider_scopes: one comma-separated value (OpenAPI style: form,
	// explode: false) or repeated keys (the Node SDK); both may mix.
	for _, v := range values[paramProviderScopes] {
		if !utf8.ValidString(v) && badUTF8 == "" {
			badUTF8 = paramProviderScopes
		}
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(p.ProviderScopes, s) {
				p.ProviderScopes = append(p.ProviderScopes, s)
			}
		}
	}
	for k, vs := range values {
		name, ok := strings.CutPrefix(k, paramQueryPrefix)
		if !ok {
			continue
		}
		name, ok = strings.CutSuffix(name, "]")
		if !ok || name == "" {
			continue
		}
		// Repeats are allowed here (spec/authorize.md); the first wins.
		if !utf8.ValidString(name) || !utf8.ValidString(vs[0]) {
			badUTF8 = k
		}
		if p.ProviderQueryParams == nil {
			p.ProviderQueryParams = map[string]string{}
		}
		p.ProviderQueryParams[name] = vs[0]
	}

	switch {
	case len(values["client_id"]) > 1:
		r.clientErr = oauth.Errorf(oauth.InvalidRequest, "client_id is repeated; send it once.")
	case p.ClientID == "":
		r.clientErr = oauth.Errorf(oauth.InvalidRequest, "client_id is missing.")
	}
	r.redirectDup = len(values["redirect_uri"]) > 1
	switch {
	case perr != nil:
		r.redirectErr = oauth.Errorf(oauth.InvalidRequest, "The query string is malformed (bad percent-encoding).")
	case repeated != "":
		r.redirectErr = oauth.Errorf(oauth.InvalidRequest, "%s is repeated; every parameter but provider_scopes and provider_query_params appears at most once.", repeated)
	case badUTF8 != "":
		r.redirectErr = oauth.Errorf(oauth.InvalidRequest, "%s is not valid UTF-8.", badUTF8)
	}
	return r
}
