// Package reconcile writes what the configuration file declares into the
// store, idempotently: a second run with the same file writes nothing. It
// only creates and updates; objects created through the management API, or
// removed from the file, are left alone.
package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/apikey"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Reconciler applies a configuration file to a store.
type Reconciler struct {
	Store store.Store
	// Secrets encrypts connection secrets; the connection ID is the
	// associated data, so a ciphertext cannot be moved to another row.
	Secrets *secrets.Box
	// PasswordParams are the argon2id costs for declared user passwords.
	PasswordParams password.Params
	Now            func() time.Time
}

// Result reports what a run created, for the start-up banner.
type Result struct {
	// Applications maps each declared application name to its client ID.
	Applications map[string]string
	// GeneratedKeys maps an application name to the API key generated for
	// it because the file declared none and it had none yet.
	GeneratedKeys map[string]string
}

// Apply reconciles f into the store.
func (r *Reconciler) Apply(ctx context.Context, f *config.File) (Result, error) {
	res := Result{Applications: map[string]string{}, GeneratedKeys: map[string]string{}}
	now := r.Now().UTC()
	for _, a := range f.Applications {
		clientID, key, err := r.application(ctx, a, now)
		if err != nil {
			return res, err
		}
		res.Applications[a.Name] = clientID
		if key != "" {
			res.GeneratedKeys[a.Name] = key
		}
	}
	for _, o := range f.Organizations {
		if err := r.organization(ctx, o, now); err != nil {
			return res, err
		}
	}
	for _, c := range f.Connections {
		if err := r.connection(ctx, c, now); err != nil {
			return res, err
		}
	}
	for _, u := range f.Users {
		if err := r.user(ctx, u, now); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (r *Reconciler) application(ctx context.Context, a config.Application, now time.Time) (clientID, generatedKey string, err error) {
	var app store.Application
	if a.ClientID != "" {
		app, err = r.Store.GetApplication(ctx, a.ClientID)
	} else {
		app, err = r.Store.GetApplicationByName(ctx, a.Name)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		app = store.Application{ID: a.ClientID, Name: a.Name, CreatedAt: now, UpdatedAt: now}
		if app.ID == "" {
			app.ID = id.New(id.Application)
		}
		if err := r.Store.CreateApplication(ctx, app); err != nil {
			return "", "", fmt.Errorf("reconcile: application %q: %w", a.Name, err)
		}
	case err != nil:
		return "", "", fmt.Errorf("reconcile: application %q: %w", a.Name, err)
	case app.Name != a.Name:
		app.Name, app.UpdatedAt = a.Name, now
		if err := r.Store.UpdateApplication(ctx, app); err != nil {
			return "", "", fmt.Errorf("reconcile: application %q: %w", a.Name, err)
		}
	}
	for _, set := range []struct {
		kind store.RedirectKind
		uris []string
	}{{store.RedirectLogin, a.RedirectURIs}, {store.RedirectLogout, a.LogoutRedirectURIs}} {
		for _, u := range set.uris {
			if err := ensureRedirectURI(ctx, r.Store, app.ID, set.kind, u, now); err != nil {
				return "", "", err
			}
		}
	}
	for _, o := range a.CORSOrigins {
		if err := ensureCORSOrigin(ctx, r.Store, app.ID, o, now); err != nil {
			return "", "", err
		}
	}
	if err := ensureBranding(ctx, r.Store, app.ID, a.Branding); err != nil {
		return "", "", fmt.Errorf("reconcile: application %q: %w", a.Name, err)
	}
	keys, err := r.Store.ListAPIKeys(ctx, app.ID)
	if err != nil {
		return "", "", fmt.Errorf("reconcile: application %q: list API keys: %w", a.Name, err)
	}
	for i, k := range a.APIKeys {
		if slices.ContainsFunc(keys, func(s store.APIKey) bool { return s.Prefix == apikey.Prefix(k) && apikey.Verify(k, s.Hash) }) {
			continue
		}
		if err := createAPIKey(ctx, r.Store, app.ID, fmt.Sprintf("config %d", i+1), k, now); err != nil {
			return "", "", err
		}
	}
	if len(a.APIKeys) == 0 && len(keys) == 0 {
		generatedKey = apikey.Generate()
		if err := createAPIKey(ctx, r.Store, app.ID, "generated", generatedKey, now); err != nil {
			return "", "", err
		}
	}
	return app.ID, generatedKey, nil
}

func (r *Reconciler) organization(ctx context.Context, o config.Organization, now time.Time) error {
	org, err := r.findOrganization(ctx, o)
	switch {
	case errors.Is(err, store.ErrNotFound):
		org = store.Organization{ID: o.ID, Name: o.Name, CreatedAt: now, UpdatedAt: now}
		if org.ID == "" {
			org.ID = id.New(id.Organization)
		}
		if err := r.Store.CreateOrganization(ctx, org); err != nil {
			return fmt.Errorf("reconcile: organization %q: %w", o.Name, err)
		}
	case err != nil:
		return fmt.Errorf("reconcile: organization %q: %w", o.Name, err)
	case org.Name != o.Name:
		org.Name, org.UpdatedAt = o.Name, now
		if err := r.Store.UpdateOrganization(ctx, org); err != nil {
			return fmt.Errorf("reconcile: organization %q: %w", o.Name, err)
		}
	}
	for _, d := range o.Domains {
		have, err := r.Store.GetOrganizationDomainByName(ctx, d)
		switch {
		case err == nil && have.OrganizationID != org.ID:
			return fmt.Errorf("reconcile: organization %q: domain %s already belongs to %s", o.Name, d, have.OrganizationID)
		case err == nil:
			continue
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("reconcile: organization %q: domain %s: %w", o.Name, d, err)
		}
		err = r.Store.CreateOrganizationDomain(ctx, store.OrganizationDomain{ID: id.New(id.OrganizationDomain),
			OrganizationID: org.ID, Domain: strings.ToLower(d), State: store.DomainVerified, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			return fmt.Errorf("reconcile: organization %q: domain %s: %w", o.Name, d, err)
		}
	}
	return nil
}

// findOrganization finds a declared organization by its ID, or, when the
// file gives none, by name.
func (r *Reconciler) findOrganization(ctx context.Context, o config.Organization) (store.Organization, error) {
	if o.ID != "" {
		return r.Store.GetOrganization(ctx, o.ID)
	}
	opts := store.ListOptions{Limit: 100, Order: store.Asc}
	for {
		page, meta, err := r.Store.ListOrganizations(ctx, opts)
		if err != nil {
			return store.Organization{}, err
		}
		for _, org := range page {
			if org.Name == o.Name {
				return org, nil
			}
		}
		if meta.After == "" {
			return store.Organization{}, store.ErrNotFound
		}
		opts.After = meta.After
	}
}

func (r *Reconciler) connection(ctx context.Context, c config.Connection, now time.Time) error {
	settings, secret := connector.Split(c)
	settingsJSON, err := json.Marshal(settings)
	if err != nil {
		return fmt.Errorf("reconcile: connection %q: %w", c.Name, err)
	}
	state := store.ConnectionState(c.State)
	if state == "" {
		state = store.ConnectionActive
	}
	existing, err := r.findConnection(ctx, c)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("reconcile: connection %q: %w", c.Name, err)
	}
	want := store.Connection{ID: c.ID, OrganizationID: c.OrganizationID, Type: c.Type, Name: c.Name, State: state,
		Settings: settingsJSON, CreatedAt: now, UpdatedAt: now}
	if err == nil {
		want.ID, want.CreatedAt, want.UpdatedAt = existing.ID, existing.CreatedAt, existing.UpdatedAt
	} else if want.ID == "" {
		want.ID = id.New(id.Connection)
	}
	// Secrets are sealed with a fresh nonce each time, so compare the
	// plaintexts: re-sealing an unchanged secret would be a needless write.
	secretJSON, _ := json.Marshal(secret)
	if secret != (connector.Secrets{}) {
		if err == nil && len(existing.Secrets) > 0 {
			if old, oerr := r.Secrets.Open(existing.Secrets, []byte(existing.ID)); oerr == nil && bytes.Equal(old, secretJSON) {
				want.Secrets = existing.Secrets
			}
		}
		if want.Secrets == nil {
			want.Secrets = r.Secrets.Seal(secretJSON, []byte(want.ID))
		}
	}
	if err != nil {
		if err := r.Store.CreateConnection(ctx, want); err != nil {
			return fmt.Errorf("reconcile: connection %q: %w", c.Name, err)
		}
		return nil
	}
	if existing.OrganizationID == want.OrganizationID && existing.Type == want.Type && existing.Name == want.Name &&
		existing.State == want.State && bytes.Equal(existing.Settings, want.Settings) && bytes.Equal(existing.Secrets, want.Secrets) {
		return nil
	}
	want.UpdatedAt = now
	if err := r.Store.UpdateConnection(ctx, want); err != nil {
		return fmt.Errorf("reconcile: connection %q: %w", c.Name, err)
	}
	return nil
}

// findConnection finds a declared connection by ID, or, when the file gives
// none, by organization, type and name.
func (r *Reconciler) findConnection(ctx context.Context, c config.Connection) (store.Connection, error) {
	if c.ID != "" {
		return r.Store.GetConnection(ctx, c.ID)
	}
	opts := store.ListOptions{Limit: 100, Order: store.Asc}
	for {
		page, meta, err := r.Store.ListConnections(ctx, store.ConnectionFilter{OrganizationID: c.OrganizationID, Type: c.Type}, opts)
		if err != nil {
			return store.Connection{}, err
		}
		for _, conn := range page {
			if conn.Name == c.Name && conn.OrganizationID == c.OrganizationID {
				return conn, nil
			}
		}
		if meta.After == "" {
			return store.Connection{}, store.ErrNotFound
		}
		opts.After = meta.After
	}
}

func (r *Reconciler) user(ctx context.Context, u config.User, now time.Time) error {
	existing, err := r.Store.GetUserByEmail(ctx, u.Email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("reconcile: user %s: %w", u.Email, err)
	}
	want := existing
	if err != nil {
		want = store.User{ID: id.New(id.User), Email: u.Email, CreatedAt: now, UpdatedAt: now}
	}
	want.EmailVerified, want.FirstName, want.LastName = u.EmailVerified, u.FirstName, u.LastName
	// Hashes are salted, so verify rather than compare: rehash only when
	// the declared password changed.
	if u.Password != "" && (want.PasswordHash == "" || password.Verify(u.Password, want.PasswordHash) != nil) {
		h, herr := password.Hash(u.Password, r.PasswordParams)
		if herr != nil {
			return fmt.Errorf("reconcile: user %s: %w", u.Email, herr)
		}
		want.PasswordHash = h
	}
	switch {
	case err != nil:
		if err := r.Store.CreateUser(ctx, want); err != nil {
			return fmt.Errorf("reconcile: user %s: %w", u.Email, err)
		}
	case want != existing:
		want.UpdatedAt = now
		if err := r.Store.UpdateUser(ctx, want); err != nil {
			return fmt.Errorf("reconcile: user %s: %w", u.Email, err)
		}
	}
	for _, orgID := range u.Organizations {
		_, err := r.Store.GetOrganizationMembershipFor(ctx, want.ID, orgID)
		if err == nil {
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("reconcile: user %s: membership of %s: %w", u.Email, orgID, err)
		}
		err = r.Store.CreateOrganizationMembership(ctx, store.OrganizationMembership{ID: id.New(id.OrganizationMembership),
			UserID: want.ID, OrganizationID: orgID, Role: "member", Status: store.MembershipActive, CreatedAt: now, UpdatedAt: now})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("reconcile: user %s: membership of %s: %w", u.Email, orgID, err)
		}
	}
	return nil
}
