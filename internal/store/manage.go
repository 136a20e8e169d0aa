package store

// OrganizationFilter narrows FindOrganizations; empty fields match every
// organization.
type OrganizationFilter struct {
	// Domains keeps organizations that have any of these domains,
	// compared case-insensitively.
	Domains []string
	// Search keeps organizations whose name contains it, compared
	// case-insensitively.
	Search string
}
