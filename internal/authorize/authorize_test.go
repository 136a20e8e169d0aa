package authorize_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/id"
)

// TestAuthorizeParameters walks the parameter table of spec/authorize.md.
func TestAuthorizeParameters(t *testing.T) {
	h := newHarness(t)
	p := h.params
	unknownConn, unknownOrg := id.New(id.Connection), id.New(id.Organization)
	cases := []authzCase{
		// response_type: required; only code.
		{name: "response_type code", q: p(), hosted: "sign-in"},
		{name: "response_type missing", q: p("response_type", del), redirect: "invalid_request", descHas: "response_type"},
		{name: "response_type empty", q: p("response_type", ""), redirect: "invalid_request", descHas: "response_type"},
		{name: "response_type token", q: p("response_type", "token"), redirect: "unsupported_response_type"},
		{name: "response_type CODE", q: p("response_type", "CODE"), redirect: "unsupported_response_type"},
		{name: "response_type code id_token", q: p("response_type", "code id_token"), redirect: "unsupported_response_type"},

		// client_id: required; an application's client ID; never a redirect.
		{name: "client_id missing", q: p("client_id", del), page: "invalid_request", descHas: "client_id"},
		{name: "client_id empty", q: p("client_id", ""), page: "invalid_request", descHas: "client_id"},
		{name: "client_id unknown", q: p("client_id", id.New(id.Application)), page: "invalid_client"},
		{name: "client_id not an ID", q: p("client_id", "<script>"), page: "invalid_client"},
		{name: "client_id of another application", q: p("client_id", h.otherApp.ID), page: "invalid_redirect_uri"},

		// redirect_uri: required; registered for the client; never a redirect.
		{name: "redirect_uri missing", q: p("redirect_uri", del), page: "invalid_request", descHas: "redirect_uri"},
		{name: "redirect_uri empty", q: p("redirect_uri", ""), page: "invalid_request", descHas: "redirect_uri"},
		{name: "redirect_uri not registered", q: p("redirect_uri", "https://evil.example.com/cb"), page: "invalid_redirect_uri"},
		{name: "redirect_uri with fragment", q: p("redirect_uri", redirectExact+"#frag"), page: "invalid_redirect_uri", descHas: "fragment"},
		{name: "redirect_uri of another application", q: p("redirect_uri", otherAppRedirect), page: "invalid_redirect_uri"},
		{name: "redirect_uri registered for logout only", q: p("redirect_uri", logoutURI), page: "invalid_redirect_uri"},
		{name: "redirect_uri relative", q: p("redirect_uri", "/cb"), page: "invalid_redirect_uri"},
		{name: "redirect_uri exact", q: p("redirect_uri", redirectExact), hosted: "sign-in"},
		{name: "redirect_uri with its own query", q: p("redirect_uri", redirectQuery), hosted: "sign-in"},
		{name: "redirect_uri loopback", q: p("redirect_uri", redirectLoopback), hosted: "sign-in"},
		{name: "redirect_uri localhost with port", q: p("redirect_uri", redirectLocal), hosted: "sign-in"},
		{name: "redirect_uri wildcard", q: p("redirect_uri", "https://tenant-7.example.org/cb"), hosted: "sign-in"},

		// code_challenge and code_challenge_method: RFC 7636, S256 only.
		{name: "code_challenge without method", q: p("code_challenge", challenge(43)), redirect: "invalid_request", descHas: "code_challenge_method"},
		{name: "method without code_challenge", q: p("code_challenge_method", "S256"), redirect: "invalid_request", descHas: "code_challenge"},
		{name: "method plain", q: p("code_challenge", challenge(43), "code_challenge_method", "plain"), redirect: "invalid_request", descHas: "S256"},
		{name: "method s256 lower case", q: p("code_challenge", challenge(43), "code_challenge_method", "s256"), redirect: "invalid_request", descHas: "S256"},
		{name: "challenge 42 characters", q: p("code_challenge", challenge(42), "code_challenge_method", "S256"), redirect: "invalid_request", descHas: "43 to 128"},
		{name: "challenge 129 characters", q: p("code_challenge", challenge(129), "code_challenge_method", "S256"), redirect: "invalid_request", descHas: "43 to 128"},
		{name: "challenge with plus", q: p("code_challenge", challenge(42)+"+", "code_challenge_method", "S256"), redirect: "invalid_request", descHas: "A-Z"},
		{name: "challenge with equals", q: p("code_challenge", challenge(42)+"=", "code_challenge_method", "S256"), redirect: "invalid_request", descHas: "A-Z"},
		{name: "challenge with slash", q: p("code_challenge", "/"+challenge(42), "code_challenge_method", "S256"), redirect: "invalid_request", descHas: "A-Z"},
		{name: "challenge with space", q: p("code_challenge", challenge(21)+" "+challenge(21), "code_challenge_method", "S256"), redirect: "invalid_request", descHas: "A-Z"},
		{name: "challenge with non-ASCII", q: p("code_challenge", challenge(41)+"é", "code_challenge_method", "S256"), redirect: "invalid_request", descHas: "A-Z"},
		{name: "challenge 43 characters", q: p("code_challenge", challenge(43), "code_challenge_method", "S256"), hosted: "sign-in"},
		{name: "challenge 128 characters", q: p("code_challenge", challenge(128), "code_challenge_method", "S256"), hosted: "sign-in"},
		{name: "challenge to an upstream", q: p("provider", del, "connection_id", h.connSSO.ID, "code_challenge", challenge(64), "code_challenge_method", "S256"),
			upstream: &h.connSSO, check: func(t *testing.T, r routed) {
				if r.upstream.Get("code_challenge") == challenge(64) {
					t.Error("the application's code challenge was sent upstream instead of Latchkey's own")
				}
			}},

		// connection_id: a connection; must be active.
		{name: "connection_id unknown", q: p("provider", del, "connection_id", unknownConn), redirect: "connection_invalid"},
		{name: "connection_id malformed", q: p("provider", del, "connection_id", "conn_x/../y"), redirect: "connection_invalid"},
		{name: "connection_id inactive", q: p("provider", del, "connection_id", h.connInactive.ID), redirect: "connection_invalid", descHas: "not active"},
		{name: "connection_id of a type without connector", q: p("provider", del, "connection_id", h.connOAuth.ID), redirect: "connection_invalid"},
		{name: "connection_id valid", q: p("provider", del, "connection_id", h.connSSO.ID), upstream: &h.connSSO},

		// organization_id: its active SSO connection.
		{name: "organization_id unknown", q: p("provider", del, "organization_id", unknownOrg), redirect: "organization_invalid"},
		{name: "organization_id without SSO", q: p("provider", del, "organization_id", h.orgNone.ID), redirect: "organization_invalid"},
		{name: "organization_id with only an inactive connection", q: p("provider", del, "organization_id", h.orgInactive.ID), redirect: "organization_invalid"},
		{name: "organization_id valid", q: p("provider", del, "organization_id", h.orgSSO.ID), upstream: &h.connSSO},
		{name: "organization_id with two active connections", q: p("provider", del, "organization_id", h.orgTwo.ID), upstream: &h.connTwoNew, clientID: "newer"},

		// provider.
		{name: "provider authkit", q: p("provider", "authkit"), hosted: "sign-in"},
		{name: "provider GoogleOAuth not configured", q: p("provider", "GoogleOAuth"), redirect: "connection_invalid", descHas: "GoogleOAuth"},
		{name: "provider GitLabOAuth only inactive", q: p("provider", "GitLabOAuth"), redirect: "connection_invalid"},
		{name: "provider BitbucketOAuth without connector", q: p("provider", "BitbucketOAuth"), redirect: "connection_invalid"},
		{name: "provider not in the enum", q: p("provider", "Okta"), redirect: "invalid_request", descHas: "provider"},
		{name: "provider connection type", q: p("provider", "GenericOIDC"), redirect: "invalid_request", descHas: "provider"},
		{name: "provider wrong case", q: p("provider", "googleoauth"), redirect: "invalid_request", descHas: "provider"},
		{name: "provider AuthKit", q: p("provider", "AuthKit"), redirect: "invalid_request", descHas: "provider"},

		// screen_hint: sign-in or sign-up; anything else is an error.
		{name: "screen_hint absent", q: p(), hosted: "sign-in"},
		{name: "screen_hint sign-in", q: p("screen_hint", "sign-in"), hosted: "sign-in"},
		{name: "screen_hint sign-up", q: p("screen_hint", "sign-up"), hosted: "sign-up"},
		{name: "screen_hint bogus", q: p("screen_hint", "register"), redirect: "invalid_request", descHas: "screen_hint"},
		{name: "screen_hint wrong case", q: p("screen_hint", "Sign-Up"), redirect: "invalid_request", descHas: "screen_hint"},
		{name: "screen_hint sign-up ignored for a connection", q: p("provider", del, "connection_id", h.connSSO.ID, "screen_hint", "sign-up"), upstream: &h.connSSO},
		{name: "screen_hint bogus for a connection", q: p("provider", del, "connection_id", h.connSSO.ID, "screen_hint", "bogus"), redirect: "invalid_request", descHas: "screen_hint"},

		// login_hint and domain_hint.
		{name: "login_hint for the hosted login", q: p("login_hint", "alice+x@example.test"), hosted: "sign-in"},
		{name: "login_hint upstream", q: p("provider", del, "connection_id", h.connSSO.ID, "login_hint", "alice+x@example.test"), upstream: &h.connSSO,
			check: upstreamHas("login_hint", "alice+x@example.test")},
		{name: "domain_hint for the hosted login", q: p("domain_hint", "example.test"), hosted: "sign-in"},
		{name: "domain_hint for a connection", q: p("provider", del, "connection_id", h.connSSO.ID, "domain_hint", "example.test"), upstream: &h.connSSO},

		// prompt: login, consent, select_account, none.
		{name: "prompt login hosted", q: p("prompt", "login"), hosted: "sign-in"},
		{name: "prompt login upstream", q: p("provider", del, "connection_id", h.connSSO.ID, "prompt", "login"), upstream: &h.connSSO, check: upstreamHas("prompt", "login")},
		{name: "prompt consent", q: p("prompt", "consent"), hosted: "sign-in"},
		{name: "prompt select_account", q: p("prompt", "select_account"), hosted: "sign-in"},
		{name: "prompt none", q: p("prompt", "none"), hosted: "sign-in"},
		{name: "prompt login consent", q: p("provider", del, "connection_id", h.connSSO.ID, "prompt", "login consent"), upstream: &h.connSSO, check: upstreamHas("prompt", "login consent")},
		{name: "prompt none login", q: p("prompt", "none login"), redirect: "invalid_request", descHas: "none"},
		{name: "prompt bogus", q: p("prompt", "bogus"), redirect: "invalid_request", descHas: "prompt"},

		// max_age.
		{name: "max_age 0", q: p("max_age", "0"), hosted: "sign-in"},
		{name: "max_age upstream", q: p("provider", del, "connection_id", h.connSSO.ID, "max_age", "3600"), upstream: &h.connSSO, check: upstreamHas("max_age", "3600")},
		{name: "max_age abc", q: p("max_age", "abc"), redirect: "invalid_request", descHas: "max_age"},
		{name: "max_age negative", q: p("max_age", "-1"), redirect: "invalid_request", descHas: "max_age"},
		{name: "max_age fraction", q: p("max_age", "1.5"), redirect: "invalid_request", descHas: "max_age"},

		// invitation_token and claim_nonce: accepted.
		{name: "invitation_token", q: p("invitation_token", "inv_token_abc123"), hosted: "sign-in"},
		{name: "claim_nonce", q: p("claim_nonce", "nonce-123"), hosted: "sign-in"},

		// Unknown parameters are ignored, even repeated.
		{name: "unknown parameter", q: p("foo", "bar"), hosted: "sign-in"},
		{name: "unknown parameter repeated", q: p(), extra: "foo=1&foo=2&scope=openid&nonce=x", hosted: "sign-in"},
		{name: "unknown parameter upstream", q: p("provider", del, "connection_id", h.connSSO.ID, "foo", "bar"), upstream: &h.connSSO,
			check: func(t *testing.T, r routed) {
				if r.upstream.Has("foo") {
					t.Errorf("unknown parameter passed upstream: %v", r.upstream)
				}
			}},

		// state: opaque, returned byte for byte; absent stays absent.
		{name: "state awkward on success", q: p(), hosted: "sign-in"},
		{name: "state empty on success", q: p("state", ""), hosted: "sign-in"},
		{name: "state absent on success", q: p("state", del), hosted: "sign-in"},
		{name: "state awkward on error", q: p("response_type", "token"), redirect: "unsupported_response_type"},
		{name: "state empty on error", q: p("response_type", "token", "state", ""), redirect: "unsupported_response_type"},
		{name: "state absent on error", q: p("response_type", "token", "state", del), redirect: "unsupported_response_type"},
		{name: "state with every byte class on error", q: p("response_type", "token", "state", "+ %20&=?#\"<>'\\\t€\U0001F600"), redirect: "unsupported_response_type"},
		{name: "state long", q: p("response_type", "token", "state", strings.Repeat("s", 2000)), redirect: "unsupported_response_type"},
	}
	for _, name := range []string{"AppleOAuth", "BitbucketOAuth", "GoogleOAuth", "IntuitOAuth", "LinkedInOAuth", "MicrosoftOAuth",
		"SalesforceOAuth", "SlackOAuth", "VercelMarketplaceOAuth", "VercelOAuth", "XeroOAuth"} {
		// The OpenAPI enum: accepted names, a clear error when not configured.
		cases = append(cases, authzCase{name: "provider " + name + " without connection", q: p("provider", name),
			redirect: "connection_invalid", descHas: name})
	}
	h.run(t, cases)
}

