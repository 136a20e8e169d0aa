package connector

import (
	"context"
	"time"
)

// SAMLConnector is an upstream that answers with a SAML response the
// browser POSTs to Latchkey's assertion consumer service (ACS), instead of
// a redirect to the callback (Dex's SAMLConnector). LoginURL sends the
// AuthnRequest; HandleCallback is never used.
//
// The POST is cross-site, so it arrives without the transaction cookie:
// HandlePOST verifies the response on its own, against the connection,
// and the caller binds the result to the transaction afterwards through
// RequestID.
type SAMLConnector interface {
	CallbackConnector
	// RequestID is the ID of the AuthnRequest that LoginURL sends for the
	// attempt with this state; the response must answer it (InResponseTo).
	RequestID(state string) string
	// HandlePOST verifies a response posted to the ACS (the SAMLResponse
	// form value, base64): the signature over the assertion, the issuer,
	// audience, destination and recipient, the validity window, and that it
	// answers the AuthnRequest with ID requestID. It does not check replay:
	// the caller records the assertion ID. An IdP's refusal (a non-success
	// status) is an *UpstreamError.
	HandlePOST(ctx context.Context, samlResponse, requestID string) (SAMLAssertion, error)
	// Metadata is the service provider metadata to give the IdP.
	Metadata() ([]byte, error)
}

// SAMLAssertion is what a verified SAML response says.
type SAMLAssertion struct {
	Identity Identity
	// InResponseTo is the AuthnRequest ID the response answers.
	InResponseTo string
	// ID is the assertion's ID. The caller records it, so that a captured
	// response is accepted once.
	ID string
	// ExpiresAt is when the assertion would be refused anyway; the record
	// of ID may go then.
	ExpiresAt time.Time
}
