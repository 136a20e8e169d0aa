package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/latchkeyhq/latchkey/bench/node"
	"github.com/latchkeyhq/latchkey/bench/seed"
	"github.com/latchkeyhq/latchkey/internal/secrets"
)

// database is one backend's database for the run.
type database struct {
	name string
	url  string // the --database value
	fill func(ctx context.Context, d seed.Dataset, p seed.Params) (seed.Seeded, error)
	drop func()
	// cpu returns the CPU time of the database server processes serving
	// Latchkey (nil for SQLite, which runs inside Latchkey).
	cpu func() (time.Duration, error)
}

// openDatabase prepares an empty database for backend and applies
// Latchkey's migrations to it with `latchkey migrate`.
func (b *bench) openDatabase(ctx context.Context, backend string) (*database, error) {
	var db *database
	switch backend {
	case "sqlite":
		path := filepath.Join(b.work, "bench.db")
		db = &database{name: backend, url: "sqlite:" + path, drop: func() {}}
		db.fill = func(ctx context.Context, d seed.Dataset, p seed.Params) (seed.Seeded, error) {
			return seed.SQLite(ctx, path, d, p)
		}
	case "postgres":
		u, drop, app, err := b.postgresSchema(ctx)
		if err != nil {
			return nil, err
		}
		db = &database{name: backend, url: u, drop: drop, cpu: b.postgresCPU(app)}
		db.fill = func(ctx context.Context, d seed.Dataset, p seed.Params) (seed.Seeded, error) {
			return seed.Postgres(ctx, u, d, p)
		}
	default:
		return nil, fmt.Errorf("unknown backend %q (want sqlite or postgres)", backend)
	}
	cmd := exec.CommandContext(ctx, b.latchkey, "migrate", "--database", db.url)
	cmd.Env = append(os.Environ(), "LATCHKEY_SECRET_KEY="+b.masterKey)
	if out, err := cmd.CombinedOutput(); err != nil {
		db.drop()
		return nil, fmt.Errorf("latchkey migrate: %w: %s", err, out)
	}
	return db, nil
}

// postgresSchema creates a fresh schema and returns the server URL with
// search_path set to it, a function that drops it, and the
// application_name Latchkey's connections will carry.
func (b *bench) postgresSchema(ctx context.Context) (string, func(), string, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, b.o.postgresURL)
	if err != nil {
		return "", nil, "", fmt.Errorf("PostgreSQL unreachable at %s: %w", b.o.postgresURL, err)
	}
	defer conn.Close(context.Background())
	r := make([]byte, 6)
	_, _ = rand.Read(r)
	schema := "latchkey_bench_" + hex.EncodeToString(r)
	if _, err := conn.Exec(cctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, "", fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		if b.o.keep {
			fmt.Printf("kept PostgreSQL schema %s\n", schema)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, b.o.postgresURL)
		if err != nil {
			fmt.Fprintf(os.Stderr, "loadgen: drop schema %s: %v\n", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "loadgen: drop schema %s: %v\n", schema, err)
		}
	}
	u, err := url.Parse(b.o.postgresURL)
	if err != nil {
		drop()
		return "", nil, "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, schema, nil
}

// postgresCPU returns a reading of the CPU time of the PostgreSQL backends
// whose application_name is app: Latchkey's connections, whatever else
// the server is doing. A backend that ends between two readings is lost.
func (b *bench) postgresCPU(app string) func() (time.Duration, error) {
	return func() (time.Duration, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, b.o.postgresURL)
		if err != nil {
			return 0, err
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
		if err != nil {
			return 0, err
		}
		pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return 0, err
		}
		var total time.Duration
		for _, pid := range pids {
			if t, err := node.CPUTime(int(pid)); err == nil {
				total += t
			}
		}
		return total, nil
	}
}

// seedParams are the parameters of a seeding into this run's databases.
func (b *bench) seedParams(tag string) (seed.Params, error) {
	key, err := secretKeyBytes(b.masterKey)
	if err != nil {
		return seed.Params{}, err
	}
	box, err := secrets.NewBox(key, "connection-secrets")
	if err != nil {
		return seed.Params{}, err
	}
	return seed.Params{IdP: b.idpCfg, Secrets: box, Tag: tag, Now: time.Now()}, nil
}
