package saml_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	crewjam "github.com/crewjam/saml"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/saml/samltest"
)

// good is a response the connector accepts: signed assertion, for our
// request, at t0.
func good() samltest.Response {
	return samltest.Response{
		Audience: spEntity, ACS: acsURL, InResponseTo: "_" + state, IssuedAt: t0, NameID: "00u1alice",
		Attributes: map[string][]string{
			"email": {"alice@acme.test"}, "firstName": {"Alice"}, "lastName": {"Liddell"}, "groups": {"eng", "ops"},
		},
		SignAssertion: true,
	}
}

var alice = connector.Identity{Subject: "00u1alice", Email: "alice@acme.test", FirstName: "Alice", LastName: "Liddell",
	Groups: []string{"eng", "ops"}}

func TestHandlePOSTAccepts(t *testing.T) {
	idp, _ := testIdP(t)
	c := newConnector(t, config.AttributeMapping{})
	for _, tc := range []struct {
		name string
		edit func(*samltest.Response)
	}{
		{"signed assertion", func(*samltest.Response) {}},
		{"signed response covering an unsigned assertion", func(r *samltest.Response) { r.SignAssertion, r.SignResponse = false, true }},
		{"both signed", func(r *samltest.Response) { r.SignResponse = true }},
		{"IdP clock 30s ahead", func(r *samltest.Response) { r.IssuedAt = t0.Add(30 * time.Second) }},
		{"IdP clock 30s behind", func(r *samltest.Response) { r.IssuedAt = t0.Add(-30 * time.Second) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.edit(&r)
			a, err := c.HandlePOST(t.Context(), samltest.Encode(idp.Make(t, r)), c.RequestID(state))
			if err != nil {
				t.Fatalf("HandlePOST: %v", err)
			}
			if fmt.Sprint(a.Identity) != fmt.Sprint(alice) {
				t.Errorf("identity = %+v, want %+v", a.Identity, alice)
			}
			if a.InResponseTo != "_"+state || a.ID == "" {
				t.Errorf("InResponseTo %q, ID %q", a.InResponseTo, a.ID)
			}
			// Kept as long as the library would still accept it.
			if want := r.IssuedAt.Add(crewjam.MaxIssueDelay + crewjam.MaxClockSkew); !a.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt = %s, want %s", a.ExpiresAt, want)
			}
		})
	}
}

// TestHandlePOSTRejects covers each check: every case is an error, and
// never an identity.
func TestHandlePOSTRejects(t *testing.T) {
	idp, impostor := testIdP(t)
	c := newConnector(t, config.AttributeMapping{})
	replace := func(old, new string) func([]byte) []byte {
		return func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(old), []byte(new)) }
	}
	for _, tc := range []struct {
		name      string
		edit      func(*samltest.Response)
		by        *samltest.IdP // default idp
		transform func([]byte) []byte
		requestID string // default the one LoginURL sent
	}{
		{name: "unsigned assertion in an unsigned response", edit: func(r *samltest.Response) { r.SignAssertion = false }},
		{name: "signed by another key", by: impostor},
		{name: "signed by another key, response and assertion", by: impostor, edit: func(r *samltest.Response) { r.SignResponse = true }},
		{name: "email changed after signing", transform: replace("alice@acme.test", "mallory@acme.test")},
		{name: "NameID changed after signing", transform: replace("00u1alice", "00u1admin")},
		{name: "expired", edit: func(r *samltest.Response) { r.IssuedAt = t0.Add(-10 * time.Minute) }},
		{name: "issued in the future", edit: func(r *samltest.Response) { r.IssuedAt = t0.Add(10 * time.Minute) }},
		{name: "NotBefore beyond the skew", edit: func(r *samltest.Response) {
			r.Edit = func(a *crewjam.Assertion) { a.Conditions.NotBefore = t0.Add(2 * time.Minute) }
		}},
		{name: "NotOnOrAfter past beyond the skew", edit: func(r *samltest.Response) {
			r.Edit = func(a *crewjam.Assertion) {
				a.Conditions.NotOnOrAfter = t0.Add(-90 * time.Second)
				a.Subject.SubjectConfirmations[0].SubjectConfirmationData.NotOnOrAfter = t0.Add(-90 * time.Second)
			}
		}},
		{name: "wrong audience", edit: func(r *samltest.Response) { r.Audience = "https://other.test/sp" }},
		{name: "no audience restriction", edit: func(r *samltest.Response) {
			r.Edit = func(a *crewjam.Assertion) { a.Conditions.AudienceRestrictions = nil }
		}},
		{name: "wrong recipient", edit: func(r *samltest.Response) {
			r.Edit = func(a *crewjam.Assertion) {
				a.Subject.SubjectConfirmations[0].SubjectConfirmationData.Recipient = "https://evil.test/acs"
			}
		}},
		{name: "wrong destination", transform: replace(`Destination="`+acsURL+`"`, `Destination="https://evil.test/acs"`)},
		{name: "wrong issuer", edit: func(r *samltest.Response) {
			r.Edit = func(a *crewjam.Assertion) { a.Issuer.Value = "https://other-idp.test" }
		}},
		{name: "answers another request", edit: func(r *samltest.Response) { r.InResponseTo = "_another" }},
		{name: "unsolicited (IdP-initiated, no InResponseTo)", edit: func(r *samltest.Response) { r.InResponseTo = "" }},
		{name: "unsolicited, accepted by nobody", edit: func(r *samltest.Response) { r.InResponseTo = "" }, requestID: "-"},
		{name: "not base64", transform: func([]byte) []byte { return []byte("%%%") }},
		{name: "not XML", transform: func([]byte) []byte { return []byte("<samlp:Response") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			if tc.edit != nil {
				tc.edit(&r)
			}
			by := idp
			if tc.by != nil {
				by = tc.by
			}
			doc := by.Make(t, r)
			if tc.transform != nil {
				doc = tc.transform(doc)
			}
			encoded := samltest.Encode(doc)
			if tc.name == "not base64" {
				encoded = string(doc)
			}
			reqID := c.RequestID(state)
			if tc.requestID == "-" {
				reqID = ""
			}
			a, err := c.HandlePOST(t.Context(), encoded, reqID)
			if err == nil {
				t.Fatalf("accepted, identity %+v", a.Identity)
			}
			var up *connector.UpstreamError
			if errors.As(err, &up) {
				t.Fatalf("err = %v, an upstream refusal, want a verification failure", err)
			}
			t.Log(err)
		})
	}
}

