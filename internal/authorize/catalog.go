package authorize

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Catalog is the read-through cache of what authorize looks up on every
// request: applications with their redirect URIs, organizations with their
// SSO connection, connections with their built connector. Authorize does
// no database round trip once an entry is cached. Every write to these
// records raises the store's generation; Refresh compares it and drops
// the whole cache when it moved, so every node converges on the next
// refresh (Run polls; a change notification can call Refresh directly).
type Catalog struct {
	store   store.Store
	build   ConnectorFactory
	log     *slog.Logger
	maxSize int

	mu    sync.RWMutex
	gen   int64
	apps  map[string]*Application  // nil value: known not to exist
	orgs  map[string]*Organization // nil value: known not to exist
	conns map[string]*Connection   // by ID; nil value: known not to exist
	// providers maps a connection type to the environment's active OAuth
	// connection of that type ("" when there is none).
	providers map[string]string
	// origins is the set of CORS origins of all applications; nil until
	// first needed.
	origins map[string]bool
}

// Application is a cached application.
type Application struct {
	ID        string
	Name      string
	redirects []redirectPattern
}

// Organization is a cached organization.
type Organization struct {
	ID   string
	Name string
	// SSOConnectionID is the organization's most recently created active
	// SSO connection, "" when it has none.
	SSOConnectionID string
}

// Connection is a cached connection with its connector, built on first use.
type Connection struct {
	store.Connection

	mu    sync.Mutex // serialises builds
	built atomic.Pointer[connector.CallbackConnector]
}

// ConnectorFactory builds the connector of a stored connection. It may do
// network I/O (OIDC discovery); the catalog calls it once per connection
// and generation.
type ConnectorFactory func(ctx context.Context, c store.Connection) (connector.CallbackConnector, error)

// maxEntries bounds each of the catalog's maps, which are cleared when
// full: unknown IDs must not make a node hold without limit, and neither
// must known ones. An organization with its connection and built
// connector takes about 2 KB, so at 100,000 entries a load over many
// organizations took a node to 300 MB; at 20,000 it stays near 120 MB
// (BENCHMARKS.md). A node serving more active organizations than that
// misses the cache more often, each miss two indexed queries.
const maxEntries = 20_000

// NewCatalog returns an empty catalog over st.
func NewCatalog(st store.Store, build ConnectorFactory, log *slog.Logger) *Catalog {
	c := &Catalog{store: st, build: build, log: log, maxSize: maxEntries}
	c.reset(0)
	return c
}

func (c *Catalog) reset(gen int64) {
	c.gen = gen
	c.apps = map[string]*Application{}
	c.orgs = map[string]*Organization{}
	c.conns = map[string]*Connection{}
	c.providers = map[string]string{}
	c.origins = nil
}

// Refresh drops the cache when the store's generation moved.
func (c *Catalog) Refresh(ctx context.Context) error {
	gen, err := c.store.Generation(ctx)
	if err != nil {
		return fmt.Errorf("catalog: generation: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		c.reset(gen)
	}
	return nil
}

// Run calls Refresh every interval until ctx ends.
func (c *Catalog) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("catalog refresh failed", slog.Any("err", err))
			}
		}
	}
}

// lookup returns m[key] under the read lock, or loads it, storing the
// result (a nil entry for "not found") unless the generation moved
// meanwhile.
func lookup[T any](c *Catalog, m func() map[string]*T, key string, load func() (*T, error)) (*T, error) {
	c.mu.RLock()
	v, ok := m()[key]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		if v == nil {
			return nil, store.ErrNotFound
		}
		return v, nil
	}
	v, err := load()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		mm := m()
		if len(mm) >= c.maxSize { // bound what unknown IDs can make us hold
			clear(mm)
		}
		mm[key] = v
	}
	c.mu.Unlock()
	if v == nil {
		return nil, store.ErrNotFound
	}
	return v, nil
}

// Application returns the application with that client ID, or
// store.ErrNotFound.
func (c *Catalog) Application(ctx context.Context, clientID string) (*Application, error) {
	return lookup(c, func() map[string]*Application { return c.apps }, clientID, func() (*Application, error) {
		a, err := c.store.GetApplication(ctx, clientID)
		if err != nil {
			return nil, err
		}
		uris, err := c.store.ListRedirectURIs(ctx, a.ID, store.RedirectLogin)
		if err != nil {
			return nil, err
		}
		raw := make([]string, len(uris))
		for i, u := range uris {
			raw[i] = u.URI
		}
		return &Application{ID: a.ID, Name: a.Name, redirects: compileRedirectURIs(raw)}, nil
	})
}

