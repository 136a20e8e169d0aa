// Package store defines the records Latchkey keeps and the one interface
// every storage backend implements. Backends live in sub-packages
// (sqlite, postgres); storetest holds the conformance suite that proves a
// backend keeps the promises written here.
//
// Conventions every backend honours:
//   - Times go in and come out in UTC, truncated to the microsecond.
//   - Create methods take a record whose ID the caller has already minted
//     (package id) and whose CreatedAt/UpdatedAt the caller has set.
//   - A missing record is ErrNotFound; a uniqueness violation is ErrConflict.
//     Both are wrapped with context, so compare with errors.Is.
//   - Secrets arrive already hashed or encrypted: a backend never sees a
//     plaintext password, API key, code, refresh token or private key.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors a backend returns (wrapped); test them with errors.Is.
var (
	ErrNotFound    = errors.New("store: not found")
	ErrConflict    = errors.New("store: already exists")
	ErrAlreadyUsed = errors.New("store: already used")
)

// Store is everything Latchkey persists. It is safe for concurrent use.
type Store interface {
	// Ping reports whether the database answers; /readyz uses it.
	Ping(ctx context.Context) error
	// Close releases the connections.
	Close() error
	// Generation returns a counter that every write to the records that
	// authorize caches (applications, redirect URIs, CORS origins,
	// organizations, domains, connections) increases in the same
	// transaction. Caches compare it to know when to reload.
	Generation(ctx context.Context) (int64, error)

	CreateApplication(ctx context.Context, a Application) error
	GetApplication(ctx context.Context, id string) (Application, error)
	GetApplicationByName(ctx context.Context, name string) (Application, error)
	UpdateApplication(ctx context.Context, a Application) error
	ListApplications(ctx context.Context, opts ListOptions) ([]Application, ListMetadata, error)

	CreateRedirectURI(ctx context.Context, r RedirectURI) error
	// ListRedirectURIs returns the application's URIs of that kind, oldest first.
	ListRedirectURIs(ctx context.Context, applicationID string, kind RedirectKind) ([]RedirectURI, error)
	DeleteRedirectURI(ctx context.Context, id string) error

	CreateAPIKey(ctx context.Context, k APIKey) error
	// ListAPIKeysByPrefix returns the keys whose Prefix equals prefix.
	ListAPIKeysByPrefix(ctx context.Context, prefix string) ([]APIKey, error)
	ListAPIKeys(ctx context.Context, applicationID string) ([]APIKey, error)
	DeleteAPIKey(ctx context.Context, id string) error

	CreateCORSOrigin(ctx context.Context, o CORSOrigin) error
	ListCORSOrigins(ctx context.Context, applicationID string) ([]CORSOrigin, error)
	DeleteCORSOrigin(ctx context.Context, id string) error

	CreateOrganization(ctx context.Context, o Organization) error
	GetOrganization(ctx context.Context, id string) (Organization, error)
	UpdateOrganization(ctx context.Context, o Organization) error
	DeleteOrganization(ctx context.Context, id string) error
	ListOrganizations(ctx context.Context, opts ListOptions) ([]Organization, ListMetadata, error)

	// CreateOrganizationDomain adds a domain; a domain (compared
	// case-insensitively) belongs to at most one organization.
	CreateOrganizationDomain(ctx context.Context, d OrganizationDomain) error
	ListOrganizationDomains(ctx context.Context, organizationID string) ([]OrganizationDomain, error)
	// GetOrganizationDomainByName finds a domain case-insensitively.
	GetOrganizationDomainByName(ctx context.Context, domain string) (OrganizationDomain, error)
	DeleteOrganizationDomain(ctx context.Context, id string) error

	CreateConnection(ctx context.Context, c Connection) error
	GetConnection(ctx context.Context, id string) (Connection, error)
	UpdateConnection(ctx context.Context, c Connection) error
	DeleteConnection(ctx context.Context, id string) error
	// ListConnections filters by organization (when non-empty) and type
	// (when non-empty), ordered by ID.
	ListConnections(ctx context.Context, filter ConnectionFilter, opts ListOptions) ([]Connection, ListMetadata, error)
	// ScanCatalog reads every organization, then every active connection
	// (ordered by ID, so the newest of an organization's comes last), and
	// returns the generation they all reflect. When a write moves the
	// generation while it reads, it returns an error wrapping ErrConflict:
	// what fn saw is then not one consistent state, and the caller tries
	// again later. Authorize keeps the routing of every organization in
	// memory with it.
	ScanCatalog(ctx context.Context, org func(Organization) error, conn func(Connection) error) (int64, error)

	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByEmail finds a user case-insensitively.
	GetUserByEmail(ctx context.Context, email string) (User, error)
	UpdateUser(ctx context.Context, u User) error
	DeleteUser(ctx context.Context, id string) error
	ListUsers(ctx context.Context, filter UserFilter, opts ListOptions) ([]User, ListMetadata, error)

	CreateIdentity(ctx context.Context, i Identity) error
	GetIdentity(ctx context.Context, connectionID, subject string) (Identity, error)
	ListIdentities(ctx context.Context, userID string) ([]Identity, error)

	CreateOrganizationMembership(ctx context.Context, m OrganizationMembership) error
	GetOrganizationMembership(ctx context.Context, id string) (OrganizationMembership, error)
	GetOrganizationMembershipFor(ctx context.Context, userID, organizationID string) (OrganizationMembership, error)
	UpdateOrganizationMembership(ctx context.Context, m OrganizationMembership) error
	DeleteOrganizationMembership(ctx context.Context, id string) error
	ListOrganizationMemberships(ctx context.Context, filter MembershipFilter, opts ListOptions) ([]OrganizationMembership, ListMetadata, error)

	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, id string) (Session, error)
	// UpdateSessionClient records the client's IP address and user agent,
	// which the code exchange reports after the session was created.
	UpdateSessionClient(ctx context.Context, id, ipAddress, userAgent string) error
	// UpdateSessionOrganization switches the session's organization.
	UpdateSessionOrganization(ctx context.Context, id, organizationID string) error
	// RevokeSession sets RevokedAt (once; a second call keeps the first
	// time) and revokes the session's refresh tokens.
	RevokeSession(ctx context.Context, id string, at time.Time) error
	ListSessions(ctx context.Context, userID string, opts ListOptions) ([]Session, ListMetadata, error)

	CreateAuthCode(ctx context.Context, c AuthCode) error
	// RecordSignIn stores a sign-in in one transaction: the session s, the
	// code c bound to it, and s.CreatedAt as the user's LastSignInAt and
	// UpdatedAt; a missing user is ErrNotFound.
	RecordSignIn(ctx context.Context, s Session, c AuthCode) error
	// GetLinkedUser returns the user whose identity at connectionID is
	// subject and, in the same read, the user's membership in
	// organizationID (zero when there is none); no such identity is
	// ErrNotFound.
	GetLinkedUser(ctx context.Context, connectionID, subject, organizationID string) (User, OrganizationMembership, error)
	// ConsumeAuthCode marks the code used and returns it. Exactly one of
	// any number of concurrent callers succeeds; the others, and every
	// later call, get the record together with ErrAlreadyUsed so the caller
	// can revoke the session the code created. Expiry is the caller's check.
	ConsumeAuthCode(ctx context.Context, hash string, at time.Time) (AuthCode, error)
	// DeleteExpiredAuthCodes removes codes that expired before the given
	// time and returns how many it removed.
	DeleteExpiredAuthCodes(ctx context.Context, before time.Time) (int64, error)
	// GetAuthCodeGrant returns the code with that hash, used or not, and in
	// the same read its grant: the code's session, the session's user and
	// the user's membership in the code's organization.
	GetAuthCodeGrant(ctx context.Context, hash string) (AuthCode, SessionGrant, error)
	// RedeemAuthCode consumes the code with that hash and stores next, in
	// one transaction; when ipAddress or userAgent is set it also records
	// them on next's session (as UpdateSessionClient). As with
	// ConsumeAuthCode exactly one caller succeeds: a code used already is
	// ErrAlreadyUsed, and then nothing is written.
	RedeemAuthCode(ctx context.Context, hash string, at time.Time, next RefreshToken, ipAddress, userAgent string) error

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// GetRefreshToken finds a token by hash, used or not.
	GetRefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	// GetRefreshTokenGrant returns the token with that hash, used or not,
	// and in the same read its grant: the token's session, the session's
	// user and the user's membership in organizationID, or in the token's
	// organization when organizationID is empty.
	GetRefreshTokenGrant(ctx context.Context, hash, organizationID string) (RefreshToken, SessionGrant, error)
	// RotateRefreshToken atomically marks the token with oldHash used and
	// stores next, and moves the session to next's organization when it is
	// in another. When the old token was already used (or revoked) it
	// returns the old record and ErrAlreadyUsed and stores nothing: the
	// caller then revokes the session (reuse detection). On success it
	// returns the old record as it was before the rotation marked it.
	RotateRefreshToken(ctx context.Context, oldHash string, at time.Time, next RefreshToken) (RefreshToken, error)

	CreateSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns every key not yet past ExpiresAt, newest first.
	ListSigningKeys(ctx context.Context, now time.Time) ([]SigningKey, error)
	// RetireSigningKey stops a key from signing; it stays published until
	// its ExpiresAt.
	RetireSigningKey(ctx context.Context, id string, retiredAt, expiresAt time.Time) error

	// Management API.
	//
	// GetOrganizationDomain returns the domain with that ID.
	GetOrganizationDomain(ctx context.Context, id string) (OrganizationDomain, error)
	// GetOrganizationByExternalID finds an organization by its ExternalID.
	GetOrganizationByExternalID(ctx context.Context, externalID string) (Organization, error)
	// GetUserByExternalID finds a user by their ExternalID.
	GetUserByExternalID(ctx context.Context, externalID string) (User, error)
	// FindOrganizations is ListOrganizations narrowed by f.
	FindOrganizations(ctx context.Context, f OrganizationFilter, opts ListOptions) ([]Organization, ListMetadata, error)
	// CreateOrganizationWithDomains stores o and its domains in one
	// transaction: a taken ExternalID or domain stores nothing
	// (ErrConflict).
	CreateOrganizationWithDomains(ctx context.Context, o Organization, domains []OrganizationDomain) error
	// UpdateOrganizationWithDomains writes o (as UpdateOrganization) and
	// makes domains its complete set, in one transaction: a listed domain
	// it already has (compared case-insensitively) keeps its ID and
	// CreatedAt and takes the listed state, the others are added, and the
	// unlisted ones are removed.
	UpdateOrganizationWithDomains(ctx context.Context, o Organization, domains []OrganizationDomain) error
	// ListOrganizationMembershipsByStatus is ListOrganizationMemberships
	// narrowed to the given statuses; no statuses means any status.
	ListOrganizationMembershipsByStatus(ctx context.Context, f MembershipFilter, statuses []MembershipStatus, opts ListOptions) ([]OrganizationMembership, ListMetadata, error)

	// SAML: assertion replay cache.
	//
	// RecordAssertion records a SAML assertion ID (the caller scopes it,
	// say by connection) as used until expiresAt, when the assertion could
	// no longer be accepted anyway. Exactly one of any number of concurrent
	// callers with one ID succeeds; the others, and every later call until
	// the record is deleted, get ErrAlreadyUsed.
	RecordAssertion(ctx context.Context, id string, expiresAt time.Time) error
	// DeleteExpiredAssertions removes records that expired before the given
	// time and returns how many it removed.
	DeleteExpiredAssertions(ctx context.Context, before time.Time) (int64, error)

	// Hosted login: email verification, password resets, rate limits.
	//
	// CreateEmailVerification stores a one-time email code; a missing user
	// is ErrNotFound.
	CreateEmailVerification(ctx context.Context, v EmailVerification) error
	GetEmailVerification(ctx context.Context, id string) (EmailVerification, error)
	// AttemptEmailVerification counts one attempt at the code of
	// verification id and, when codeHash is its hash, marks it consumed, in
	// one atomic step, and returns the record as updated: a non-zero
	// ConsumedAt means the code was right. When the verification was
	// consumed already or has had maxAttempts attempts, it changes nothing
	// and returns the record with ErrAlreadyUsed. Expiry is the caller's
	// check.
	AttemptEmailVerification(ctx context.Context, id, codeHash string, maxAttempts int, at time.Time) (EmailVerification, error)
	// CreatePasswordReset stores a reset token by hash; a missing user is
	// ErrNotFound.
	CreatePasswordReset(ctx context.Context, r PasswordReset) error
	// GetPasswordReset finds a reset token by hash, used or not.
	GetPasswordReset(ctx context.Context, hash string) (PasswordReset, error)
	// ConsumePasswordReset marks the token used and returns it; as with
	// ConsumeAuthCode, exactly one caller succeeds and later calls get the
	// record with ErrAlreadyUsed. Expiry is the caller's check.
	ConsumePasswordReset(ctx context.Context, hash string, at time.Time) (PasswordReset, error)
	// DeleteExpiredLoginTokens removes email verifications and password
	// resets that expired before the given time and returns how many.
	DeleteExpiredLoginTokens(ctx context.Context, before time.Time) (int64, error)
	// HitRateLimit adds one to the counter of key in the fixed window that
	// starts at windowStart, atomically across nodes, and returns the
	// counter as updated. A counter of an earlier window starts over at 1.
	HitRateLimit(ctx context.Context, key string, windowStart, at time.Time) (RateLimit, error)
	// GetRateLimit returns the counter of key, or ErrNotFound.
	GetRateLimit(ctx context.Context, key string) (RateLimit, error)
	// DeleteRateLimit removes the counter of key; a missing one is not an
	// error.
	DeleteRateLimit(ctx context.Context, key string) error
	// DeleteIdleRateLimits removes counters last hit before the given time
	// and returns how many.
	DeleteIdleRateLimits(ctx context.Context, before time.Time) (int64, error)
	// GetApplicationBranding returns how the hosted pages look for an
	// application: the zero Branding when none was set.
	GetApplicationBranding(ctx context.Context, applicationID string) (Branding, error)
	// SetApplicationBranding replaces an application's branding; a missing
	// application is ErrNotFound.
	SetApplicationBranding(ctx context.Context, applicationID string, b Branding) error
}

