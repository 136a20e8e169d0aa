// Package seed fills a freshly migrated Latchkey database with a synthetic
// data set, fast: it writes straight into the tables (multi-row INSERTs in
// large transactions on SQLite, COPY on PostgreSQL) instead of going
// through the store one record at a time. The rows are what the store
// itself would write: IDs from internal/id, connection settings as
// connector.Settings JSON, secrets sealed with the connection-secrets box.
package seed

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/secrets"
)

// Dataset is the size of a data set. Every organization has one active
// GenericOIDC connection; every user is a member of one organization.
type Dataset struct {
	Users         int
	Organizations int
}

// String names the data set in reports ("1k users / 10 orgs").
func (d Dataset) String() string {
	return fmt.Sprintf("%s users / %s orgs / %s conns", short(d.Users), short(d.Organizations), short(d.Organizations))
}

func short(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// IdP is the OpenID provider the seeded connections point at. All its
// endpoints are given, so building a connector needs no discovery request.
type IdP struct {
	Issuer, AuthorizationURL, TokenURL, JWKSURL string
}

// Params are what the rows are made with.
type Params struct {
	IdP IdP
	// Secrets seals each connection's client secret, as reconcile does.
	Secrets *secrets.Box
	// Tag makes e-mail addresses unique to one seeding.
	Tag string
	Now time.Time
}

// Seeded lists the IDs of what was written, for the load to pick from.
type Seeded struct {
	OrganizationIDs []string
	ConnectionIDs   []string // ConnectionIDs[i] belongs to OrganizationIDs[i]
	Rows            int
	Elapsed         time.Duration
}

// table is one table to fill: its columns and a function that returns
// row i's values, times encoded by tm and booleans by b.
type table struct {
	name string
	cols []string
	rows int
	row  func(i int, v values) []any
}

// values encodes the column types that differ between the databases.
type values interface {
	time(t time.Time) any
	bool(b bool) any
}

// plan generates the IDs and returns the tables in foreign-key order.
func plan(d Dataset, p Params) (Seeded, []table, error) {
	s := Seeded{OrganizationIDs: make([]string, d.Organizations), ConnectionIDs: make([]string, d.Organizations)}
	for i := range s.OrganizationIDs {
		s.OrganizationIDs[i] = id.New(id.Organization)
		s.ConnectionIDs[i] = id.New(id.Connection)
	}
	settings, err := json.Marshal(connector.Settings{OIDC: &config.OIDC{
		Issuer: p.IdP.Issuer, ClientID: "latchkey", Scopes: []string{"openid", "profile", "email"},
		Endpoints: config.OIDCEndpoints{Authorization: p.IdP.AuthorizationURL, Token: p.IdP.TokenURL, JWKS: p.IdP.JWKSURL},
	}})
	if err != nil {
		return s, nil, err
	}
	secret, err := json.Marshal(connector.Secrets{ClientSecret: "bench-client-secret"})
	if err != nil {
		return s, nil, err
	}
	userIDs := make([]string, d.Users)
	for i := range userIDs {
		userIDs[i] = id.New(id.User)
	}
	now := p.Now.UTC().Truncate(time.Microsecond)
	orgs := table{name: "organizations", cols: []string{"id", "name", "created_at", "updated_at"}, rows: d.Organizations,
		row: func(i int, v values) []any {
			return []any{s.OrganizationIDs[i], fmt.Sprintf("Bench Org %d", i), v.time(now), v.time(now)}
		}}
	conns := table{name: "connections",
		cols: []string{"id", "organization_id", "type", "name", "state", "settings", "secrets", "created_at", "updated_at"},
		rows: d.Organizations,
		row: func(i int, v values) []any {
			cid := s.ConnectionIDs[i]
			return []any{cid, s.OrganizationIDs[i], "GenericOIDC", "Bench IdP", "active", settings,
				p.Secrets.Seal(secret, []byte(cid)), v.time(now), v.time(now)}
		}}
	users := table{name: "users",
		cols: []string{"id", "email", "email_verified", "first_name", "last_name", "created_at", "updated_at"},
		rows: d.Users,
		row: func(i int, v values) []any {
			return []any{userIDs[i], fmt.Sprintf("user%d@%s.bench.test", i, p.Tag), v.bool(true), "Bench", fmt.Sprint("User ", i),
				v.time(now), v.time(now)}
		}}
	members := table{name: "organization_memberships",
		cols: []string{"id", "user_id", "organization_id", "role", "status", "created_at", "updated_at"},
		rows: d.Users,
		row: func(i int, v values) []any {
			return []any{id.New(id.OrganizationMembership), userIDs[i], s.OrganizationIDs[i%d.Organizations], "member", "active",
				v.time(now), v.time(now)}
		}}
	if d.Organizations == 0 {
		members.rows = 0
	}
	s.Rows = orgs.rows + conns.rows + users.rows + members.rows
	return s, []table{orgs, conns, users, members}, nil
}
