// Package report turns a benchmark run into the Markdown table and the
// JSON file it leaves in bench/results/.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Row is one measured scenario.
type Row struct {
	Backend     string  `json:"backend"` // sqlite, postgres, or "-" (ceiling, in-process)
	Scenario    string  `json:"scenario"`
	Dataset     string  `json:"dataset,omitempty"`
	Concurrency int     `json:"concurrency"`
	Ops         int64   `json:"ops"`
	Errors      int64   `json:"errors"`
	Seconds     float64 `json:"seconds"`
	Rate        float64 `json:"per_second"`
	P50         float64 `json:"p50_ms"`
	P99         float64 `json:"p99_ms"`
	Max         float64 `json:"max_ms"`
	// PeakRSS is the server's VmHWM over the scenario, in bytes (0: not
	// measured).
	PeakRSS int64 `json:"peak_rss_bytes,omitempty"`
	// Ratio compares Rate with a reference measured in the same run,
	// named by RatioTo.
	Ratio   float64 `json:"ratio,omitempty"`
	RatioTo string  `json:"ratio_to,omitempty"`
	// ColdMS is the latency of the first such request to a fresh server.
	ColdMS float64 `json:"cold_ms,omitempty"`
	// CPU time per operation, in microseconds, of Latchkey, PostgreSQL's
	// backends serving it, the dev-idp and the load tool itself, over the
	// measured part: where the machine's two cores went.
	CPUServer float64 `json:"cpu_us_per_op_latchkey,omitempty"`
	CPUDB     float64 `json:"cpu_us_per_op_postgres,omitempty"`
	CPUIdP    float64 `json:"cpu_us_per_op_devidp,omitempty"`
	CPULoad   float64 `json:"cpu_us_per_op_loadtool,omitempty"`
	// CPUBound is the rate the machine's CPUs would allow if these
	// processes had them to themselves: CPUs × 1 s / the CPU time of one
	// operation. It is steadier than Rate on a busy machine.
	CPUBound float64  `json:"cpu_bound_per_second,omitempty"`
	Errs     []string `json:"first_errors,omitempty"`
}

// Target is one goal of the benchmark issue and how the run fared.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs      int    `json:"cpus"`
	Model     string `json:"cpu_model"`
	MemoryGiB string `json:"memory"`
	Kernel    string `json:"kernel"`
	Go        string `json:"go"`
	LoadAvg   string `json:"load_average_at_start"`
}

// Report is a whole run.
type Report struct {
	Started  time.Time `json:"started"`
	Command  string    `json:"command"`
	Quick    bool      `json:"quick"`
	Machine  Machine   `json:"machine"`
	Settings string    `json:"settings"`
	Rows     []Row     `json:"rows"`
	Targets  []Target  `json:"targets"`
	Notes    []string  `json:"notes,omitempty"`
}

// ThisMachine reads the machine's description from /proc.
func ThisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		for line := range strings.SplitSeq(string(b), "\n") {
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				m.MemoryGiB = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// Write saves the report as NAME.json and NAME.md in dir and returns the
// Markdown path.
func (r *Report) Write(dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), append(js, '\n'), 0o644); err != nil {
		return "", err
	}
	md := filepath.Join(dir, name+".md")
	f, err := os.Create(md)
	if err != nil {
		return "", err
	}
	r.Markdown(f)
	return md, f.Close()
}

// Markdown writes the report as Markdown.
func (r *Report) Markdown(w io.Writer) {
	fmt.Fprintf(w, "# Latchkey load benchmark, %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 UTC"))
	if r.Quick {
		fmt.Fprintf(w, "**Quick run** (BENCH_QUICK=1): short scenarios and a smaller large data set; for checking the tool, not for figures.\n\n")
	}
	m := r.Machine
	fmt.Fprintf(w, "- Machine: %d CPUs, %s, %s, %s, %s; load average at start %s\n", m.CPUs, m.Model, m.MemoryGiB, m.Kernel, m.Go, m.LoadAvg)
	fmt.Fprintf(w, "- Command: `%s`\n", r.Command)
	fmt.Fprintf(w, "- Settings: %s\n\n", r.Settings)
	r.table(w)
	if len(r.Targets) > 0 {
		fmt.Fprintf(w, "\n## Targets\n\n| target | want | got | met |\n| --- | --- | --- | --- |\n")
		for _, t := range r.Targets {
			met := "no"
			if t.Met {
				met = "yes"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", cell(t.Name), cell(t.Want), cell(t.Got), met)
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(w, "\n## Notes\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
	var errs []string
	for _, row := range r.Rows {
		for _, e := range row.Errs {
			errs = append(errs, fmt.Sprintf("%s / %s: %s", row.Backend, row.Scenario, e))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\n## First errors\n\n")
		for _, e := range errs {
			fmt.Fprintf(w, "- %s\n", cell(e))
		}
	}
}

func (r *Report) table(w io.Writer) {
	fmt.Fprintf(w, "| backend | scenario | data | clients | ops | errors | per s | p50 ms | p99 ms | cold ms | peak RSS MB | CPU µs/op Latchkey / PostgreSQL / dev-idp / load tool | CPU-bound per s | ratio |\n")
	fmt.Fprintf(w, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, row := range r.Rows {
		ratio := ""
		if row.RatioTo != "" {
			ratio = fmt.Sprintf("%.2f× %s", row.Ratio, row.RatioTo)
		}
		cpu := fmt.Sprintf("%.0f / %.0f / %.0f / %.0f", row.CPUServer, row.CPUDB, row.CPUIdP, row.CPULoad)
		if row.CPUServer == 0 && row.CPUIdP == 0 {
			cpu = fmt.Sprintf("– / – / – / %.0f", row.CPULoad)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			cell(row.Backend), cell(row.Scenario), cell(row.Dataset), row.Concurrency, row.Ops, row.Errors, thousands(row.Rate),
			ms(row.P50), ms(row.P99), ms(row.ColdMS), mb(row.PeakRSS), cpu, thousands(row.CPUBound), ratio)
	}
}

// cell escapes what would end a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func ms(v float64) string {
	switch {
	case v == 0:
		return ""
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func mb(b int64) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f", float64(b)/(1<<20))
}

// thousands formats a rate with thousands separators, as BENCHMARKS.md does.
func thousands(v float64) string {
	n := int64(v + 0.5)
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
