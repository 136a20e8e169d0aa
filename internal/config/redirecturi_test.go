package config

import (
	"strings"
	"testing"
)

func TestValidateRedirectURI(t *testing.T) {
	tests := []struct {
		name string
		uri  string
		want string // a substring of the error; empty when the URI is accepted
	}{
		// Accepted.
		{"https", "https://app.example.com/callback", ""},
		{"https with port and query", "https://app.example.com:8443/cb?x=1", ""},
		{"loopback IPv4", "http://127.0.0.1/cb", ""},
		{"loopback IPv4 with port", "http://127.0.0.1:3000/cb", ""},
		{"loopback in 127/8", "http://127.10.0.1/cb", ""},
		{"loopback IPv6", "http://[::1]:3000/cb", ""},
		{"localhost", "http://localhost:3000/callback", ""},
		{"localhost upper case", "http://LOCALHOST:3000/callback", ""},
		{"localhost any port", "http://localhost:*/cb", ""},
		{"wildcard", "https://*.example.com/auth/callback", ""},
		{"wildcard under unlisted tld", "https://*.acme.test/cb", ""},
		{"custom scheme", "myapp://cb", ""},
		{"reverse domain scheme", "com.example.app:/oauth2redirect", ""},
		{"https IP", "https://192.0.2.10/cb", ""},
		{"percent-encoded path", "https://app.example.com/a%20b", ""},

		// Refused.
		{"empty", "", "empty URI"},
		{"relative", "/callback", "absolute"},
		{"no scheme", "app.example.com/cb", "absolute"},
		{"userinfo", "https://good.com@evil.com/cb", "userinfo"},
		{"userinfo with password", "https://a:b@evil.com/cb", "userinfo"},
		{"backslash", `https://good.com\@evil.com/cb`, "backslash"},
		{"backslash in path", `https://good.com/cb\..\x`, "backslash"},
		{"fragment", "https://app.example.com/cb#x", "fragment"},
		{"empty fragment", "https://app.example.com/cb#", "fragment"},
		{"http non-loopback", "http://example.com/cb", "http is allowed only for loopback hosts"},
		{"http localhost lookalike", "http://localhost.evil.com/cb", "http is allowed only for loopback hosts"},
		{"http loopback lookalike", "http://127.0.0.1.nip.io/cb", "http is allowed only for loopback hosts"},
		{"http private IP", "http://10.0.0.1/cb", "http is allowed only for loopback hosts"},
		{"http IPv4-mapped loopback", "http://[::ffff:127.0.0.1]/cb", "IPv4-mapped"},
		{"octal IP", "https://0177.0.0.1/cb", "neither a host name nor"},
		{"decimal IP", "https://2130706433/cb", "neither a host name nor"},
		{"bracketed IPv4", "http://[127.0.0.1]/cb", "not a valid URI"},
		{"wildcard public suffix", "https://*.com/cb", "too wide"},
		{"wildcard multi-label public suffix", "https://*.co.uk/cb", "public suffix"},
		{"wildcard private public suffix", "https://*.github.io/cb", "public suffix"},
		{"wildcard not left-most", "https://a.*.example.com/cb", "whole left-most label"},
		{"wildcard partial label", "https://*example.com/cb", "whole left-most label"},
		{"wildcard partial label suffix", "https://app-*.example.com/cb", "whole left-most label"},
		{"two wildcards", "https://*.*.example.com/cb", "whole left-most label"},
		{"wildcard whole host", "https://*/cb", "whole left-most label"},
		{"wildcard over http", "http://*.example.com/cb", "only over https"},
		{"wildcard with any port", "https://*.example.com:*/cb", "wildcard port"},
		{"wildcard in path", "https://app.example.com/*", "a * is allowed only"},
		{"wildcard in query", "https://app.example.com/cb?x=*", "a * is allowed only"},
		{"port wildcard not localhost", "https://app.example.com:*/cb", "only for localhost"},
		{"port wildcard loopback IP", "http://127.0.0.1:*/cb", "matches any port already"},
		{"wildcard custom scheme", "myapp://*.cb/x", "only in http(s)"},
		{"tab", "https://app.example.com/c\tb", "control"},
		{"newline", "https://app.example.com/cb\r\nX: y", "control"},
		{"NUL", "https://app.example.com/\x00cb", "control"},
		{"DEL", "https://app.example.com/\x7fcb", "control"},
		{"space", "https://app.example.com/c b", "spaces"},
		{"non-ASCII", "https://app.exämple.com/cb", "non-ASCII"},
		{"javascript", "javascript:alert(1)", "javascript scheme"},
		{"javascript upper case", "JavaScript:alert(1)", "javascript scheme"},
		{"javascript slashes", "javascript://%0aalert(1)", "javascript scheme"},
		{"data", "data:text/html,<script>alert(1)</script>", "data scheme"},
		{"file", "file:///etc/passwd", "file scheme"},
		{"vbscript", "vbscript:msgbox(1)", "vbscript scheme"},
		{"blob", "blob:https://app.example.com/uuid", "blob scheme"},
		{"opaque https", "https:evil.com", "must be https://"},
		{"opaque custom", "myapp:cb", "must be myapp://"},
		{"no host", "https:///evil.com", "must have a host"},
		{"percent-encoded host", "https://evil.com%2f@good.com/cb", "userinfo"},
		{"percent-encoded dot", "https://good%2ecom/cb", "not a valid URI"},
		{"percent-encoded UTF-8", "https://goo%C3%A9.com/cb", "percent-encode"},
		{"dot-dot segment", "https://app.example.com/cb/../evil", `".."`},
		{"encoded dot-dot segment", "https://app.example.com/cb/%2e%2E/evil", `".."`},
		{"dot segment", "https://app.example.com/./cb", `"."`},
		{"trailing dot host", "https://app.example.com./cb", "end with a dot"},
		{"empty port", "https://app.example.com:/cb", "empty port"},
		{"zero port", "https://app.example.com:0/cb", "invalid port"},
		{"port out of range", "https://app.example.com:65536/cb", "invalid port"},
		{"padded port", "http://localhost:03000/cb", "invalid port"},
		{"underscore host", "https://app_1.example.com/cb", "invalid character"},
		{"hyphen label", "https://-app.example.com/cb", "hyphen"},
		{"IPv6 zone", "http://[fe80::1%25eth0]/cb", "percent-encode"},
		{"too long", "https://app.example.com/" + strings.Repeat("a", 2000), "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateRedirectURI(tt.uri)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("ValidateRedirectURI(%q) = %v, want nil", tt.uri, err)
			case tt.want != "" && err == nil:
				t.Errorf("ValidateRedirectURI(%q) = nil, want an error containing %q", tt.uri, tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("ValidateRedirectURI(%q) = %v, want an error containing %q", tt.uri, err, tt.want)
			}
		})
	}
}

