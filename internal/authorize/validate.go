package authorize

import (
	"slices"
	"strconv"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/oauth"
)

// validateResponseType is the first check answered by redirect.
func validateResponseType(rt string) *oauth.Error {
	switch {
	case rt == "":
		return oauth.Errorf(oauth.InvalidRequest, "response_type is missing; it must be \"code\".")
	case rt != "code":
		return oauth.Errorf(oauth.UnsupportedResponseType, "response_type must be \"code\".")
	}
	return nil
}

// validate checks everything after the client, the redirect URI and the
// response type, in the order of spec/authorize.md; its errors are
// answered by redirect.
func validate(p *Params) *oauth.Error {
	if e := validatePKCE(p.CodeChallenge, p.CodeChallengeMethod); e != nil {
		return e
	}
	if e := validateSelectors(p); e != nil {
		return e
	}
	switch p.ScreenHint {
	case "", "sign-in", "sign-up":
	default:
		return oauth.Errorf(oauth.InvalidRequest, "screen_hint must be \"sign-in\" or \"sign-up\".")
	}
	if e := validatePrompt(p.Prompt); e != nil {
		return e
	}
	if _, err := strconv.ParseUint(p.MaxAge, 10, 31); p.MaxAge != "" && err != nil {
		return oauth.Errorf(oauth.InvalidRequest, "max_age must be a non-negative number of seconds.")
	}
	for k := range p.ProviderQueryParams {
		if len(k) > 64 {
			return oauth.Errorf(oauth.InvalidRequest, "provider_query_params keys are at most 64 characters.")
		}
	}
	return nil
}

// validatePKCE applies RFC 7636 §4.2-4.3: S256 only; a challenge is 43 to
// 128 unreserved characters.
func validatePKCE(challenge, method string) *oauth.Error {
	switch {
	case challenge == "" && method != "":
		return oauth.Errorf(oauth.InvalidRequest, "code_challenge_method was sent without code_challenge.")
	case challenge == "":
		return nil
	case method == "":
		return oauth.Errorf(oauth.InvalidRequest, "code_challenge_method is required with code_challenge; it must be \"S256\".")
	case method != "S256":
		return oauth.Errorf(oauth.InvalidRequest, "code_challenge_method must be \"S256\".")
	case len(challenge) < 43 || len(challenge) > 128:
		return oauth.Errorf(oauth.InvalidRequest, "code_challenge must be 43 to 128 characters (RFC 7636 §4.2).")
	}
	for i := range len(challenge) {
		c := challenge[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return oauth.Errorf(oauth.InvalidRequest, "code_challenge may hold only A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.2).")
		}
	}
	return nil
}

// validateSelectors requires exactly one of connection_id,
// organization_id and provider, except provider=authkit with
// organization_id.
func validateSelectors(p *Params) *oauth.Error {
	var given []string
	if p.ConnectionID != "" {
		given = append(given, "connection_id")
	}
	if p.OrganizationID != "" {
		given = append(given, "organization_id")
	}
	if p.Provider != "" {
		given = append(given, "provider")
	}
	switch {
	case len(given) == 0:
		return oauth.Errorf(oauth.InvalidRequest, "One of connection_id, organization_id or provider is required.")
	case len(given) == 2 && p.Provider == ProviderAuthKit && p.OrganizationID != "":
	case len(given) > 1:
		return oauth.Errorf(oauth.InvalidRequest, "%s are mutually exclusive; send exactly one (provider=authkit may be combined with organization_id).",
			strings.Join(given, " and "))
	}
	if p.Provider != "" && p.Provider != ProviderAuthKit && !slices.Contains(providerNames, p.Provider) {
		return oauth.Errorf(oauth.InvalidRequest, "provider %q is not supported; use authkit or one of %s.",
			oauth.Truncate(p.Provider, 64), strings.Join(providerNames, ", "))
	}
	return nil
}

// validatePrompt accepts the OpenID Connect prompt values (Core §3.1.2.1):
// a space-separated list in which none stands alone.
func validatePrompt(prompt string) *oauth.Error {
	if prompt == "" {
		return nil
	}
	vals := strings.Fields(prompt)
	for _, v := range vals {
		switch v {
		case "login", "consent", "select_account":
		case "none":
			if len(vals) > 1 {
				return oauth.Errorf(oauth.InvalidRequest, "prompt=none cannot be combined with other values.")
			}
		default:
			return oauth.Errorf(oauth.InvalidRequest, "prompt %q is not one of login, consent, select_account, none.", oauth.Truncate(v, 32))
		}
	}
	return nil
}