// TestHandlePOSTRejectsSignatureWrapping rewrites a validly signed
// response with every classic XSW shape: the forged assertion must never
// be read.
func TestHandlePOSTRejectsSignatureWrapping(t *testing.T) {
	idp, _ := testIdP(t)
	c := newConnector(t, config.AttributeMapping{})
	for _, shape := range samltest.Shapes() {
		t.Run(fmt.Sprintf("XSW%d", shape), func(t *testing.T) {
			r := good()
			if shape == samltest.XSW1 || shape == samltest.XSW2 {
				r.SignAssertion, r.SignResponse = false, true
			}
			signed := idp.Make(t, r)
			// The untouched response verifies: the rewrite is what fails.
			if _, err := c.HandlePOST(t.Context(), samltest.Encode(signed), c.RequestID(state)); err != nil {
				t.Fatalf("the signed response itself is refused: %v", err)
			}
			forged := samltest.Wrap(t, signed, shape)
			if !bytes.Contains(forged, []byte(samltest.EvilEmail)) {
				t.Fatal("the rewrite carries no forged assertion")
			}
			a, err := c.HandlePOST(t.Context(), samltest.Encode(forged), c.RequestID(state))
			if err == nil {
				t.Fatalf("XSW%d accepted, identity %+v", shape, a.Identity)
			}
		})
	}
}

func TestHandlePOSTIdPRefusal(t *testing.T) {
	idp, _ := testIdP(t)
	c := newConnector(t, config.AttributeMapping{})
	r := good()
	r.Status = crewjam.StatusAuthnFailed
	_, err := c.HandlePOST(t.Context(), samltest.Encode(idp.Make(t, r)), c.RequestID(state))
	var up *connector.UpstreamError
	if !errors.As(err, &up) || !strings.Contains(up.Description, "Responder") {
		t.Fatalf("err = %v, want an *UpstreamError with the status", err)
	}
}

func TestHandlePOSTLimits(t *testing.T) {
	c := newConnector(t, config.AttributeMapping{})
	for _, tc := range []struct{ name, body string }{
		{"empty", ""},
		{"too large", strings.Repeat("A", 400<<10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.HandlePOST(t.Context(), tc.body, c.RequestID(state)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestHandlePOSTConcurrently: one connector serves every request of its
// connection; run with -race.
func TestHandlePOSTConcurrently(t *testing.T) {
	idp, _ := testIdP(t)
	c := newConnector(t, config.AttributeMapping{})
	docs := make([]string, 8)
	for i := range docs {
		docs[i] = samltest.Encode(idp.Make(t, good()))
	}
	errs := make(chan error, len(docs))
	for _, d := range docs {
		go func() {
			_, err := c.HandlePOST(t.Context(), d, c.RequestID(state))
			errs <- err
		}()
	}
	for range docs {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
