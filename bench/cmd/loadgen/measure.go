package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/bench/load"
	"github.com/latchkeyhq/latchkey/bench/node"
	"github.com/latchkeyhq/latchkey/bench/report"
	"github.com/latchkeyhq/latchkey/bench/scenario"
	"github.com/latchkeyhq/latchkey/internal/secrets"
)

// step is one scenario to measure.
type step struct {
	backend, name, dataset string
	srv                    *node.Process // whose memory to read; nil for none
	opts                   load.Options
	newOp                  func(vu int) load.Op
	profile                string // file name for a CPU profile, when -pprof is set
	pprof                  string // the server's pprof address, "" for none
}

// loadOptions are the run's bounds for one scenario.
func (b *bench) loadOptions() load.Options {
	return load.Options{Concurrency: b.o.concurrency, Duration: b.o.duration, Warmup: b.o.warmup, MaxOps: b.o.maxOps}
}

// measure runs a step and adds its row to the report.
func (b *bench) measure(ctx context.Context, s step) report.Row {
	fmt.Printf("%-9s %-44s ", s.backend, s.name)
	rssReset := false
	if s.srv != nil {
		rssReset = s.srv.ResetPeakRSS() == nil
	}
	var prof chan error
	if s.profile != "" && b.o.pprof > 0 && s.pprof != "" {
		prof = make(chan error, 1)
		go func() { prof <- b.cpuProfile(ctx, s.pprof, s.opts.Warmup, s.profile) }()
	}
	cpu := b.cpuMeter(s.srv)
	opts := s.opts
	opts.OnStart = cpu.start
	res := load.Run(ctx, opts, s.newOp)
	perOp, cpuBound := cpu.perOp(res.Ops)
	row := report.Row{
		Backend: s.backend, Scenario: s.name, Dataset: s.dataset, Concurrency: s.opts.Concurrency,
		Ops: res.Ops, Errors: res.Errors, Seconds: round(res.Elapsed.Seconds(), 2), Rate: round(res.Rate(), 1),
		P50: msOf(res.Latency.Percentile(0.50)), P99: msOf(res.Latency.Percentile(0.99)), Max: msOf(res.Latency.Max()),
		Errs: res.FirstErrors, CPULoad: perOp[0], CPUServer: perOp[1], CPUIdP: perOp[2], CPUDB: perOp[3], CPUBound: cpuBound,
	}
	b.finish(s, &row, rssReset, prof)
	if len(res.FirstErrors) > 0 {
		fmt.Printf("          first error: %s\n", res.FirstErrors[0])
	}
	b.rep.Rows = append(b.rep.Rows, row)
	return row
}

// finish reads the server's memory and state into row, waits for the
// profile, and prints the row's line.
func (b *bench) finish(s step, row *report.Row, rssReset bool, prof chan error) {
	if s.srv != nil {
		if rss, err := s.srv.PeakRSS(); err == nil {
			row.PeakRSS = rss
		}
		if exited, err := s.srv.Exited(); exited {
			row.Errs = append(row.Errs, fmt.Sprintf("server exited (%v): %s", err, lastLines(s.srv.Logs(), 5)))
		}
	}
	if prof != nil {
		if err := <-prof; err != nil {
			b.note("CPU profile %s: %v", s.profile, err)
		}
	}
	fmt.Printf("%9.0f/s  p50 %6.2f ms  p99 %6.2f ms  errors %d  cpu µs/op %.0f/%.0f/%.0f/%.0f", row.Rate, row.P50, row.P99, row.Errors,
		row.CPUServer, row.CPUDB, row.CPUIdP, row.CPULoad)
	if row.PeakRSS > 0 {
		fmt.Printf("  peak RSS %.0f MB", float64(row.PeakRSS)/(1<<20))
		if !rssReset {
			fmt.Printf(" (since start)")
		}
	}
	fmt.Println()
}

// cpuMeter reads the CPU time of the processes sharing the machine
// (the load tool, the server, the dev-idp, PostgreSQL's backends) when the
// measured part starts and when it ends.
type cpuMeter struct {
	procs  []func() (time.Duration, error)
	before []time.Duration
}

func (b *bench) cpuMeter(srv *node.Process) *cpuMeter {
	m := &cpuMeter{procs: []func() (time.Duration, error){
		func() (time.Duration, error) { return node.CPUTime(os.Getpid()) },
		func() (time.Duration, error) { return cpuOf(srv) },
		func() (time.Duration, error) { return cpuOf(b.idp) },
		func() (time.Duration, error) {
			if b.dbCPU == nil || srv == nil {
				return 0, nil
			}
			return b.dbCPU()
		},
	}}
	m.before = make([]time.Duration, len(m.procs))
	return m
}

func (m *cpuMeter) start() {
	for i, f := range m.procs {
		m.before[i], _ = f()
	}
}

