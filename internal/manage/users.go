package manage

import (
	"context"
	"errors"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Password lengths (NIST SP 800-63B §5.1.1.2: at least 8 characters, and
// accept long passphrases). The upper bound keeps hashing cheap enough.
const (
	minPassword = 8
	maxPassword = 1024
)

// UserInput is a new user.
type UserInput struct {
	Email         string
	EmailVerified bool
	FirstName     string
	LastName      string
	ExternalID    string
	Password      string // empty: the user signs in through a connection only
}

// UserUpdate changes the fields that are not nil. Password sets the
// user's password.
type UserUpdate struct {
	Email         *string
	EmailVerified *bool
	FirstName     *string
	LastName      *string
	ExternalID    *string
	Password      *string
}

// CreateUser creates a user, hashing the password when one is given.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (store.User, error) {
	now := s.now()
	u := store.User{ID: id.New(id.User), Email: in.Email, EmailVerified: in.EmailVerified, FirstName: in.FirstName,
		LastName: in.LastName, ExternalID: in.ExternalID, CreatedAt: now, UpdatedAt: now}
	var p problems
	if p.required("email", u.Email) {
		p.check("email", config.CheckEmail(u.Email))
	}
	checkUserNames(&p, u)
	checkExternalID(&p, u.ExternalID)
	if err := p.err(); err != nil {
		return store.User{}, err
	}
	if err := s.setPassword(&u, in.Password, in.Password != ""); err != nil {
		return store.User{}, err
	}
	if err := s.userClaimable(ctx, u, "user_creation_error"); err != nil {
		return store.User{}, err
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.User{}, emailTaken("user_creation_error")
		}
		return store.User{}, fail("create user", err)
	}
	return u, nil
}

// UpdateUser changes a user; Password, when set, replaces the password.
func (s *Service) UpdateUser(ctx context.Context, userID string, up UserUpdate) (store.User, error) {
	u, err := existing(ctx, s.Store.GetUser, "User", userID)
	if err != nil {
		return store.User{}, err
	}
	var p problems
	if up.Email != nil {
		u.Email = *up.Email
		if p.required("email", u.Email) {
			p.check("email", config.CheckEmail(u.Email))
		}
	}
	set(&u.EmailVerified, up.EmailVerified)
	set(&u.FirstName, up.FirstName)
	set(&u.LastName, up.LastName)
	set(&u.ExternalID, up.ExternalID)
	checkUserNames(&p, u)
	checkExternalID(&p, u.ExternalID)
	if err := p.err(); err != nil {
		return store.User{}, err
	}
	if up.Password != nil {
		if err := s.setPassword(&u, *up.Password, true); err != nil {
			return store.User{}, err
		}
	}
	if err := s.userClaimable(ctx, u, "email_not_available"); err != nil {
		return store.User{}, err
	}
	u.UpdatedAt = s.now()
	if err := s.Store.UpdateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.User{}, emailTaken("email_not_available")
		}
		return store.User{}, orNotFound(err, "User", userID)
	}
	return u, nil
}

// SetPassword replaces a user's password.
func (s *Service) SetPassword(ctx context.Context, userID, pw string) (store.User, error) {
	return s.UpdateUser(ctx, userID, UserUpdate{Password: &pw})
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func checkUserNames(p *problems, u store.User) {
	for _, f := range []struct{ field, value string }{{"first_name", u.FirstName}, {"last_name", u.LastName}} {
		if len(f.value) > maxName {
			p.add(f.field, "too_long", "must be at most %d characters", maxName)
		}
	}
}

// setPassword checks pw and stores its hash on u; required says an empty
// password is an error rather than "no password".
func (s *Service) setPassword(u *store.User, pw string, required bool) error {
	if !required {
		return nil
	}
	var code, msg string
	switch {
	case len([]rune(pw)) < minPassword:
		code, msg = "password_too_short", "The password must be at least 8 characters long."
	case len(pw) > maxPassword:
		code, msg = "password_too_long", "The password must be at most 1024 bytes long."
	}
	if code != "" {
		return &Error{Kind: Rejected, Code: "password_strength_error", Message: "Password does not meet strength requirements.",
			Fields: []FieldError{{Field: "password", Code: code, Message: msg}}}
	}
	h, err := password.Hash(pw, s.PasswordParams)
	if err != nil {
		return fail("hash password", err)
	}
	u.PasswordHash = h
	return nil
}

// userClaimable refuses an email or external ID that another user has.
// code is the WorkOS error code of a taken email for the operation:
// user_creation_error on create (which then lists the field at fault),
// email_not_available on update.
func (s *Service) userClaimable(ctx context.Context, u store.User, code string) error {
	other, err := s.Store.GetUserByEmail(ctx, u.Email)
	switch {
	case err == nil && other.ID != u.ID:
		return emailTaken(code)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return fail("find user by email", err)
	}
	if u.ExternalID == "" {
		return nil
	}
	other, err = s.Store.GetUserByExternalID(ctx, u.ExternalID)
	switch {
	case err == nil && other.ID != u.ID && code == "user_creation_error":
		return &Error{Kind: Rejected, Code: code, Message: "Could not create user.", Fields: []FieldError{
			{Field: "external_id", Code: "external_id_already_used", Message: "The external_id is already used by another user."}}}
	case err == nil && other.ID != u.ID:
		return &Error{Kind: Rejected, Code: "external_id_already_used", Message: "The external_id is already used by another user."}
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return fail("find user by external id", err)
	}
	return nil
}

// emailTaken is the WorkOS refusal of an email another user has: on
// create a user_creation_error listing email_not_available, on update
// email_not_available itself.
func emailTaken(code string) error {
	e := &Error{Kind: Rejected, Code: code, Message: "This email is not available."}
	if code == "user_creation_error" {
		e.Message = "Could not create user."
		e.Fields = []FieldError{{Field: "email", Code: "email_not_available", Message: "This email is not available."}}
	}
	return e
}

// GetUser returns a user.
func (s *Service) GetUser(ctx context.Context, userID string) (store.User, error) {
	return existing(ctx, s.Store.GetUser, "User", userID)
}

// GetUserByExternalID finds a user by their external ID.
func (s *Service) GetUserByExternalID(ctx context.Context, externalID string) (store.User, error) {
	return existing(ctx, s.Store.GetUserByExternalID, "User", externalID)
}

// ListUsers returns a page of users.
func (s *Service) ListUsers(ctx context.Context, f store.UserFilter, opts store.ListOptions) ([]store.User, store.ListMetadata, error) {
	users, meta, err := s.Store.ListUsers(ctx, f, opts)
	if err != nil {
		return nil, meta, fail("list users", err)
	}
	return users, meta, nil
}

// DeleteUser deletes a user with their identities, memberships and
// sessions.
func (s *Service) DeleteUser(ctx context.Context, userID string) error {
	if err := s.Store.DeleteUser(ctx, userID); err != nil {
		return orNotFound(err, "User", userID)
	}
	return nil
}
