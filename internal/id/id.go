// Package id mints the prefixed, time-ordered identifiers that WorkOS uses
// (user_01H…, org_01H…): a prefix, an underscore and a 26-character ULID in
// upper-case Crockford base32.
package id

import (
	"strings"

	"github.com/oklog/ulid/v2"
)

// Prefixes of the objects Latchkey stores, as WorkOS spells them.
const (
	Application            = "client"
	APIKey                 = "key"
	RedirectURI            = "ruri"
	CORSOrigin             = "cors"
	Organization           = "org"
	OrganizationDomain     = "org_domain"
	Connection             = "conn"
	User                   = "user"
	Identity               = "idp"
	OrganizationMembership = "om"
	Session                = "session"
	RefreshToken           = "rt"
	SigningKey             = "jwk"
)

// New returns a fresh identifier with the given prefix. ULIDs from one
// process are strictly increasing (ulid.Make uses monotonic entropy), so
// ordering by ID orders by creation, which keeps cursor pagination stable.
func New(prefix string) string {
	return prefix + "_" + ulid.Make().String()
}

// Valid reports whether s has the given prefix followed by a well-formed ULID.
func Valid(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != ulid.EncodedSize {
		return false
	}
	_, err := ulid.ParseStrict(rest)
	return err == nil && strings.ToUpper(rest) == rest
}