// upstreamHas checks one parameter of the upstream authorization URL.
func upstreamHas(name, want string) func(*testing.T, routed) {
	return func(t *testing.T, r routed) {
		t.Helper()
		if got := r.upstream[name]; len(got) != 1 || got[0] != want {
			t.Errorf("upstream %s = %q, want %q", name, got, want)
		}
	}
}

// TestAuthorizeSelectors: exactly one of connection_id, organization_id,
// provider, except provider=authkit with organization_id.
func TestAuthorizeSelectors(t *testing.T) {
	h := newHarness(t)
	p := h.params
	conn, org := h.connSSO.ID, h.orgSSO.ID
	h.run(t, []authzCase{
		{name: "none", q: p("provider", del), redirect: "invalid_request", descHas: "connection_id, organization_id or provider"},
		{name: "all empty", q: p("provider", "", "connection_id", "", "organization_id", ""), redirect: "invalid_request", descHas: "connection_id, organization_id or provider"},
		{name: "connection and organization", q: p("provider", del, "connection_id", conn, "organization_id", org), redirect: "invalid_request", descHas: "connection_id and organization_id"},
		{name: "connection and provider", q: p("provider", "GoogleOAuth", "connection_id", conn), redirect: "invalid_request", descHas: "connection_id and provider"},
		{name: "three", q: p("provider", "GoogleOAuth", "connection_id", conn, "organization_id", org), redirect: "invalid_request", descHas: "connection_id and organization_id and provider"},
		{name: "three with authkit", q: p("connection_id", conn, "organization_id", org), redirect: "invalid_request", descHas: "connection_id and organization_id and provider"},
		{name: "authkit and connection", q: p("connection_id", conn), redirect: "invalid_request", descHas: "connection_id and provider"},
		{name: "provider and organization", q: p("provider", "GoogleOAuth", "organization_id", org), redirect: "invalid_request", descHas: "organization_id and provider"},
		{name: "authkit and organization with SSO", q: p("organization_id", org), hosted: "sign-in"},
		{name: "authkit and organization without SSO", q: p("organization_id", h.orgNone.ID), hosted: "sign-in"},
		{name: "authkit and organization with an inactive connection", q: p("organization_id", h.orgInactive.ID, "screen_hint", "sign-up"), hosted: "sign-up"},
		{name: "authkit and unknown organization", q: p("organization_id", id.New(id.Organization)), redirect: "organization_invalid"},
		{name: "connection alone", q: p("provider", del, "connection_id", conn), upstream: &h.connSSO},
		{name: "organization alone", q: p("provider", del, "organization_id", org), upstream: &h.connSSO},
		{name: "provider alone", q: p(), hosted: "sign-in"},
	})
}

