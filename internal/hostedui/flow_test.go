package hostedui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/hostedui"
)

// assertCode checks that p sends the browser back to the application with
// a code and the state.
func assertCode(t *testing.T, p page) {
	t.Helper()
	loc, err := url.Parse(p.location())
	if p.status != http.StatusFound || err != nil || !strings.HasPrefix(p.location(), redirectURI) {
		t.Fatalf("answer %d %q, want a redirect to the application\n%s", p.status, p.location(), p.body)
	}
	if loc.Query().Get("code") == "" || loc.Query().Get("state") != "st" {
		t.Fatalf("redirect %s lacks code or state", loc)
	}
}

func TestSignUpVerifyAndCode(t *testing.T) {
	h := newHarness(t, hostedui.Limits{})
	c, p := h.start("screen_hint", "sign-up")
	if !strings.Contains(p.body, `id="page-sign-up"`) {
		t.Fatalf("screen_hint=sign-up did not open sign-up:\n%s", p.body)
	}
	p = c.post("sign-up", form("csrf", p.csrf(), "first_name", "Ada", "last_name", "Lovelace", "email", "ada@lovelace.test",
		"password", "analytical engine 1843"))
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "verify-email?tx=") {
		t.Fatalf("sign-up answered %d %q", p.status, p.location())
	}
	p = c.get(p.location())
	if !strings.Contains(p.body, "ada@lovelace.test") {
		t.Fatalf("the code page does not name the address:\n%s", p.body)
	}
	u, err := h.store.GetUserByEmail(t.Context(), "ada@lovelace.test")
	if err != nil || u.EmailVerified || u.FirstName != "Ada" || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("user before verification: %+v %v", u, err)
	}

	wrong := c.post("verify-email", form("csrf", p.csrf(), "code", "000000"))
	if wrong.status != http.StatusUnprocessableEntity || !strings.Contains(wrong.body, "incorrect or has expired") {
		t.Fatalf("a wrong code answered %d", wrong.status)
	}
	mail := h.lastEmail("ada@lovelace.test")
	if len(mail.Code) != 6 || !strings.Contains(mail.Text, mail.Code) {
		t.Fatalf("verification email %+v", mail)
	}
	assertCode(t, c.post("verify-email", form("csrf", p.csrf(), "code", mail.Code)))
	if u, _ := h.store.GetUserByEmail(t.Context(), "ada@lovelace.test"); !u.EmailVerified {
		t.Fatal("the email is not verified after the code")
	}
	// The transaction is over: the same browser cannot use it again.
	if again := c.get("sign-in?tx=" + c.tx); again.status != http.StatusBadRequest {
		t.Fatalf("the finished transaction still opens the sign-in page: %d", again.status)
	}
}

func TestSignInWithPassword(t *testing.T) {
	h := newHarness(t, hostedui.Limits{})
	h.user("grace@hopper.test", "cobol compiler 1959", true)
	h.user("new@hopper.test", "cobol compiler 1959", false)
	tests := []struct {
		name, email, password string
		check                 func(t *testing.T, p page)
	}{
		{"right password", "grace@hopper.test", "cobol compiler 1959", assertCode},
		{"wrong password", "grace@hopper.test", "nope nope nope", func(t *testing.T, p page) {
			if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Incorrect email or password.") {
				t.Fatalf("answered %d", p.status)
			}
		}},
		{"unverified email asks for a code", "new@hopper.test", "cobol compiler 1959", func(t *testing.T, p page) {
			if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "verify-email") {
				t.Fatalf("answered %d %q", p.status, p.location())
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, p := h.start("login_hint", tc.email)
			if !strings.Contains(p.body, `value="`+tc.email+`"`) {
				t.Fatalf("login_hint did not pre-fill the email:\n%s", p.body)
			}
			p = c.post("sign-in", form("csrf", p.csrf(), "action", "email", "email", tc.email))
			if !strings.Contains(p.body, `id="page-password"`) {
				t.Fatalf("the email step answered %d:\n%s", p.status, p.body)
			}
			tc.check(t, c.post("sign-in", form("csrf", p.csrf(), "action", "password", "email", tc.email, "password", tc.password)))
		})
	}
}

// TestHomeRealmDiscovery: an address of an organization's verified domain
// goes to its SSO connection, with the address as the login hint.
func TestHomeRealmDiscovery(t *testing.T) {
	h := newHarness(t, hostedui.Limits{})
	for _, screen := range []string{"sign-in", "sign-up"} {
		t.Run(screen, func(t *testing.T) {
			c, p := h.start()
			f := form("csrf", p.csrf(), "action", "email", "email", "dev@example.test",
				"first_name", "Dev", "password", "a long enough password")
			p = c.post(screen, f)
			loc, _ := url.Parse(p.location())
			if p.status != http.StatusFound || !strings.HasPrefix(p.location(), h.idpURL) || loc.Query().Get("login_hint") != "dev@example.test" {
				t.Fatalf("answered %d %q, want the IdP with the login hint", p.status, p.location())
			}
		})
	}
}

