package sqlstore

import (
	"context"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Users and the upstream identities linked to them.

const userCols = `id, email, email_verified, first_name, last_name, profile_picture_url,
	COALESCE(external_id, ''), password_hash, last_sign_in_at, created_at, updated_at`

// userDest returns the scan destinations of userCols.
func (s *Store) userDest(u *store.User) []any {
	return []any{&u.ID, &u.Email, &u.EmailVerified, &u.FirstName, &u.LastName, &u.ProfilePictureURL,
		&u.ExternalID, &u.PasswordHash, s.tm(&u.LastSignInAt), s.tm(&u.CreatedAt), s.tm(&u.UpdatedAt)}
}

func (s *Store) scanUser(r rowScanner) (store.User, error) {
	var u store.User
	err := r.Scan(s.userDest(&u)...)
	return u, err
}

// CreateUser stores u; an email taken in any case, or an ExternalID taken,
// is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	return s.change(ctx, "create user "+u.ID, notCached,
		`INSERT INTO users (id, email, email_verified, first_name, last_name, profile_picture_url,
		 external_id, password_hash, last_sign_in_at, created_at, updated_at)
		 VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?)`,
		u.ID, u.Email, u.EmailVerified, u.FirstName, u.LastName, u.ProfilePictureURL,
		u.ExternalID, u.PasswordHash, s.t(u.LastSignInAt), s.t(u.CreatedAt), s.t(u.UpdatedAt))
}

// GetUser returns the user with that ID.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	return get(ctx, s, "get user "+id, s.scanUser, `SELECT `+userCols+` FROM users WHERE id = ?`, id)
}

// GetUserByEmail finds a user case-insensitively.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	return get(ctx, s, "get user by email", s.scanUser,
		`SELECT `+userCols+` FROM users WHERE lower(email) = lower(?)`, email)
}

// UpdateUser writes every field of u but ID and CreatedAt.
func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	return s.change(ctx, "update user "+u.ID, notCached,
		`UPDATE users SET email = ?, email_verified = ?, first_name = ?, last_name = ?,
		 profile_picture_url = ?, external_id = NULLIF(?, ''), password_hash = ?,
		 last_sign_in_at = ?, updated_at = ? WHERE id = ?`,
		u.Email, u.EmailVerified, u.FirstName, u.LastName, u.ProfilePictureURL,
		u.ExternalID, u.PasswordHash, s.t(u.LastSignInAt), s.t(u.UpdatedAt), u.ID)
}

// DeleteUser removes a user with their identities, memberships and
// sessions.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.change(ctx, "delete user "+id, notCached, `DELETE FROM users WHERE id = ?`, id)
}

// ListUsers returns a page of users, filtered by email (case-insensitively)
// and organization membership when those are set.
func (s *Store) ListUsers(ctx context.Context, f store.UserFilter, opts store.ListOptions) ([]store.User, store.ListMetadata, error) {
	l := listQuery{table: "users", cols: userCols}
	if f.Email != "" {
		l.filter("lower(email) = lower(?)", f.Email)
	}
	if f.OrganizationID != "" {
		l.filter("id IN (SELECT user_id FROM organization_memberships WHERE organization_id = ?)", f.OrganizationID)
	}
	return list(ctx, s, "list users", l, opts, s.scanUser, func(u store.User) string { return u.ID })
}

const identityCols = `id, user_id, connection_id, provider, subject, created_at`

func (s *Store) scanIdentity(r rowScanner) (store.Identity, error) {
	var i store.Identity
	err := r.Scan(&i.ID, &i.UserID, &i.ConnectionID, &i.Provider, &i.Subject, s.tm(&i.CreatedAt))
	return i, err
}

// CreateIdentity stores i; a subject already linked at that connection is
// ErrConflict.
func (s *Store) CreateIdentity(ctx context.Context, i store.Identity) error {
	return s.change(ctx, "create identity "+i.ID, notCached,
		`INSERT INTO identities (`+identityCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		i.ID, i.UserID, i.ConnectionID, i.Provider, i.Subject, s.t(i.CreatedAt))
}

// GetIdentity returns the identity of subject at the connection.
func (s *Store) GetIdentity(ctx context.Context, connectionID, subject string) (store.Identity, error) {
	return get(ctx, s, "get identity at "+connectionID, s.scanIdentity,
		`SELECT `+identityCols+` FROM identities WHERE connection_id = ? AND subject = ?`, connectionID, subject)
}

// ListIdentities returns the user's identities, oldest first.
func (s *Store) ListIdentities(ctx context.Context, userID string) ([]store.Identity, error) {
	return all(ctx, s, "list identities of "+userID, s.scanIdentity,
		`SELECT `+identityCols+` FROM identities WHERE user_id = ? ORDER BY id`, userID)
}
