package manage

import (
	"errors"
	"fmt"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Kind is the class of a refusal; the management API turns it into the
// HTTP status the WorkOS API answers with for that case.
type Kind int

// The kinds of refusal.
const (
	// Invalid input: the request breaks a rule (HTTP 422).
	Invalid Kind = iota + 1
	// NotFound: the object, or one the request refers to, does not exist
	// (HTTP 404).
	NotFound
	// Conflict: the request would duplicate something unique (HTTP 409).
	Conflict
	// Rejected: refused for a reason the WorkOS API reports as a bad
	// request (HTTP 400), such as an email or external ID already in use.
	Rejected
)

// FieldError is one problem with one input field.
type FieldError struct {
	// Field names the input as the API spells it: "domain_data[1].domain",
	// "oidc.issuer".
	Field string
	// Code is a short machine-readable reason: required, invalid, …
	Code    string
	Message string
}

// Error is a refusal of the service: what the caller asked for breaks a
// rule, refers to something missing or collides with something that
// exists. Other errors the service returns are failures (the database is
// down) and are not the caller's fault. Messages never repeat secrets.
type Error struct {
	Kind    Kind
	Code    string // the WorkOS error code: invalid_request_parameters, entity_not_found, …
	Message string
	Fields  []FieldError // for Invalid and Rejected: each problem, by field
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + " " + strings.Join(parts, "; ")
}

// AsError returns err's *Error, if it is a refusal.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// notFound says an object is missing, in the words of the WorkOS API
// ("Organization not found: 'org_…'.").
func notFound(what, id string) *Error {
	return &Error{Kind: NotFound, Code: "entity_not_found", Message: fmt.Sprintf("%s not found: '%s'.", what, id)}
}

// orNotFound turns the store's ErrNotFound into a refusal naming the
// object, and wraps every other error as a failure.
func orNotFound(err error, what, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound(what, id)
	}
	return fmt.Errorf("manage: %s %s: %w", strings.ToLower(what), id, err)
}

// problems collects the field errors of one request, so that a caller
// learns everything wrong with it at once.
type problems []FieldError

func (p *problems) add(field, code, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// check adds err, if any, as an invalid value of field.
func (p *problems) check(field string, err error) {
	if err != nil {
		p.add(field, "invalid", "%v", err)
	}
}

// required adds a problem when value is blank and reports whether it is set.
func (p *problems) required(field, value string) bool {
	if strings.TrimSpace(value) == "" {
		p.add(field, "required", "is required")
		return false
	}
	return true
}

// err returns the collected problems as an Invalid refusal, or nil.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: "invalid_request_parameters", Message: "Validation failed.", Fields: p}
}
