package wire

import "github.com/latchkeyhq/latchkey/internal/store"

// OrganizationMembership is the OpenAPI UserlandUserOrganizationMembership
// schema.
type OrganizationMembership struct {
	Object           string            `json:"object"` // "organization_membership"
	ID               string            `json:"id"`
	UserID           string            `json:"user_id"`
	OrganizationID   string            `json:"organization_id"`
	OrganizationName string            `json:"organization_name"`
	Status           string            `json:"status"`
	DirectoryManaged bool              `json:"directory_managed"`
	CustomAttributes map[string]string `json:"custom_attributes"`
	Role             Role              `json:"role"`
	User             User              `json:"user"`
	CreatedAt        string            `json:"created_at"`
	UpdatedAt        string            `json:"updated_at"`
}

// Role is the OpenAPI SlimRole schema.
type Role struct {
	Slug string `json:"slug"`
}

// FromMembership converts a stored membership with its user and the name
// of its organization.
func FromMembership(m store.OrganizationMembership, u store.User, organizationName string) OrganizationMembership {
	return OrganizationMembership{
		Object: "organization_membership", ID: m.ID, UserID: m.UserID, OrganizationID: m.OrganizationID,
		OrganizationName: organizationName, Status: string(m.Status), CustomAttributes: map[string]string{},
		Role: Role{Slug: m.Role}, User: FromUser(u), CreatedAt: Time(m.CreatedAt), UpdatedAt: Time(m.UpdatedAt),
	}
}
