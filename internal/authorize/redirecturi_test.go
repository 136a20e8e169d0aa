package authorize

import (
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/config"
)

var registeredForTest = []string{
	"https://app.example.com/cb",
	"https://app.example.com/cb?tenant=a",
	"https://*.example.org/auth/callback",
	"http://127.0.0.1/native",
	"http://[::1]/native6",
	"http://localhost:3000/callback",
	"http://localhost:*/any",
	"myapp://cb",
	"com.example.app:/oauth2redirect",
}

func TestMatchRedirectURI(t *testing.T) {
	for _, r := range registeredForTest {
		if err := config.ValidateRedirectURI(r); err != nil {
			t.Fatalf("test fixture %q is not registrable: %v", r, err)
		}
	}
	patterns := compileRedirectURIs(registeredForTest)
	tests := []struct {
		uri  string
		want bool
	}{
		// Exact matches and the allowed variations.
		{"https://app.example.com/cb", true},
		{"https://APP.Example.COM/cb", true},
		{"HTTPS://app.example.com/cb", true},
		{"https://app.example.com/cb?tenant=a", true},
		{"https://tenant1.example.org/auth/callback", true},
		{"https://TENANT-2.example.org/auth/callback", true},
		{"http://127.0.0.1:51234/native", true},
		{"http://127.0.0.1/native", true},
		{"http://[::1]:8080/native6", true},
		{"http://localhost:3000/callback", true},
		{"http://localhost:4567/any", true},
		{"myapp://cb", true},
		{"com.example.app:/oauth2redirect", true},

		// Prefix and suffix extensions.
		{"https://app.example.com/cb/", false},
		{"https://app.example.com/cbx", false},
		{"https://app.example.com/c", false},
		{"https://app.example.com/cb?", false},
		{"https://app.example.com/cb?tenant=b", false},
		{"https://app.example.com/cb?tenant=a&x=1", false},
		{"https://app.example.com.evil.com/cb", false},
		{"https://evilapp.example.com/cb", false},
		// Path tricks: no normalisation.
		{"https://app.example.com/cb/../evil", false},
		{"https://app.example.com/evil/../cb", false},
		{"https://app.example.com/./cb", false},
		{"https://app.example.com//cb", false},
		// Case and percent-encoding.
		{"https://app.example.com/CB", false},
		{"https://app.example.com/c%62", false},
		{"https://app.example.com/cb%2F..%2Fevil", false},
		{"https://app%2eexample.com/cb", false},
		// Userinfo, backslashes, fragments, control characters.
		{"https://app.example.com@evil.com/cb", false},
		{"https://evil.com@app.example.com/cb", false},
		{"https://app.example.com\\@evil.com/cb", false},
		{"https://app.example.com/cb\\", false},
		{"https://app.example.com/cb#frag", false},
		{"https://app.example.com/cb#", false},
		{"https://app.example.com/cb\t", false},
		{"https://app.example.com/cb\n", false},
		{"https://app.example.com/c b", false},
		{"https://app.example.com/cb\x00", false},
		// Scheme and port.
		{"http://app.example.com/cb", false},
		{"https://app.example.com:443/cb", false},
		{"https://app.example.com:8443/cb", false},
		{"http://localhost:3001/callback", false},
		{"http://localhost/callback", false},
		{"http://127.0.0.1:80x/native", false},
		{"http://127.0.0.2/native", false},
		{"https://127.0.0.1/native", false},
		{"http://localhost:3000.evil.com/callback", false},
		// Wildcard crossing a dot, empty label, only over https.
		{"https://a.b.example.org/auth/callback", false},
		{"https://.example.org/auth/callback", false},
		{"https://example.org/auth/callback", false},
		{"https://a_b.example.org/auth/callback", false},
		{"https://-a.example.org/auth/callback", false},
		{"http://tenant1.example.org/auth/callback", false},
		{"https://tenant1.example.org.evil.com/auth/callback", false},
		{"https://tenant1.evilexample.org/auth/callback", false},
		// Custom schemes exact only.
		{"myapp://cb/extra", false},
		{"myapp://evil", false},
		{"otherapp://cb", false},
		{"javascript:alert(1)", false},
		{"", false},
		{"cb", false},
		{"//app.example.com/cb", false},
	}
	for _, tt := range tests {
		t.Run(strings.NewReplacer("/", "_", "\n", "NL", "\t", "TAB", "\x00", "NUL").Replace(tt.uri), func(t *testing.T) {
			if got := matchRedirectURI(patterns, tt.uri); got != tt.want {
				t.Fatalf("matchRedirectURI(%q) = %v, want %v", tt.uri, got, tt.want)
			}
		})
	}
}

func TestCheckRequestedURIReasons(t *testing.T) {
	for uri, want := range map[string]string{
		"":                           "missing",
		"https://a.test/cb#x":        "fragment",
		"https://a.test\\@b.test/cb": "backslash",
		"https://a.test/c\x01b":      "control",
		"https://a.test@b.test/cb":   "userinfo",
		"not a uri":                  "spaces",
		"noscheme":                   "absolute",
		"https://app.example.com/cb": "",
	} {
		got := checkRequestedURI(uri)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("checkRequestedURI(%q) = %q, want mention of %q", uri, got, want)
		}
	}
}

// FuzzMatchRedirectURI checks the matcher never panics and never accepts a
// URI that the browser would send somewhere other than a registered host.
func FuzzMatchRedirectURI(f *testing.F) {
	for _, s := range []string{"https://app.example.com/cb", "https://x.example.org/auth/callback",
		"http://127.0.0.1:1/native", "https://a@b/cb", "http://[::1/x", "myapp://cb"} {
		f.Add(s)
	}
	patterns := compileRedirectURIs(registeredForTest)
	f.Fuzz(func(t *testing.T, uri string) {
		if !matchRedirectURI(patterns, uri) {
			return
		}
		q, err := splitURI(uri)
		if err != nil {
			t.Fatalf("matched %q which does not split", uri)
		}
		if strings.ContainsAny(uri, "#\\@ \t\r\n") {
			t.Fatalf("matched %q which holds a forbidden character", uri)
		}
		ok := false
		for _, p := range patterns {
			if p.host == q.host || (p.wildcard && strings.HasSuffix(q.host, "."+p.host)) {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("matched %q whose host %q is no registered host", uri, q.host)
		}
	})
}
