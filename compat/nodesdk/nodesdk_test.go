//go:build unix

// Package nodesdk_test proves that the official WorkOS Node SDK
// (@workos-inc/node, pinned in package-lock.json) works against Latchkey:
// it builds the latchkey binary, starts the dev-idp and a server on
// loopback, and runs sdk.test.mjs with node's test runner.
//
// Without node and npm the test is skipped, unless CI=true, where it fails.
package nodesdk_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	clientID = "client_01JABCDEFGHJKMNPQRSTVWXYZ0"
	apiKey   = "sk_test_nodesdk_compat_key_1"
	orgID    = "org_01JABCDEFGHJKMNPQRSTVWXYZ1"
	connID   = "conn_01JABCDEFGHJKMNPQRSTVWXYZ2"
	redirect = "http://localhost:3000/callback"
	sdkPkg   = "@workos-inc/node"
)

// buildFlags are passed to go build for the latchkey binary; race_test.go
// adds -race when this test runs with the race detector.
var buildFlags []string

func config(issuer string) string {
	return `
applications:
  - name: Node SDK compat
    client_id: ` + clientID + `
    api_keys: [` + apiKey + `]
    redirect_uris: [` + redirect + `]
    logout_redirect_uris: [http://localhost:3000/]
organizations:
  - id: ` + orgID + `
    name: Acme
    domains: [example.test]
connections:
  - id: ` + connID + `
    type: GenericOIDC
    organization_id: ` + orgID + `
    name: Acme IdP
    oidc:
      issuer: ` + issuer + `
      client_id: latchkey
      client_secret: anything
`
}

func TestNodeSDK(t *testing.T) {
	node, npm := tools(t)
	ensureModules(t, npm)
	bin := buildLatchkey(t)

	dir := t.TempDir()
	idp := start(t, bin, "dev-idp", "--listen", "127.0.0.1:0")
	cfg := filepath.Join(dir, "latchkey.yaml")
	if err := os.WriteFile(cfg, []byte(config(idp.url)), 0o600); err != nil {
		t.Fatal(err)
	}
	lk := start(t, bin, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", filepath.Join(dir, "latchkey.db"))

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "sdk.test.mjs", "management.test.mjs")
	cmd.Env = append(cleanEnv("WORKOS_", "NODE_OPTIONS"),
		"LATCHKEY_URL="+lk.url, "CLIENT_ID="+clientID, "API_KEY="+apiKey, "ORG_ID="+orgID, "CONN_ID="+connID,
		"NO_COLOR=1")
	// node --test runs the file in a child process: on timeout, kill the
	// whole group, and stop waiting for the output soon after.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	log := &lineLogger{t: t, prefix: "node: "}
	cmd.Stdout, cmd.Stderr = log, log
	began := time.Now()
	err := cmd.Run()
	log.flush()
	if err != nil {
		t.Errorf("node --test sdk.test.mjs: %v (after %s); Latchkey's log:\n%s", err, time.Since(began).Round(time.Millisecond), lk.stderr)
	}
}

// tools finds node and npm, skipping (or under CI=true failing) without them.
func tools(t *testing.T) (node, npm string) {
	t.Helper()
	var missing []string
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	npm, err = exec.LookPath("npm")
	if err != nil {
		missing = append(missing, "npm")
	}
	if len(missing) > 0 {
		msg := strings.Join(missing, " and ") + " not found in PATH"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " and CI=true")
		}
		t.Skip(msg + " (set CI=true to make that a failure)")
	}
	return node, npm
}

// ensureModules runs npm ci when node_modules is missing, older than
// package-lock.json, or holds another SDK version than the lock file pins;
// otherwise the test needs no network.
func ensureModules(t *testing.T, npm string) {
	t.Helper()
	reason := modulesOutdated()
	if reason == "" {
		return
	}
	t.Logf("npm ci: %s", reason)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Env = cleanEnv("NODE_OPTIONS")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, b)
	}
	if reason := modulesOutdated(); reason != "" {
		t.Fatalf("after npm ci: %s", reason)
	}
}

func modulesOutdated() string {
	lock, err := os.Stat("package-lock.json")
	if err != nil {
		return err.Error()
	}
	hidden, err := os.Stat(filepath.Join("node_modules", ".package-lock.json"))
	if err != nil {
		return "node_modules is missing"
	}
	if hidden.ModTime().Before(lock.ModTime()) {
		return "node_modules is older than package-lock.json"
	}
	var locked struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	if err := readJSON("package-lock.json", &locked); err != nil {
		return err.Error()
	}
	want := locked.Packages["node_modules/"+sdkPkg].Version
	var installed struct{ Version string }
	if err := readJSON(filepath.Join("node_modules", sdkPkg, "package.json"), &installed); err != nil {
		return sdkPkg + " is not installed"
	}
	if want == "" || installed.Version != want {
		return fmt.Sprintf("%s %s is installed, package-lock.json pins %q", sdkPkg, installed.Version, want)
	}
	return ""
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// buildLatchkey builds the real binary, with the race detector when this
// test has it, so a race in the server under the SDK's traffic fails here.
func buildLatchkey(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "latchkey")
	args := append(append([]string{"build"}, buildFlags...), "-o", bin, "github.com/latchkeyhq/latchkey/cmd/latchkey")
	cmd := exec.Command("go", args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return bin
}

// cleanEnv is the environment without variables that start with one of
// prefixes, nor LATCHKEY_ ones, which would change how the servers or the
// SDK behave.
func cleanEnv(prefixes ...string) []string {
	prefixes = append(prefixes, "LATCHKEY_")
	var env []string
next:
	for _, kv := range os.Environ() {
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		env = append(env, kv)
	}
	return env
}

// syncBuffer is a bytes buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

type process struct {
	url            string
	stdout, stderr *syncBuffer
}

var runningAt = regexp.MustCompile(`is running at (\S+)`)

// start runs "latchkey args…", waits for the "is running at URL" banner
// (printed once every route is ready), and at cleanup sends SIGTERM and
// expects a clean exit.
func start(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	cmd.Dir = t.TempDir()
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			p.stdout.Write(append(sc.Bytes(), '\n'))
			if m := runningAt.FindStringSubmatch(sc.Text()); m != nil && !found {
				found = true
				urls <- m[1]
			}
		}
		_, _ = io.Copy(p.stdout, out)
		exited <- cmd.Wait()
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("latchkey %s: SIGTERM: %v", args[0], err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("latchkey %s exited with %v, want 0:\n%s%s", args[0], err, p.stdout, p.stderr)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("latchkey %s did not stop within 30s of SIGTERM:\n%s", args[0], p.stderr)
		}
	}
	select {
	case p.url = <-urls:
	case err := <-exited:
		stopped = true
		t.Fatalf("latchkey %s exited (%v) before it was ready:\n%s%s", args[0], err, p.stdout, p.stderr)
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		stopped = true
		t.Fatalf("latchkey %s not ready after 60s:\n%s%s", args[0], p.stdout, p.stderr)
	}
	t.Cleanup(stop)
	return p
}

// lineLogger writes what it is given into the test log line by line, as it
// comes.
type lineLogger struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.t.Log(l.prefix + strings.TrimRight(string(l.buf[:i]), "\r"))
		l.buf = l.buf[i+1:]
	}
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(l.prefix + string(l.buf))
		l.buf = nil
	}
}
