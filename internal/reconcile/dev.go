package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/latchkeyhq/latchkey/internal/apikey"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// The development application created on a zero-configuration start.
const (
	DevApplicationName = "Development"
	DevRedirectURI     = "http://localhost:3000/callback"
	DevLogoutURI       = "http://localhost:3000/"
	DevOrigin          = "http://localhost:3000"
)

// DevApplication describes the development application for the start-up
// banner. APIKey is set only on the start that created the key: keys are
// stored hashed and cannot be shown again.
type DevApplication struct {
	ClientID    string
	RedirectURI string
	APIKey      string
	Created     bool
}

// EnsureDevApplication finds the development application by name or
// creates it, then makes sure it has its redirect URI, logout URI, CORS
// origin and an API key. Each part is checked on its own, so a start that
// was interrupted half-way is completed by the next one rather than left
// half-written.
func EnsureDevApplication(ctx context.Context, st store.Store, now time.Time) (DevApplication, error) {
	now = now.UTC()
	dev := DevApplication{RedirectURI: DevRedirectURI}
	app, err := st.GetApplicationByName(ctx, DevApplicationName)
	switch {
	case errors.Is(err, store.ErrNotFound):
		app = store.Application{ID: id.New(id.Application), Name: DevApplicationName, CreatedAt: now, UpdatedAt: now}
		err := st.CreateApplication(ctx, app)
		if errors.Is(err, store.ErrConflict) { // another node created it meanwhile
			app, err = st.GetApplicationByName(ctx, DevApplicationName)
		} else {
			dev.Created = err == nil
		}
		if err != nil {
			return dev, fmt.Errorf("reconcile: create development application: %w", err)
		}
	case err != nil:
		return dev, fmt.Errorf("reconcile: find development application: %w", err)
	}
	dev.ClientID = app.ID

	for _, r := range []struct {
		kind store.RedirectKind
		uri  string
	}{{store.RedirectLogin, DevRedirectURI}, {store.RedirectLogout, DevLogoutURI}} {
		if err := ensureRedirectURI(ctx, st, app.ID, r.kind, r.uri, now); err != nil {
			return dev, err
		}
	}
	if err := ensureCORSOrigin(ctx, st, app.ID, DevOrigin, now); err != nil {
		return dev, err
	}
	keys, err := st.ListAPIKeys(ctx, app.ID)
	if err != nil {
		return dev, fmt.Errorf("reconcile: list API keys: %w", err)
	}
	if len(keys) == 0 {
		key := apikey.Generate()
		if err := createAPIKey(ctx, st, app.ID, "development", key, now); err != nil {
			return dev, err
		}
		dev.APIKey = key
	}
	return dev, nil
}

func ensureRedirectURI(ctx context.Context, st store.Store, appID string, kind store.RedirectKind, uri string, now time.Time) error {
	have, err := st.ListRedirectURIs(ctx, appID, kind)
	if err != nil {
		return fmt.Errorf("reconcile: list redirect URIs: %w", err)
	}
	if slices.ContainsFunc(have, func(r store.RedirectURI) bool { return r.URI == uri }) {
		return nil
	}
	err = st.CreateRedirectURI(ctx, store.RedirectURI{ID: id.New(id.RedirectURI), ApplicationID: appID,
		Kind: kind, URI: uri, Default: len(have) == 0, CreatedAt: now, UpdatedAt: now})
	if err != nil && !errors.Is(err, store.ErrConflict) { // another node won the race
		return fmt.Errorf("reconcile: add redirect URI %s: %w", uri, err)
	}
	return nil
}

func ensureCORSOrigin(ctx context.Context, st store.Store, appID, origin string, now time.Time) error {
	have, err := st.ListCORSOrigins(ctx, appID)
	if err != nil {
		return fmt.Errorf("reconcile: list CORS origins: %w", err)
	}
	if slices.ContainsFunc(have, func(o store.CORSOrigin) bool { return o.Origin == origin }) {
		return nil
	}
	err = st.CreateCORSOrigin(ctx, store.CORSOrigin{ID: id.New(id.CORSOrigin), ApplicationID: appID, Origin: origin, CreatedAt: now})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("reconcile: add CORS origin %s: %w", origin, err)
	}
	return nil
}

func createAPIKey(ctx context.Context, st store.Store, appID, name, key string, now time.Time) error {
	hash, err := apikey.Hash(key)
	if err != nil {
		return fmt.Errorf("reconcile: hash API key: %w", err)
	}
	err = st.CreateAPIKey(ctx, store.APIKey{ID: id.New(id.APIKey), ApplicationID: appID, Name: name,
		Prefix: apikey.Prefix(key), Hash: hash, CreatedAt: now})
	if err != nil {
		return fmt.Errorf("reconcile: add API key: %w", err)
	}
	return nil
}
