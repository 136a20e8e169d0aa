package hostedui_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/hostedui"
)

func TestFormsRefuseForgery(t *testing.T) {
	h := newHarness(t, hostedui.Limits{})
	h.user("csrf@example.org", "a good long password", true)
	_, otherPage := h.start() // a second transaction in another browser
	tests := []struct {
		name   string
		token  func(p page) string
		header map[string]string
		want   int
	}{
		{"valid token", func(p page) string { return p.csrf() }, nil, http.StatusFound},
		{"no token", func(page) string { return "" }, nil, http.StatusForbidden},
		{"wrong token", func(page) string { return strings.Repeat("0", 64) }, nil, http.StatusForbidden},
		{"token of another browser and transaction", func(page) string { return otherPage.csrf() }, nil, http.StatusForbidden},
		{"cross-site post", func(p page) string { return p.csrf() }, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign origin", func(p page) string { return p.csrf() }, map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, p := h.start()
			f := form("csrf", tc.token(p), "action", "password", "email", "csrf@example.org", "password", "a good long password")
			req, _ := http.NewRequest(http.MethodPost, c.abs("sign-in?tx="+c.tx), strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got := read(t, resp)
			if got.status != tc.want {
				t.Fatalf("answered %d, want %d", got.status, tc.want)
			}
			if tc.want == http.StatusForbidden && !strings.Contains(got.body, "This form has expired") {
				t.Errorf("refusal page:\n%s", got.body)
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	t.Run("account back-off", func(t *testing.T) {
		limits := hostedui.DefaultLimits()
		limits.FreeFailures = 3
		h := newHarness(t, limits)
		h.user("victim@example.org", "the right password", true)
		c, p := h.start()
		try := func(pw string) page {
			return c.post("sign-in", form("csrf", p.csrf(), "action", "password", "email", "victim@example.org", "password", pw))
		}
		for i := range 3 {
			if got := try("wrong guess " + string(rune('a'+i))); got.status != http.StatusUnauthorized {
				t.Fatalf("guess %d answered %d", i, got.status)
			}
		}
		got := try("the right password")
		if got.status != http.StatusTooManyRequests || !strings.Contains(got.body, "Too many incorrect attempts") {
			t.Fatalf("after the free failures the right password answered %d", got.status)
		}
		// The same holds for an address without an account: the back-off
		// tells nothing.
		for range 3 {
			c.post("sign-in", form("csrf", p.csrf(), "action", "password", "email", "nobody@example.org", "password", "whatever it is"))
		}
		nobody := c.post("sign-in", form("csrf", p.csrf(), "action", "password", "email", "nobody@example.org", "password", "whatever it is"))
		if nobody.status != http.StatusTooManyRequests {
			t.Fatalf("an unknown address was not backed off: %d", nobody.status)
		}
	})
	t.Run("per address", func(t *testing.T) {
		limits := hostedui.DefaultLimits()
		limits.Address = hostedui.Rule{Max: 3, Window: time.Hour}
		h := newHarness(t, limits)
		c, p := h.start()
		for i := range 3 {
			if got := c.post("sign-in", form("csrf", p.csrf(), "email", "a@example.org")); got.status != http.StatusOK {
				t.Fatalf("post %d answered %d", i, got.status)
			}
		}
		got := c.post("sign-in", form("csrf", p.csrf(), "email", "a@example.org"))
		if got.status != http.StatusTooManyRequests || !strings.Contains(got.body, "too many attempts from your network") {
			t.Fatalf("post over the limit answered %d:\n%s", got.status, got.body)
		}
	})
	t.Run("code guesses", func(t *testing.T) {
		h := newHarness(t, hostedui.Limits{})
		h.user("slow@example.org", "the right password", false)
		c, p := h.start()
		p = c.post("sign-in", form("csrf", p.csrf(), "action", "password", "email", "slow@example.org", "password", "the right password"))
		p = c.get(p.location())
		for range 5 {
			c.post("verify-email", form("csrf", p.csrf(), "code", "000000"))
		}
		code := h.lastEmail("slow@example.org").Code
		got := c.post("verify-email", form("csrf", p.csrf(), "code", code))
		if got.status != http.StatusTooManyRequests {
			t.Fatalf("the right code after 5 wrong ones answered %d", got.status)
		}
	})
}

// TestNoEnumeration: whether an address has an account changes nothing
// in the answers, only in the email that the address receives.
func TestNoEnumeration(t *testing.T) {
	h := newHarness(t, hostedui.Limits{})
	h.user("known@example.org", "the right password", true)
	// normalize drops what differs by design: the address typed and the
	// per-form token.
	normalize := func(p page, email string) string {
		b := strings.ReplaceAll(p.body, email, "EMAIL")
		b = strings.ReplaceAll(b, url.QueryEscape(email), "EMAIL")
		return regexp.MustCompile(`tx=[\w-]+|value="[0-9a-f]{64}"`).ReplaceAllString(b, "")
	}
	type answer struct {
		status   int
		location string
		body     string
	}
	tests := []struct {
		name   string
		screen string
		form   func(email string) url.Values
	}{
		{"sign-in", "sign-in", func(e string) url.Values {
			return form("action", "password", "email", e, "password", "not the password")
		}},
		{"sign-up", "sign-up", func(e string) url.Values {
			return form("first_name", "Eve", "email", e, "password", "a fresh long password")
		}},
		{"forgot password", "forgot-password", func(e string) url.Values { return form("email", e) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var answers []answer
			// Each case gets its own unknown address: signing up makes one known.
			for _, email := range []string{"known@example.org", "unknown-" + tc.screen + "@example.org"} {
				c, p := h.start()
				f := tc.form(email)
				f.Set("csrf", p.csrf())
				got := c.post(tc.screen, f)
				a := answer{got.status, regexp.MustCompile(`tx=[\w-]+`).ReplaceAllString(got.location(), ""), normalize(got, email)}
				if got.status == http.StatusSeeOther { // follow to the code page
					a.body = normalize(c.get(got.location()), email)
				}
				answers = append(answers, a)
			}
			if answers[0] != answers[1] {
				t.Fatalf("known and unknown addresses answered differently:\n%+v\n%+v", answers[0], answers[1])
			}
		})
	}
	subjects := map[string]bool{}
	for _, m := range h.outbox.Messages() {
		if m.To == "known@example.org" {
			subjects[m.Subject] = true
		}
	}
	if !subjects["Your Example App account"] || !subjects["Reset your Example App password"] {
		t.Errorf("the known address got %v, want the account notice and the reset link", subjects)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, hostedui.Limits{})
	c, _ := h.start()
	for _, path := range []string{"sign-in", "sign-up", "forgot-password", "verify-email", "reset-password", "dev/outbox"} {
		t.Run(path, func(t *testing.T) {
			resp, err := c.http.Get(c.abs(path + "?tx=" + c.tx))
			if err != nil {
				t.Fatal(err)
			}
			p := read(t, resp)
			if p.status == http.StatusSeeOther { // verify-email without a pending code
				return
			}
			csp := p.header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "style-src 'self' 'sha256-"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") || strings.Contains(p.body, "<script") {
				t.Errorf("script allowed or present: %q", csp)
			}
			// The one inline style block is the one the CSP's hash allows.
			m := regexp.MustCompile(`<style>(.*?)</style>`).FindStringSubmatch(p.body)
			if m == nil {
				t.Fatalf("no inline style:\n%s", p.body)
			}
			sum := sha256.Sum256([]byte(m[1]))
			if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
				t.Errorf("the CSP does not allow the page's style block %q", m[1])
			}
			if strings.Contains(p.body, ` style="`) {
				t.Error("a style attribute, which the CSP blocks")
			}
			for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
				"X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
				if got := p.header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
	// Cookies: HttpOnly, SameSite=Lax; Secure only under https (this
	// server is http on loopback).
	resp, err := c.http.Get(c.abs("sign-up?tx=" + c.tx))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c2, p := h.start()
	p = c2.post("sign-up", form("csrf", p.csrf(), "first_name", "C", "email", "cookie@example.org", "password", "a fresh long password"))
	for _, ck := range p.header.Values("Set-Cookie") {
		if !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") || strings.Contains(ck, "Secure") {
			t.Errorf("cookie %q", ck)
		}
	}
}
