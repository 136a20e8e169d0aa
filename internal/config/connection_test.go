package config

import "testing"

// TestParseConnectionErrors checks the rules that tie a connection's type
// to its block and its organization.
func TestParseConnectionErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{
			name: "connection rules",
			yaml: `
organizations:
  - id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    name: Acme
connections:
  - type: GoogleOAuth
    organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    oauth: {client_id: a, client_secret: b}
    saml: {idp_metadata_url: https://idp.example.com/metadata}
  - type: GenericOIDC
    oidc: {issuer: "ftp://idp.example.com", client_id: a, scopes: [profile]}
  - type: GenericSAML
    organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    saml:
      idp_metadata_url: https://idp.example.com/metadata
      idp_metadata: <EntityDescriptor/>
  - type: GitHubOAuth
  - type: genericsaml
  - type: LinkedInOAuth
    state: enabled
  - type: MicrosoftOAuth
    oauth:
      client_id: a
      client_secret: b
      tenant: common
      team_id: ABCDE12345
      endpoints: {emails: https://api.example.com/emails, token: "http://token.example.com/t#x"}
  - type: OktaSAML
    organization_id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    saml: {idp_metadata: "<html><body/></html>"}
`,
			want: []string{
				"6: connections[0].organization_id: GoogleOAuth is a provider of the application, not of an organization: remove organization_id",
				"8: connections[0].saml: does not apply to a GoogleOAuth connection, which takes oauth",
				"9: connections[1].organization_id: required: a GenericOIDC connection belongs to one organization",
				"10: connections[1].oidc.issuer: must be an http or https URL",
				"10: connections[1].oidc.scopes: must include openid",
				"15: connections[2].saml.idp_metadata: set only one of idp_metadata_url and idp_metadata",
				"16: connections[3].oauth: required for a GitHubOAuth connection",
				`17: connections[4].type: unknown connection type "genericsaml" (did you mean GenericSAML?)`,
				`18: connections[5].type: unknown connection type "LinkedInOAuth": use GenericOIDC, GenericSAML, a vendor variant such as OktaSAML or EntraIdOIDC, or one of AppleOAuth, GitHubOAuth, GitLabOAuth, GoogleOAuth, MicrosoftOAuth`,
				"19: connections[5].state: must be active or inactive",
				"25: connections[6].oauth.team_id: applies only to AppleOAuth connections",
				"26: connections[6].oauth.endpoints.emails: applies only to GitHubOAuth connections",
				"26: connections[6].oauth.endpoints.token: must not have a fragment (#)",
				"29: connections[7].saml.idp_metadata: not SAML metadata: the root element must be EntityDescriptor",
			},
		},
		{
			name: "apple",
			yaml: `
connections:
  - type: AppleOAuth
    oauth:
      client_id: com.example.web
      client_secret: nope
      team_id: abc
      private_key: |
        -----BEGIN PRIVATE KEY-----
        bm90IGEga2V5
        -----END PRIVATE KEY-----
`,
			want: []string{
				"3: connections[0].oauth.key_id: required",
				"5: connections[0].oauth.client_secret: AppleOAuth has no static secret: set team_id, key_id and private_key",
				"6: connections[0].oauth.team_id: must be the 10-character identifier Apple shows (upper-case letters and digits)",
				"7: connections[0].oauth.private_key: not a PKCS #8 private key",
			},
		},
		{
			name: "entries without an id that the database could not tell apart",
			yaml: `
organizations:
  - id: org_01JABCDEFGHJKMNPQRSTVWXYZ1
    name: Acme
  - name: Acme
  - name: Globex
connections:
  - type: GoogleOAuth
    oauth: {client_id: a, client_secret: b}
  - type: GoogleOAuth
    state: inactive
    oauth: {client_id: c, client_secret: d}
  - type: GoogleOAuth
    name: Old
    state: inactive
    oauth: {client_id: c, client_secret: d}
`,
			want: []string{
				"4: organizations[1].name: an organization without an id is found by its name, and organizations[0].name (line 3) is the same: give one of them an id",
				"7: connections[0]: a connection without an id is found by its organization, type and name, and connections[1] (line 9) is the same: give one of them an id",
				"9: connections[1]: a connection without an id is found by its organization, type and name, and connections[0] (line 7) is the same: give one of them an id",
			},
		},
	})
}
