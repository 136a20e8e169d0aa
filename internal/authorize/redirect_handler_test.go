package authorize_test

import (
	"testing"
)

// TestAuthorizeRedirectURIAttacks sends lookalikes of the registered
// redirect URIs through the handler: each must get the error page, never a
// redirect, even though the rest of the request is broken too (a redirect
// would carry the error to the attacker).
func TestAuthorizeRedirectURIAttacks(t *testing.T) {
	h := newHarness(t)
	attacks := []struct{ name, uri string }{
		// Prefix and suffix extensions.
		{"path suffix", "https://app.example.com/cbx"},
		{"path segment added", "https://app.example.com/cb/evil"},
		{"trailing slash", "https://app.example.com/cb/"},
		{"path prefix", "https://app.example.com/c"},
		{"host suffix", "https://app.example.com.evil.com/cb"},
		{"host prefix", "https://evilapp.example.com/cb"},
		{"subdomain", "https://evil.app.example.com/cb"},
		{"parent domain", "https://example.com/cb"},
		{"query added", "https://app.example.com/cb?tenant=a&next=https://evil.com"},
		{"query changed", "https://app.example.com/cb?tenant=b"},
		{"query value extended", "https://app.example.com/cb?tenant=ab"},
		{"empty query", "https://app.example.com/cb?"},
		{"explicit port", "https://app.example.com:443/cb"},
		{"other port", "https://app.example.com:8443/cb"},
		{"trailing dot host", "https://app.example.com./cb"},
		{"path parameter", "https://app.example.com/cb;evil"},
		// Dot segments.
		{"dot-dot back to cb", "https://app.example.com/cb/../cb"},
		{"dot-dot out of cb", "https://app.example.com/cb/../evil"},
		{"dot-dot before cb", "https://app.example.com/x/../cb"},
		{"dot segment", "https://app.example.com/./cb"},
		{"encoded dot-dot", "https://app.example.com/cb/%2e%2e/evil"},
		// Userinfo.
		{"userinfo good at evil", "https://app.example.com@evil.com/cb"},
		{"userinfo on the good host", "https://good@app.example.com/cb"},
		{"userinfo with password", "https://a:b@app.example.com/cb"},
		{"encoded slash before at", "https://app.example.com%2F@evil.com/cb"},
		{"loopback userinfo", "http://127.0.0.1:5555@evil.com/native"},
		// Case in the path and query.
		{"path upper case", "https://app.example.com/CB"},
		{"query upper case", "https://app.example.com/cb?TENANT=a"},
		// Percent-encoding.
		{"encoded path letter", "https://app.example.com/%63b"},
		{"encoded host dot", "https://app%2eexample.com/cb"},
		{"encoded query", "https://app.example.com/cb?tenant%3Da"},
		{"encoded fragment sign", "https://app.example.com/cb%23x"},
		// Backslashes.
		{"backslash at", `https://app.example.com\@evil.com/cb`},
		{"backslash path", `https://app.example.com/cb\..\evil`},
		{"backslash authority", `https:\\app.example.com/cb`},
		// Fragments.
		{"fragment", "https://app.example.com/cb#x"},
		{"empty fragment", "https://app.example.com/cb#"},
		{"fragment after query", "https://app.example.com/cb?tenant=a#x"},
		// Control characters and whitespace.
		{"CRLF", "https://app.example.com/cb\r\nSet-Cookie: x=y"},
		{"NUL", "https://app.example.com/cb\x00"},
		{"tab", "https://app.example.com/\tcb"},
		{"leading space", " https://app.example.com/cb"},
		{"trailing space", "https://app.example.com/cb "},
		{"DEL", "https://app.example.com/cb\x7f"},
		// Schemes.
		{"http for a non-loopback host", "http://app.example.com/cb"},
		{"https for a registered http loopback", "https://127.0.0.1/native"},
		{"javascript", "javascript:alert(1)//https://app.example.com/cb"},
		{"data", "data:text/html,https://app.example.com/cb"},
		{"scheme-relative", "//app.example.com/cb"},
		{"no scheme", "app.example.com/cb"},
		// Wildcards: one label, https only.
		{"wildcard crossing a dot", "https://a.b.example.org/cb"},
		{"wildcard over http", "http://a.example.org/cb"},
		{"wildcard empty label", "https://.example.org/cb"},
		{"wildcard bare domain", "https://example.org/cb"},
		{"wildcard literal star", "https://*.example.org/cb"},
		{"wildcard label with underscore", "https://a_b.example.org/cb"},
		{"wildcard label with leading hyphen", "https://-a.example.org/cb"},
		{"wildcard lookalike domain", "https://a.example.org.evil.com/cb"},
		{"wildcard with port", "https://a.example.org:8443/cb"},
		{"wildcard path suffix", "https://a.example.org/cb2"},
		{"wildcard non-ASCII label", "https://é.example.org/cb"},
		// Loopback and localhost.
		{"other loopback address", "http://127.0.0.2/native"},
		{"short loopback form", "http://127.1/native"},
		{"hex loopback", "http://0x7f.0.0.1/native"},
		{"decimal loopback", "http://2130706433/native"},
		{"localhost for a registered IP", "http://localhost/native"},
		{"loopback port not a number", "http://127.0.0.1:abc/native"},
		{"loopback path suffix", "http://127.0.0.1:5555/native/x"},
		{"localhost other port", "http://localhost:3001/callback"},
		{"localhost no port", "http://localhost/callback"},
		{"localhost IP literal", "http://127.0.0.1:3000/callback"},
		{"IPv6 loopback not registered", "http://[::1]:3000/callback"},
		{"localhost any port, other path", "http://localhost:4567/any/x"},
		{"localhost any port, port not a number", "http://localhost:x/any"},
		{"localhost any port over https", "https://localhost:4567/any"},
		// Custom schemes.
		{"custom scheme other host", "myapp://evil"},
		{"custom scheme path added", "myapp://cb/evil"},
		{"custom scheme userinfo", "myapp://x@cb"},
		{"other custom scheme", "otherapp://cb"},
		// Lookalike characters.
		{"Cyrillic a", "https://\u0430pp.example.com/cb"},
		{"fullwidth dot", "https://app\uff0eexample.com/cb"},
	}
	var cases []authzCase
	for _, a := range attacks {
		// Also broken: response_type and selectors. The URI must be judged first.
		q := h.params("redirect_uri", a.uri, "response_type", "token", "connection_id", h.connSSO.ID)
		cases = append(cases, authzCase{name: a.name, q: q, page: "invalid_redirect_uri"})
	}
	h.run(t, cases)
}

