package devidp

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestPickerPage(t *testing.T) {
	evil := User{Email: "evil@acme.test", FirstName: "<script>alert(1)</script>", LastName: `"><img src=x>`, EmailVerified: true}
	srv := newServer(t, Options{Users: append(slices.Clone(testUsers), evil), Interactive: true})
	// Interactive mode shows the page even with a known hint.
	resp := authorize(t, srv, authorizeURL(srv, url.Values{"login_hint": {"alice@acme.test"}}))
	body, _ := io.ReadAll(resp.Body)
	page := string(body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, page)
	}
	for _, bad := range []string{"<script>", "<img"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "alice@acme.test", "groups: engineering", `name="password"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	reqURL, _ := url.Parse(resp.Request.URL.String())
	id := reqURL.Query().Get("id")

	post := func(form url.Values) *http.Response {
		t.Helper()
		resp, err := noRedirects().PostForm(srv.URL+"/login", form)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	if r := post(url.Values{"id": {id}, "email": {"bob@acme.test"}, "password": {"wrong"}}); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: status %d, want 401", r.StatusCode)
	}
	if r := post(url.Values{"id": {id}, "email": {"nobody@acme.test"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown user: status %d, want 400", r.StatusCode)
	}
	q := callbackQuery(t, post(url.Values{"id": {id}, "email": {"bob@acme.test"}, "password": {"hunter2"}}))
	if q.Get("code") == "" || q.Get("state") != "st-123" {
		t.Fatalf("callback query = %v", q)
	}
	if r := post(url.Values{"id": {id}, "email": {"bob@acme.test"}, "password": {"hunter2"}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("second completion: status %d, want 400", r.StatusCode)
	}
}

func TestNonInteractiveWithoutHintShowsPicker(t *testing.T) {
	srv := newServer(t, Options{})
	resp := authorize(t, srv, authorizeURL(srv, nil))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "dev@example.test") {
		t.Fatalf("status %d, body %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), `name="password"`) {
		t.Error("non-interactive page asks for a password")
	}
}
