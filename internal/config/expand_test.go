package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := env(map[string]string{"A": "alpha", "EMPTY": "", "REF": "${A}", "_X1": "x"})
	tests := []struct {
		name, in, want, err string
	}{
		{name: "no dollar", in: "plain", want: "plain"},
		{name: "whole value", in: "${A}", want: "alpha"},
		{name: "inside text", in: "pre-${A}-post", want: "pre-alpha-post"},
		{name: "twice", in: "${A}${A}", want: "alphaalpha"},
		{name: "set but empty", in: "x${EMPTY}y", want: "xy"},
		{name: "underscore and digit", in: "${_X1}", want: "x"},
		{name: "escaped dollar", in: "pa$$word", want: "pa$word"},
		{name: "escaped reference", in: "$${A}", want: "${A}"},
		{name: "lone dollar", in: "pa$word", want: "pa$word"},
		{name: "trailing dollar", in: "cost$", want: "cost$"},
		{name: "not expanded twice", in: "${REF}", want: "${A}"},
		{name: "unset", in: "${NOPE}", err: "environment variable NOPE is not set"},
		{name: "unset twice", in: "${NOPE}${NOPE}${ALSO}", err: "environment variables NOPE, ALSO are not set"},
		{name: "unterminated", in: "${A", err: "unterminated ${"},
		{name: "empty name", in: "${}", err: "invalid variable name"},
		{name: "name with dash", in: "${A-B}", err: "invalid variable name"},
		{name: "name starting with digit", in: "${1A}", err: "invalid variable name"},
		{name: "default syntax unsupported", in: "${A:-x}", err: "invalid variable name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := expand(tt.in, vars)
			switch {
			case tt.err == "" && (err != nil || got != tt.want):
				t.Errorf("expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("expand(%q) = %q, %v; want an error containing %q", tt.in, got, err, tt.err)
			}
		})
	}
}

// TestExpandCannotInjectStructure checks that a variable whose value looks
// like YAML stays one string: expansion happens after parsing.
func TestExpandCannotInjectStructure(t *testing.T) {
	injected := "App\n    client_id: client_01JABCDEFGHJKMNPQRSTVWXYZ0\nusers: [{email: evil@evil.test}]"
	f, err := Parse("x.yaml", doc(`
applications:
  - name: ${NAME}
    redirect_uris: ["${URI}"]
`), env(map[string]string{"NAME": injected, "URI": "https://app.example.com/cb"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(f.Applications) != 1 || f.Applications[0].Name != injected || f.Applications[0].ClientID != "" || len(f.Users) != 0 {
		t.Errorf("Parse = %+v, want one application named with the variable's exact text", f)
	}
}

// TestExpandedValuesAreValidated checks that validation sees the expanded
// value, not the ${…} reference.
func TestExpandedValuesAreValidated(t *testing.T) {
	_, err := Parse("x.yaml", doc(`
applications:
  - name: App
    redirect_uris: ["$${URI}", "${URI}"]
`), env(map[string]string{"URI": "http://evil.example.com/cb"}))
	want := "x.yaml:3: applications[0].redirect_uris[0]: must be an absolute URI with a scheme (https://…)\n" +
		"x.yaml:3: applications[0].redirect_uris[1]: http is allowed only for loopback hosts (127.0.0.1, [::1], localhost); use https"
	if err == nil || err.Error() != want {
		t.Errorf("Parse = %v\nwant %s", err, want)
	}
}

// TestParseValid loads a file that uses every block, with secrets from the
// environment, and checks the values that need more than copying.
func TestParseValid(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	applePEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	f, err := Parse("x.yaml", doc(`
secret_key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
log_format: json
applications:
  - name: 2024
    redirect_uris: &uris
      - http://127.0.0.1/cb
      - http://[::1]:8000/cb
      - http://localhost:*/cb
      - com.example.app:/oauth2redirect
    logout_redirect_uris: *uris
    branding: {logo_url: https://cdn.example.com/logo.svg, accent_color: "#0A7"}
organizations:
  - id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    name: Acme
    domains: [acme.test, eu.acme.test, xn--bcher-kva.example]
  - name: Unnamed ID
connections:
  - type: AppleOAuth
    oauth: {client_id: com.example.web, team_id: ABCDE12345, key_id: KEY0123456, private_key: "${APPLE_KEY}"}
  - type: GitLabOAuth
    oauth: {client_id: a, client_secret: b, endpoints: {base_url: https://gitlab.example.com}}
  - type: GitHubOAuth
    oauth: {client_id: a, client_secret: b, return_oauth_tokens: true, endpoints: {emails: http://127.0.0.1:9000/emails}}
  - type: GitHubOAuth
    name: old GitHub app
    state: inactive
    oauth: {client_id: old, client_secret: old}
  - type: MicrosoftOAuth
    oauth: {client_id: a, client_secret: b, tenant: organizations}
  - type: OktaSAML
    organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    saml:
      idp_metadata: |
        <?xml version="1.0"?>
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com"/>
      attribute_mapping: {email: mail, groups: memberOf}
  - type: EntraIdOIDC
    organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    oidc:
      issuer: https://login.microsoftonline.com/tenant/v2.0
      client_id: a
      endpoints: {jwks: https://login.microsoftonline.com/tenant/discovery/v2.0/keys}
users:
  - email: bob@acme.test
    email_verified: ${VERIFIED}
    password: 12345678
`), env(map[string]string{"APPLE_KEY": applePEM, "VERIFIED": "true"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	app := f.Applications[0]
	if app.Name != "2024" || len(app.LogoutRedirectURIs) != 4 || app.Branding.AccentColor != "#0A7" {
		t.Errorf("application = %+v", app)
	}
	if got := f.Connections[0].OAuth.PrivateKey; got != applePEM {
		t.Errorf("Apple private key = %q, want the PEM from APPLE_KEY", got)
	}
	if c := f.Connections[2]; !c.OAuth.ReturnOAuthTokens || c.State != StateActive {
		t.Errorf("GitHub connection = %+v, want return_oauth_tokens and the default state", c)
	}
	if c := f.Connections[3]; c.State != StateInactive {
		t.Errorf("second GitHub connection state = %q, want inactive", c.State)
	}
	if u := f.Users[0]; !u.EmailVerified || u.Password != "12345678" {
		t.Errorf("user = %+v, want email_verified from VERIFIED and the number as a string", u)
	}
	if f.SecretKey == "" || f.LogFormat != "json" {
		t.Errorf("settings = %q, %q", f.SecretKey, f.LogFormat)
	}
}
