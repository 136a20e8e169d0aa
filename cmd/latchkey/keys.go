package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"text/tabwriter"
	"time"

	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/token"
)

const keysUsage = `usage: latchkey keys <command> [flags]

commands:
  rotate   create a new access-token signing key and retire the old one
  list     list the published signing keys

Run "latchkey keys <command> -h" for the flags of a command.
`

// keysCmd manages the keys that sign access tokens:
//
//	latchkey keys rotate [--config FILE] [--database URL] [--algorithm ALG] [--access-token-ttl D]
//	latchkey keys list   [--config FILE] [--database URL]
func keysCmd(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, keysUsage)
		return usageError{errors.New("keys: missing command")}
	}
	switch args[0] {
	case "rotate":
		return keysRotate(ctx, args[1:], e)
	case "list":
		return keysList(ctx, args[1:], e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, keysUsage)
		return nil
	}
	fmt.Fprint(e.stderr, keysUsage)
	return usageError{fmt.Errorf("keys: unknown command %q", args[0])}
}

func keysRotate(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	var c commonFlags
	c.register(fs, false)
	// Until the configuration file carries these, they must match what the
	// servers use: the retired key stays published for ttl + skew.
	alg := fs.String("algorithm", token.RS256, "algorithm of the key to rotate: RS256 or ES256")
	ttl := fs.Duration("access-token-ttl", token.DefaultAccessTokenTTL, "access token lifetime the servers use")
	if err := parseFlags(fs, args, e.stderr); err != nil {
		return helpIsSuccess(err)
	}
	if *alg != token.RS256 && *alg != token.ES256 {
		return usageError{fmt.Errorf("--algorithm: want RS256 or ES256, got %q", *alg)}
	}
	if *ttl < time.Second {
		return usageError{fmt.Errorf("--access-token-ttl: want at least 1s, got %v", *ttl)}
	}
	s, target, err := resolveDatabase(c, e)
	if err != nil {
		return err
	}
	key, err := configuredMasterKey(first(envVal(e, "LATCHKEY_SECRET_KEY"), s.file.SecretKey), target)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, target, true)
	if err != nil {
		return err
	}
	defer db.Close()
	existing, err := db.ListSigningKeys(ctx, time.Now())
	if err != nil {
		return err
	}
	if key == nil {
		if key, err = sqliteKeyFile(target.url, len(existing)); err != nil {
			return err
		}
	}
	box, err := secrets.NewBox(key, token.BoxPurpose)
	if err != nil {
		return err
	}
	keys, err := token.NewKeys(ctx, db, box, token.Options{Issuer: s.publicURL, Algorithm: *alg, AccessTokenTTL: *ttl})
	if err != nil {
		if errors.Is(err, secrets.ErrOpen) {
			return usageError{err} // the wrong secret key: the operator fixes the configuration
		}
		return err
	}
	kid := keys.KeyID()
	if signing(existing, *alg) {
		if kid, err = keys.Rotate(ctx); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "retired keys stay published until %s; running servers switch to the new key at their next refresh\n",
			time.Now().Add(*ttl+token.RetireSkew).UTC().Format(time.RFC3339))
	} else {
		// A first key is the rotation: retiring it at once would waste it.
		fmt.Fprintf(e.stderr, "no %s key was signing: created the first one\n", *alg)
	}
	fmt.Fprintln(e.stdout, kid)
	return nil
}

func keysList(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("keys list", flag.ContinueOnError)
	var c commonFlags
	c.register(fs, false)
	if err := parseFlags(fs, args, e.stderr); err != nil {
		return helpIsSuccess(err)
	}
	_, target, err := resolveDatabase(c, e)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, target, true)
	if err != nil {
		return err
	}
	defer db.Close()
	// Listing reads public columns only, so it needs no secret key.
	recs, err := db.ListSigningKeys(ctx, time.Now())
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "KID\tALG\tCREATED\tRETIRED\tEXPIRES")
	for _, r := range recs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Algorithm, stamp(r.CreatedAt), stamp(r.RetiredAt), stamp(r.ExpiresAt))
	}
	return w.Flush()
}

// resolveDatabase resolves the settings and the database as migrate does.
// The keys commands open it with migrations applied, so that the
// signing_keys table exists.
func resolveDatabase(c commonFlags, e env) (settings, dbTarget, error) {
	s, err := resolve(c, e)
	if err != nil {
		return s, dbTarget{}, err
	}
	target, err := parseDatabase(s.database)
	if err != nil {
		return s, target, usageError{err}
	}
	return s, target, nil
}

// sqliteKeyFile reads the key file as serve does, but refuses to create a
// new one when the database already holds keys: they were sealed with the
// lost one, and a fresh key would only add keys no server can open.
func sqliteKeyFile(dbPath string, keys int) ([]byte, error) {
	path := dbPath + ".key"
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && keys > 0 {
		return nil, usageError{fmt.Errorf("key file %s is missing but the database holds %d signing key(s) sealed with it: "+
			"restore the file, or set secret_key (LATCHKEY_SECRET_KEY) to the key the server uses", path, keys)}
	}
	return keyFile(dbPath)
}

// signing reports whether a key of alg is signing.
func signing(recs []store.SigningKey, alg string) bool {
	for _, r := range recs {
		if r.Algorithm == alg && r.RetiredAt.IsZero() {
			return true
		}
	}
	return false
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
