package storetest

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

func generationTests() []subTest {
	return []subTest{
		{"IncreasesOnCachedWrites", testGenerationIncreases},
	}
}

// testGenerationIncreases: every write to a record that authorize caches
// moves the generation forward. (Writes to users need not.)
func testGenerationIncreases(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, org := newApplication(), newOrganization()
	uri := newRedirectURI(app.ID, store.RedirectLogin, "https://app.test/callback")
	origin := newCORSOrigin(app.ID, "https://app.test")
	domain := newDomain(org.ID, "acme.test")
	conn := newConnection(org.ID, "GenericOIDC")

	// Each step builds on the ones before it.
	steps := []struct {
		name  string
		write func() error
	}{
		{"CreateApplication", func() error { return s.CreateApplication(ctx, app) }},
		{"UpdateApplication", func() error {
			app.Name, app.UpdatedAt = "Renamed "+app.ID, at(time.Hour)
			return s.UpdateApplication(ctx, app)
		}},
		{"CreateRedirectURI", func() error { return s.CreateRedirectURI(ctx, uri) }},
		{"DeleteRedirectURI", func() error { return s.DeleteRedirectURI(ctx, uri.ID) }},
		{"CreateCORSOrigin", func() error { return s.CreateCORSOrigin(ctx, origin) }},
		{"DeleteCORSOrigin", func() error { return s.DeleteCORSOrigin(ctx, origin.ID) }},
		{"CreateOrganization", func() error { return s.CreateOrganization(ctx, org) }},
		{"UpdateOrganization", func() error {
			org.Name, org.UpdatedAt = "Renamed", at(time.Hour)
			return s.UpdateOrganization(ctx, org)
		}},
		{"CreateOrganizationDomain", func() error { return s.CreateOrganizationDomain(ctx, domain) }},
		{"DeleteOrganizationDomain", func() error { return s.DeleteOrganizationDomain(ctx, domain.ID) }},
		{"CreateConnection", func() error { return s.CreateConnection(ctx, conn) }},
		{"UpdateConnection", func() error {
			conn.State, conn.UpdatedAt = store.ConnectionInactive, at(time.Hour)
			return s.UpdateConnection(ctx, conn)
		}},
		{"DeleteConnection", func() error { return s.DeleteConnection(ctx, conn.ID) }},
		{"DeleteOrganization", func() error { return s.DeleteOrganization(ctx, org.ID) }},
	}
	for _, st := range steps {
		failed := false
		t.Run(st.name, func(t *testing.T) {
			before, err := s.Generation(ctx)
			must(t, "Generation before", err)
			if err := st.write(); err != nil {
				failed = true
				t.Fatalf("%s: %v", st.name, err)
			}
			after, err := s.Generation(ctx)
			must(t, "Generation after", err)
			if after <= before {
				t.Errorf("Generation after %s = %d, want more than %d", st.name, after, before)
			}
		})
		if failed {
			return // later steps build on this one
		}
	}
}