// Order of a list, by creation (which is ID order).
type Order string

// The orders a list accepts.
const (
	Desc Order = "desc" // newest first, the WorkOS default
	Asc  Order = "asc"
)

// ListOptions are the WorkOS cursor parameters. Before and After are object
// IDs: After returns the page that follows that object in the list's order,
// Before the page that precedes it. Limit defaults to 10 when zero or
// negative and is capped at 100.
type ListOptions struct {
	Limit  int
	Before string
	After  string
	Order  Order
}

// ListMetadata holds the cursors of the neighbouring pages; empty when there
// is no such page.
type ListMetadata struct {
	Before string
	After  string
}

// Application is a client of Latchkey (client_…). Names are unique.
type Application struct {
	ID        string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RedirectKind separates sign-in redirect URIs from logout return URIs.
type RedirectKind string

// The kinds of redirect URI.
const (
	RedirectLogin  RedirectKind = "login"
	RedirectLogout RedirectKind = "logout"
)

// RedirectURI is a registered redirect (ruri_…). URIs are unique per
// application and kind.
type RedirectURI struct {
	ID            string
	ApplicationID string
	Kind          RedirectKind
	URI           string
	Default       bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// APIKey is a secret of an application (key_…): the client_secret of the
// authenticate call and the bearer key of the management API. Only a
// non-secret Prefix (to find candidates) and a password hash are stored.
type APIKey struct {
	ID            string
	ApplicationID string
	Name          string
	Prefix        string
	Hash          string
	CreatedAt     time.Time
}

// CORSOrigin is an origin allowed to call the browser-facing endpoints.
// Origins are unique per application.
type CORSOrigin struct {
	ID            string
	ApplicationID string
	Origin        string
	CreatedAt     time.Time
}

// Organization is a customer of the application (org_…).
type Organization struct {
	ID         string
	Name       string
	ExternalID string // optional; unique when set
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// DomainState is an organization domain's verification state.
type DomainState string

// Domain states (the OpenAPI enum, the ones Latchkey sets).
const (
	DomainVerified DomainState = "verified"
	DomainPending  DomainState = "pending"
)

// OrganizationDomain is an email domain of an organization (org_domain_…).
type OrganizationDomain struct {
	ID             string
	OrganizationID string
	Domain         string
	State          DomainState
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ConnectionState says whether a connection may be used to sign in.
type ConnectionState string

// Connection states.
const (
	ConnectionActive   ConnectionState = "active"
	ConnectionInactive ConnectionState = "inactive"
)

// Connection is one way to sign in (conn_…): an OAuth provider of the
// environment (no OrganizationID) or an SSO connection of one organization.
type Connection struct {
	ID             string
	OrganizationID string // empty for OAuth provider connections
	Type           string // GenericOIDC, GenericSAML, GoogleOAuth, …
	Name           string
	State          ConnectionState
	// Settings is the connector's non-secret configuration, JSON encoded.
	Settings []byte
	// Secrets is the connector's secret configuration, encrypted by the
	// caller; nil when the connection has none.
	Secrets   []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ConnectionFilter narrows ListConnections.
type ConnectionFilter struct {
	OrganizationID string
	Type           string
}

// User is a person who signs in (user_…). Email is unique case-insensitively.
type User struct {
	ID                string
	Email             string
	EmailVerified     bool
	FirstName         string
	LastName          string
	ProfilePictureURL string
	ExternalID        string // optional; unique when set
	PasswordHash      string // argon2id PHC string; empty when the user has no password
	LastSignInAt      time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Email          string // case-insensitive exact match
	OrganizationID string // members of that organization
}

// Identity links a user to a subject at an upstream connection (idp_…).
// (ConnectionID, Subject) is unique.
type Identity struct {
	ID           string
	UserID       string
	ConnectionID string
	Provider     string // the connection type at the time of linking
	Subject      string
	CreatedAt    time.Time
}

// MembershipStatus is an organization membership's status.
type MembershipStatus string

// Membership statuses.
const (
	MembershipActive   MembershipStatus = "active"
	MembershipPending  MembershipStatus = "pending"
	MembershipInactive MembershipStatus = "inactive"
)

// OrganizationMembership says a user belongs to an organization (om_…).
// (UserID, OrganizationID) is unique.
type OrganizationMembership struct {
	ID             string
	UserID         string
	OrganizationID string
	Role           string // role slug, "member" by default
	Status         MembershipStatus
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// MembershipFilter narrows ListOrganizationMemberships.
type MembershipFilter struct {
	UserID         string
	OrganizationID string
}

// Session is a signed-in user at an application (session_…).
type Session struct {
	ID             string
	UserID         string
	ApplicationID  string
	OrganizationID string
	AuthMethod     string
	IPAddress      string
	UserAgent      string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	RevokedAt      time.Time // zero while the session is live
}

// AuthCode is a one-time authorization code, stored by hash.
type AuthCode struct {
	Hash           string
	ApplicationID  string
	RedirectURI    string
	CodeChallenge  string // S256 challenge; empty when none was sent
	UserID         string
	OrganizationID string
	SessionID      string
	AuthMethod     string
	// Extra carries what the code exchange must return besides the user
	// (for example the upstream's OAuth tokens), encrypted by the caller.
	Extra      []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
	ConsumedAt time.Time // zero until used
}

// SessionGrant is what minting tokens for a session needs, read in one
// query with the code or refresh token that asks for them. A record that is
// missing is zero: the session (a code without one), its user, or the
// membership (no organization, or the user is no member of it).
type SessionGrant struct {
	Session    Session
	User       User
	Membership OrganizationMembership
}

// RefreshToken is a rotating refresh token, stored by hash (rt_…).
type RefreshToken struct {
	ID             string
	Hash           string
	SessionID      string
	ApplicationID  string
	OrganizationID string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	UsedAt         time.Time // zero until rotated; revocation also sets it
}

// SigningKey signs access tokens (jwk_…; the ID is the JWT kid).
type SigningKey struct {
	ID         string
	Algorithm  string // RS256, ES256
	PrivateKey []byte // encrypted by the caller
	PublicKey  []byte // JWK JSON
	CreatedAt  time.Time
	RetiredAt  time.Time // zero while the key signs
	ExpiresAt  time.Time // zero while published indefinitely
}

// EmailVerification is a one-time code that proves a user controls their
// email address (email_verification_…). Only a keyed hash of the code is
// stored.
type EmailVerification struct {
	ID         string
	UserID     string
	CodeHash   string
	Attempts   int // attempts at the code so far, right or wrong
	CreatedAt  time.Time
	ExpiresAt  time.Time
	ConsumedAt time.Time // zero until the right code was entered
}

// PasswordReset is a single-use password reset token, stored by hash.
type PasswordReset struct {
	Hash      string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}

// RateLimit is a fixed-window counter of the hosted login's rate limits.
type RateLimit struct {
	Key         string
	WindowStart time.Time
	Count       int64
	LastAt      time.Time // when it was last hit
}

// Branding is how the hosted pages look for an application.
type Branding struct {
	LogoURL     string
	AccentColor string // #rgb or #rrggbb; empty for the default
}
