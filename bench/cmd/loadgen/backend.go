package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/latchkeyhq/latchkey/bench/load"
	"github.com/latchkeyhq/latchkey/bench/report"
	"github.com/latchkeyhq/latchkey/bench/scenario"
	"github.com/latchkeyhq/latchkey/bench/seed"
)

// backend measures every scenario on one database: the small data set
// first (authorize on each route, sign-ins, exchanges, refreshes, with
// RS256 and then ES256), then the large one (authorize over random
// organizations), each on a fresh server.
func (b *bench) backend(ctx context.Context, backend string) error {
	fmt.Printf("\n== %s\n", backend)
	db, err := b.openDatabase(ctx, backend)
	if err != nil {
		return err
	}
	defer db.drop()
	b.dbCPU = db.cpu
	defer func() { b.dbCPU = nil }()
	small := seed.Dataset{Users: b.o.smallUsers, Organizations: b.o.smallOrgs}
	params, err := b.seedParams("small")
	if err != nil {
		return err
	}
	smallSet, err := db.fill(ctx, small, params)
	if err != nil {
		return fmt.Errorf("seed %s: %w", small, err)
	}
	fmt.Printf("seeded %s (%d rows) in %s\n", small, smallSet.Rows, smallSet.Elapsed.Round(time.Millisecond))

	if err := b.smallSuite(ctx, db, small, smallSet); err != nil {
		return err
	}
	if err := b.tokenSuite(ctx, db, "ES256"); err != nil {
		return err
	}

	// The data then grows, each set adding to the one before, up to a
	// tenth of the large set and then to all of it: authorize over random
	// organizations at each size shows whether a lookup grows with the
	// data (medium to large: every request misses the cache at both) and
	// what a cache miss costs (small to large).
	orgs, have := smallSet.OrganizationIDs, small
	large := seed.Dataset{Users: b.o.largeUsers, Organizations: b.o.largeOrgs}
	for _, ds := range []seed.Dataset{{Users: large.Users / 10, Organizations: large.Organizations / 10}, large} {
		if ds.Users <= have.Users && ds.Organizations <= have.Organizations {
			continue
		}
		if params, err = b.seedParams(fmt.Sprintf("n%d", ds.Users)); err != nil {
			return err
		}
		delta := seed.Dataset{Users: max(0, ds.Users-have.Users), Organizations: max(0, ds.Organizations-have.Organizations)}
		set, err := db.fill(ctx, delta, params)
		if err != nil {
			return fmt.Errorf("seed %s: %w", ds, err)
		}
		fmt.Printf("seeded up to %s (%d more rows) in %s\n", ds, set.Rows, set.Elapsed.Round(time.Millisecond))
		b.note("%s: seeding up to %s took %s (%d rows, %.0f rows/s)", backend, ds, set.Elapsed.Round(time.Second/10),
			set.Rows, float64(set.Rows)/set.Elapsed.Seconds())
		orgs = append(orgs, set.OrganizationIDs...)
		have = seed.Dataset{Users: max(ds.Users, have.Users), Organizations: max(ds.Organizations, have.Organizations)}
		if err := b.scaleSuite(ctx, db, have, orgs); err != nil {
			return err
		}
	}
	return nil
}

// smallSuite runs the scenarios of the small data set on one server.
func (b *bench) smallSuite(ctx context.Context, db *database, ds seed.Dataset, set seed.Seeded) error {
	srv, err := b.startLatchkey(ctx, db, "")
	if err != nil {
		return err
	}
	defer srv.Stop()
	name := db.name
	b.scale(ctx, srv, name, ds, set.OrganizationIDs)

	authz := scenario.AuthorizeURL(srv.URL)
	for _, r := range []scenario.Route{
		{Param: "provider", Values: []string{"authkit"}},
		{Param: "connection_id", Values: []string{b.ssoConn}},
		{Param: "organization_id", Values: []string{b.ssoOrg}},
		{Param: "provider", Values: []string{"GoogleOAuth"}},
	} {
		row := b.measure(ctx, step{backend: name, name: "authorize " + r.Describe(), dataset: ds.String(), srv: srv.Process,
			pprof: srv.pprof, profile: name + "-authorize-" + strings.ReplaceAll(r.Describe(), "=", "-"),
			opts: b.loadOptions(), newOp: scenario.Authorize(b.client, authz, b.app, r)})
		b.vsCeiling(row)
	}
	codes := scenario.NewCodes(b.o.codes)
	b.measure(ctx, step{backend: name, name: "SSO sign-in via dev-idp (4 redirects, ID token " + b.o.idpAlg + ")", dataset: ds.String(), srv: srv.Process,
		pprof: srv.pprof, profile: name + "-signin", opts: b.loadOptions(),
		newOp: scenario.SignIn(b.transport, srv.URL, b.app, scenario.Route{Param: "organization_id", Values: []string{b.ssoOrg}}, codes)})
	b.tokens(ctx, srv, name, "RS256", codes)
	return nil
}

