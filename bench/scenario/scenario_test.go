package scenario

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/bench/load"
)

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:80": true, "127.1.2.3:1": true,
		"10.0.0.1:80": false, "192.168.1.1:80": false, "example.com:80": false, "localhost:80": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%s) = %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestAuthorizeCountsErrorRedirects(t *testing.T) {
	app := App{ClientID: "client_x", RedirectURI: "http://127.0.0.1:3000/callback"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("connection_id") == "bad" {
			http.Redirect(w, r, app.RedirectURI+"?error=connection_invalid&state=s", http.StatusFound)
			return
		}
		http.Redirect(w, r, "http://127.0.0.1:9/authorize", http.StatusFound)
	}))
	defer srv.Close()
	c := NewClient(NewTransport(1))
	for value, wantErr := range map[string]bool{"good": false, "bad": true} {
		op := Authorize(c, srv.URL, app, Route{Param: "connection_id", Values: []string{value}})(0)
		err := op(context.Background())
		if (err != nil) != wantErr {
			t.Errorf("%s: err = %v, want error %v", value, err, wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "connection_invalid") {
			t.Errorf("%s: error %q does not quote the Location", value, err)
		}
	}
}

func TestExchangeStopsWhenCodesRunOut(t *testing.T) {
	op := Exchange(nil, "http://127.0.0.1:1", App{}, NewPool[Code](1), false, "", NewPool[string](1))(0)
	if err := op(context.Background()); err != load.ErrDone {
		t.Fatalf("err = %v, want load.ErrDone", err)
	}
}

func TestTokenAlg(t *testing.T) {
	// {"alg":"ES256","kid":"k"}
	if got := tokenAlg("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.e30.sig"); got != "ES256" {
		t.Fatalf("tokenAlg = %q", got)
	}
}