// TestAuthorizeRedirectURIVariations: what matching allows; the error
// redirect goes to the URI exactly as the request gave it.
func TestAuthorizeRedirectURIVariations(t *testing.T) {
	h := newHarness(t)
	accepted := []struct{ name, uri string }{
		{"exact", redirectExact},
		{"own query", redirectQuery},
		{"host upper case", "https://APP.Example.COM/cb"},
		{"scheme upper case", "HTTPS://app.example.com/cb"},
		{"loopback without port", redirectLoopback},
		{"loopback any port", "http://127.0.0.1:51234/native"},
		{"loopback port 1", "http://127.0.0.1:1/native"},
		{"localhost registered port", redirectLocal},
		{"localhost host case", "http://LOCALHOST:3000/callback"},
		{"localhost registered with any port", "http://localhost:4567/any"},
		{"custom scheme", redirectNative},
		{"custom scheme upper case", "MyApp://cb"},
		{"wildcard one label", "https://tenant1.example.org/cb"},
		{"wildcard label with hyphen", "https://my-tenant.example.org/cb"},
		{"wildcard label upper case", "https://TENANT.example.org/cb"},
		{"wildcard punycode label", "https://xn--caf-dma.example.org/cb"},
	}
	var cases []authzCase
	for _, a := range accepted {
		cases = append(cases,
			authzCase{name: a.name + " error", q: h.params("redirect_uri", a.uri, "response_type", "token"), redirect: "unsupported_response_type"},
			authzCase{name: a.name + " success", q: h.params("redirect_uri", a.uri), hosted: "sign-in"},
		)
	}
	h.run(t, cases)
}