// tokenSuite measures the grants on a server signing with alg.
func (b *bench) tokenSuite(ctx context.Context, db *database, alg string) error {
	if b.noES256Config {
		return nil
	}
	srv, err := b.startLatchkey(ctx, db, alg)
	if err != nil {
		if strings.Contains(err.Error(), "token_algorithm") {
			b.noES256Config = true
			b.note("Latchkey has no configuration key for the access-token algorithm (token_algorithm): ES256 not measured")
			fmt.Printf("%-9s ES256: no token_algorithm key in this build, skipped\n", db.name)
			return nil
		}
		return err
	}
	defer srv.Stop()
	b.tokens(ctx, srv, db.name, alg, scenario.NewCodes(b.o.codes))
	return nil
}

// tokens mints codes (beyond those in codes) and measures the code
// exchange and the refresh grant, as a public client with PKCE and as a
// confidential one.
func (b *bench) tokens(ctx context.Context, srv *server, name, alg string, codes scenario.Codes) {
	b.mint(ctx, srv, name, codes)
	bare := b.signingBaseline(ctx, name, alg)
	refreshPublic, refreshSecret := scenario.NewPool[string](1<<20), scenario.NewPool[string](1<<20)
	opts := b.loadOptions()
	opts.Warmup = 0 // every operation spends a code
	for _, s := range []struct {
		label   string
		codes   *scenario.Pool[scenario.Code]
		secret  bool
		refresh scenario.Tokens
	}{
		{"code exchange, public client + PKCE", codes.PKCE, false, refreshPublic},
		{"code exchange, client secret", codes.Secret, true, refreshSecret},
	} {
		row := b.measure(ctx, step{backend: name, name: s.label + " (" + alg + ")", srv: srv.Process, pprof: srv.pprof,
			profile: fmt.Sprintf("%s-exchange-%s-%t", name, alg, s.secret), opts: opts,
			newOp: scenario.Exchange(b.client, srv.URL, b.app, s.codes, s.secret, alg, s.refresh)})
		b.vsSigning(row, alg, bare)
	}
	for _, s := range []struct {
		label  string
		tokens scenario.Tokens
		secret bool
	}{
		{"refresh, public client", refreshPublic, false},
		{"refresh, client secret", refreshSecret, true},
	} {
		if s.tokens.Len() < b.o.concurrency {
			b.note("%s: %s (%s): only %d refresh tokens for %d clients", name, s.label, alg, s.tokens.Len(), b.o.concurrency)
		}
		row := b.measure(ctx, step{backend: name, name: s.label + " (" + alg + ")", srv: srv.Process, pprof: srv.pprof,
			profile: fmt.Sprintf("%s-refresh-%s-%t", name, alg, s.secret), opts: b.loadOptions(),
			newOp: scenario.Refresh(b.client, srv.URL, b.app, s.tokens, s.secret, alg)})
		b.vsSigning(row, alg, bare)
	}
}

// mint drives unmeasured sign-ins until both code pools are full or
// -mint-for has passed.
func (b *bench) mint(ctx context.Context, srv *server, name string, codes scenario.Codes) {
	if codes.PKCE.Full() && codes.Secret.Full() {
		return
	}
	start := time.Now()
	mctx, cancel := context.WithTimeout(ctx, b.o.mintFor)
	defer cancel()
	signIn := scenario.SignIn(b.transport, srv.URL, b.app, scenario.Route{Param: "organization_id", Values: []string{b.ssoOrg}}, codes)
	load.Run(mctx, load.Options{Concurrency: b.o.concurrency, Duration: b.o.mintFor, MaxOps: int64(4 * b.o.codes)},
		func(vu int) load.Op {
			op := signIn(vu)
			return func(ctx context.Context) error {
				if codes.PKCE.Full() && codes.Secret.Full() {
					return load.ErrDone
				}
				return op(ctx)
			}
		})
	fmt.Printf("%-9s minted codes for %s: %d with PKCE, %d for the secret\n", name, time.Since(start).Round(time.Second/10),
		codes.PKCE.Len(), codes.Secret.Len())
}

