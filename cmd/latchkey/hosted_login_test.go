package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestHostedLoginInBrowser walks the hosted pages in Chromium. Each
// subtest has its own browser, and saves screenshots under test-output/.
func TestHostedLoginInBrowser(t *testing.T) {
	newChrome(t) // skip (or, with CI=true, fail) before starting anything
	e := startHosted(t)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }

	t.Run("sign up, verify the code, exchange it", func(t *testing.T) {
		c, pkce := newChrome(t), newPKCE(t)
		c.do(chromedp.Navigate(e.authorizeURL(t, pkce, url.Values{})), chromedp.WaitVisible(css("#page-sign-in")))
		c.do(chromedp.Click(css(`a[href^="sign-up"]`)), chromedp.WaitVisible(css("#page-sign-up")))
		c.do(chromedp.SendKeys(css("#first_name"), "Ada"), chromedp.SendKeys(css("#last_name"), "Lovelace"),
			chromedp.SendKeys(css("#email"), "ada@lovelace.test"), chromedp.SendKeys(css("#password"), "analytical engine 1843"))
		c.screenshot("form")
		c.do(chromedp.Click(css("button.primary")), chromedp.WaitVisible(css("#page-verify-email")))
		if got := c.text(".lead"); !strings.Contains(got, "ada@lovelace.test") {
			t.Fatalf("the code page says %q", got)
		}
		c.screenshot("verify")
		code := e.outboxCode(c)
		c.do(chromedp.SendKeys(css("#code"), code))
		c.do(chromedp.Click(css("button.primary")))
		out := e.landed(t, c, pkce)
		c.screenshot("landed")
		user, _ := out["user"].(map[string]any)
		if user["email"] != "ada@lovelace.test" || user["email_verified"] != true || user["first_name"] != "Ada" {
			t.Fatalf("authenticated user %v", user)
		}
	})

	t.Run("sign in with a wrong then the right password", func(t *testing.T) {
		c, pkce := newChrome(t), newPKCE(t)
		c.do(chromedp.Navigate(e.authorizeURL(t, pkce, url.Values{})), chromedp.WaitVisible(css("#email")))
		c.do(chromedp.SendKeys(css("#email"), "grace@hopper.test"), chromedp.Click(css("button.primary")),
			chromedp.WaitVisible(css("#password")))
		c.do(chromedp.SendKeys(css("#password"), "fortran compiler"), chromedp.Click(css("button.primary")),
			chromedp.WaitVisible(css("#form-error")))
		if got := c.text("#form-error"); got != "Incorrect email or password." {
			t.Fatalf("error %q", got)
		}
		c.screenshot("wrong-password")
		c.do(chromedp.SendKeys(css("#password"), "cobol compiler 1959"), chromedp.Click(css("button.primary")))
		e.landed(t, c, pkce)
	})

	t.Run("screen_hint=sign-up opens sign-up", func(t *testing.T) {
		c, pkce := newChrome(t), newPKCE(t)
		c.do(chromedp.Navigate(e.authorizeURL(t, pkce, url.Values{"screen_hint": {"sign-up"}})), chromedp.WaitVisible(css("#page-sign-up")))
		if got := c.text("h1"); got != "Create your account" {
			t.Fatalf("heading %q", got)
		}
		c.screenshot("sign-up")
	})

	t.Run("login_hint pre-fills the email", func(t *testing.T) {
		c, pkce := newChrome(t), newPKCE(t)
		c.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			chromedp.Navigate(e.authorizeURL(t, pkce, url.Values{"login_hint": {"grace@hopper.test"}})),
			chromedp.WaitVisible(css("#email")))
		if got := c.value("#email"); got != "grace@hopper.test" {
			t.Fatalf("email field %q", got)
		}
		c.screenshot("phone")
	})

	t.Run("an SSO organization's email goes to its IdP and back", func(t *testing.T) {
		c, pkce := newChrome(t), newPKCE(t)
		c.do(chromedp.Navigate(e.authorizeURL(t, pkce, url.Values{})), chromedp.WaitVisible(css("#email")))
		c.do(chromedp.SendKeys(css("#email"), "dev@example.test"), chromedp.Click(css("button.primary")))
		out := e.landed(t, c, pkce)
		c.screenshot("landed")
		user, _ := out["user"].(map[string]any)
		if user["email"] != "dev@example.test" || out["organization_id"] != e2eOrgID || out["authentication_method"] != "SSO" {
			t.Fatalf("authenticate response %v", out)
		}
	})

	t.Run("an OAuth button starts the provider's flow", func(t *testing.T) {
		c, pkce := newChrome(t), newPKCE(t)
		c.do(chromedp.Navigate(e.authorizeURL(t, pkce, url.Values{})), chromedp.WaitVisible(css(`button[value="GoogleOAuth"]`)))
		if got := c.text(`button[value="GoogleOAuth"]`); got != "Continue with Google" {
			t.Fatalf("button %q", got)
		}
		c.screenshot("buttons")
		c.do(chromedp.Click(css(`button[value="GoogleOAuth"]`)), chromedp.WaitVisible(css("#fake-provider, #app-landed")))
		loc, _ := url.Parse(c.location())
		switch {
		case strings.HasPrefix(loc.String(), e.google.srv.URL+"/authorize"):
			q := loc.Query()
			if q.Get("client_id") != "google-client" || q.Get("redirect_uri") != e.lk.url+"/sso/callback" || q.Get("state") == "" {
				t.Fatalf("provider request %s", loc)
			}
		case loc.Query().Get("error") == "connection_invalid":
			t.Logf("the GoogleOAuth connector is not in this build: the button answered connection_invalid")
		default:
			t.Fatalf("the button led to %s", loc)
		}
		c.screenshot("provider")
	})
}

