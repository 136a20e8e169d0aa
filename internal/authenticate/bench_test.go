package authenticate_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/token"
)

// BenchmarkCodeExchange measures one code exchange through the whole
// handler stack (middleware, CORS, handler, store, signing): by a public
// client with PKCE, and by a confidential client with its secret once the
// API-key cache is warm (the argon2id check happens once per key and TTL).
func BenchmarkCodeExchange(b *testing.B) {
	forEachSigning(b, func(b *testing.B, e *env) {
		for _, c := range []struct {
			name   string
			params func(code string) params
			pkce   bool
		}{
			{"public-pkce", func(code string) params {
				return params{"grant_type": "authorization_code", "client_id": e.app.ID, "code": code, "code_verifier": verifier}
			}, true},
			{"confidential-secret", func(code string) params {
				return params{"grant_type": "authorization_code", "client_id": e.app.ID, "code": code, "client_secret": e.secret}
			}, false},
		} {
			b.Run(c.name, func(b *testing.B) {
				g := e.ssoGrant()
				if c.pkce {
					g.CodeChallenge = challenge(verifier)
				}
				exchange := func(code string) {
					rec := httptest.NewRecorder()
					e.handler.ServeHTTP(rec, authRequest(b, asJSON, c.params(code)))
					if rec.Code != http.StatusOK {
						b.Fatalf("exchange: %d %s", rec.Code, rec.Body)
					}
				}
				exchange(e.issueCode(b, g)) // warms the key cache and the catalog
				codes := make([]string, b.N)
				for i := range codes {
					codes[i] = e.issueCode(b, g)
				}
				b.ReportAllocs()
				cpu := startCPU(b)
				for i := range b.N {
					exchange(codes[i])
				}
				cpu.report(b)
			})
		}
	})
}

// BenchmarkRefresh measures one refresh-token rotation through the whole
// handler stack, each use spending the token the previous one returned.
func BenchmarkRefresh(b *testing.B) {
	forEachSigning(b, func(b *testing.B, e *env) {
		// Not signIn: it checks the token against the RS256-only document.
		rt := e.authenticate(b, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
			"client_secret": e.secret, "code": e.issueCode(b, e.ssoGrant())}).wantTokens(b).RefreshToken
		b.ReportAllocs()
		cpu := startCPU(b)
		for range b.N {
			rt = e.refreshOnce(b, rt)
		}
		cpu.report(b)
	})
}

// BenchmarkGrantsParallel measures the throughput of code exchanges (by a
// public client with PKCE) and of refreshes from 8 requests in flight per
// core: ns/op is the inverse of grants per second on this machine.
func BenchmarkGrantsParallel(b *testing.B) {
	const perCore = 8
	forEachSigning(b, func(b *testing.B, e *env) {
		b.Run("code", func(b *testing.B) {
			g := e.ssoGrant()
			g.CodeChallenge = challenge(verifier)
			codes := make([]string, b.N)
			for i := range codes {
				codes[i] = e.issueCode(b, g)
			}
			var next atomic.Int64
			b.SetParallelism(perCore)
			b.ReportAllocs()
			cpu := startCPU(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rec := httptest.NewRecorder()
					e.handler.ServeHTTP(rec, authRequest(b, asJSON, params{"grant_type": "authorization_code",
						"client_id": e.app.ID, "code": codes[next.Add(1)-1], "code_verifier": verifier}))
					if rec.Code != http.StatusOK {
						b.Errorf("exchange: %d %s", rec.Code, rec.Body)
						return
					}
				}
			})
			cpu.report(b)
		})
		b.Run("refresh", func(b *testing.B) {
			// A session per goroutine: one refresh token is spent once.
			chains := make(chan string, perCore*runtime.GOMAXPROCS(0))
			for range cap(chains) {
				chains <- e.authenticate(b, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
					"client_secret": e.secret, "code": e.issueCode(b, e.ssoGrant())}).wantTokens(b).RefreshToken
			}
			b.SetParallelism(perCore)
			b.ReportAllocs()
			cpu := startCPU(b)
			b.RunParallel(func(pb *testing.PB) {
				rt := <-chains
				for pb.Next() {
					rt = e.refreshOnce(b, rt)
				}
			})
			cpu.report(b)
		})
	})
}

// refreshOnce spends rt and returns the refresh token that replaced it.
func (e *env) refreshOnce(b *testing.B, rt string) string {
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, authRequest(b, asJSON, params{"grant_type": "refresh_token", "client_id": e.app.ID, "refresh_token": rt}))
	if rec.Code != http.StatusOK {
		b.Fatalf("refresh: %d %s", rec.Code, rec.Body)
	}
	var next struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &next); err != nil {
		b.Fatal(err)
	}
	return next.RefreshToken
}

// cpuMeter reports CPU time per operation, which a shared machine skews
// less than wall time: this process's (the handler, the store's driver,
// the garbage collector) and, on Linux, that of the PostgreSQL backends
// serving this process's connections.
type cpuMeter struct{ self, postgres time.Duration }

// startCPU resets the benchmark timer and starts measuring.
func startCPU(b *testing.B) cpuMeter {
	b.ResetTimer()
	return cpuMeter{processCPU(), postgresCPU()}
}

func (m cpuMeter) report(b *testing.B) {
	n := float64(b.N)
	b.ReportMetric(float64(processCPU()-m.self)/n, "cpu-ns/op")
	if pg := postgresCPU(); pg > 0 {
		b.ReportMetric(float64(pg-m.postgres)/n, "pg-cpu-ns/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postgresCPU sums the user and system time of the PostgreSQL backends
// whose client is a TCP socket of this process (a backend's title names
// its client's address and port); 0 where there is none or no /proc.
func postgresCPU() time.Duration {
	ports := map[string]bool{}
	for _, port := range localPorts() {
		ports["("+port+")"] = true
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var ticks int64
	for _, p := range procs {
		title, err := os.ReadFile(p + "/cmdline")
		if err != nil || !bytes.HasPrefix(title, []byte("postgres: ")) {
			continue
		}
		i := bytes.LastIndexByte(title, '(')
		j := bytes.IndexByte(title[max(i, 0):], ')')
		if i < 0 || j < 0 || !ports[string(title[i:i+j+1])] {
			continue
		}
		raw, err := os.ReadFile(p + "/stat")
		if err != nil {
			continue
		}
		// After the command: state is field 3 of the line, utime and stime
		// fields 14 and 15.
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
}

// localPorts returns the local ports of this process's TCP sockets, in
// decimal.
func localPorts() []string {
	fds, _ := filepath.Glob("/proc/self/fd/*")
	inodes := map[string]bool{}
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var ports []string
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		raw, _ := os.ReadFile(table)
		for _, line := range strings.Split(string(raw), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || !inodes[f[9]] {
				continue
			}
			_, hexPort, _ := strings.Cut(f[1], ":")
			if port, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
				ports = append(ports, strconv.FormatUint(port, 10))
			}
		}
	}
	return ports
}

// forEachSigning runs f on every backend with access tokens signed with
// each algorithm: RS256 (the default, as WorkOS signs) costs about 1 ms of
// CPU a signature and hides the rest; ES256 shows it.
func forEachSigning(b *testing.B, f func(b *testing.B, e *env)) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			for _, alg := range []string{token.RS256, token.ES256} {
				b.Run(alg, func(b *testing.B) { f(b, newEnvSigning(b, be.open(b), alg)) })
			}
		})
	}
}
