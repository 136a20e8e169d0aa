package authorize

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// Catalog is the cache of what authorize looks up on every request:
// applications with their redirect URIs, organizations with their SSO
// connection, connections with their built connector. Authorize does no
// database round trip once an entry is cached. Every write to these
// records raises the store's generation; Refresh compares it and drops
// the whole cache when it moved, so every node converges on the next
// refresh (Run polls; a change notification can call Refresh directly).
//
// Two layers: a read-through cache of what requests asked for, bounded,
// and an index of every organization and active connection, which Run
// loads in the background whenever the generation moves (LoadIndex).
// Until the index is loaded, and after each change until it is loaded
// again, requests are served through the read-through layer, so a change
// is visible as soon as Refresh returns. With the index, authorize answers
// for any organization from memory however many there are: the read-
// through layer alone misses on nearly every request once organizations
// outnumber what it holds.
type Catalog struct {
	store      store.Store
	build      ConnectorFactory
	log        *slog.Logger
	maxSize    int
	maxIndexed int
	// rebuild asks Run to load the index; one pending request is enough.
	rebuild chan struct{}

	mu  sync.RWMutex
	gen int64
	// idx is the index of generation gen; nil until loaded, and dropped
	// whenever the generation moves. prev is the last dropped one, kept
	// until the next load so that connectors of unchanged connections
	// need not be built again.
	idx, prev *index

	// builtRing holds the connections with a built connector, oldest
	// first from builtNext, at most maxSize of them (keepBuilt).
	builtMu   sync.Mutex
	builtRing []*Connection
	builtNext int
	apps      map[string]*Application  // nil value: known not to exist
	orgs      map[string]*Organization // nil value: known not to exist
	conns     map[string]*Connection   // by ID; nil value: known not to exist
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

// Connection is a cached connection: the fields of its row that requests
// read, what building its connector needs (prepared when the row is read),
// and the connector, built on first use. The index holds one for every
// active connection, so it keeps no more of the row than that.
type Connection struct {
	ID             string
	OrganizationID string // empty for OAuth provider connections
	Type           string
	State          store.ConnectionState
	UpdatedAt      time.Time

	prep    *Prepared // nil when prepErr is set, or when there is no factory
	prepErr error     // why the row could not be prepared

	mu    sync.Mutex // serialises builds
	built atomic.Pointer[connector.CallbackConnector]
}

// maxEntries bounds each of the catalog's maps, which are cleared when
// full: unknown IDs must not make a node hold without limit, and neither
// must known ones. An organization with its connection and built
// connector takes about 2 KB, so at 100,000 entries a load over many
// organizations took a node to 300 MB; at 20,000 it stays near 120 MB
// (BENCHMARKS.md). A node serving more active organizations than that
// misses the cache more often, each miss two indexed queries.
const maxEntries = 20_000

// maxIndexed bounds the index: organizations plus active connections. An
// organization with its connection costs about 0.8 KB (BenchmarkCatalogIndex), so
// the default keeps the index near 200 MB; past it, the node serves
// through the read-through cache alone and says so in its log.
const maxIndexed = 500_000

// NewCatalog returns an empty catalog over st.
func NewCatalog(st store.Store, build ConnectorFactory, log *slog.Logger) *Catalog {
	c := &Catalog{store: st, build: build, log: log, maxSize: maxEntries, maxIndexed: maxIndexed,
		rebuild: make(chan struct{}, 1)}
	c.reset(0)
	return c
}

// SetIndexLimit changes how many organizations and active connections the
// index may hold; 0 disables the index. For tests and tuning.
func (c *Catalog) SetIndexLimit(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxIndexed = n
}

// SetCacheLimit changes how many entries of each kind the read-through
// layer holds, and how many built connectors are kept (at least 1). Call
// it before the catalog is used. For tests and tuning.
func (c *Catalog) SetCacheLimit(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxSize = max(n, 1)
}

func (c *Catalog) reset(gen int64) {
	c.gen = gen
	if c.idx != nil {
		c.prev = c.idx
	}
	c.idx = nil
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
	moved := gen != c.gen
	if moved {
		c.reset(gen)
	}
	c.mu.Unlock()
	if moved {
		c.requestIndex()
	}
	return nil
}

// requestIndex asks Run to load the index, without waiting.
func (c *Catalog) requestIndex() {
	select {
	case c.rebuild <- struct{}{}:
	default: // one is pending already
	}
}

// Run calls Refresh every interval and loads the index when asked, until
// ctx ends. Loads are spaced by a multiple of what the last one took, so
// that a stream of changes cannot keep a node busy scanning.
func (c *Catalog) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	c.requestIndex()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("catalog refresh failed", slog.Any("err", err))
			}
		case <-c.rebuild:
			start := time.Now()
			if err := c.LoadIndex(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("catalog index load failed; serving through the cache", slog.Any("err", err))
			}
			pause := min(4*time.Since(start), 30*time.Second)
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
		}
	}
}

