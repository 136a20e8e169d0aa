package saml_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/saml"
)

// BenchmarkLoginURL is the authorize hot path of a SAML organization:
// "encoder" is LoginURL, "library" the same request put in the URL by
// crewjam/saml's AuthnRequest.Redirect, as LoginURL did before.
func BenchmarkLoginURL(b *testing.B) {
	c := newConnector(b, config.AttributeMapping{})
	req := connector.Request{State: state, LoginHint: "alice@acme.test"}
	for _, bc := range []struct {
		name     string
		loginURL func(connector.Request) (string, error)
	}{
		{"encoder", c.LoginURL},
		{"library", func(r connector.Request) (string, error) { return saml.LibraryLoginURL(c, r) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.loginURL(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNew builds a connector from inline metadata, as the catalog
// does, and reports what a built connector keeps alive (retained-B/op).
func BenchmarkNew(b *testing.B) {
	idp, _ := testIdP(b)
	cfg := saml.Config{EntityID: spEntity, ACSURL: acsURL, IDPMetadata: idp.Metadata(b),
		Now: func() time.Time { return t0 }}
	const keep = 256
	kept := make([]*saml.Connector, 0, keep)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range keep {
		c, err := saml.New(b.Context(), cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		kept = append(kept, c)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	retained := float64(after.HeapAlloc-before.HeapAlloc) / keep

	b.ReportAllocs()
	for b.Loop() {
		if _, err := saml.New(b.Context(), cfg, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(retained, "retained-B/op")
}