// scale measures the first request a fresh server answers, then authorize
// over organizations picked at random.
func (b *bench) scale(ctx context.Context, srv *server, name string, ds seed.Dataset, orgs []string) {
	cold, err := b.cold(ctx, srv.URL, "organization_id", orgs[len(orgs)/2])
	if err != nil {
		b.note("%s: cold request on %s: %v", name, ds, err)
	}
	// A node loads the index of every organization in the background
	// after it starts; until then it serves through its read-through
	// cache. Measure the steady state, and say how long it took.
	if took, entries, err := waitIndex(ctx, srv.URL, 3*time.Minute); err != nil {
		b.note("%s: %s: the catalog index was not loaded: %v", name, ds, err)
	} else {
		b.note("%s: %s: the catalog index (%d organizations and connections) was ready %.1f s after the cold request",
			name, ds, entries, took.Seconds())
	}
	b.sweep(ctx, srv, name, ds, orgs)
	r := scenario.Route{Param: "organization_id", Values: orgs}
	row := b.measure(ctx, step{backend: name, name: "authorize " + r.Describe(), dataset: ds.String(), srv: srv.Process,
		pprof: srv.pprof, profile: fmt.Sprintf("%s-authorize-scale-%d", name, len(orgs)),
		opts: b.loadOptions(), newOp: scenario.Authorize(b.client, scenario.AuthorizeURL(srv.URL), b.app, r)})
	b.rep.Rows[len(b.rep.Rows)-1].ColdMS = msOf(cold)
	b.vsCeiling(row)
	if b.o.pprof > 0 && srv.pprof != "" {
		if err := b.heapProfile(ctx, srv.pprof, fmt.Sprintf("%s-heap-after-scale-%d", name, len(orgs))); err != nil {
			b.note("heap profile: %v", err)
		}
	}
}

// sweepSize is how many never-seen organizations a sweep asks for.
const sweepSize = 1000

// sweep measures first look-ups alone: one client asks, one after
// another, for organizations the fresh server has not been asked for, so
// every request finds its organization in the index and builds its
// connector (without the index: two queries first). Compared across data
// sizes it shows whether a lookup grows with the data.
func (b *bench) sweep(ctx context.Context, srv *server, name string, ds seed.Dataset, orgs []string) {
	n := min(sweepSize, len(orgs)-1)
	if n < 100 {
		return // too few to measure: the CPU readings tick every 10 ms
	}
	rng := rand.New(rand.NewPCG(uint64(len(orgs)), 7))
	pick := make([]string, 0, n) // distinct, and never the cold request's
	for _, j := range rng.Perm(len(orgs)) {
		if j != len(orgs)/2 && len(pick) < n {
			pick = append(pick, orgs[j])
		}
	}
	var next atomic.Int64
	opts := load.Options{Concurrency: 1, Duration: b.o.duration, MaxOps: int64(n)}
	b.measure(ctx, step{backend: name, name: fmt.Sprintf("authorize organization_id, first look-ups (%d never-seen orgs, 1 client)", n),
		dataset: ds.String(), srv: srv.Process, opts: opts,
		newOp: func(int) load.Op {
			return func(ctx context.Context) error {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return load.ErrDone
				}
				org := pick[i]
				return scenario.AuthorizeOnce(ctx, b.client, scenario.AuthorizeURL(srv.URL)+"?"+
					scenario.AuthorizeQuery(b.app, "organization_id", org, "sweep", ""), b.app.RedirectURI)
			}
		}})
}

// scaleSuite runs authorize over the large data set on a fresh server.
func (b *bench) scaleSuite(ctx context.Context, db *database, ds seed.Dataset, orgs []string) error {
	srv, err := b.startLatchkey(ctx, db, "")
	if err != nil {
		return err
	}
	defer srv.Stop()
	b.scale(ctx, srv, db.name, ds, orgs)
	return nil
}

// vsCeiling sets the ratio of the last row's rate to the ceiling's.
func (b *bench) vsCeiling(row report.Row) {
	if b.ceilingRate > 0 {
		last := &b.rep.Rows[len(b.rep.Rows)-1]
		last.Ratio, last.RatioTo = round(row.Rate/b.ceilingRate, 2), "ceiling"
	}
}

// vsSigning sets the ratio of the last row's rate to bare RS256 signing;
// ES256's target is absolute (signing is a small part of its cost).
func (b *bench) vsSigning(row report.Row, alg string, ref float64) {
	if alg == "RS256" && ref > 0 {
		last := &b.rep.Rows[len(b.rep.Rows)-1]
		last.Ratio, last.RatioTo = round(row.Rate/ref, 2), "bare RS256"
	}
}