// index is every organization's routing and every active connection, as
// of one generation. It is never changed once built.
type index struct {
	orgs  map[string]*Organization
	conns map[string]*Connection
}

// errIndexFull stops a scan past maxIndexed.
var errIndexFull = errors.New("authorize: too many organizations and connections to index")

// LoadIndex reads every organization and active connection and, unless
// the generation moved meanwhile, serves lookups from them. A connection
// whose row did not change since the previous index keeps its built
// connector. Run calls it; it returns nil without loading when the index
// is disabled, too large, or the data changed during the scan (the change
// asks for another load).
func (c *Catalog) LoadIndex(ctx context.Context) error {
	c.mu.RLock()
	limit, prev := c.maxIndexed, c.prev
	c.mu.RUnlock()
	if limit <= 0 {
		return nil
	}
	start := time.Now()
	idx := &index{orgs: map[string]*Organization{}, conns: map[string]*Connection{}}
	var carried []*Connection
	words := map[string]string{}
	scopeSets := map[string][]string{}
	full := func() error {
		if len(idx.orgs)+len(idx.conns) >= limit {
			return errIndexFull
		}
		return nil
	}
	gen, err := c.store.ScanCatalog(ctx, func(o store.Organization) error {
		idx.orgs[o.ID] = &Organization{ID: o.ID, Name: o.Name}
		return full()
	}, func(sc store.Connection) error {
		// Every entry counts when there are 100,000 of them: share the
		// organization's ID and the few distinct types and states
		// instead of keeping a copy of each per row.
		o := idx.orgs[sc.OrganizationID]
		if o != nil {
			sc.OrganizationID = o.ID
		}
		sc.Type = intern(words, sc.Type)
		sc.State = store.ConnectionState(intern(words, string(sc.State)))
		conn := carryOver(prev, c.newConnection(sc, scopeSets))
		if conn.built.Load() != nil {
			carried = append(carried, conn)
		}
		idx.conns[sc.ID] = conn
		// Connections come in ID order, which is creation order: the
		// last active SSO connection of an organization is its newest,
		// the one Organization's look-up picks too.
		if o != nil && IsSSOType(sc.Type) {
			o.SSOConnectionID = sc.ID
		}
		return full()
	})
	switch {
	case errors.Is(err, errIndexFull):
		c.log.Warn("catalog: too many organizations and connections to index; serving through the cache",
			slog.Int("limit", limit))
		return nil
	case errors.Is(err, store.ErrConflict):
		return nil // the write that moved the generation asks for another load
	case err != nil:
		return fmt.Errorf("catalog: index: %w", err)
	}
	c.mu.Lock()
	installed := c.gen == gen
	if installed {
		c.idx, c.prev = idx, nil
		// Everything the read-through layer holds is in the index now,
		// or known not to be active.
		clear(c.orgs)
		clear(c.conns)
	}
	c.mu.Unlock()
	if installed {
		// The carried connectors are the ones held now; those of the
		// replaced index go with it.
		c.builtMu.Lock()
		if len(carried) > c.maxSize {
			for _, conn := range carried[c.maxSize:] {
				conn.built.Store(nil)
			}
			carried = carried[:c.maxSize]
		}
		c.builtRing, c.builtNext = carried, 0
		c.builtMu.Unlock()
		c.log.Info("catalog index loaded", slog.Int("organizations", len(idx.orgs)),
			slog.Int("connections", len(idx.conns)), slog.Duration("took", time.Since(start)))
	}
	return nil
}

// intern returns the copy of s kept in words, keeping s when new.
func intern(words map[string]string, s string) string {
	if w, ok := words[s]; ok {
		return w
	}
	words[s] = s
	return s
}

