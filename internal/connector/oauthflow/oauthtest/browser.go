package oauthtest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Callback plays the browser at a stand-in: it opens loginURL and returns
// the request the provider's answer makes the browser send to Latchkey's
// callback, unsent: a GET with the answer in the query, or, after a
// form_post page, a POST with it in the body.
func Callback(t testing.TB, loginURL string) *http.Request {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusFound:
		return httptest.NewRequest(http.MethodGet, resp.Header.Get("Location"), nil)
	case http.StatusOK:
		action, fields, err := ParseFormPost(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, action, strings.NewReader(fields.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	body, _ := io.ReadAll(resp.Body)
	t.Fatalf("the stand-in answered the authorization request with %s: %s", resp.Status, body)
	return nil
}

// ParseFormPost reads a form_post page (OAuth 2.0 Form Post Response
// Mode §2): the form's action and its hidden fields.
func ParseFormPost(r io.Reader) (action string, fields url.Values, err error) {
	doc, err := html.Parse(r)
	if err != nil {
		return "", nil, err
	}
	fields = url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			switch {
			case n.Data == "form" && strings.EqualFold(attr["method"], "post"):
				action = attr["action"]
			case n.Data == "input" && attr["name"] != "":
				fields.Add(attr["name"], attr["value"])
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if action == "" {
		return "", nil, errors.New("oauthtest: no form with method post on the page")
	}
	return action, fields, nil
}

// Golden compares got with testdata/name, rewriting the file first when
// update is set (the packages' -update flag).
func Golden(t testing.TB, name, got string, update bool) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update after checking):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
