package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which scripts/test installs.
const chromiumPath = "/usr/bin/chromium"

// chrome is one headless Chromium with a fresh profile, driven over the
// DevTools protocol; each test gets its own so cookies never leak between
// them.
type chrome struct {
	t   *testing.T
	ctx context.Context // the first tab's
}

// newChrome starts Chromium, or skips the test without it; with CI=true a
// missing Chromium fails the run instead.
func newChrome(t *testing.T) *chrome {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			path = p
		} else if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is not installed at %s and CI=true (apt-get install -y chromium)", chromiumPath)
		} else {
			t.Skipf("Chromium is not installed at %s: skipping the browser test (apt-get install -y chromium; CI=true makes this a failure)", chromiumPath)
		}
	}
	profile := t.TempDir() // removed after the browser stops: cleanups run last-in first-out
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting Chromium: %v", err)
	}
	return &chrome{t: t, ctx: ctx}
}

// do runs steps in the first tab and fails the test on error.
// Each call has 20 seconds, so a page that never shows what a step waits
// for fails with a screenshot of it instead of using up the test's time.
func (c *chrome) do(steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(c.ctx, chromedp.Location())
		c.screenshot("failure")
		c.t.Fatalf("browser at %s: %v", loc, err)
	}
}

// text returns the text of the element sel.
func (c *chrome) text(sel string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		c.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// value returns the value of the input sel.
func (c *chrome) value(sel string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		c.t.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

func (c *chrome) location() string {
	c.t.Helper()
	loc, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil {
		c.t.Fatal(err)
	}
	return loc
}

// inNewTab runs f in a second tab of the same browser, which it closes
// afterwards.
func (c *chrome) inNewTab(f func(tab *chrome)) {
	ctx, cancel := chromedp.NewContext(c.ctx)
	defer cancel()
	// The tab lives as long as the context of the first call on it, so
	// open it here rather than under do's shorter timeout.
	if err := chromedp.Do(ctx); err != nil {
		c.t.Fatalf("opening a tab: %v", err)
	}
	f(&chrome{t: c.t, ctx: ctx})
}

// screenshot saves the page as test-output/browser/<test>-<name>.png at
// the repository's root.
func (c *chrome) screenshot(name string) {
	c.t.Helper()
	png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join(repoRoot(c.t), "test-output", "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.t.Fatal(err)
	}
	file := filepath.Join(dir, fileName(c.t.Name())+"-"+name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.t.Logf("screenshot: %s", file)
}

// repoRoot is the directory of go.mod above the test's directory.
func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// fileName turns a test name into a plain file name: letters, digits and
// single dashes.
func fileName(test string) string {
	return strings.Trim(nonWord.ReplaceAllString(strings.ToLower(test), "-"), "-")
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)
