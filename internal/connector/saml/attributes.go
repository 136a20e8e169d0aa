package saml

import (
	"errors"
	"strings"

	"github.com/crewjam/saml"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
)

// maxGroups bounds the groups taken from one assertion: the identity
// travels in a URL from the ACS to the transaction.
const maxGroups = 100

// DefaultAttributes are the attribute names looked for, in order, when a
// connection maps none: WorkOS's names first, then those of LDAP
// (urn:oid), Entra ID and AD FS (schemas.xmlsoap.org) and common short
// forms.
func DefaultAttributes() config.AttributeMapping {
	return config.AttributeMapping{
		Email: "email mail emailaddress urn:oid:0.9.2342.19200300.100.1.3 " +
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
		FirstName: "firstName first_name givenName urn:oid:2.5.4.42 " +
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
		LastName: "lastName last_name sn surname urn:oid:2.5.4.4 " +
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
		Groups: "groups memberOf http://schemas.microsoft.com/ws/2008/06/identity/claims/groups " +
			"http://schemas.xmlsoap.org/claims/Group",
	}
}

// attributeNames are the candidate attribute names of each profile field.
type attributeNames struct {
	email, firstName, lastName, groups []string
}

// attributeNamesFor takes the configured name of each field, or the
// defaults when there is none. A configured name replaces the defaults:
// an administrator who names the attribute means that one.
func attributeNamesFor(m config.AttributeMapping) attributeNames {
	d := DefaultAttributes()
	pick := func(configured, defaults string) []string {
		if configured = strings.TrimSpace(configured); configured != "" {
			return []string{configured}
		}
		return strings.Fields(defaults)
	}
	return attributeNames{
		email:     pick(m.Email, d.Email),
		firstName: pick(m.FirstName, d.FirstName),
		lastName:  pick(m.LastName, d.LastName),
		groups:    pick(m.Groups, d.Groups),
	}
}

// identity reads who signed in from a verified assertion. Attributes are
// matched by Name, exactly (saml-core §2.7.3.1 rules out FriendlyName as
// an identifier).
func (n attributeNames) identity(a *saml.Assertion) (connector.Identity, error) {
	values := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, attr := range st.Attributes {
			for _, v := range attr.Values {
				if !v.Nil && strings.TrimSpace(v.Value) != "" {
					values[attr.Name] = append(values[attr.Name], strings.TrimSpace(v.Value))
				}
			}
		}
	}
	first := func(names []string) string {
		for _, name := range names {
			if vs := values[name]; len(vs) > 0 {
				return vs[0]
			}
		}
		return ""
	}
	var nameID *saml.NameID
	if a.Subject != nil {
		nameID = a.Subject.NameID
	}
	if nameID == nil || strings.TrimSpace(nameID.Value) == "" {
		return connector.Identity{}, errors.New("saml: assertion has no NameID")
	}
	ident := connector.Identity{
		Subject:   strings.TrimSpace(nameID.Value),
		Email:     first(n.email),
		FirstName: first(n.firstName),
		LastName:  first(n.lastName),
	}
	if ident.Email == "" && nameID.Format == string(saml.EmailAddressNameIDFormat) {
		ident.Email = ident.Subject
	}
	if nameID.Format == string(saml.TransientNameIDFormat) {
		// A transient NameID changes at every sign-in, so it cannot link
		// the person to one identity; the email is the stable handle.
		if ident.Email == "" {
			return connector.Identity{}, errors.New("saml: transient NameID and no email attribute: nothing identifies the person across sign-ins")
		}
		ident.Subject = "email:" + strings.ToLower(ident.Email)
	}
	for _, name := range n.groups {
		if vs := values[name]; len(vs) > 0 {
			ident.Groups = vs[:min(len(vs), maxGroups)]
			break
		}
	}
	// SAML has no email_verified. Whether the email can be trusted for
	// linking is decided by the caller, from the organization's verified
	// domains.
	return ident, nil
}
