package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// env returns a lookupEnv that knows only vars.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// doc drops the leading newline of a raw string, so that line 1 of the
// YAML is the line after the opening backquote.
func doc(s string) []byte { return []byte(strings.TrimPrefix(s, "\n")) }

func TestLoadExample(t *testing.T) {
	f, err := Load("testdata/example.yaml", env(map[string]string{"ACME_OIDC_SECRET": "s3cret"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	const org = "org_01JABCDEFGHJKMNPQRSTVWXYZ1"
	want := &File{
		PublicURL: "http://localhost:8080",
		Listen:    "127.0.0.1:8080",
		Database:  "sqlite:latchkey.db",
		Applications: []Application{{
			Name:               "Example App",
			ClientID:           "client_01JABCDEFGHJKMNPQRSTVWXYZ0",
			APIKeys:            []string{"sk_test_example_key"},
			RedirectURIs:       []string{"http://localhost:3000/callback", "https://*.example.com/auth/callback"},
			LogoutRedirectURIs: []string{"http://localhost:3000/"},
			CORSOrigins:        []string{"http://localhost:3000"},
		}},
		Organizations: []Organization{{ID: org, Name: "Acme", Domains: []string{"acme.test"}}},
		Connections: []Connection{
			{
				ID: "conn_01JABCDEFGHJKMNPQRSTVWXYZ2", Type: "GenericOIDC", OrganizationID: org,
				Name: "Acme IdP", State: StateActive,
				OIDC: &OIDC{
					Issuer: "http://127.0.0.1:9000", ClientID: "latchkey", ClientSecret: "s3cret",
					Scopes: []string{"openid", "profile", "email"},
				},
			},
			{
				ID: "conn_01JABCDEFGHJKMNPQRSTVWXYZ3", Type: "GoogleOAuth", State: StateActive,
				OAuth: &OAuth{ClientID: "...", ClientSecret: "...", Scopes: []string{"openid", "email", "profile"}},
			},
			{
				ID: "conn_01JABCDEFGHJKMNPQRSTVWXYZ4", Type: "GenericSAML", OrganizationID: org, State: StateActive,
				SAML: &SAML{IDPMetadataURL: "http://127.0.0.1:9000/saml/metadata"},
			},
		},
		Users: []User{{
			Email: "alice@acme.test", Password: "correct-horse-battery-staple", EmailVerified: true,
			FirstName: "Alice", LastName: "Liddell", Organizations: []string{org},
		}},
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("Load(example) =\n%#v\nwant\n%#v", f, want)
	}
}

func TestLoadExampleWithoutSecret(t *testing.T) {
	_, err := Load("testdata/example.yaml", env(nil))
	want := "testdata/example.yaml:29: connections[0].oidc.client_secret: environment variable ACME_OIDC_SECRET is not set"
	if err == nil || err.Error() != want {
		t.Errorf("Load without ACME_OIDC_SECRET = %v, want %s", err, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml", env(nil))
	var errs Errors
	if err == nil || errors.As(err, &errs) {
		t.Errorf("Load(missing) = %v, want a file error that is not Errors", err)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, tt := range []struct{ name, data string }{
		{"empty", ""},
		{"comment only", "# nothing yet\n"},
		{"document marker", "---\n"},
		{"null", "~\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("x.yaml", []byte(tt.data), nil)
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tt.data, err)
			}
			if !reflect.DeepEqual(f, &File{}) {
				t.Errorf("Parse(%q) = %+v, want an empty File", tt.data, f)
			}
		})
	}
}

func TestParseErrorsAreSortedAndComplete(t *testing.T) {
	_, err := Parse("latchkey.yaml", doc(`
users:
  - email: alice@acme.test
    surname: Liddell
applications:
  - redirect_uris: [http://app.example.com/cb]
listen: nowhere
`), nil)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse = %v, want Errors", err)
	}
	want := []string{
		"latchkey.yaml:3: users[0].surname: unknown key",
		"latchkey.yaml:5: applications[0].name: required",
		"latchkey.yaml:5: applications[0].redirect_uris[0]: http is allowed only for loopback hosts (127.0.0.1, [::1], localhost); use https",
		"latchkey.yaml:6: listen: must be host:port, such as 127.0.0.1:8080 or :8080",
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var one *Error
	if !errors.As(err, &one) || one.File != "latchkey.yaml" || one.Line != 3 || one.Path != "users[0].surname" {
		t.Errorf("errors.As(*Error) = %+v, want the first problem", one)
	}
}

// TestParseAliasBomb checks that aliases cannot make a small file cost a
// large walk, and that the error list stays bounded.
func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("organizations:\n  - name: x\n    domains: &d [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("a.test")
	}
	b.WriteString("]\n  - &o {name: y, domains: *d}\n")
	for range 1000 {
		b.WriteString("  - *o\n")
	}
	_, err := Parse("x.yaml", []byte(b.String()), nil)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse = %v, want Errors", err)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "the document is too large") {
		t.Errorf("Parse = %v, want one error about the size limit", err)
	}
}

func TestParseErrorLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("users:\n")
	for range maxErrors + 5 {
		b.WriteString("  - email: nobody\n")
	}
	_, err := Parse("x.yaml", []byte(b.String()), nil)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse = %v, want Errors", err)
	}
	last := errs[len(errs)-1]
	if len(errs) != maxErrors+1 || last.Msg != "5 more problems not shown" || last.Line != maxErrors+1 {
		t.Errorf("got %d errors ending with %v, want %d and a count of the rest", len(errs), last, maxErrors)
	}
}

// TestParseSyntaxErrors checks that yaml.v3's syntax errors get the line
// of the problem, although yaml.v3 counts lines differently for its
// scanner and its parser.
func TestParseSyntaxErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{
			name: "unclosed flow sequence", // parser error, at the start of the sequence
			yaml: "applications:\n  - name: App\n    redirect_uris: [http://localhost/cb\norganizations: []\n",
			want: "x.yaml:3: did not find expected ',' or ']'",
		},
		{
			name: "bad indentation", // parser error, at the start of the mapping
			yaml: "listen: a\ndatabase: b\napplications:\n  - name: App\n   client_id: c\n",
			want: "x.yaml:4: did not find expected '-' indicator",
		},
		{
			name: "tab", // scanner error
			yaml: "listen: a\napplications:\n\t- name: App\n",
			want: "x.yaml:3: found character that cannot start any token",
		},
		{
			name: "mapping in a plain scalar", // scanner error
			yaml: "listen: a\ndatabase: sqlite: b\n",
			want: "x.yaml:2: mapping values are not allowed in this context",
		},
		{
			name: "end of file",
			yaml: "[a\n",
			want: "x.yaml:2: did not find expected ',' or ']'",
		},
		{
			name: "first line", // yaml.v3 gives no line at all
			yaml: "]\n",
			want: "x.yaml:1: did not find expected node content",
		},
		{
			name: "unknown anchor",
			yaml: "listen: a\ndatabase: *nowhere\n",
			want: "x.yaml:2: unknown anchor 'nowhere' referenced",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.yaml), nil)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Parse = %v, want %s", err, tt.want)
			}
		})
	}
}
