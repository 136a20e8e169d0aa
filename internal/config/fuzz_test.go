package config

import (
	"errors"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that it returns
// either a File or an Errors whose every entry has a position.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example))
	for _, seed := range []string{
		"",
		"listen: [a\n",
		"a: 1\n---\nb: 2\n",
		"applications:\n  - &a\n    name: App\n  - <<: *a\n",
		"applications:\n  - name: ${NAME}\n    redirect_uris: [https://*.example.com/cb, http://localhost:*/cb]\n",
		"connections:\n  - type: AppleOAuth\n    oauth: {client_id: a, private_key: \"-----BEGIN PRIVATE KEY-----\\n\"}\n",
		"connections:\n  - type: GenericSAML\n    organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ1\n    saml: {idp_metadata: \"<EntityDescriptor>\"}\n",
		"users:\n  - email: a@b.c\n    email_verified: ${V}\n    organizations: [org_01JABCDEFGHJKMNPQRSTVWXYZ1]\n",
		"? [a]\n: b\n",
		"!!binary aGVsbG8=\n",
	} {
		f.Add(seed)
	}
	lookupEnv := env(map[string]string{"NAME": "App", "V": "true", "ACME_OIDC_SECRET": "s"})
	f.Fuzz(func(t *testing.T, data string) {
		file, err := Parse("fuzz.yaml", []byte(data), lookupEnv)
		if err == nil {
			if file == nil {
				t.Fatal("Parse returned neither a File nor an error")
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("Parse error %v is not a non-empty Errors", err)
		}
		for _, e := range errs {
			if e.Line < 1 || e.File != "fuzz.yaml" {
				t.Fatalf("error without a position: %+v", e)
			}
		}
	})
}

// FuzzValidateRedirectURI checks that ValidateRedirectURI never panics and
// that whatever it accepts keeps the properties matching relies on.
func FuzzValidateRedirectURI(f *testing.F) {
	for _, seed := range []string{
		"https://app.example.com/cb", "http://localhost:*/cb", "https://*.example.com/cb",
		"http://[::1]:3000/cb", "myapp://cb", "com.example.app:/cb", "https://good.com@evil.com/cb",
		`https://good.com\@evil.com`, "javascript:alert(1)", "https://*.co.uk/cb", "http://127.0.0.1:*/cb",
		"https://a.com/cb/%2e%2e/x", "https://[fe80::1%25en0]/cb",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if ValidateRedirectURI(raw) != nil {
			return
		}
		if strings.ContainsAny(raw, "#\\") || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			t.Fatalf("accepted %q, which has a fragment, backslash or control character", raw)
		}
		cut, _ := cutPortWildcard(raw)
		u, err := url.Parse(cut)
		switch {
		case err != nil:
			t.Fatalf("accepted %q, which url.Parse refuses: %v", raw, err)
		case u.Scheme == "" || blockedScheme(u.Scheme) || u.User != nil || u.Opaque != "":
			t.Fatalf("accepted %q: scheme %q, userinfo %v, opaque %q", raw, u.Scheme, u.User, u.Opaque)
		case u.Scheme == "http" && !strings.EqualFold(u.Hostname(), "localhost"):
			if addr, err := netip.ParseAddr(u.Hostname()); err != nil || !loopbackIP(addr) {
				t.Fatalf("accepted http to a non-loopback host: %q", raw)
			}
		}
	})
}
