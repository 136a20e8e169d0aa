package authorize

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// specSingleParams are the parameters spec/authorize.md allows at most
// once. (claim_nonce is left out: parseQuery does not count it yet.)
var specSingleParams = []string{
	"response_type", "client_id", "redirect_uri", "code_challenge", "code_challenge_method",
	"connection_id", "organization_id", "provider", "state", "login_hint", "domain_hint",
	"screen_hint", "prompt", "max_age", "invitation_token", "claim_nonce",
}

// FuzzParseQuery: parseQuery never panics, and when it reports nothing
// wrong, every single-valued parameter appeared at most once and the
// parsed values are the query's, valid UTF-8.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"",
		"response_type=code&client_id=client_1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=a+b%26c&provider=authkit",
		"client_id=a&client_id=b",
		"state=%ff",
		"state=%zz",
		"state=a;b",
		"login_hint=%c3%28",
		"provider_scopes=a,b&provider_scopes=b,%20c%20,,",
		"provider_query_params[hd]=x&provider_query_params%5Baccess_type%5D=offline&provider_query_params[]=y",
		"provider_query_params[a]=1&provider_query_params[a]=2",
		"provider_query_params[%ff]=1",
		"state&state=",
		"=&&=x&%3D=%26",
		"redirect_uri=a&REDIRECT_URI=b&redirect_uri%00=c",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		pr := parseQuery(raw)
		if pr.clientErr != nil || pr.redirectDup || pr.redirectErr != nil {
			return
		}
		values, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatalf("no error reported for a query url.ParseQuery refuses: %v", err)
		}
		p := pr.Params
		got := map[string]string{
			"response_type": p.ResponseType, "client_id": p.ClientID, "redirect_uri": p.RedirectURI,
			"code_challenge": p.CodeChallenge, "code_challenge_method": p.CodeChallengeMethod,
			"connection_id": p.ConnectionID, "organization_id": p.OrganizationID, "provider": p.Provider,
			"state": p.State, "login_hint": p.LoginHint, "domain_hint": p.DomainHint, "screen_hint": p.ScreenHint,
			"prompt": p.Prompt, "max_age": p.MaxAge, "invitation_token": p.InvitationToken, "claim_nonce": p.ClaimNonce,
		}
		for _, name := range specSingleParams {
			if n := len(values[name]); n > 1 {
				t.Fatalf("%s appears %d times and no error was reported", name, n)
			}
			if got[name] != values.Get(name) {
				t.Fatalf("%s = %q, the query has %q", name, got[name], values.Get(name))
			}
			if !utf8.ValidString(got[name]) {
				t.Fatalf("%s = %q is not valid UTF-8 and no error was reported", name, got[name])
			}
		}
		if p.ClientID == "" {
			t.Fatal("no client_id and no error reported")
		}
		if _, ok := values["state"]; ok != p.HasState {
			t.Fatalf("HasState = %v, the query has state: %v", p.HasState, ok)
		}
		for i, s := range p.ProviderScopes {
			if s == "" || s != strings.TrimSpace(s) || strings.Contains(s, ",") || !utf8.ValidString(s) || slices.Contains(p.ProviderScopes[:i], s) {
				t.Fatalf("provider scopes %q: empty, padded, comma, bad UTF-8 or duplicate entry %q", p.ProviderScopes, s)
			}
		}
		for k, v := range p.ProviderQueryParams {
			vs := values["provider_query_params["+k+"]"]
			if k == "" || len(vs) != 1 || vs[0] != v || !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("provider_query_params[%q] = %q, the query has %q", k, v, vs)
			}
		}
	})
}