// TestBannerSignUpURLInBrowser is the first thing a developer does: start
// latchkey serve with no configuration, open the printed sign-up URL,
// sign up, verify from the outbox, and reach the redirect URI with a code
// (http://localhost:3000/callback, where usually nothing listens, so the
// URL is read from the tab's history), which the back end exchanges with
// the printed API key.
func TestBannerSignUpURLInBrowser(t *testing.T) {
	c := newChrome(t)
	dir := t.TempDir()
	lk := start(t, nil, "serve", "--listen", "127.0.0.1:0", "--database", filepath.Join(dir, "lk.db"))
	banner := lk.stdout.String()
	signUpURL, apiKey, clientID := field(t, banner, "Sign-up URL"), field(t, banner, "API key"), field(t, banner, "Client ID")
	e := &hostedEnv{lk: lk}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }

	c.do(chromedp.Navigate(signUpURL), chromedp.WaitVisible(css("#page-sign-up")))
	c.do(chromedp.SendKeys(css("#first_name"), "Dev"), chromedp.SendKeys(css("#email"), "first@dev.test"),
		chromedp.SendKeys(css("#password"), "my first latchkey password"), chromedp.Click(css("button.primary")),
		chromedp.WaitVisible(css("#code")))
	c.do(chromedp.SendKeys(css("#code"), e.outboxCode(c)), chromedp.Click(css("button.primary")))

	var landed *url.URL
	for deadline := time.Now().Add(20 * time.Second); landed == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		h, err := chromedp.Run(c.ctx, chromedp.NavigationEntries())
		if err != nil || h.CurrentIndex < 0 || int(h.CurrentIndex) >= len(h.Entries) {
			continue
		}
		if u := h.Entries[h.CurrentIndex].URL; strings.HasPrefix(u, "http://localhost:3000/callback?") {
			landed, _ = url.Parse(u)
		}
	}
	if landed == nil || landed.Query().Get("code") == "" {
		c.screenshot("stuck")
		t.Fatalf("the browser did not reach the redirect URI with a code (at %s)", c.location())
	}
	c.screenshot("landed")
	body := url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "client_secret": {apiKey},
		"code": {landed.Query().Get("code")}}
	resp, err := http.PostForm(lk.url+"/user_management/authenticate", body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		User struct {
			Email         string `json:"email"`
			EmailVerified bool   `json:"email_verified"`
		} `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK ||
		out.User.Email != "first@dev.test" || !out.User.EmailVerified {
		t.Fatalf("authenticate answered %d: %+v %v", resp.StatusCode, out, err)
	}
}
