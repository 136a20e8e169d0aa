package usermanagement

import "net/url"

// LogoutPath is the path of the endpoint that ends a session in the browser.
const LogoutPath = "/user_management/sessions/logout"

// GetLogoutURLOpts holds the parameters of a logout URL.
type GetLogoutURLOpts struct {
	// SessionID is the session to end: the "sid" claim of the access token.
	// Required.
	SessionID string

	// ReturnTo is where the server sends the browser afterwards. The server
	// honours it only when it is one of the application's logout redirect
	// URIs, and otherwise shows its own page.
	ReturnTo string
}

// GetLogoutURL returns the URL that ends a session: send the browser there
// after clearing the application's own session.
func (c *Client) GetLogoutURL(opts GetLogoutURLOpts) (*url.URL, error) {
	if opts.SessionID == "" {
		return nil, ErrMissingSessionID
	}
	u, err := c.endpointURL(LogoutPath)
	if err != nil {
		return nil, err
	}
	var q query
	q.add("session_id", opts.SessionID)
	q.add("return_to", opts.ReturnTo)
	u.RawQuery = q.String()
	return u, nil
}

// GetJWKSURL returns the URL of the keys that sign the application's access
// tokens, <endpoint>/sso/jwks/<clientID>, for a JWT library to verify them
// with. An empty clientID means the Client's ClientID.
func (c *Client) GetJWKSURL(clientID string) (*url.URL, error) {
	clientID = c.clientID(clientID)
	if clientID == "" {
		return nil, ErrMissingClientID
	}
	u, err := c.endpointURL("/sso/jwks/")
	if err != nil {
		return nil, err
	}
	// The ID is one path segment whatever it holds, so a "/" in it is
	// escaped rather than read as a separator.
	u.RawPath = u.EscapedPath() + url.PathEscape(clientID)
	u.Path += clientID
	return u, nil
}
