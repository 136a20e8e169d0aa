package saml

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crewjam/saml"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/oauth"
)

// maxResponseSize bounds a decoded SAMLResponse. Real responses are a few
// kilobytes; the library's parser costs grow with size.
const maxResponseSize = 256 << 10

// HandlePOST verifies a response posted to the ACS. Everything the library
// checks is required: a valid signature by a certificate from the IdP
// metadata over the Response or over the assertion (and only what a
// signature covers is read), the issuer, Destination and Recipient equal to
// the ACS URL, the audience equal to our entity ID, InResponseTo equal to
// requestID in the Response and in the bearer confirmation, IssueInstant
// at most 90 seconds old, and the validity window; then checkWindow
// tightens the window to ClockSkew.
func (c *Connector) HandlePOST(_ context.Context, samlResponse, requestID string) (connector.SAMLAssertion, error) {
	if requestID == "" {
		// The library never matches an empty ID; say why here.
		return connector.SAMLAssertion{}, errors.New("saml: unsolicited response: no AuthnRequest to answer")
	}
	raw, err := decodeResponse(samlResponse)
	if err != nil {
		return connector.SAMLAssertion{}, err
	}
	sp := c.serviceProvider()
	now := sp.Clock.Now()
	a, err := sp.ParseXMLResponse(raw, []string{requestID}, c.acsURL)
	if err != nil {
		var bad saml.ErrBadStatus
		if errors.As(err, &bad) {
			return connector.SAMLAssertion{}, &connector.UpstreamError{Code: "saml_status", Description: oauth.Truncate(bad.Status, 200)}
		}
		return connector.SAMLAssertion{}, fmt.Errorf("saml: response refused: %w", reason(err))
	}
	if err := checkWindow(a, now); err != nil {
		return connector.SAMLAssertion{}, err
	}
	ident, err := c.attrs.identity(a)
	if err != nil {
		return connector.SAMLAssertion{}, err
	}
	return connector.SAMLAssertion{
		Identity:     ident,
		InResponseTo: requestID,
		ID:           a.ID,
		// The library refuses an assertion issued more than MaxIssueDelay
		// ago, whatever its NotOnOrAfter says, so its ID need not be kept
		// any longer than that (plus the skew it tolerates).
		ExpiresAt: a.IssueInstant.Add(saml.MaxIssueDelay + saml.MaxClockSkew),
	}, nil
}

// decodeResponse undoes the HTTP-POST binding's base64 (saml-bindings
// §3.5.4), which some IdPs wrap over several lines.
func decodeResponse(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return nil, errors.New("saml: no SAMLResponse")
	}
	if base64.StdEncoding.DecodedLen(len(s)) > maxResponseSize {
		return nil, errors.New("saml: SAMLResponse is too large")
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("saml: SAMLResponse is not base64: %w", err)
	}
	return raw, nil
}

// reason unwraps the library's InvalidResponseError, whose message is only
// "Authentication failed", to the check that failed. The response itself,
// which it also carries, is never logged: it holds personal data.
func reason(err error) error {
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		return ire.PrivateErr
	}
	return err
}

// checkWindow applies ClockSkew to the assertion's validity window, which
// the library has checked with its own, wider skew.
func checkWindow(a *saml.Assertion, now time.Time) error {
	if c := a.Conditions; c != nil {
		if !c.NotBefore.IsZero() && now.Add(ClockSkew).Before(c.NotBefore) {
			return fmt.Errorf("saml: assertion is not valid before %s", c.NotBefore.Format(time.RFC3339))
		}
		if !c.NotOnOrAfter.IsZero() && !now.Before(c.NotOnOrAfter.Add(ClockSkew)) {
			return fmt.Errorf("saml: assertion expired at %s", c.NotOnOrAfter.Format(time.RFC3339))
		}
	}
	// One bearer confirmation still valid is enough (saml-core §2.4.1);
	// the library has checked their Recipient and InResponseTo.
	if a.Subject != nil {
		for _, sc := range a.Subject.SubjectConfirmations {
			d := sc.SubjectConfirmationData
			if sc.Method == bearer && d != nil && now.Before(d.NotOnOrAfter.Add(ClockSkew)) {
				return nil
			}
		}
	}
	return errors.New("saml: assertion's subject confirmation has expired")
}

// bearer is the confirmation method of the Web Browser SSO profile
// (saml-profiles §4.1.4.2).
const bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
