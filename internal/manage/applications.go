package manage

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// An application's redirect URIs and CORS origins. The API acts on the
// application whose key authenticated the request; the CLI names it.

// Application finds an application by client ID or, when clientID is
// empty and the deployment has exactly one application (as a zero-config
// start does), that one.
func (s *Service) Application(ctx context.Context, clientID string) (store.Application, error) {
	if clientID != "" {
		return existing(ctx, s.Store.GetApplication, "Application", clientID)
	}
	apps, meta, err := s.Store.ListApplications(ctx, store.ListOptions{Limit: 2})
	if err != nil {
		return store.Application{}, fail("list applications", err)
	}
	if len(apps) != 1 || meta.After != "" {
		return store.Application{}, &Error{Kind: Invalid, Code: "invalid_request_parameters",
			Message: fmt.Sprintf("There are %s applications: name one by its client ID.", countWord(len(apps)))}
	}
	return apps[0], nil
}

func countWord(n int) string {
	if n == 0 {
		return "no"
	}
	return "several"
}

// AddRedirectURI registers a redirect URI (or, with RedirectLogout, a
// logout return URI) of an application. The first of its kind becomes the
// default.
func (s *Service) AddRedirectURI(ctx context.Context, appID string, kind store.RedirectKind, uri string) (store.RedirectURI, error) {
	var p problems
	if p.required("uri", uri) {
		p.check("uri", config.ValidateRedirectURI(uri))
	}
	if err := p.err(); err != nil {
		return store.RedirectURI{}, err
	}
	have, err := s.Store.ListRedirectURIs(ctx, appID, kind)
	if err != nil {
		return store.RedirectURI{}, fail("list redirect uris", err)
	}
	// The WorkOS API refuses a duplicate as invalid input (422).
	duplicate := &Error{Kind: Invalid, Code: "invalid_request_parameters", Message: fmt.Sprintf("Redirect URI '%s' already exists.", uri),
		Fields: []FieldError{{Field: "uri", Code: "duplicate", Message: "already exists"}}}
	if slices.ContainsFunc(have, func(r store.RedirectURI) bool { return r.URI == uri }) {
		return store.RedirectURI{}, duplicate
	}
	now := s.now()
	r := store.RedirectURI{ID: id.New(id.RedirectURI), ApplicationID: appID, Kind: kind, URI: uri,
		Default: len(have) == 0, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateRedirectURI(ctx, r); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.RedirectURI{}, duplicate
		}
		return store.RedirectURI{}, orNotFound(err, "Application", appID)
	}
	return r, nil
}

// ListRedirectURIs returns an application's redirect URIs of one kind,
// oldest first.
func (s *Service) ListRedirectURIs(ctx context.Context, appID string, kind store.RedirectKind) ([]store.RedirectURI, error) {
	rs, err := s.Store.ListRedirectURIs(ctx, appID, kind)
	if err != nil {
		return nil, fail("list redirect uris", err)
	}
	return rs, nil
}

// DeleteRedirectURI removes one of an application's redirect URIs (of
// either kind); one of another application is not found.
func (s *Service) DeleteRedirectURI(ctx context.Context, appID, uriID string) error {
	for _, kind := range []store.RedirectKind{store.RedirectLogin, store.RedirectLogout} {
		rs, err := s.ListRedirectURIs(ctx, appID, kind)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(rs, func(r store.RedirectURI) bool { return r.ID == uriID }) {
			if err := s.Store.DeleteRedirectURI(ctx, uriID); err != nil {
				return orNotFound(err, "Redirect URI", uriID)
			}
			return nil
		}
	}
	return notFound("Redirect URI", uriID)
}

// AddCORSOrigin allows an origin to call the browser-facing endpoints.
func (s *Service) AddCORSOrigin(ctx context.Context, appID, origin string) (store.CORSOrigin, error) {
	var p problems
	if p.required("origin", origin) {
		p.check("origin", config.ValidateCORSOrigin(origin))
	}
	if err := p.err(); err != nil {
		return store.CORSOrigin{}, err
	}
	duplicate := &Error{Kind: Conflict, Code: "duplicate_cors_origin", Message: "CORS origin already exists."}
	have, err := s.ListCORSOrigins(ctx, appID)
	if err != nil {
		return store.CORSOrigin{}, err
	}
	if slices.ContainsFunc(have, func(o store.CORSOrigin) bool { return o.Origin == origin }) {
		return store.CORSOrigin{}, duplicate
	}
	o := store.CORSOrigin{ID: id.New(id.CORSOrigin), ApplicationID: appID, Origin: origin, CreatedAt: s.now()}
	if err := s.Store.CreateCORSOrigin(ctx, o); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.CORSOrigin{}, duplicate
		}
		return store.CORSOrigin{}, orNotFound(err, "Application", appID)
	}
	return o, nil
}

// ListCORSOrigins returns an application's CORS origins.
func (s *Service) ListCORSOrigins(ctx context.Context, appID string) ([]store.CORSOrigin, error) {
	os, err := s.Store.ListCORSOrigins(ctx, appID)
	if err != nil {
		return nil, fail("list cors origins", err)
	}
	return os, nil
}

// DeleteCORSOrigin removes one of an application's CORS origins.
func (s *Service) DeleteCORSOrigin(ctx context.Context, appID, originID string) error {
	os, err := s.ListCORSOrigins(ctx, appID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(os, func(o store.CORSOrigin) bool { return o.ID == originID }) {
		return notFound("CORS origin", originID)
	}
	if err := s.Store.DeleteCORSOrigin(ctx, originID); err != nil {
		return orNotFound(err, "CORS origin", originID)
	}
	return nil
}