// Organization returns the organization, or store.ErrNotFound.
func (c *Catalog) Organization(ctx context.Context, id string) (*Organization, error) {
	return lookup(c, func() map[string]*Organization { return c.orgs }, id, func() (*Organization, error) {
		c.mu.RLock()
		gen := c.gen
		c.mu.RUnlock()
		o, err := c.store.GetOrganization(ctx, id)
		if err != nil {
			return nil, err
		}
		org := &Organization{ID: o.ID, Name: o.Name}
		// Newest first: the most recently created active SSO connection wins.
		conns, _, err := c.store.ListConnections(ctx, store.ConnectionFilter{OrganizationID: o.ID}, store.ListOptions{Limit: 100, Order: store.Desc})
		if err != nil {
			return nil, err
		}
		for _, conn := range conns {
			if conn.State == store.ConnectionActive && IsSSOType(conn.Type) {
				org.SSOConnectionID = conn.ID
				// The route reads this connection next: keep the row
				// just read instead of querying it again. With many
				// organizations most requests miss the cache, and this
				// saves one of their three queries.
				c.prime(gen, conn)
				break
			}
		}
		return org, nil
	})
}

// prime caches a connection read in passing, unless it is cached already
// or the generation moved since gen was read.
func (c *Catalog) prime(gen int64, conn store.Connection) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if _, ok := c.conns[conn.ID]; ok {
		return
	}
	if len(c.conns) >= c.maxSize {
		clear(c.conns)
	}
	c.conns[conn.ID] = &Connection{Connection: conn}
}

// Connection returns the connection, or store.ErrNotFound.
func (c *Catalog) Connection(ctx context.Context, id string) (*Connection, error) {
	return lookup(c, func() map[string]*Connection { return c.conns }, id, func() (*Connection, error) {
		conn, err := c.store.GetConnection(ctx, id)
		if err != nil {
			return nil, err
		}
		return &Connection{Connection: conn}, nil
	})
}

// ProviderConnection returns the environment's active connection of an
// OAuth provider type, or store.ErrNotFound.
func (c *Catalog) ProviderConnection(ctx context.Context, typ string) (*Connection, error) {
	c.mu.RLock()
	id, ok := c.providers[typ]
	gen := c.gen
	c.mu.RUnlock()
	if !ok {
		conns, _, err := c.store.ListConnections(ctx, store.ConnectionFilter{Type: typ}, store.ListOptions{Limit: 100, Order: store.Desc})
		if err != nil {
			return nil, err
		}
		for _, conn := range conns {
			if conn.OrganizationID == "" && conn.State == store.ConnectionActive {
				id = conn.ID
				break
			}
		}
		c.mu.Lock()
		if c.gen == gen {
			c.providers[typ] = id
		}
		c.mu.Unlock()
	}
	if id == "" {
		return nil, store.ErrNotFound
	}
	return c.Connection(ctx, id)
}

// Connector returns the connection's connector, building it on first use.
// A failed build (say, the IdP's discovery document is unreachable) is not
// cached: the next request tries again.
func (c *Catalog) Connector(ctx context.Context, conn *Connection) (connector.CallbackConnector, error) {
	if b := conn.built.Load(); b != nil {
		return *b, nil
	}
	conn.mu.Lock()
	defer conn.mu.Unlock()
	if b := conn.built.Load(); b != nil {
		return *b, nil
	}
	// The result is shared by later requests, so it must not die with
	// this one's context.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	built, err := c.build(bctx, conn.Connection)
	if err != nil {
		return nil, err
	}
	conn.built.Store(&built)
	return built, nil
}

// AllowedOrigin reports whether some application registered origin for
// cross-origin calls. The browser's preflight carries no client_id, so the
// union of all applications' origins is what can be checked there.
func (c *Catalog) AllowedOrigin(ctx context.Context, origin string) (bool, error) {
	c.mu.RLock()
	set, gen := c.origins, c.gen
	c.mu.RUnlock()
	if set == nil {
		set = map[string]bool{}
		opts := store.ListOptions{Limit: 100, Order: store.Asc}
		for {
			apps, meta, err := c.store.ListApplications(ctx, opts)
			if err != nil {
				return false, err
			}
			for _, a := range apps {
				os, err := c.store.ListCORSOrigins(ctx, a.ID)
				if err != nil {
					return false, err
				}
				for _, o := range os {
					set[o.Origin] = true
				}
			}
			if meta.After == "" {
				break
			}
			opts.After = meta.After
		}
		c.mu.Lock()
		if c.gen == gen {
			c.origins = set
		}
		c.mu.Unlock()
	}
	return set[origin], nil
}