func TestValidateCORSOrigin(t *testing.T) {
	tests := []struct {
		name   string
		origin string
		want   string // a substring of the error; empty when accepted
	}{
		{"https", "https://app.example.com", ""},
		{"https with port", "https://app.example.com:8443", ""},
		{"localhost", "http://localhost:3000", ""},
		{"loopback IPv6", "http://[::1]:3000", ""},
		{"native webview scheme", "capacitor://localhost", ""},

		{"trailing slash", "https://app.example.com/", "without path"},
		{"path", "https://app.example.com/app", "without path"},
		{"query", "https://app.example.com?x", "without path"},
		{"fragment", "https://app.example.com#x", "fragment"},
		{"http non-loopback", "http://app.example.com", "http is allowed only for loopback hosts"},
		{"wildcard", "https://*.example.com", "wildcards"},
		{"default https port", "https://app.example.com:443", "default port"},
		{"default http port", "http://localhost:80", "default port"},
		{"userinfo", "https://a@app.example.com", "userinfo"},
		{"null", "null", "absolute"},
		{"javascript", "javascript:alert(1)", "javascript scheme"},
		{"no host", "myapp://", "needs a host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCORSOrigin(tt.origin)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("ValidateCORSOrigin(%q) = %v, want nil", tt.origin, err)
			case tt.want != "" && err == nil:
				t.Errorf("ValidateCORSOrigin(%q) = nil, want an error containing %q", tt.origin, tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("ValidateCORSOrigin(%q) = %v, want an error containing %q", tt.origin, err, tt.want)
			}
		})
	}
}
