package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999.4: "999", 1000: "1,000", 25768.2: "25,768", 1234567: "1,234,567"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	r := &Report{Quick: true, Rows: []Row{{Backend: "sqlite", Scenario: "authorize a|b", Concurrency: 50, Ops: 10, Rate: 12345,
		P50: 1.5, P99: 4.25, PeakRSS: 40 << 20, Ratio: 0.61, RatioTo: "ceiling", Errs: []string{"status 500|x"}}},
		Targets: []Target{{Name: "t", Want: "w", Got: "g", Met: true}}}
	var b bytes.Buffer
	r.Markdown(&b)
	md := b.String()
	for _, want := range []string{"**Quick run**", `| sqlite | authorize a\|b |`, "| 12,345 | 1.50 | 4.25 |", "| 40 |", "0.61× ceiling",
		"| t | w | g | yes |", `status 500\|x`} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}