// newConnection returns the cached connection for a row, prepared now so
// that building its connector, and building it again after it was dropped,
// decodes nothing. A row that cannot be prepared keeps the error, which
// building it returns. When the index is loaded, connections asking for the
// same scopes share one list of them (sets; nil outside a load): nearly all
// ask for the same few.
func (c *Catalog) newConnection(sc store.Connection, sets map[string][]string) *Connection {
	conn := &Connection{ID: sc.ID, OrganizationID: sc.OrganizationID, Type: sc.Type, State: sc.State, UpdatedAt: sc.UpdatedAt}
	if c.build == nil {
		return conn
	}
	p, err := c.build.Prepare(sc)
	if err != nil {
		conn.prepErr = err
		return conn
	}
	conn.prep = p
	var scopes *[]string
	switch {
	case p.Settings.OIDC != nil:
		scopes = &p.Settings.OIDC.Scopes
	case p.Settings.OAuth != nil:
		scopes = &p.Settings.OAuth.Scopes
	}
	if sets != nil && scopes != nil && len(*scopes) > 0 {
		key := strings.Join(*scopes, " ")
		if shared, ok := sets[key]; ok {
			*scopes = shared
		} else {
			sets[key] = *scopes
		}
	}
	return conn
}

// carryOver returns conn with the connector built for the previous index
// when the connection has not changed since.
func carryOver(prev *index, conn *Connection) *Connection {
	if prev == nil {
		return conn
	}
	old := prev.conns[conn.ID]
	if old == nil || !old.UpdatedAt.Equal(conn.UpdatedAt) || old.Type != conn.Type ||
		old.prepErr != nil || conn.prepErr != nil || !reflect.DeepEqual(old.prep, conn.prep) {
		return conn
	}
	if b := old.built.Load(); b != nil {
		conn.built.Store(b)
	}
	return conn
}

// IndexSize returns how many organizations and connections the index
// holds: 0 while there is none (not loaded yet, or dropped by a change).
func (c *Catalog) IndexSize() int {
	idx := c.indexed()
	if idx == nil {
		return 0
	}
	return len(idx.orgs) + len(idx.conns)
}

// indexed returns the index, nil when there is none for the current
// generation.
func (c *Catalog) indexed() *index {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.idx
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
	if idx := c.indexed(); idx != nil {
		if o := idx.orgs[id]; o != nil {
			return o, nil
		}
		// One it lacks did not exist at its generation, but may have
		// been created since by another node or process whose change
		// notification has not arrived yet: ask the database (the
		// read-through layer remembers the answer).
	}
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
	cached := c.newConnection(conn, nil) // decoding, not under the lock
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
	c.conns[conn.ID] = cached
}

// Connection returns the connection, or store.ErrNotFound.
func (c *Catalog) Connection(ctx context.Context, id string) (*Connection, error) {
	if idx := c.indexed(); idx != nil {
		if conn := idx.conns[id]; conn != nil {
			return conn, nil
		}
		// Not active, or not there: the read-through layer tells which.
	}
	return lookup(c, func() map[string]*Connection { return c.conns }, id, func() (*Connection, error) {
		conn, err := c.store.GetConnection(ctx, id)
		if err != nil {
			return nil, err
		}
		return c.newConnection(conn, nil), nil
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
	if conn.prepErr != nil {
		return nil, conn.prepErr
	}
	// The result is shared by later requests, so it must not die with
	// this one's context.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	built, err := c.build.Build(bctx, conn.prep)
	if err != nil {
		return nil, err
	}
	conn.built.Store(&built)
	c.keepBuilt(conn)
	return built, nil
}

// keepBuilt records that conn holds a built connector, and drops the
// connector of the connection that has held one longest once maxEntries
// do: a built connector weighs about as much as what it was prepared from,
// and with the index every active connection is prepared in memory. A
// dropped one is built again from what was prepared when asked for
// (1.5-2 µs for a GenericOIDC connection, BenchmarkConnectorBuild; more
// when it needs discovery).
func (c *Catalog) keepBuilt(conn *Connection) {
	c.builtMu.Lock()
	defer c.builtMu.Unlock()
	if len(c.builtRing) < c.maxSize {
		c.builtRing = append(c.builtRing, conn)
		return
	}
	if old := c.builtRing[c.builtNext]; old != conn {
		old.built.Store(nil)
	}
	c.builtRing[c.builtNext] = conn
	c.builtNext = (c.builtNext + 1) % len(c.builtRing)
}

// BuiltConnectors returns how many connections hold a built connector.
func (c *Catalog) BuiltConnectors() int {
	c.builtMu.Lock()
	defer c.builtMu.Unlock()
	n := 0
	for _, conn := range c.builtRing {
		if conn.built.Load() != nil {
			n++
		}
	}
	return n
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
