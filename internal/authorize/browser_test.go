package authorize_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browser follows redirects with a cookie jar until stop says so.
type browser struct {
	t      *testing.T
	client *http.Client
	jar    *cookiejar.Jar
	stop   func(*url.URL) bool
	hops   []*http.Response // the redirect responses seen, in order
}

func atApp(u *url.URL) bool      { return u.Host == "app.example.com" }
func atCallback(u *url.URL) bool { return u.Path == "/sso/callback" }

func newBrowser(t *testing.T, stop func(*url.URL) bool) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, jar: jar, stop: stop}
	b.client = &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		b.hops = append(b.hops, req.Response)
		if b.stop(req.URL) {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	return b
}

// get opens u and returns the response the browser stopped at.
func (b *browser) get(u string) *http.Response {
	b.t.Helper()
	return b.do(mustRequest(b.t, u))
}

func (b *browser) do(req *http.Request) *http.Response {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func mustRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// toCallback runs authorize and the dev-idp and stops before Latchkey's
// callback; it returns the callback URL and the transaction cookie.
func (h *harness) toCallback(t *testing.T, b *browser, q url.Values) (string, *http.Cookie) {
	t.Helper()
	b.stop = atCallback
	resp := b.get(h.authorizeURL(q))
	if resp.StatusCode != http.StatusFound || len(b.hops) == 0 {
		t.Fatalf("authorize and the dev-idp answered %d, want a redirect to the callback", resp.StatusCode)
	}
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), h.public+"/sso/callback?") {
		t.Fatalf("the dev-idp redirected to %q (%v), want Latchkey's callback", loc, err)
	}
	return loc.String(), txCookie(t, b.hops[0].Header)
}

// finish opens the callback URL in b and returns the redirect to the app.
func (h *harness) finish(t *testing.T, b *browser, callback string) *http.Response {
	t.Helper()
	b.stop = atApp
	return b.get(callback)
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43,}$`)

// assertCode checks a successful final redirect and returns the code.
func assertCode(t *testing.T, resp *http.Response, redirectURI, state string, hasState bool) string {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("callback answered %d, want a redirect to the application", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(loc, redirectURI) {
		t.Fatalf("final Location %q (%v), want one at %q", loc, err, redirectURI)
	}
	reg, _ := url.Parse(redirectURI)
	q := u.Query()
	if u.Scheme != reg.Scheme || u.Host != reg.Host || u.Path != reg.Path {
		t.Fatalf("final Location %q is not at %q", loc, redirectURI)
	}
	for k, v := range reg.Query() {
		if !reflect.DeepEqual(q[k], v) {
			t.Errorf("the redirect URI's own %s = %q, want %q", k, q[k], v)
		}
	}
	if q.Has("error") {
		t.Fatalf("sign-in failed: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	code := q["code"]
	if len(code) != 1 || !codePattern.MatchString(code[0]) {
		t.Fatalf("code = %q, want one base64url value of at least 43 characters", code)
	}
	got, ok := q["state"]
	if hasState && (len(got) != 1 || got[0] != state) || !hasState && ok {
		t.Errorf("state = %q (present %v), want %q (present %v)", got, ok, state, hasState)
	}
	return code[0]
}

// assertCleared checks that a callback response deletes the cookie.
func assertCleared(t *testing.T, resp *http.Response, name string) {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == name && c.MaxAge < 0 && c.Value == "" && c.Path == "/" {
			return
		}
	}
	t.Errorf("callback does not delete cookie %s: Set-Cookie %q", name, resp.Header.Values("Set-Cookie"))
}

// assertCallbackPage checks that a callback ended on the error page.
func assertCallbackPage(t *testing.T, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("callback answered %d %q Location %q, want the 400 error page",
			resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Location"))
	}
}

func ssoQuery(h *harness, kv ...string) url.Values {
	q := h.params("provider", del, "organization_id", h.orgSSO.ID, "login_hint", "dev@example.test")
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == del {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}
