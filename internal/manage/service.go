// Package manage is the management service that the REST API
// (internal/api) and the `latchkey admin` commands share. It checks what an
// operator asks for by the rules the configuration file obeys (the checks
// are internal/config's), mints IDs, hashes passwords, seals connection
// secrets and writes to the store, so that an object is the same whichever
// way it was made.
//
// A refusal (bad input, a missing object, a duplicate) is an *Error that
// says what is wrong and how the WorkOS API classifies it; any other error
// is a failure of the machinery.
package manage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Service manages the objects of one Latchkey deployment.
type Service struct {
	Store store.Store
	// Secrets seals connection secrets (purpose "connection-secrets");
	// the connection ID is the associated data, as reconcile seals them.
	Secrets        *secrets.Box
	PasswordParams password.Params
	Now            func() time.Time
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// maxExternalID is the OpenAPI document's maxLength of external_id.
const maxExternalID = 128

// maxName bounds names so that a client cannot store megabytes in one.
const maxName = 256

// checkName adds a problem when a required name is blank or too long.
func checkName(p *problems, field, name string) {
	if p.required(field, name) && len(name) > maxName {
		p.add(field, "too_long", "must be at most %d characters", maxName)
	}
}

// checkExternalID adds a problem when an external ID is too long.
func checkExternalID(p *problems, externalID string) {
	if len(externalID) > maxExternalID {
		p.add("external_id", "too_long", "must be at most %d characters", maxExternalID)
	}
}

// existing returns an error unless the record exists.
func existing[T any](ctx context.Context, get func(context.Context, string) (T, error), what, id string) (T, error) {
	v, err := get(ctx, id)
	if err != nil {
		return v, orNotFound(err, what, id)
	}
	return v, nil
}

// fail wraps a failure of the store with what the service was doing.
func fail(op string, err error) error {
	return fmt.Errorf("manage: %s: %w", op, err)
}

// lowerTrim is how emails and domains are compared and kept.
func lowerTrim(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
