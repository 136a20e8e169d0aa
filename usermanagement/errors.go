package usermanagement

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Errors of the client-side checks. GetAuthorizationURL applies the rules
// that the server applies to GET /user_management/authorize, so that a
// mistake shows up as a Go error where the URL is built instead of as an
// error page in a browser. Compare with errors.Is: the returned errors wrap
// these with details.
var (
	// ErrMissingClientID: neither the options nor the Client carry a client ID.
	ErrMissingClientID = errors.New("usermanagement: missing ClientID")

	// ErrMissingRedirectURI: RedirectURI is empty.
	ErrMissingRedirectURI = errors.New("usermanagement: missing RedirectURI")

	// ErrInvalidRedirectURI: RedirectURI is not an absolute URI, or carries a
	// fragment (RFC 6749 §3.1.2).
	ErrInvalidRedirectURI = errors.New("usermanagement: invalid RedirectURI")

	// ErrSelectorRequired: none of ConnectionID, OrganizationID and Provider
	// is set.
	ErrSelectorRequired = errors.New("usermanagement: one of ConnectionID, OrganizationID or Provider is required")

	// ErrMultipleSelectors: more than one of ConnectionID, OrganizationID and
	// Provider is set, other than Provider "authkit" with OrganizationID.
	ErrMultipleSelectors = errors.New("usermanagement: ConnectionID, OrganizationID and Provider are mutually exclusive")

	// ErrCodeChallengeMethod: CodeChallengeMethod is not "S256", or is set
	// without CodeChallenge, or CodeChallenge is set without it.
	ErrCodeChallengeMethod = errors.New(`usermanagement: CodeChallengeMethod must be "S256" and goes with CodeChallenge`)

	// ErrInvalidCodeChallenge: CodeChallenge is not 43 to 128 characters of
	// A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.2).
	ErrInvalidCodeChallenge = errors.New("usermanagement: invalid CodeChallenge")

	// ErrInvalidScreenHint: ScreenHint is neither "sign-in" nor "sign-up".
	ErrInvalidScreenHint = errors.New(`usermanagement: ScreenHint must be "sign-in" or "sign-up"`)

	// ErrInvalidUTF8: an option holds bytes that are not UTF-8, which the
	// server refuses in every parameter.
	ErrInvalidUTF8 = errors.New("usermanagement: option is not valid UTF-8")

	// ErrMissingSessionID: GetLogoutURL was called without a SessionID.
	ErrMissingSessionID = errors.New("usermanagement: missing SessionID")
)

// APIError is an error answer from the server. Latchkey, like WorkOS, uses
// two shapes on /user_management/authenticate: OAuth's
// {"error", "error_description"} (invalid_grant, invalid_client, …) and
// {"code", "message"} (invalid_credentials, email_verification_required, …);
// both land in Code and Message.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int

	// Code is the "error" or "code" member, e.g. "invalid_grant"; empty when
	// the body was not JSON.
	Code string

	// Message is the "error_description" or "message" member. Latchkey starts
	// it with a trace ID that its logs carry too.
	Message string

	// PendingAuthenticationToken is set with codes such as
	// email_verification_required or organization_selection_required, to
	// continue the sign-in with another grant.
	PendingAuthenticationToken string

	// RawBody is the body as received (at most 1 MiB), for what the fields
	// above do not cover.
	RawBody string
}

// Error formats the status, code and message.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "usermanagement: %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// newAPIError reads either error shape from body; a body that is not JSON
// (a proxy's error page, say) is kept as the message, shortened.
func newAPIError(status int, body []byte) *APIError {
	e := &APIError{StatusCode: status, RawBody: string(body)}
	var shape struct {
		Error                      string `json:"error"`
		ErrorDescription           string `json:"error_description"`
		Code                       string `json:"code"`
		Message                    string `json:"message"`
		PendingAuthenticationToken string `json:"pending_authentication_token"`
	}
	if err := json.Unmarshal(body, &shape); err != nil {
		msg := []rune(strings.TrimSpace(string(body)))
		if len(msg) > 200 {
			msg = append(msg[:200], '…')
		}
		e.Message = string(msg)
		return e
	}
	e.Code = firstNonEmpty(shape.Error, shape.Code)
	e.Message = firstNonEmpty(shape.ErrorDescription, shape.Message)
	e.PendingAuthenticationToken = shape.PendingAuthenticationToken
	return e
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
