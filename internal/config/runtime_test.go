package config

import (
	"slices"
	"testing"
)

// TestCheckConnection: a connection that arrives at run time is checked by
// the file's rules, with paths relative to the connection.
func TestCheckConnection(t *testing.T) {
	const org = "org_01JABCDEFGHJKMNPQRSTVWXYZ1"
	tests := []struct {
		name  string
		conn  Connection
		paths []string
	}{
		{"valid OIDC", Connection{Type: "GenericOIDC", OrganizationID: org, Name: "x",
			OIDC: &OIDC{Issuer: "https://idp.test", ClientID: "c", ClientSecret: "s"}}, nil},
		{"valid OAuth provider", Connection{Type: "GoogleOAuth", Name: "g", OAuth: &OAuth{ClientID: "c", ClientSecret: "s"}}, nil},
		{"bad OIDC block", Connection{Type: "GenericOIDC", OrganizationID: org, Name: "x",
			OIDC: &OIDC{Issuer: "ftp://idp.test", Scopes: []string{"email"}}}, []string{"oidc.issuer", "oidc.client_id", "oidc.scopes"}},
		{"unknown type", Connection{Type: "Bogus"}, []string{"type"}},
		{"OAuth of an organization", Connection{Type: "GoogleOAuth", OrganizationID: org, OAuth: &OAuth{ClientID: "c", ClientSecret: "s"}},
			[]string{"organization_id"}},
		{"SSO without organization", Connection{Type: "GenericSAML", SAML: &SAML{IDPMetadataURL: "https://idp.test/md"}}, []string{"organization_id"}},
		{"malformed organization", Connection{Type: "GenericSAML", OrganizationID: "acme", SAML: &SAML{IDPMetadataURL: "https://idp.test/md"}},
			[]string{"organization_id"}},
		{"bad state, missing block", Connection{Type: "GenericSAML", OrganizationID: org, State: "on"}, []string{"state", "saml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var paths []string
			for _, e := range CheckConnection(tt.conn) {
				paths = append(paths, e.Path)
			}
			if !slices.Equal(paths, tt.paths) {
				t.Fatalf("paths %q, want %q", paths, tt.paths)
			}
		})
	}
}

func TestCheckDomainAndEmail(t *testing.T) {
	for _, tt := range []struct {
		check func(string) error
		value string
		ok    bool
	}{
		{CheckDomain, "acme.test", true}, {CheckDomain, "com", false}, {CheckDomain, "Acme.test", false}, {CheckDomain, "co.uk", false},
		{CheckEmail, "ada@acme.test", true}, {CheckEmail, "Ada <ada@acme.test>", false}, {CheckEmail, "ada", false},
	} {
		if err := tt.check(tt.value); (err == nil) != tt.ok {
			t.Errorf("%q: err = %v, want ok %v", tt.value, err, tt.ok)
		}
	}
}
