package node

import (
	"os"
	"testing"
)

func TestParseVmHWM(t *testing.T) {
	got, err := parseVmHWM("Name:\tlatchkey\nVmPeak:\t  900 kB\nVmHWM:\t   51234 kB\nVmRSS:\t 40000 kB\n")
	if err != nil || got != 51234<<10 {
		t.Fatalf("parseVmHWM = %d, %v; want %d", got, err, 51234<<10)
	}
	if _, err := parseVmHWM("VmRSS: 1 kB\n"); err == nil {
		t.Fatal("no VmHWM line: want an error")
	}
}

func TestPeakRSSOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	rss, err := peakRSS(os.Getpid())
	if err != nil || rss <= 0 {
		t.Fatalf("peakRSS = %d, %v", rss, err)
	}
}

func TestBanner(t *testing.T) {
	for line, want := range map[string]string{
		"Latchkey is running at http://127.0.0.1:41234":                      "http://127.0.0.1:41234",
		"Latchkey dev-idp (OpenID Connect) is running at http://127.0.0.1:9": "http://127.0.0.1:9",
		"ceiling is running at http://127.0.0.1:5":                           "http://127.0.0.1:5",
	} {
		m := bannerRE.FindStringSubmatch(line)
		if m == nil || m[1] != want {
			t.Errorf("%q: got %v, want %s", line, m, want)
		}
	}
}

func TestTailKeepsTheEnd(t *testing.T) {
	tl := &tail{max: 8}
	_, _ = tl.Write([]byte("0123456789"))
	_, _ = tl.Write([]byte("ab"))
	if got := tl.String(); got != "456789ab" {
		t.Fatalf("tail = %q", got)
	}
}

func TestParseStatCPU(t *testing.T) {
	stat := "4242 (latch key) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 8 0 100 0 0"
	got, err := parseStatCPU(stat)
	if err != nil || got.Milliseconds() != 3250 {
		t.Fatalf("parseStatCPU = %v, %v; want 3.25s", got, err)
	}
	if cpu, err := CPUTime(os.Getpid()); err != nil || cpu < 0 {
		t.Fatalf("CPUTime(self) = %v, %v", cpu, err)
	}
}