// TestAuthorizeValidationOrder: the client and redirect URI first (page),
// then the spec's order (redirect).
func TestAuthorizeValidationOrder(t *testing.T) {
	h := newHarness(t)
	p := h.params
	conn, org := h.connSSO.ID, h.orgSSO.ID
	h.run(t, []authzCase{
		{name: "unknown client before bad response_type", q: p("client_id", id.New(id.Application), "response_type", "token"), page: "invalid_client"},
		{name: "missing client before missing redirect_uri", q: p("client_id", del, "redirect_uri", del, "response_type", "token"), page: "invalid_request", descHas: "client_id"},
		{name: "unknown client before unregistered redirect_uri", q: p("client_id", id.New(id.Application), "redirect_uri", "https://evil.example.com/"), page: "invalid_client"},
		{name: "unregistered redirect_uri before bad response_type", q: p("redirect_uri", "https://evil.example.com/", "response_type", "token", "provider", del), page: "invalid_redirect_uri"},
		{name: "redirect_uri fragment before bad PKCE", q: p("redirect_uri", redirectExact+"#x", "code_challenge", "short"), page: "invalid_redirect_uri"},
		{name: "response_type before selectors", q: p("response_type", "token", "connection_id", conn, "organization_id", org), redirect: "unsupported_response_type"},
		{name: "response_type before PKCE", q: p("response_type", "token", "code_challenge", "short"), redirect: "unsupported_response_type"},
		{name: "response_type before unknown connection", q: p("response_type", "token", "provider", del, "connection_id", id.New(id.Connection)), redirect: "unsupported_response_type"},
		{name: "PKCE before selectors", q: p("code_challenge", "short", "code_challenge_method", "S256", "provider", del), redirect: "invalid_request", descHas: "code_challenge"},
		{name: "selectors before screen_hint", q: p("connection_id", conn, "screen_hint", "bogus"), redirect: "invalid_request", descHas: "connection_id and provider"},
		{name: "selectors before unknown connection", q: p("provider", "Okta", "connection_id", id.New(id.Connection)), redirect: "invalid_request", descHas: "connection_id and provider"},
		{name: "screen_hint before unknown connection", q: p("provider", del, "connection_id", id.New(id.Connection), "screen_hint", "bogus"), redirect: "invalid_request", descHas: "screen_hint"},
		{name: "prompt before unknown organization", q: p("provider", del, "organization_id", id.New(id.Organization), "prompt", "bogus"), redirect: "invalid_request", descHas: "prompt"},
		{name: "max_age before inactive connection", q: p("provider", del, "connection_id", h.connInactive.ID, "max_age", "abc"), redirect: "invalid_request", descHas: "max_age"},
		{name: "response_type before repeated parameter", q: p("response_type", "token"), extra: "login_hint=a&login_hint=b", redirect: "unsupported_response_type"},
		{name: "response_type before bad UTF-8", q: p("response_type", "token"), extra: "login_hint=%c3%28", redirect: "unsupported_response_type"},
		{name: "unknown client before repeated redirect_uri", q: p("client_id", id.New(id.Application)), extra: "redirect_uri=" + url.QueryEscape(redirectExact), page: "invalid_client"},
	})
}

