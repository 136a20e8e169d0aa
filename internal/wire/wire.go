// Package wire holds the JSON shapes of Latchkey's objects as the WorkOS
// API sends them (the OpenAPI document's schemas), and the conversions
// from store records. Every endpoint that returns an object uses these, so
// one shape has one definition.
package wire

import (
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Time formats t as WorkOS does: UTC, millisecond precision.
func Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// optTime is Time, or null for the zero time.
func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := Time(t)
	return &s
}

// optString is s, or null when empty.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// User is the OpenAPI UserlandUser schema.
type User struct {
	Object            string            `json:"object"`
	ID                string            `json:"id"`
	Email             string            `json:"email"`
	EmailVerified     bool              `json:"email_verified"`
	FirstName         *string           `json:"first_name"`
	LastName          *string           `json:"last_name"`
	ProfilePictureURL *string           `json:"profile_picture_url"`
	ExternalID        *string           `json:"external_id"`
	Metadata          map[string]string `json:"metadata"`
	LastSignInAt      *string           `json:"last_sign_in_at"`
	CreatedAt         string            `json:"created_at"`
	UpdatedAt         string            `json:"updated_at"`
}

// FromUser converts a stored user.
func FromUser(u store.User) User {
	return User{
		Object: "user", ID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified,
		FirstName: optString(u.FirstName), LastName: optString(u.LastName),
		ProfilePictureURL: optString(u.ProfilePictureURL), ExternalID: optString(u.ExternalID),
		Metadata: map[string]string{}, LastSignInAt: optTime(u.LastSignInAt),
		CreatedAt: Time(u.CreatedAt), UpdatedAt: Time(u.UpdatedAt),
	}
}

// AuthenticateResponse is the OpenAPI UserlandAuthenticateResponse schema.
type AuthenticateResponse struct {
	User                 User         `json:"user"`
	OrganizationID       string       `json:"organization_id,omitempty"`
	AccessToken          string       `json:"access_token"`
	RefreshToken         string       `json:"refresh_token"`
	AuthenticationMethod string       `json:"authentication_method,omitempty"`
	OAuthTokens          *OAuthTokens `json:"oauth_tokens,omitempty"`
}

// OAuthTokens are an upstream provider's tokens in the authenticate response.
type OAuthTokens struct {
	Provider     string   `json:"provider"`
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	ExpiresAt    int64    `json:"expires_at"`
	Scopes       []string `json:"scopes"`
}
