package config

import (
	"strings"
	"testing"
)

// TestParseErrors checks that every kind of problem is reported with the
// exact file, line and key.
func TestParseErrors(t *testing.T) {
	tests := []errorCase{
		{
			name: "unknown keys",
			yaml: `
listen: 127.0.0.1:8080
lissen: 127.0.0.1:9090
applications:
  - name: App
    redirect_uri: [http://localhost/cb]
    colour: red
`,
			want: []string{
				"2: lissen: unknown key (did you mean listen?)",
				"5: applications[0].redirect_uri: unknown key (did you mean redirect_uris?)",
				"6: applications[0].colour: unknown key",
			},
		},
		{
			name: "wrong types",
			yaml: `
listen: [a, b]
applications: {name: App}
users:
  - email: alice@acme.test
    email_verified: maybe
  - email: bob@acme.test
    email_verified: yes
    organizations: org_01JABCDEFGHJKMNPQRSTVWXYZ1
connections:
  - type: GoogleOAuth
    oauth: yes-please
  - type:
      name: GenericOIDC
`,
			want: []string{
				"1: listen: expected a string, got a list",
				"2: applications: expected a list, got a mapping",
				"5: users[0].email_verified: expected true or false, got a string",
				"7: users[1].email_verified: expected true or false, got a string",
				"8: users[1].organizations: expected a list, got a string",
				"11: connections[0].oauth: expected a mapping, got a string",
				"12: connections[1].type: expected a string, got a mapping",
			},
		},
		{
			name: "missing required fields",
			yaml: `
applications:
  - client_id: client_01JABCDEFGHJKMNPQRSTVWXYZ0
organizations:
  - id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    domains: [acme.test]
connections:
  - organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
  - type: GenericOIDC
    organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    oidc:
      client_secret: x
users:
  - first_name: Alice
`,
			want: []string{
				"2: applications[0].name: required",
				"4: organizations[0].name: required",
				"7: connections[0].type: required",
				"10: connections[1].oidc.issuer: required",
				"10: connections[1].oidc.client_id: required",
				"13: users[0].email: required",
			},
		},
		{
			name: "dangling references",
			yaml: `
organizations:
  - name: No ID
    domains: [noid.test]
  - id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    name: Acme
connections:
  - type: OktaSAML
    organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ5
    saml: {idp_metadata_url: https://idp.example.com/metadata}
  - type: GenericSAML
    organization_id: acme
    saml: {idp_metadata_url: https://idp.example.com/metadata}
users:
  - email: alice@acme.test
    organizations: [org_01JABCDEFGHJKMNPQRSTVWXYZ1, org_01JABCDEFGHJKMNPQRSTVWXYZ6]
`,
			want: []string{
				"8: connections[0].organization_id: organization org_01JABCDEFGHJKMNPQRSTVWXYZ5 is not declared under organizations (only an organization with an id can be referred to)",
				"11: connections[1].organization_id: not an organization ID: org_ followed by a 26-character upper-case ULID",
				"15: users[0].organizations[1]: organization org_01JABCDEFGHJKMNPQRSTVWXYZ6 is not declared under organizations (only an organization with an id can be referred to)",
			},
		},
		{
			name: "duplicates",
			yaml: `
applications:
  - name: App
    client_id: client_01JABCDEFGHJKMNPQRSTVWXYZ0
    api_keys: [sk_test_0123456789]
  - name: App
    client_id: client_01JABCDEFGHJKMNPQRSTVWXYZ0
    api_keys: [sk_test_0123456789]
organizations:
  - id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    name: Acme
    domains: [acme.test]
  - id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    name: Acme Two
    domains: [other.test, acme.test]
connections:
  - id: conn_01JABCDEFGHJKMNPQRSTVWXYZ2
    type: GoogleOAuth
    oauth: {client_id: a, client_secret: b}
  - id: conn_01JABCDEFGHJKMNPQRSTVWXYZ2
    type: GoogleOAuth
    oauth: {client_id: a, client_secret: b}
users:
  - email: alice@acme.test
  - email: Alice@Acme.test
`,
			want: []string{
				"5: applications[1].name: duplicate application name: already at applications[0].name (line 2)",
				"6: applications[1].client_id: duplicate client_id: already at applications[0].client_id (line 3)",
				"7: applications[1].api_keys[0]: duplicate API key: already at applications[0].api_keys[0] (line 4)",
				"12: organizations[1].id: duplicate organization id: already at organizations[0].id (line 9)",
				"14: organizations[1].domains[1]: duplicate domain: already at organizations[0].domains[0] (line 11)",
				"19: connections[1].id: duplicate connection id: already at connections[0].id (line 16)",
				"20: connections[1].type: duplicate active GoogleOAuth connection: already at connections[0].type (line 17)",
				"24: users[1].email: duplicate email: already at users[0].email (line 23)",
			},
		},
		{
			name: "duplicate and merge keys",
			yaml: `
listen: 127.0.0.1:8080
listen: 127.0.0.1:9090
applications:
  - &app
    name: App
  - <<: *app
`,
			want: []string{
				"2: listen: duplicate key (first written at line 1)",
				"6: applications[1]: merge keys (<<) are not supported",
			},
		},
		{
			name: "redirect URIs, origins and branding",
			yaml: `
applications:
  - name: App
    redirect_uris:
      - https://app.example.com/callback
      - http://app.example.com/callback
      - https://*.com/callback
      - https://app.example.com/callback
    logout_redirect_uris: ["javascript:alert(1)"]
    cors_origins: [https://app.example.com/]
    branding: {logo_url: http://cdn.example.com/logo.png, accent_color: "#12345"}
`,
			want: []string{
				"5: applications[0].redirect_uris[1]: http is allowed only for loopback hosts (127.0.0.1, [::1], localhost); use https",
				"6: applications[0].redirect_uris[2]: *.com is too wide: a wildcard needs at least two labels after it (https://*.example.com/…)",
				"7: applications[0].redirect_uris[3]: duplicate URI: already at applications[0].redirect_uris[0] (line 4)",
				"8: applications[0].logout_redirect_uris[0]: the javascript scheme is not allowed",
				"9: applications[0].cors_origins[0]: an origin is scheme://host[:port], without path (not even /) or query",
				"10: applications[0].branding.logo_url: http is allowed only for loopback hosts; use https",
				"10: applications[0].branding.accent_color: must be a hex colour, #rgb or #rrggbb",
			},
		},
		{
			name: "settings",
			yaml: `
public_url: https://auth.example.com/
listen: localhost
database: mysql://db/latchkey
secret_key: c2hvcnQ=
log_format: xml
`,
			want: []string{
				"1: public_url: drop the trailing /: the public URL is the token issuer and is compared exactly",
				"2: listen: must be host:port, such as 127.0.0.1:8080 or :8080",
				`3: database: unsupported database "mysql": use sqlite:PATH or postgres://…`,
				"4: secret_key: must be base64 of 32 bytes, got 5 bytes (openssl rand -base64 32)",
				"5: log_format: must be text or json",
			},
		},
		{
			name: "malformed IDs, keys, domains and emails",
			yaml: `
applications:
  - name: App
    client_id: client_123
    api_keys: [sk_short, pk_0123456789abc]
organizations:
  - id: org_01jabcdefghjkmnpqrstvwxyz1
    name: Acme
    domains: [Acme.test, co.uk, localhost, "exa mple.com"]
connections:
  - id: conn_01JABCDEFGHJKMNPQRSTVWXYZ
    type: GoogleOAuth
    oauth: {client_id: a, client_secret: b}
users:
  - email: "Alice <alice@acme.test>"
  - email: not-an-email
`,
			want: []string{
				"3: applications[0].client_id: not a client ID: client_ followed by a 26-character upper-case ULID",
				"4: applications[0].api_keys[0]: an API key has at least 12 characters",
				"4: applications[0].api_keys[1]: an API key starts with sk_",
				"6: organizations[0].id: not an organization ID: org_ followed by a 26-character upper-case ULID",
				"8: organizations[0].domains[0]: write the domain in lower case: acme.test",
				"8: organizations[0].domains[1]: co.uk is a public suffix, not an organization's domain",
				`8: organizations[0].domains[2]: "localhost" is not a domain name with a dot`,
				`8: organizations[0].domains[3]: host name "exa mple.com": invalid character ' ' (letters, digits and hyphens only; write international names as xn--…)`,
				"10: connections[0].id: not a connection ID: conn_ followed by a 26-character upper-case ULID",
				"14: users[0].email: not an email address (write it bare: alice@example.com)",
				"15: users[1].email: not an email address (write it bare: alice@example.com)",
			},
		},
		{
			name: "environment",
			yaml: `
connections:
  - type: GoogleOAuth
    oauth:
      client_id: ${GOOGLE_ID}
      client_secret: ${GOOGLE_SECRET}${OTHER}
users:
  - email: alice@acme.test
    email_verified: ${VERIFIED}
    password: "${"
  - email: bob@acme.test
    email_verified: ${MAYBE}
`,
			env: map[string]string{"MAYBE": "maybe"},
			want: []string{
				"4: connections[0].oauth.client_id: environment variable GOOGLE_ID is not set",
				"5: connections[0].oauth.client_secret: environment variables GOOGLE_SECRET, OTHER are not set",
				"8: users[0].email_verified: environment variable VERIFIED is not set",
				"9: users[0].password: unterminated ${ (write $$ for a literal $)",
				`11: users[1].email_verified: expected true or false, got "maybe"`,
			},
		},
		{
			name: "two documents",
			yaml: `
listen: 127.0.0.1:8080
---
listen: 127.0.0.1:9090
`,
			want: []string{"2: a second YAML document: the file must hold exactly one"},
		},
		{
			name: "not a mapping",
			yaml: `
- listen: 127.0.0.1:8080
`,
			want: []string{"1: expected a mapping, got a list"},
		},
		{
			name: "non-string key",
			yaml: `
applications:
  - name: App
    [redirect_uris]: []
`,
			want: []string{"3: applications[0]: a key must be a string, got a list"},
		},
		{
			name: "alias cycle",
			yaml: `
applications:
  - &a
    name: App
    redirect_uris: *a
`,
			want: []string{"4: applications[0].redirect_uris: expected a list, got a mapping"},
		},
	}
	runErrorCases(t, tests)
}

// errorCase is a file and the exact problems Parse must report for it.
type errorCase struct {
	name string
	yaml string
	env  map[string]string
	want []string // the error's lines, without the "x.yaml:" prefix
}

func runErrorCases(t *testing.T, tests []errorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", doc(tt.yaml), env(tt.env))
			if err == nil {
				t.Fatalf("Parse = nil, want errors")
			}
			var want []string
			for _, w := range tt.want {
				want = append(want, "x.yaml:"+w)
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}