// perOp returns each process's CPU µs per operation since start, and the
// rate the machine's CPUs would allow at that cost.
func (m *cpuMeter) perOp(ops int64) ([]float64, float64) {
	per := make([]float64, len(m.procs))
	total := 0.0
	for i, f := range m.procs {
		if after, err := f(); err == nil && ops > 0 && after >= m.before[i] {
			per[i] = round(float64(after-m.before[i])/float64(time.Microsecond)/float64(ops), 1)
			total += per[i]
		}
	}
	if total == 0 {
		return per, 0
	}
	return per, round(float64(runtime.NumCPU())*1e6/total, 0)
}

// cpuOf reads a process's CPU time; 0 for none.
func cpuOf(p *node.Process) (time.Duration, error) {
	if p == nil {
		return 0, nil
	}
	return p.CPUTime()
}

func msOf(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// measureCeiling runs the bare handler and measures it with the same
// client and query as authorize.
func (b *bench) measureCeiling(ctx context.Context) error {
	p, err := node.Start(ctx, node.Options{Name: "ceiling", Path: b.ceiling, Args: []string{"--listen", "127.0.0.1:0"}})
	if err != nil {
		return err
	}
	defer p.Stop()
	row := b.measure(ctx, step{backend: "-", name: "ceiling: bare net/http 302", srv: p, opts: b.loadOptions(),
		newOp: scenario.Authorize(b.client, scenario.AuthorizeURL(p.URL), b.app,
			scenario.Route{Param: "connection_id", Values: []string{b.ssoConn}})})
	b.ceilingRate, b.ceilingBound = row.Rate, row.CPUBound
	return nil
}

// signingBaseline measures bare signing with alg in this process, two
// goroutines as the machine has two cores: the most token issuance could
// reach. It runs right before the grants it is compared with, so that both
// see the same machine (others' load comes and goes).
func (b *bench) signingBaseline(ctx context.Context, backend, alg string) float64 {
	var sign func() error
	name := "bare " + alg + " signing in the load tool ("
	// A payload the size of an access token's header and claims.
	digest := sha256.Sum256([]byte(strings.Repeat("x", 400)))
	switch alg {
	case "RS256":
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			b.note("RS256 baseline: %v", err)
			return 0
		}
		name += "rsa.SignPKCS1v15"
		sign = func() error {
			_, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
			return err
		}
	default:
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.note("ES256 baseline: %v", err)
			return 0
		}
		name += "ecdsa.SignASN1"
		sign = func() error {
			_, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
			return err
		}
	}
	opts := load.Options{Concurrency: 2, Duration: min(b.o.duration, 3*time.Second), Warmup: 200 * time.Millisecond, MaxOps: b.o.maxOps}
	row := b.measure(ctx, step{backend: backend, name: name + ", 2 goroutines)", opts: opts,
		newOp: func(int) load.Op { return func(context.Context) error { return sign() } }})
	b.baselines[backend+"/"+alg] = row
	return row.Rate
}

// cold measures the first authorize request a fresh server answers, over
// a connection opened beforehand, so the figure is the server's own work:
// empty caches, the connector not built yet.
func (b *bench) cold(ctx context.Context, base, param, value string) (time.Duration, error) {
	t := scenario.NewTransport(1)
	defer t.CloseIdleConnections()
	c := scenario.NewClient(t)
	get := func(u string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		return c.Do(req)
	}
	resp, err := get(base + "/healthz")
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	start := time.Now()
	resp, err = get(scenario.AuthorizeURL(base) + "?" + scenario.AuthorizeQuery(b.app, param, value, "cold", ""))
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || strings.HasPrefix(loc, b.app.RedirectURI) {
		return d, fmt.Errorf("cold authorize: status %d, Location %s", resp.StatusCode, loc)
	}
	return d, nil
}

// cpuProfile fetches a CPU profile from the server's pprof endpoint,
// starting after the warm-up.
func (b *bench) cpuProfile(ctx context.Context, addr string, after time.Duration, name string) error {
	select {
	case <-time.After(after + 200*time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	secs := max(1, int(min(b.o.pprof, b.o.duration-time.Second)/time.Second))
	return b.saveProfile(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), name)
}

// heapProfile saves the server's live heap (after a GC).
func (b *bench) heapProfile(ctx context.Context, addr, name string) error {
	return b.saveProfile(ctx, fmt.Sprintf("http://%s/debug/pprof/heap?gc=1", addr), name)
}

func (b *bench) saveProfile(ctx context.Context, u, name string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := scenario.NewClient(scenario.NewTransport(1)).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	dir := filepath.Join(b.outDir(), "profiles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, name+".pprof"))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// newMasterKey returns a fresh LATCHKEY_SECRET_KEY value.
func newMasterKey() string { return base64.StdEncoding.EncodeToString(secrets.NewMasterKey()) }
