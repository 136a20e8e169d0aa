package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/bench/node"
	"github.com/latchkeyhq/latchkey/bench/report"
	"github.com/latchkeyhq/latchkey/bench/scenario"
	"github.com/latchkeyhq/latchkey/bench/seed"
	"github.com/latchkeyhq/latchkey/internal/apikey"
	"github.com/latchkeyhq/latchkey/internal/id"
)

// bench is one run: the binaries, the servers shared by every backend, and
// the report being filled.
type bench struct {
	o        options
	root     string // the module's directory
	work     string // temporary: binaries, configs, SQLite files
	latchkey string
	ceiling  string
	rep      *report.Report

	masterKey string // base64, LATCHKEY_SECRET_KEY
	app       scenario.App
	// IDs the configuration file declares.
	ssoOrg, ssoConn, oauthConn string

	idp       *node.Process
	idpCfg    seed.IdP
	transport *http.Transport
	client    *http.Client // does not follow redirects

	// dbCPU reads the database server's CPU time for the backend being
	// measured; nil when it runs inside Latchkey (SQLite).
	dbCPU         func() (time.Duration, error)
	ceilingRate   float64
	ceilingBound  float64               // the ceiling's CPU-bound rate
	baselines     map[string]report.Row // bare signing, by backend/alg
	noES256Config bool
}

func run(ctx context.Context, o options, command string) error {
	b := &bench{o: o, baselines: map[string]report.Row{}}
	var err error
	if b.root, err = moduleRoot(); err != nil {
		return err
	}
	if b.work, err = os.MkdirTemp("", "latchkey-bench-"); err != nil {
		return err
	}
	if o.keep {
		fmt.Printf("work directory: %s\n", b.work)
	} else {
		defer os.RemoveAll(b.work)
	}
	b.rep = &report.Report{Started: time.Now(), Command: command, Quick: o.quick, Machine: report.ThisMachine(),
		Settings: fmt.Sprintf("%d clients, %s per scenario after %s warm-up, data sets %s and %s",
			o.concurrency, o.duration, o.warmup,
			seed.Dataset{Users: o.smallUsers, Organizations: o.smallOrgs},
			seed.Dataset{Users: o.largeUsers, Organizations: o.largeOrgs})}
	if err := b.build(ctx); err != nil {
		return err
	}
	b.transport = scenario.NewTransport(o.concurrency)
	b.client = scenario.NewClient(b.transport)
	b.app = scenario.App{ClientID: id.New(id.Application), APIKey: apikey.Generate(), RedirectURI: "http://127.0.0.1:3000/callback"}
	b.ssoOrg, b.ssoConn, b.oauthConn = id.New(id.Organization), id.New(id.Connection), id.New(id.Connection)
	b.masterKey = newMasterKey()

	if err := b.measureCeiling(ctx); err != nil {
		return err
	}
	if err := b.startIdP(ctx); err != nil {
		return err
	}
	defer b.idp.Stop()
	for _, backend := range strings.Split(o.backends, ",") {
		if ctx.Err() != nil {
			break
		}
		if err := b.backend(ctx, strings.TrimSpace(backend)); err != nil {
			b.note("%s: stopped early: %v", backend, err)
			fmt.Fprintf(os.Stderr, "loadgen: %s: %v\n", backend, err)
		}
	}
	b.rep.Targets = targets(b)
	name := b.rep.Started.UTC().Format("20060102-150405")
	if o.quick {
		name += "-quick"
	}
	md, err := b.rep.Write(b.outDir(), name)
	if err != nil {
		return err
	}
	fmt.Println()
	b.rep.Markdown(os.Stdout)
	fmt.Printf("\nwrote %s and its .json\n", md)
	return ctx.Err()
}

// moduleRoot finds the directory of the go.mod the tool was run from.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run loadgen from inside the Latchkey module")
	}
	return filepath.Dir(mod), nil
}

// build compiles Latchkey and the ceiling into the work directory.
func (b *bench) build(ctx context.Context) error {
	b.latchkey = filepath.Join(b.work, "latchkey")
	b.ceiling = filepath.Join(b.work, "ceiling")
	builds := []struct{ out, pkg string }{{b.ceiling, "./bench/cmd/ceiling"}}
	if b.o.binary != "" {
		abs, err := filepath.Abs(b.o.binary)
		if err != nil {
			return err
		}
		b.latchkey = abs
	} else {
		builds = append(builds, struct{ out, pkg string }{b.latchkey, "./cmd/latchkey"})
	}
	for _, t := range builds {
		fmt.Printf("building %s\n", t.pkg)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", t.out, t.pkg)
		cmd.Dir = b.root
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", t.pkg, err)
		}
	}
	return nil
}

// startIdP runs the dev-idp and reads its endpoints from discovery.
func (b *bench) startIdP(ctx context.Context) error {
	p, err := node.Start(ctx, node.Options{Name: "dev-idp", Path: b.latchkey, Args: []string{"dev-idp", "--listen", "127.0.0.1:0", "--signing-algorithm", b.o.idpAlg}})
	if err != nil {
		return err
	}
	b.idp = p
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/.well-known/openid-configuration", nil)
	if err != nil {
		return err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("dev-idp discovery: %w", err)
	}
	defer resp.Body.Close()
	var d struct {
		Issuer        string `json:"issuer"`
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
		JWKS          string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return fmt.Errorf("dev-idp discovery: %w", err)
	}
	b.idpCfg = seed.IdP{Issuer: d.Issuer, AuthorizationURL: d.Authorization, TokenURL: d.Token, JWKSURL: d.JWKS}
	return nil
}

// outDir is where results go: -out, relative to the module's directory.
func (b *bench) outDir() string {
	if filepath.IsAbs(b.o.out) {
		return b.o.out
	}
	return filepath.Join(b.root, b.o.out)
}

func (b *bench) note(format string, args ...any) {
	b.rep.Notes = append(b.rep.Notes, fmt.Sprintf(format, args...))
}