// TestAuthorizeLimits: values that are valid but large.
func TestAuthorizeLimits(t *testing.T) {
	h := newHarness(t)
	p := h.params
	h.run(t, []authzCase{
		{name: "max_age of a week", q: p("max_age", "604800"), hosted: "sign-in"},
		{name: "max_age past 2^31", q: p("max_age", "4294967296"), redirect: "invalid_request", descHas: "max_age"},
		// Browsers drop cookies over 4 KiB: refuse what would not survive
		// the trip instead of failing at the callback.
		{name: "state too large for the cookie", q: p("state", strings.Repeat("s", 3000)), redirect: "invalid_request", descHas: "too long"},
		{name: "repeated provider_query_params key", q: p("provider", del, "connection_id", h.connSSO.ID),
			extra: "provider_query_params%5Ba%5D=1&provider_query_params%5Ba%5D=2", upstream: &h.connSSO, check: upstreamHas("a", "1")},
		{name: "claim_nonce twice", q: p("claim_nonce", "n1"), extra: "claim_nonce=n2", redirect: "invalid_request", descHas: "claim_nonce is repeated"},
	})
}

// TestAuthorizeRepeatedParameters: every parameter but provider_scopes
// and provider_query_params[…] appears at most once (RFC 6749 §3.1).
func TestAuthorizeRepeatedParameters(t *testing.T) {
	h := newHarness(t)
	params := []struct{ name, first, second string }{
		{"response_type", "code", "token"},
		{"client_id", h.app.ID, h.otherApp.ID},
		{"redirect_uri", redirectQuery, redirectExact},
		{"code_challenge", challenge(43), challenge(44)},
		{"code_challenge_method", "S256", "plain"},
		{"connection_id", h.connSSO.ID, h.connInactive.ID},
		{"organization_id", h.orgSSO.ID, h.orgNone.ID},
		{"provider", "authkit", "GoogleOAuth"},
		{"state", "first", "second"},
		{"login_hint", "a@example.test", "b@example.test"},
		{"domain_hint", "example.test", "example.org"},
		{"screen_hint", "sign-in", "sign-up"},
		{"prompt", "login", "none"},
		{"max_age", "60", "0"},
		{"invitation_token", "inv1", "inv2"},
	}
	var cases []authzCase
	for _, rp := range params {
		// base is a valid request that carries the parameter once.
		base := h.params("provider", del, "connection_id", h.connSSO.ID)
		switch rp.name {
		case "code_challenge", "code_challenge_method":
			base.Set("code_challenge", challenge(43))
			base.Set("code_challenge_method", "S256")
		case "organization_id", "provider":
			base.Del("connection_id")
		}
		base.Set(rp.name, rp.first)
		once := authzCase{name: rp.name + " once", q: base, upstream: &h.connSSO}
		if rp.name == "provider" {
			once.upstream, once.hosted = nil, "sign-in"
		}
		cases = append(cases, once)
		for label, second := range map[string]string{"twice": rp.second, "same value twice": rp.first} {
			c := authzCase{name: rp.name + " " + label, q: base, extra: rp.name + "=" + url.QueryEscape(second),
				redirect: "invalid_request", descHas: rp.name + " is repeated"}
			if rp.name == "client_id" || rp.name == "redirect_uri" {
				c.redirect, c.page = "", "invalid_request"
			}
			cases = append(cases, c)
		}
	}
	conn := h.params("provider", del, "connection_id", h.connSSO.ID)
	cases = append(cases,
		authzCase{name: "provider_scopes repeated", q: conn, extra: "provider_scopes=a&provider_scopes=b", upstream: &h.connSSO},
		authzCase{name: "distinct provider_query_params", q: conn, extra: "provider_query_params%5Ba%5D=1&provider_query_params%5Bb%5D=2", upstream: &h.connSSO},
	)
	slices.SortStableFunc(cases, func(a, b authzCase) int { return strings.Compare(a.name, b.name) })
	h.run(t, cases)
}

