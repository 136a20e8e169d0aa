package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store/postgres/pgtest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type running struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
	url            string
}

func environ(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

var runningAt = regexp.MustCompile(`is running at (\S+)`)

// start runs "latchkey args…" in-process and waits until it answers.
func start(t *testing.T, vars map[string]string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		r.done <- run(ctx, args, env{stdout: r.stdout, stderr: r.stderr, lookup: environ(vars)})
	}()
	deadline := time.After(30 * time.Second)
	for {
		if m := runningAt.FindStringSubmatch(r.stdout.String()); m != nil {
			r.url = m[1]
			break
		}
		select {
		case code := <-r.done:
			t.Fatalf("%s exited with %d before it was ready:\n%s%s", args[0], code, r.stdout, r.stderr)
		case <-deadline:
			cancel()
			t.Fatalf("serve not ready after 30s:\n%s%s", r.stdout, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop sends the equivalent of SIGTERM and waits for a clean exit.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case code := <-r.done:
		if code != 0 {
			t.Errorf("serve exited with %d:\n%s", code, r.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop within 30s")
	}
}

func field(t *testing.T, out, label string) string {
	t.Helper()
	m := regexp.MustCompile(label + `:\s+(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("banner lacks %q:\n%s", label, out)
	}
	return m[1]
}

func TestZeroConfigStart(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)

	first := start(t, nil, "serve", "--listen", "127.0.0.1:0")
	out := first.stdout.String()
	clientID := field(t, out, "Client ID")
	apiKey := field(t, out, "API key")
	if !regexp.MustCompile(`^client_[0-9A-Z]{26}$`).MatchString(clientID) {
		t.Errorf("client ID %q is not a WorkOS-style ID", clientID)
	}
	if !strings.HasPrefix(apiKey, "sk_test_") {
		t.Errorf("API key %q lacks sk_test_", apiKey)
	}
	if got := field(t, out, "Redirect URI"); got != "http://localhost:3000/callback" {
		t.Errorf("redirect URI = %q", got)
	}
	signUp := field(t, out, "Sign-up URL")
	for _, want := range []string{first.url + "/user_management/authorize?", "client_id=" + clientID,
		"provider=authkit", "response_type=code", "screen_hint=sign-up", "redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback"} {
		if !strings.Contains(signUp, want) {
			t.Errorf("sign-up URL %q lacks %q", signUp, want)
		}
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200} {
		resp, err := http.Get(first.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	first.stop(t)

	for _, f := range []string{"latchkey.db", "latchkey.db.key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s not created: %v", f, err)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, "latchkey.db.key")); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}

	second := start(t, nil, "serve", "--listen", "127.0.0.1:0")
	out = second.stdout.String()
	if got := field(t, out, "Client ID"); got != clientID {
		t.Errorf("second start client ID = %q, want %q", got, clientID)
	}
	if strings.Contains(out, apiKey) || !strings.Contains(out, "shown at first start only") {
		t.Errorf("second start must not print a key:\n%s", out)
	}
}

func TestStartUpErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	tests := []struct {
		name     string
		config   string // written to latchkey.yaml when non-empty
		args     []string
		vars     map[string]string
		wantCode int
		wantErr  []string
	}{
		{name: "unknown key", config: "listen: 127.0.0.1:0\napplications:\n  - name: A\n    colour: red\n",
			wantCode: 2, wantErr: []string{"latchkey.yaml:4", "colour"}},
		{name: "wrong type", config: "applications:\n  - name: A\n    redirect_uris: http://localhost/cb\n",
			wantCode: 2, wantErr: []string{"latchkey.yaml:3", "redirect_uris"}},
		{name: "dangling reference", config: "users:\n  - email: a@b.test\n    organizations: [org_01JABCDEFGHJKMNPQRSTVWXYZ1]\n",
			wantCode: 2, wantErr: []string{"latchkey.yaml:3", "org_01JABCDEFGHJKMNPQRSTVWXYZ1"}},
		{name: "missing config file", args: []string{"--config", "nope.yaml"}, wantCode: 2, wantErr: []string{"nope.yaml"}},
		{name: "port in use", args: []string{"--listen", busy.Addr().String()},
			wantCode: 1, wantErr: []string{"listen on " + busy.Addr().String(), "address already in use"}},
		{name: "unwritable sqlite path", args: []string{"--listen", "127.0.0.1:0", "--database", "sqlite:afile/latchkey.db"},
			wantCode: 1, wantErr: []string{"afile/latchkey.db"}},
		{name: "unsupported database", args: []string{"--database", "mysql://x"}, wantCode: 2, wantErr: []string{"unsupported database"}},
		{name: "bad public URL flag", args: []string{"--public-url", "ftp:/x/"}, wantCode: 2, wantErr: []string{"public_url"}},
		{name: "bad flag", args: []string{"--bogus"}, wantCode: 2, wantErr: []string{"bogus"}},
		{name: "bad secret key", args: []string{"--listen", "127.0.0.1:0"}, vars: map[string]string{"LATCHKEY_SECRET_KEY": "short"},
			wantCode: 2, wantErr: []string{"secret_key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if err := os.WriteFile("afile", []byte("not a directory"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.config != "" {
				if err := os.WriteFile("latchkey.yaml", []byte(tt.config), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr syncBuffer
			code := run(context.Background(), append([]string{"serve"}, tt.args...), env{stdout: &stdout, stderr: &stderr, lookup: environ(tt.vars)})
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			msg := stderr.String()
			for _, want := range tt.wantErr {
				if !strings.Contains(msg, want) {
					t.Errorf("stderr lacks %q:\n%s", want, msg)
				}
			}
			if _, err := os.Stat("latchkey.db"); err == nil {
				t.Error("latchkey.db was created by a start that failed")
			}
		})
	}
}

func TestMigrateAndVersion(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	var out, errb syncBuffer
	if code := run(context.Background(), []string{"migrate", "--database", db}, env{stdout: &out, stderr: &errb, lookup: environ(nil)}); code != 0 {
		t.Fatalf("migrate exit %d: %s", code, errb.String())
	}
	if !regexp.MustCompile(`applied [1-9]\d* migration`).MatchString(out.String()) {
		t.Fatalf("first migrate output %q", out.String())
	}
	out = syncBuffer{}
	if code := run(context.Background(), []string{"migrate", "--database", db}, env{stdout: &out, stderr: &errb, lookup: environ(nil)}); code != 0 {
		t.Fatalf("second migrate exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "applied 0 migration") {
		t.Fatalf("second migrate output %q, want 0 applied", out.String())
	}
	out = syncBuffer{}
	if code := run(context.Background(), []string{"version"}, env{stdout: &out, stderr: &errb, lookup: environ(nil)}); code != 0 || !strings.HasPrefix(out.String(), "latchkey ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("latchkey.yaml", []byte("listen: 127.0.0.1:1111\ndatabase: sqlite:file.db\npublic_url: http://file.test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"LATCHKEY_LISTEN": "127.0.0.1:2222", "LATCHKEY_DATABASE_URL": "sqlite:env.db"}
	s, err := resolve(commonFlags{listen: "127.0.0.1:3333"}, env{lookup: environ(vars)})
	if err != nil {
		t.Fatal(err)
	}
	if s.listen != "127.0.0.1:3333" || s.database != "sqlite:env.db" || s.publicURL != "http://file.test" || s.configPath != "latchkey.yaml" {
		t.Fatalf("flag > env > file violated: %+v", s)
	}
	s, err = resolve(commonFlags{}, env{lookup: environ(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if s.listen != "127.0.0.1:1111" || s.database != "sqlite:file.db" {
		t.Fatalf("file values not used: %+v", s)
	}
}

func TestServeOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	key := "LATCHKEY_SECRET_KEY"
	var out, errb syncBuffer
	code := run(context.Background(), []string{"serve", "--database", url, "--listen", "127.0.0.1:0"}, env{stdout: &out, stderr: &errb, lookup: environ(nil)})
	if code != 2 || !strings.Contains(errb.String(), "secret_key is required with PostgreSQL") {
		t.Fatalf("without a secret key: exit %d, %s", code, errb.String())
	}
	vars := map[string]string{key: secretKeyForTest()}
	a := start(t, vars, "serve", "--database", url, "--listen", "127.0.0.1:0")
	b := start(t, vars, "serve", "--database", url, "--listen", "127.0.0.1:0") // a second node
	if ia, ib := field(t, a.stdout.String(), "Client ID"), field(t, b.stdout.String(), "Client ID"); ia != ib {
		t.Fatalf("two nodes on one database disagree on the client ID: %s vs %s", ia, ib)
	}
}

func secretKeyForTest() string {
	return "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // 32 bytes 0..31
}

func TestJSONLogs(t *testing.T) {
	t.Chdir(t.TempDir())
	r := start(t, nil, "serve", "--listen", "127.0.0.1:0", "--log-format", "json")
	resp, err := http.Get(r.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r.stop(t)
	lines := strings.Split(strings.TrimSpace(r.stderr.String()), "\n")
	sawRequest := false
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if rec["msg"] == "request" && rec["route"] == "GET /healthz" && rec["trace_id"] != "" {
			sawRequest = true
		}
	}
	if !sawRequest {
		t.Fatalf("no structured request log in:\n%s", r.stderr)
	}
}
