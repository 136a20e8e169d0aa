// Package oauth holds the one typed error of the OAuth endpoints and the
// one place that writes it: as an HTML error page, as JSON, or as an error
// redirect to the client (RFC 6749 §4.1.2.1), after fosite's RFC6749Error.
// Handlers return *Error; they never build error responses by hand.
package oauth

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Error codes: RFC 6749 §4.1.2.1 and §5.2, plus the WorkOS ones the
// authorize spec uses.
const (
	InvalidRequest          = "invalid_request"
	InvalidClient           = "invalid_client"
	InvalidRedirectURI      = "invalid_redirect_uri"
	InvalidGrant            = "invalid_grant"
	UnauthorizedClient      = "unauthorized_client"
	UnsupportedResponseType = "unsupported_response_type"
	UnsupportedGrantType    = "unsupported_grant_type"
	InvalidScope            = "invalid_scope"
	AccessDenied            = "access_denied"
	ServerError             = "server_error"
	TemporarilyUnavailable  = "temporarily_unavailable"
	ConnectionInvalid       = "connection_invalid"
	OrganizationInvalid     = "organization_invalid"
	LoginRequired           = "login_required"
)

// Error is an OAuth error: the code and description the client sees, the
// HTTP status for non-redirect answers, and the internal cause, which is
// logged but never shown.
type Error struct {
	Code        string
	Description string
	Status      int
	Cause       error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Description, e.Cause)
	}
	return e.Code + ": " + e.Description
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Cause }

// WithCause returns a copy of e carrying cause for the logs.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// Errorf returns an error with the given code and a formatted description.
// The status is 400 except for the codes that say the server failed.
func Errorf(code, format string, args ...any) *Error {
	status := http.StatusBadRequest
	switch code {
	case ServerError:
		status = http.StatusInternalServerError
	case TemporarilyUnavailable:
		status = http.StatusServiceUnavailable
	}
	return &Error{Code: code, Description: fmt.Sprintf(format, args...), Status: status}
}

// Internal wraps an unexpected failure: the client sees a generic
// server_error (never the internals), the log sees the cause.
func Internal(cause error) *Error {
	return &Error{Code: ServerError, Description: "The server could not complete the request.",
		Status: http.StatusInternalServerError, Cause: cause}
}

// Unavailable wraps a failure of a dependency such as the database.
func Unavailable(cause error) *Error {
	return &Error{Code: TemporarilyUnavailable, Description: "The service is temporarily unavailable; try again shortly.",
		Status: http.StatusServiceUnavailable, Cause: cause}
}

// As returns err as *Error, turning any other error into Internal(err).
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Truncate shortens s to at most n bytes, cut on a rune boundary, with an
// ellipsis when it cut: for quoting client-supplied values in error
// descriptions without echoing kilobytes back or splitting a character.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
