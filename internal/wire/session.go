package wire

import (
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Session is an item of the OpenAPI list of a user's sessions
// (GET /user_management/users/{id}/sessions).
type Session struct {
	Object         string  `json:"object"` // "session"
	ID             string  `json:"id"`
	UserID         string  `json:"user_id"`
	OrganizationID string  `json:"organization_id,omitempty"`
	IPAddress      *string `json:"ip_address"`
	UserAgent      *string `json:"user_agent"`
	AuthMethod     string  `json:"auth_method"`
	Status         string  `json:"status"` // active, expired or revoked
	ExpiresAt      string  `json:"expires_at"`
	EndedAt        *string `json:"ended_at"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
}

// FromSession converts a stored session as it stands at now.
func FromSession(s store.Session, now time.Time) Session {
	out := Session{
		Object: "session", ID: s.ID, UserID: s.UserID, OrganizationID: s.OrganizationID,
		IPAddress: optString(s.IPAddress), UserAgent: optString(s.UserAgent), AuthMethod: SessionAuthMethod(s.AuthMethod),
		Status: "active", ExpiresAt: Time(s.ExpiresAt), CreatedAt: Time(s.CreatedAt), UpdatedAt: Time(s.CreatedAt),
	}
	switch {
	case !s.RevokedAt.IsZero():
		out.Status, out.EndedAt, out.UpdatedAt = "revoked", optTime(s.RevokedAt), Time(s.RevokedAt)
	case !now.Before(s.ExpiresAt):
		out.Status, out.EndedAt = "expired", optTime(s.ExpiresAt)
	}
	return out
}

// SessionAuthMethod maps the authentication method Latchkey records (the
// authenticate response's authentication_method: Password, SSO,
// GoogleOAuth, …) to the session object's lower-case enum.
func SessionAuthMethod(m string) string {
	switch {
	case m == "SSO":
		return "sso"
	case m == "Password":
		return "password"
	case m == "MagicAuth":
		return "magic_code"
	case m == "Passkey":
		return "passkey"
	case m == "Impersonation":
		return "impersonation"
	case strings.HasSuffix(m, "OAuth"):
		return "oauth"
	}
	return "unknown"
}
