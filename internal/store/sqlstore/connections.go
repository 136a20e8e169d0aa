package sqlstore

import (
	"context"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Connections are cached by authorize, so every write bumps the generation.
// OrganizationID is NULL for the environment's OAuth providers, which
// keeps the foreign key to organizations satisfied.

const connectionCols = `id, COALESCE(organization_id, ''), type, name, state, settings, secrets, created_at, updated_at`

func (s *Store) scanConnection(r rowScanner) (store.Connection, error) {
	var c store.Connection
	err := r.Scan(&c.ID, &c.OrganizationID, &c.Type, &c.Name, &c.State, &c.Settings, &c.Secrets,
		s.tm(&c.CreatedAt), s.tm(&c.UpdatedAt))
	return c, err
}

// CreateConnection stores c.
func (s *Store) CreateConnection(ctx context.Context, c store.Connection) error {
	return s.change(ctx, "create connection "+c.ID, cached,
		`INSERT INTO connections (id, organization_id, type, name, state, settings, secrets, created_at, updated_at)
		 VALUES (?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.OrganizationID, c.Type, c.Name, string(c.State), blob(c.Settings), blob(c.Secrets),
		s.t(c.CreatedAt), s.t(c.UpdatedAt))
}

// GetConnection returns the connection with that ID.
func (s *Store) GetConnection(ctx context.Context, id string) (store.Connection, error) {
	return get(ctx, s, "get connection "+id, s.scanConnection,
		`SELECT `+connectionCols+` FROM connections WHERE id = ?`, id)
}

// UpdateConnection writes every field of c but ID and CreatedAt.
func (s *Store) UpdateConnection(ctx context.Context, c store.Connection) error {
	return s.change(ctx, "update connection "+c.ID, cached,
		`UPDATE connections SET organization_id = NULLIF(?, ''), type = ?, name = ?, state = ?,
		 settings = ?, secrets = ?, updated_at = ? WHERE id = ?`,
		c.OrganizationID, c.Type, c.Name, string(c.State), blob(c.Settings), blob(c.Secrets),
		s.t(c.UpdatedAt), c.ID)
}

// DeleteConnection removes a connection and the identities linked through
// it.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	return s.change(ctx, "delete connection "+id, cached, `DELETE FROM connections WHERE id = ?`, id)
}

// ListConnections returns a page of connections, filtered by organization
// and type when those are set.
func (s *Store) ListConnections(ctx context.Context, f store.ConnectionFilter, opts store.ListOptions) ([]store.Connection, store.ListMetadata, error) {
	l := listQuery{table: "connections", cols: connectionCols}
	if f.OrganizationID != "" {
		l.filter("organization_id = ?", f.OrganizationID)
	}
	if f.Type != "" {
		l.filter("type = ?", f.Type)
	}
	return list(ctx, s, "list connections", l, opts, s.scanConnection,
		func(c store.Connection) string { return c.ID })
}
