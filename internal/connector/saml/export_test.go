package saml

import "github.com/latchkeyhq/latchkey/internal/connector"

// LibraryLoginURL is c.LoginURL with the request put in the URL by
// crewjam/saml's AuthnRequest.Redirect, as LoginURL did before it had a
// redirectEncoder: the reference the encoder is compared with.
func LibraryLoginURL(c *Connector, req connector.Request) (string, error) {
	lib := *c
	lib.redirect = nil
	return lib.LoginURL(req)
}
