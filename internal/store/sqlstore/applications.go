package sqlstore

import (
	"context"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Applications and what hangs off them: redirect URIs, API keys and CORS
// origins. Everything but API keys is cached by authorize, so those writes
// bump the generation.

const applicationCols = `id, name, created_at, updated_at`

func (s *Store) scanApplication(r rowScanner) (store.Application, error) {
	var a store.Application
	err := r.Scan(&a.ID, &a.Name, s.tm(&a.CreatedAt), s.tm(&a.UpdatedAt))
	return a, err
}

// CreateApplication stores a; a name already taken is ErrConflict.
func (s *Store) CreateApplication(ctx context.Context, a store.Application) error {
	return s.change(ctx, "create application "+a.ID, cached,
		`INSERT INTO applications (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		a.ID, a.Name, s.t(a.CreatedAt), s.t(a.UpdatedAt))
}

// GetApplication returns the application with that ID.
func (s *Store) GetApplication(ctx context.Context, id string) (store.Application, error) {
	return get(ctx, s, "get application "+id, s.scanApplication,
		`SELECT `+applicationCols+` FROM applications WHERE id = ?`, id)
}

// GetApplicationByName returns the application with that exact name.
func (s *Store) GetApplicationByName(ctx context.Context, name string) (store.Application, error) {
	return get(ctx, s, "get application by name", s.scanApplication,
		`SELECT `+applicationCols+` FROM applications WHERE name = ?`, name)
}

// UpdateApplication writes every field of a but ID and CreatedAt.
func (s *Store) UpdateApplication(ctx context.Context, a store.Application) error {
	return s.change(ctx, "update application "+a.ID, cached,
		`UPDATE applications SET name = ?, updated_at = ? WHERE id = ?`,
		a.Name, s.t(a.UpdatedAt), a.ID)
}

// ListApplications returns a page of applications.
func (s *Store) ListApplications(ctx context.Context, opts store.ListOptions) ([]store.Application, store.ListMetadata, error) {
	l := listQuery{table: "applications", cols: applicationCols}
	return list(ctx, s, "list applications", l, opts, s.scanApplication,
		func(a store.Application) string { return a.ID })
}

const redirectURICols = `id, application_id, kind, uri, is_default, created_at, updated_at`

func (s *Store) scanRedirectURI(r rowScanner) (store.RedirectURI, error) {
	var u store.RedirectURI
	err := r.Scan(&u.ID, &u.ApplicationID, &u.Kind, &u.URI, &u.Default, s.tm(&u.CreatedAt), s.tm(&u.UpdatedAt))
	return u, err
}

// CreateRedirectURI stores r; the same URI twice for one application and
// kind is ErrConflict.
func (s *Store) CreateRedirectURI(ctx context.Context, r store.RedirectURI) error {
	return s.change(ctx, "create redirect uri "+r.ID, cached,
		`INSERT INTO redirect_uris (`+redirectURICols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ApplicationID, string(r.Kind), r.URI, r.Default, s.t(r.CreatedAt), s.t(r.UpdatedAt))
}

// ListRedirectURIs returns the application's URIs of that kind, oldest
// first.
func (s *Store) ListRedirectURIs(ctx context.Context, applicationID string, kind store.RedirectKind) ([]store.RedirectURI, error) {
	return all(ctx, s, "list redirect uris of "+applicationID, s.scanRedirectURI,
		`SELECT `+redirectURICols+` FROM redirect_uris WHERE application_id = ? AND kind = ? ORDER BY id`,
		applicationID, string(kind))
}

// DeleteRedirectURI removes a redirect URI.
func (s *Store) DeleteRedirectURI(ctx context.Context, id string) error {
	return s.change(ctx, "delete redirect uri "+id, cached, `DELETE FROM redirect_uris WHERE id = ?`, id)
}

const apiKeyCols = `id, application_id, name, prefix, hash, created_at`

func (s *Store) scanAPIKey(r rowScanner) (store.APIKey, error) {
	var k store.APIKey
	err := r.Scan(&k.ID, &k.ApplicationID, &k.Name, &k.Prefix, &k.Hash, s.tm(&k.CreatedAt))
	return k, err
}

// CreateAPIKey stores k.
func (s *Store) CreateAPIKey(ctx context.Context, k store.APIKey) error {
	return s.change(ctx, "create api key "+k.ID, notCached,
		`INSERT INTO api_keys (`+apiKeyCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.ApplicationID, k.Name, k.Prefix, k.Hash, s.t(k.CreatedAt))
}

// ListAPIKeysByPrefix returns the keys whose Prefix equals prefix, oldest
// first. A revoked key is deleted, so every stored key is unrevoked.
func (s *Store) ListAPIKeysByPrefix(ctx context.Context, prefix string) ([]store.APIKey, error) {
	return all(ctx, s, "list api keys by prefix", s.scanAPIKey,
		`SELECT `+apiKeyCols+` FROM api_keys WHERE prefix = ? ORDER BY id`, prefix)
}

// ListAPIKeys returns the application's keys, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context, applicationID string) ([]store.APIKey, error) {
	return all(ctx, s, "list api keys of "+applicationID, s.scanAPIKey,
		`SELECT `+apiKeyCols+` FROM api_keys WHERE application_id = ? ORDER BY id`, applicationID)
}

// DeleteAPIKey removes (revokes) a key.
func (s *Store) DeleteAPIKey(ctx context.Context, id string) error {
	return s.change(ctx, "delete api key "+id, notCached, `DELETE FROM api_keys WHERE id = ?`, id)
}

const corsOriginCols = `id, application_id, origin, created_at`

func (s *Store) scanCORSOrigin(r rowScanner) (store.CORSOrigin, error) {
	var o store.CORSOrigin
	err := r.Scan(&o.ID, &o.ApplicationID, &o.Origin, s.tm(&o.CreatedAt))
	return o, err
}

// CreateCORSOrigin stores o; an origin the application already has is
// ErrConflict.
func (s *Store) CreateCORSOrigin(ctx context.Context, o store.CORSOrigin) error {
	return s.change(ctx, "create cors origin "+o.ID, cached,
		`INSERT INTO cors_origins (`+corsOriginCols+`) VALUES (?, ?, ?, ?)`,
		o.ID, o.ApplicationID, o.Origin, s.t(o.CreatedAt))
}

// ListCORSOrigins returns the application's origins, oldest first.
func (s *Store) ListCORSOrigins(ctx context.Context, applicationID string) ([]store.CORSOrigin, error) {
	return all(ctx, s, "list cors origins of "+applicationID, s.scanCORSOrigin,
		`SELECT `+corsOriginCols+` FROM cors_origins WHERE application_id = ? ORDER BY id`, applicationID)
}

// DeleteCORSOrigin removes an origin.
func (s *Store) DeleteCORSOrigin(ctx context.Context, id string) error {
	return s.change(ctx, "delete cors origin "+id, cached, `DELETE FROM cors_origins WHERE id = ?`, id)
}
