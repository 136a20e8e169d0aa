package saml_test

import (
	"fmt"
	"strings"
	"testing"

	crewjam "github.com/crewjam/saml"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/saml/samltest"
)

func TestAttributeMapping(t *testing.T) {
	idp, _ := testIdP(t)
	many := make([]string, 150)
	for i := range many {
		many[i] = fmt.Sprint("g", i)
	}
	for _, tc := range []struct {
		name     string
		mapping  config.AttributeMapping
		nameID   string
		format   string
		attrs    map[string][]string
		want     connector.Identity
		wantErr  string
		wantNGrp int
	}{
		{name: "WorkOS names", attrs: map[string][]string{"email": {"a@acme.test"}, "firstName": {"A"}, "lastName": {"L"}, "groups": {"x"}},
			want: connector.Identity{Subject: "u1", Email: "a@acme.test", FirstName: "A", LastName: "L", Groups: []string{"x"}}},
		{name: "LDAP OIDs", attrs: map[string][]string{"urn:oid:0.9.2342.19200300.100.1.3": {"a@acme.test"},
			"urn:oid:2.5.4.42": {"A"}, "urn:oid:2.5.4.4": {"L"}},
			want: connector.Identity{Subject: "u1", Email: "a@acme.test", FirstName: "A", LastName: "L"}},
		{name: "Entra ID claims", attrs: map[string][]string{
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": {"a@acme.test"},
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname":    {"A"},
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname":      {"L"},
			"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups":     {"9f1c", "77ab"}},
			want: connector.Identity{Subject: "u1", Email: "a@acme.test", FirstName: "A", LastName: "L", Groups: []string{"9f1c", "77ab"}}},
		{name: "WorkOS name wins over the others", attrs: map[string][]string{"email": {"a@acme.test"}, "mail": {"b@acme.test"}},
			want: connector.Identity{Subject: "u1", Email: "a@acme.test"}},
		{name: "configured names", mapping: config.AttributeMapping{Email: "upn", FirstName: "fn", LastName: "ln", Groups: "roles"},
			attrs: map[string][]string{"upn": {"a@acme.test"}, "fn": {"A"}, "ln": {"L"}, "roles": {"admin"}, "email": {"x@acme.test"}},
			want:  connector.Identity{Subject: "u1", Email: "a@acme.test", FirstName: "A", LastName: "L", Groups: []string{"admin"}}},
		{name: "a configured name replaces the defaults", mapping: config.AttributeMapping{Email: "upn"},
			attrs: map[string][]string{"email": {"a@acme.test"}},
			want:  connector.Identity{Subject: "u1"}},
		{name: "matched by Name, exactly", attrs: map[string][]string{"Email": {"a@acme.test"}},
			want: connector.Identity{Subject: "u1"}},
		{name: "emailAddress NameID is the email", nameID: "a@acme.test", format: string(crewjam.EmailAddressNameIDFormat),
			want: connector.Identity{Subject: "a@acme.test", Email: "a@acme.test"}},
		{name: "transient NameID: the email is the subject", format: string(crewjam.TransientNameIDFormat),
			attrs: map[string][]string{"email": {"A@Acme.test"}},
			want:  connector.Identity{Subject: "email:a@acme.test", Email: "A@Acme.test"}},
		{name: "transient NameID without email", format: string(crewjam.TransientNameIDFormat), wantErr: "transient"},
		{name: "groups are capped", attrs: map[string][]string{"groups": many}, wantNGrp: 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConnector(t, tc.mapping)
			r := good()
			r.NameID, r.NameIDFormat, r.Attributes = "u1", tc.format, tc.attrs
			if tc.nameID != "" {
				r.NameID = tc.nameID
			}
			a, err := c.HandlePOST(t.Context(), samltest.Encode(idp.Make(t, r)), c.RequestID(state))
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			case err != nil:
				t.Fatalf("HandlePOST: %v", err)
			case tc.wantNGrp > 0:
				if len(a.Identity.Groups) != tc.wantNGrp {
					t.Fatalf("%d groups, want %d", len(a.Identity.Groups), tc.wantNGrp)
				}
			case fmt.Sprint(a.Identity) != fmt.Sprint(tc.want):
				t.Errorf("identity = %+v\nwant       %+v", a.Identity, tc.want)
			}
			if a.Identity.EmailVerified {
				t.Error("the connector marked the email verified; SAML cannot say so")
			}
		})
	}
}
