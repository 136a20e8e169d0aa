package oidc

import (
	"context"
	"net/http"
	"runtime"
	"testing"
)

// benchConfig gives every endpoint, so New does no discovery: what is
// measured is the connector itself, as the catalog caches it.
var benchConfig = Config{
	Issuer: "https://idp.example.test", ClientID: "latchkey", ClientSecret: "s3cret",
	AuthorizationURL: "https://idp.example.test/oauth2/authorize",
	TokenURL:         "https://idp.example.test/oauth2/token",
	JWKSURL:          "https://idp.example.test/oauth2/keys",
	UserinfoURL:      "https://idp.example.test/oauth2/userinfo",
}

// BenchmarkNew measures building a connector: B/op is everything New
// allocates, and retained-B/op what a built connector keeps alive, which
// is what a catalog of many connections pays for each one.
func BenchmarkNew(b *testing.B) {
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(context.Background(), benchConfig, client); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(retainedPerConnector(b, client), "retained-B/op")
}

// retainedPerConnector is the growth of the live heap per connector over
// a batch of them, so that New's garbage does not count.
func retainedPerConnector(tb testing.TB, client *http.Client) float64 {
	const n = 2000
	keep := make([]*Connector, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range keep {
		c, err := New(context.Background(), benchConfig, client)
		if err != nil {
			tb.Fatal(err)
		}
		keep[i] = c
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	return float64(after.HeapAlloc-before.HeapAlloc) / n
}

// BenchmarkLoginURL measures the authorization URL authorize sends the
// browser to on every request.
func BenchmarkLoginURL(b *testing.B) {
	c, err := New(context.Background(), benchConfig, &http.Client{})
	if err != nil {
		b.Fatal(err)
	}
	req := newRequest("dev@example.test")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.LoginURL(req); err != nil {
			b.Fatal(err)
		}
	}
}
