package config

import "strings"

// Checks for objects that arrive at run time (through the management API
// or the admin CLI) instead of in the file: they obey the same rules as
// the file's, checked by the same code, so that an object is valid or not
// whichever way it was created.

// CheckConnection checks one connection by the rules a declared connection
// obeys. Each problem's Path is relative to the connection ("type",
// "oidc.issuer"); File is empty and Line meaningless. The organization
// reference is checked for form only: whether that organization exists is
// for the caller, which has the store, to say.
func CheckConnection(c Connection) Errors {
	d := newDecoder("", nil)
	d.connections([]Connection{c}, map[string]bool{c.OrganizationID: true})
	const prefix = "connections[0]"
	for _, e := range d.errs {
		e.Path = strings.TrimPrefix(strings.TrimPrefix(e.Path, prefix), ".")
	}
	return d.errs
}

// CheckDomain checks an organization's email domain as the file's
// organizations[].domains are checked: a lower-case DNS name with a dot,
// not a public suffix.
func CheckDomain(domain string) error { return checkDomain(domain) }

// CheckEmail checks a user's email address as the file's users[].email is
// checked: a bare address whose domain is a host name.
func CheckEmail(email string) error { return checkEmail(email) }
