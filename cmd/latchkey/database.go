package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/postgres"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

// database is a store that can also apply its migrations.
type database interface {
	store.Store
	Migrate(ctx context.Context) (int, error)
}

// dbTarget is a parsed --database value.
type dbTarget struct {
	postgres bool
	url      string // postgres URL, or the SQLite file path
}

// parseDatabase accepts sqlite:PATH, a bare path, and postgres:// or
// postgresql:// URLs.
func parseDatabase(raw string) (dbTarget, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return dbTarget{postgres: true, url: raw}, nil
	case strings.HasPrefix(raw, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if p == "" {
			return dbTarget{}, fmt.Errorf("database %q: empty SQLite path", raw)
		}
		return dbTarget{url: p}, nil
	case strings.Contains(raw, "://"):
		return dbTarget{}, fmt.Errorf("database %q: unsupported scheme (want sqlite:PATH or postgres://…)", raw)
	case raw == "":
		return dbTarget{}, errors.New("database: empty URL")
	}
	return dbTarget{url: raw}, nil
}

func openDatabase(ctx context.Context, t dbTarget, migrate bool) (database, error) {
	if t.postgres {
		return postgres.Open(ctx, t.url, postgres.Options{Migrate: migrate})
	}
	return sqlite.Open(ctx, t.url, sqlite.Options{Migrate: migrate})
}

// configuredMasterKey returns the key that encrypts secrets at rest when
// one is configured, and nil when SQLite may fall back to its key file.
// PostgreSQL deployments may span nodes, which must share one key, so there
// it must be configured. It runs before anything is written.
func configuredMasterKey(configured string, t dbTarget) ([]byte, error) {
	if configured != "" {
		k, err := config.ParseSecretKey(configured)
		if err != nil {
			return nil, usageError{fmt.Errorf("secret_key: %w", err)}
		}
		return k, nil
	}
	if t.postgres {
		return nil, usageError{errors.New("secret_key is required with PostgreSQL (every node must share it): set secret_key in the config file or LATCHKEY_SECRET_KEY, e.g. to the output of `openssl rand -base64 32`")}
	}
	return nil, nil
}

// keyFile reads the SQLite deployment's key file beside the database, or
// creates it (readable only by its owner) on the first start.
func keyFile(dbPath string) ([]byte, error) {
	path := dbPath + ".key"
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := config.ParseSecretKey(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	k := secrets.NewMasterKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write key file %s: %w", path, err)
	}
	return k, nil
}
