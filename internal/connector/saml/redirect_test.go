package saml_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/saml"
)

// TestLoginURLMatchesLibrary checks that the AuthnRequest URL LoginURL
// builds is the one crewjam/saml's AuthnRequest.Redirect builds for the
// same request: the same XML once inflated, the same RelayState and other
// parameters, the IdP's own query and fragment kept; and, since both
// deflate at the same level, the same bytes.
func TestLoginURLMatchesLibrary(t *testing.T) {
	idp, _ := testIdP(t)
	md := idp.Metadata(t)
	withQuery := strings.ReplaceAll(md, `Location="`+idp.SSOURL+`"`, `Location="`+idp.SSOURL+`?tenant=a%20b&amp;x=1#frag"`)
	emptyQuery := strings.ReplaceAll(md, `Location="`+idp.SSOURL+`"`, `Location="`+idp.SSOURL+`?"`)
	for _, tc := range []struct {
		name, metadata, state, hint string
	}{
		{"no hint", md, state, ""},
		{"hint", md, state, "alice+x@acme.test"},
		{"hint and state to escape", md, "st/ate+=x y", "a b&c=d/é"},
		{"IdP URL with a query and a fragment", withQuery, state, "alice@acme.test"},
		{"IdP URL with an empty query", emptyQuery, state, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := saml.New(t.Context(), saml.Config{EntityID: spEntity, ACSURL: acsURL, IDPMetadata: tc.metadata,
				Now: func() time.Time { return t0 }}, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := connector.Request{State: tc.state, LoginHint: tc.hint}
			got, err := c.LoginURL(req)
			if err != nil {
				t.Fatal(err)
			}
			want, err := saml.LibraryLoginURL(c, req)
			if err != nil {
				t.Fatal(err)
			}
			gu, wu := mustParse(t, got), mustParse(t, want)
			if g, w := gu.Scheme+"://"+gu.Host+gu.Path+"#"+gu.Fragment, wu.Scheme+"://"+wu.Host+wu.Path+"#"+wu.Fragment; g != w {
				t.Errorf("LoginURL goes to %s, the library to %s", g, w)
			}
			gq, wq := gu.Query(), wu.Query()
			if g, w := inflate(t, gq.Get("SAMLRequest")), inflate(t, wq.Get("SAMLRequest")); g != w {
				t.Errorf("SAMLRequest inflates to\n%s\nthe library's to\n%s", g, w)
			}
			gq.Del("SAMLRequest")
			wq.Del("SAMLRequest")
			if !maps.EqualFunc(gq, wq, slices.Equal) {
				t.Errorf("parameters %v, the library's %v", gq, wq)
			}
			if gq.Get("RelayState") != tc.state {
				t.Errorf("RelayState = %q, want %q", gq.Get("RelayState"), tc.state)
			}
			if got != want {
				t.Errorf("LoginURL\n%s\nthe library's\n%s", got, want)
			}
		})
	}
}

// TestLoginURLConcurrent shares one connector, and so its pooled
// compressors, between goroutines (run with -race).
func TestLoginURLConcurrent(t *testing.T) {
	c := newConnector(t, config.AttributeMapping{})
	want, err := saml.LibraryLoginURL(c, connector.Request{State: state})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan string, 8)
	for range cap(errs) {
		go func() {
			for range 50 {
				if got, err := c.LoginURL(connector.Request{State: state}); err != nil || got != want {
					errs <- "LoginURL gave " + got
					return
				}
			}
			errs <- ""
		}()
	}
	for range cap(errs) {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func inflate(t *testing.T, s string) string {
	t.Helper()
	deflated, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("SAMLRequest is not base64: %v", err)
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
	if err != nil {
		t.Fatalf("SAMLRequest is not deflated: %v", err)
	}
	return string(raw)
}
