package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/postgres"
	"github.com/latchkeyhq/latchkey/internal/store/postgres/pgtest"
)

func openForWatch(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func watchOrg(externalID string) store.Organization {
	now := time.Now()
	return store.Organization{ID: id.New(id.Organization), Name: "Acme", ExternalID: externalID, CreatedAt: now, UpdatedAt: now}
}

// TestWatch: a node hears, within a notification's delay, every committed
// write another node makes to what authorize caches in its schema, and
// nothing else.
func TestWatch(t *testing.T) {
	url := pgtest.URL(t)
	writer, watcher := openForWatch(t, url), openForWatch(t, url)
	elsewhere := openForWatch(t, pgtest.URL(t)) // another schema of the same database

	ctx, cancel := context.WithCancel(t.Context())
	heard := make(chan struct{}, 100)
	done := make(chan error, 1)
	go func() { done <- watcher.Watch(ctx, func() { heard <- struct{}{} }) }()
	wait := func(what string) {
		t.Helper()
		select {
		case <-heard:
		case err := <-done:
			t.Fatalf("%s: Watch returned %v", what, err)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no notification within 5s", what)
		}
	}
	quiet := func(what string) {
		t.Helper()
		select {
		case <-heard:
			t.Fatalf("%s: notified", what)
		case <-time.After(300 * time.Millisecond):
		}
	}
	wait("listening") // the first call, once LISTEN is in place

	tests := []struct {
		name   string
		write  func() error
		notify bool
	}{
		{"cached write", func() error { return writer.CreateOrganization(ctx, watchOrg("ext-1")) }, true},
		{"rolled back write", func() error { _ = writer.CreateOrganization(ctx, watchOrg("ext-1")); return nil }, false},
		{"uncached write", func() error {
			return writer.CreateUser(ctx, store.User{ID: id.New(id.User), Email: "a@b.test", CreatedAt: time.Now(), UpdatedAt: time.Now()})
		}, false},
		{"another schema", func() error { return elsewhere.CreateOrganization(ctx, watchOrg("")) }, false},
		{"multi-statement write", func() error {
			o := watchOrg("")
			return writer.CreateOrganizationWithDomains(ctx, o, []store.OrganizationDomain{{ID: id.New(id.OrganizationDomain),
				OrganizationID: o.ID, Domain: "acme.test", State: store.DomainVerified, CreatedAt: o.CreatedAt, UpdatedAt: o.CreatedAt}})
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.write(); err != nil {
				t.Fatal(err)
			}
			if tt.notify {
				wait(tt.name)
			} else {
				quiet(tt.name)
			}
		})
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Watch after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after its context ended")
	}
}
