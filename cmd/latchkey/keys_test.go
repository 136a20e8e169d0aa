package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
	"github.com/latchkeyhq/latchkey/internal/token"
)

// keysRun runs "latchkey keys args…" with the given environment variables
// and returns stdout, stderr and the error.
func keysRun(t *testing.T, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	err := keysCmd(t.Context(), args, env{stdout: &stdout, stderr: &stderr, lookup: lookup})
	return stdout.String(), stderr.String(), err
}

func TestKeysRotateAndList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")

	out, _, err := keysRun(t, nil, "rotate", "--database", path)
	if err != nil {
		t.Fatalf("first rotate: %v", err)
	}
	first := strings.TrimSpace(out)
	if !strings.HasPrefix(first, "jwk_") {
		t.Fatalf("first rotate printed %q, want a kid", out)
	}
	if _, err := os.Stat(path + ".key"); err != nil {
		t.Fatalf("key file not created for an empty database: %v", err)
	}

	out, stderr, err := keysRun(t, nil, "rotate", "--database", "sqlite:"+path)
	if err != nil {
		t.Fatalf("second rotate: %v", err)
	}
	second := strings.TrimSpace(out)
	if !strings.HasPrefix(second, "jwk_") || second == first {
		t.Fatalf("second rotate printed %q after %q", out, first)
	}
	if !strings.Contains(stderr, "stay published until") {
		t.Errorf("rotate did not say how long the old key stays: %q", stderr)
	}

	out, _, err = keysRun(t, nil, "list", "--database", path)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "KID") {
		t.Fatalf("list printed:\n%s", out)
	}
	newRow, oldRow := strings.Fields(lines[1]), strings.Fields(lines[2])
	if newRow[0] != second || newRow[1] != token.RS256 || newRow[3] != "-" || newRow[4] != "-" {
		t.Errorf("new key row %v", newRow)
	}
	if oldRow[0] != first || oldRow[3] == "-" || oldRow[4] == "-" {
		t.Errorf("retired key row %v", oldRow)
	}
	retired, err1 := time.Parse(time.RFC3339, oldRow[3])
	expires, err2 := time.Parse(time.RFC3339, oldRow[4])
	if err := errors.Join(err1, err2); err != nil || expires.Sub(retired) != token.DefaultAccessTokenTTL+token.RetireSkew {
		t.Errorf("retired %s expires %s (%v): want ttl + skew apart", oldRow[3], oldRow[4], err)
	}

	// A server over the same database and key file signs with the new key.
	master, err := keyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	box, _ := secrets.NewBox(master, token.BoxPurpose)
	keys, err := token.NewKeys(t.Context(), st, box, token.Options{Issuer: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatalf("server NewKeys: %v", err)
	}
	if keys.KeyID() != second {
		t.Fatalf("server signs with %s, want %s", keys.KeyID(), second)
	}
}

func TestKeysRotateRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	if _, _, err := keysRun(t, nil, "rotate", "--database", path); err != nil {
		t.Fatal(err)
	}
	otherKey := base64.StdEncoding.EncodeToString(secrets.NewMasterKey())

	cases := []struct {
		name    string
		vars    map[string]string
		args    []string
		prepare func(t *testing.T)
		want    string
	}{
		{"no command", nil, nil, nil, "missing command"},
		{"unknown command", nil, []string{"spin"}, nil, "unknown command"},
		{"bad algorithm", nil, []string{"rotate", "--database", path, "--algorithm", "HS256"}, nil, "--algorithm"},
		{"bad ttl", nil, []string{"rotate", "--database", path, "--access-token-ttl", "10ms"}, nil, "--access-token-ttl"},
		{"wrong secret key", map[string]string{"LATCHKEY_SECRET_KEY": otherKey}, []string{"rotate", "--database", path}, nil, "cannot decrypt signing key"},
		{"missing key file", nil, []string{"rotate", "--database", path}, func(t *testing.T) {
			if err := os.Rename(path+".key", path+".key.bak"); err != nil {
				t.Fatal(err)
			}
		}, "is missing but the database holds 1 signing key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.prepare != nil {
				c.prepare(t)
			}
			_, _, err := keysRun(t, c.vars, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, new(usageError)) {
				t.Fatalf("keys %v = %v, want a usage error containing %q", c.args, err, c.want)
			}
		})
	}
	if _, err := os.Stat(path + ".key"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused rotate created a key file: %v", err)
	}
	out, _, err := keysRun(t, nil, "list", "--database", path)
	if err != nil || strings.Count(out, "jwk_") != 1 {
		t.Fatalf("refused rotations changed the keys:\n%s%v", out, err)
	}
}

func TestKeysHelp(t *testing.T) {
	out, _, err := keysRun(t, nil, "help")
	if err != nil || !strings.Contains(out, "rotate") {
		t.Fatalf("keys help = %q, %v", out, err)
	}
	if _, _, err := keysRun(t, nil, "rotate", "-h"); err != nil {
		t.Fatalf("keys rotate -h = %v", err)
	}
}