// TestAuthorizeEncoding: bad UTF-8 and bad percent-encoding are
// invalid_request, by redirect once the client and URI are known good.
func TestAuthorizeEncoding(t *testing.T) {
	h := newHarness(t)
	q := h.params("state", del).Encode()
	conn := h.params("state", del, "provider", del, "connection_id", h.connSSO.ID).Encode()
	h.run(t, []authzCase{
		{name: "state bad UTF-8", raw: q + "&state=%ff", redirect: "invalid_request", descHas: "state is not valid UTF-8"},
		{name: "login_hint bad UTF-8", raw: q + "&state=s&login_hint=%c3%28", redirect: "invalid_request", descHas: "login_hint is not valid UTF-8"},
		{name: "domain_hint bad UTF-8", raw: q + "&domain_hint=%80", redirect: "invalid_request", descHas: "domain_hint"},
		{name: "provider_scopes bad UTF-8", raw: conn + "&provider_scopes=%fe", redirect: "invalid_request", descHas: "provider_scopes"},
		{name: "provider_query_params value bad UTF-8", raw: conn + "&provider_query_params%5Bx%5D=%c0%af", redirect: "invalid_request", descHas: "UTF-8"},
		{name: "provider_query_params key bad UTF-8", raw: conn + "&provider_query_params%5B%ff%5D=x", redirect: "invalid_request", descHas: "UTF-8"},
		{name: "state malformed percent-encoding", raw: q + "&state=%zz", redirect: "invalid_request", descHas: "malformed"},
		{name: "login_hint truncated percent-encoding", raw: q + "&state=kept&login_hint=a%2", redirect: "invalid_request", descHas: "malformed"},
		{name: "client_id malformed percent-encoding", raw: h.params("client_id", del).Encode() + "&client_id=%zz", page: "invalid_request", descHas: "client_id"},
		{name: "valid UTF-8 everywhere", raw: q + "&state=%C3%A9t%C3%A9&login_hint=j%C3%BCrgen%40example.test", hosted: "sign-in"},
		{name: "plus is a space", raw: q + "&state=a+b", hosted: "sign-in", check: func(t *testing.T, r routed) {
			if r.tx.State != "a b" {
				t.Errorf("state %q, want %q", r.tx.State, "a b")
			}
		}},
	})
}