func TestOrganizationPreselected(t *testing.T) {
	h := newHarness(t, hostedui.Limits{})
	h.user("member@open.test", "open sesame please", true, h.orgOpen.ID)
	h.user("outsider@open.test", "open sesame please", true)

	t.Run("SSO organization goes straight to its IdP", func(t *testing.T) {
		// prompt=login goes along: the hosted login keeps no session of
		// its own, so it always asks, and the IdP must too.
		_, p := h.start("organization_id", h.orgSSO.ID, "prompt", "login")
		loc, _ := url.Parse(p.location())
		if p.status != http.StatusFound || !strings.HasPrefix(p.location(), h.idpURL) || loc.Query().Get("prompt") != "login" {
			t.Fatalf("answered %d %q", p.status, p.location())
		}
	})
	for _, tc := range []struct {
		email  string
		status int
	}{{"member@open.test", http.StatusFound}, {"outsider@open.test", http.StatusForbidden}} {
		t.Run(tc.email, func(t *testing.T) {
			c, p := h.start("organization_id", h.orgOpen.ID)
			if !strings.Contains(p.body, "Sign in to Open Co") {
				t.Fatalf("the page does not name the organization:\n%s", p.body)
			}
			p = c.post("sign-in", form("csrf", p.csrf(), "action", "password", "email", tc.email, "password", "open sesame please"))
			if p.status != tc.status {
				t.Fatalf("answered %d, want %d\n%s", p.status, tc.status, p.body)
			}
		})
	}
}

func TestPasswordReset(t *testing.T) {
	h := newHarness(t, hostedui.Limits{})
	h.user("reset@example.org", "old password here", true)
	c, _ := h.start()
	p := c.get("forgot-password?tx=" + c.tx)
	p = c.post("forgot-password", form("csrf", p.csrf(), "email", "reset@example.org"))
	if !strings.Contains(p.body, "If an account exists for reset@example.org") {
		t.Fatalf("forgot answered %d:\n%s", p.status, p.body)
	}
	link := h.lastEmail("reset@example.org").Link
	if !strings.HasPrefix(link, h.public+"/authkit/reset-password?") {
		t.Fatalf("reset link %q", link)
	}
	p = c.get(link)
	if p.status != http.StatusOK || !strings.Contains(p.body, "reset@example.org") {
		t.Fatalf("reset page %d", p.status)
	}
	token := url.Values{}
	if u, _ := url.Parse(link); u != nil {
		token = u.Query()
	}
	post := func(pw string) page {
		req := form("csrf", p.csrf(), "token", token.Get("token"), "password", pw)
		saved := c.tx
		c.tx = token.Get("tx")
		defer func() { c.tx = saved }()
		return c.post("reset-password", req)
	}
	if weak := post("password123"); weak.status != http.StatusUnprocessableEntity {
		t.Fatalf("a common password answered %d", weak.status)
	}
	if done := post("a brand new passphrase"); done.status != http.StatusOK || !strings.Contains(done.body, "has been changed") {
		t.Fatalf("reset answered %d:\n%s", done.status, done.body)
	}
	if reuse := post("another new passphrase"); reuse.status != http.StatusGone {
		t.Fatalf("a used link answered %d", reuse.status)
	}
	// The new password signs in.
	c2, p2 := h.start()
	assertCode(t, c2.post("sign-in", form("csrf", p2.csrf(), "action", "password", "email", "reset@example.org", "password", "a brand new passphrase")))
}

// TestProviderButtons: the environment's active OAuth connections get a
// button each, and a button starts that provider's flow for the same
// transaction; a provider without a connector in this build answers the
// application with connection_invalid.
func TestProviderButtons(t *testing.T) {
	h := newHarness(t, hostedui.Limits{})
	_, p := h.start()
	if strings.Contains(p.body, `class="button provider"`) {
		t.Fatal("provider buttons without provider connections")
	}
	h.providers(t)
	c, p := h.start()
	for _, label := range []string{"Continue with Google", "Continue with Bitbucket"} {
		if !strings.Contains(p.body, label) {
			t.Errorf("no %q button:\n%s", label, p.body)
		}
	}
	tests := []struct {
		provider string
		wantURL  string // prefix of where the button leads
	}{
		{"GoogleOAuth", googleAuthURL},
		{"BitbucketOAuth", redirectURI + "?error=connection_invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.provider, func(t *testing.T) {
			c, p = h.start()
			got := c.post("sign-in", form("csrf", p.csrf(), "action", "provider", "provider", tc.provider))
			if got.status != http.StatusFound || !strings.HasPrefix(got.location(), tc.wantURL) {
				t.Fatalf("answered %d %q, want %s…", got.status, got.location(), tc.wantURL)
			}
		})
	}
	if p := c.post("sign-in", form("csrf", p.csrf(), "action", "provider", "provider", "SlackOAuth")); p.status != http.StatusBadRequest {
		t.Fatalf("a provider without a connection answered %d", p.status)
	}
}

// TestWithoutEmail: in production without SMTP nobody could receive a
// code or a link, so sign-up and password reset say they are unavailable
// and sign-in offers neither; password sign-in still works.
func TestWithoutEmail(t *testing.T) {
	h := newHarness(t, hostedui.Limits{}, func(o *hostedui.Options) { o.Outbox, o.OutboxPage = nil, false })
	h.user("solo@example.org", "a long solo password", true)
	c, p := h.start()
	if strings.Contains(p.body, "sign-up?") || strings.Contains(p.body, "dev/outbox") {
		t.Fatalf("sign-in offers sign-up or the outbox without email:\n%s", p.body)
	}
	for _, screen := range []string{"sign-up", "forgot-password"} {
		if got := c.get(screen + "?tx=" + c.tx); got.status != http.StatusServiceUnavailable || !strings.Contains(got.body, "not available") {
			t.Errorf("%s answered %d", screen, got.status)
		}
	}
	if got := c.get("dev/outbox"); got.status != http.StatusNotFound {
		t.Errorf("the outbox answered %d", got.status)
	}
	assertCode(t, c.post("sign-in", form("csrf", p.csrf(), "action", "password", "email", "solo@example.org", "password", "a long solo password")))
}
