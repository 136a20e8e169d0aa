// Command loadgen is Latchkey's load benchmark: it builds Latchkey and a
// bare net/http ceiling, starts them on loopback, seeds SQLite and
// PostgreSQL, and measures authorize on every route, full SSO sign-ins
// through the dev-idp, code exchanges and refreshes, and authorize again
// over a large data set. It writes a Markdown table and JSON to
// bench/results/. `make bench` runs it; BENCH_QUICK=1 makes it short.
//
//	go run ./bench/cmd/loadgen [-quick] [-duration 10s] [-concurrency 50] …
//
// All traffic goes to 127.0.0.1, and every loop is bounded in time and in
// count.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	quick       bool
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	backends    string
	postgresURL string
	smallUsers  int
	smallOrgs   int
	largeUsers  int
	largeOrgs   int
	codes       int
	mintFor     time.Duration
	maxOps      int64
	out         string
	pprof       time.Duration
	keep        bool
	binary      string
	idpAlg      string
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "short scenarios and a smaller large data set (also BENCH_QUICK=1)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per scenario")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured warm-up before each scenario")
	flag.IntVar(&o.concurrency, "concurrency", 50, "concurrent clients (virtual users)")
	flag.StringVar(&o.backends, "backends", "sqlite,postgres", "databases to measure, comma-separated")
	flag.StringVar(&o.postgresURL, "postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"PostgreSQL server; a fresh schema is created in it per run and dropped at the end")
	flag.IntVar(&o.smallUsers, "small-users", 1000, "users in the small data set")
	flag.IntVar(&o.smallOrgs, "small-orgs", 10, "organizations (each with one connection) in the small data set")
	flag.IntVar(&o.largeUsers, "large-users", 1_000_000, "users in the large data set")
	flag.IntVar(&o.largeOrgs, "large-orgs", 100_000, "organizations (each with one connection) in the large data set")
	flag.IntVar(&o.codes, "codes", 10_000, "codes to mint for each exchange scenario")
	flag.DurationVar(&o.mintFor, "mint-for", 40*time.Second, "at most this long minting codes beyond what the sign-in scenario left")
	flag.Int64Var(&o.maxOps, "max-ops", 5_000_000, "at most this many operations per scenario")
	flag.StringVar(&o.out, "out", "bench/results", "where to write the report")
	flag.DurationVar(&o.pprof, "pprof", 0, "take a CPU profile of this length from the server during each authorize and exchange scenario (needs latchkey serve --pprof)")
	flag.StringVar(&o.binary, "latchkey", "", "a prebuilt latchkey binary to measure (default: go build ./cmd/latchkey)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (databases, configs) and the PostgreSQL schema")
	flag.StringVar(&o.idpAlg, "idp-alg", "ES256", "the algorithm the dev-idp signs ID tokens with (RS256 or ES256): the upstream's signing is not Latchkey's work, and RS256 alone takes the dev-idp ~1.3 ms of the shared cores per sign-in")
	flag.Parse()
	if os.Getenv("BENCH_QUICK") != "" && os.Getenv("BENCH_QUICK") != "0" {
		o.quick = true
	}
	if o.quick {
		quicken(&o)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, strings.Join(os.Args, " ")); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// quicken shortens a run to check the tool, unless a flag was set
// explicitly.
func quicken(o *options) {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	def := func(name string, apply func()) {
		if !set[name] {
			apply()
		}
	}
	def("duration", func() { o.duration = 3 * time.Second })
	def("warmup", func() { o.warmup = time.Second })
	def("large-users", func() { o.largeUsers = 100_000 })
	def("large-orgs", func() { o.largeOrgs = 10_000 })
	def("codes", func() { o.codes = 3000 })
	def("mint-for", func() { o.mintFor = 15 * time.Second })
}
