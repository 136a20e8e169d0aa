package token

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Claims is what an access token says about its session.
type Claims struct {
	Subject        string // the user ID
	SessionID      string
	OrganizationID string // empty when the session has no organization
	Role           string // the role slug in that organization; empty without one
	Roles          []string
	Permissions    []string
	Entitlements   []string
	FeatureFlags   []string
}

// AccessToken is a verified access token.
type AccessToken struct {
	Claims
	ID        string // jti
	KeyID     string // kid of the key that signed it
	Issuer    string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Errors Verify returns (wrapped with the reason); test them with errors.Is.
var (
	ErrInvalidToken = errors.New("token: invalid access token")
	ErrExpiredToken = errors.New("token: access token expired")
)

// payload is the JWT claims set (RFC 7519 §4.1 plus WorkOS's). The arrays
// are always present: the Node SDK's UserManagementAccessToken reads them
// as arrays.
type payload struct {
	Issuer         string   `json:"iss"`
	Subject        string   `json:"sub"`
	SessionID      string   `json:"sid"`
	OrganizationID string   `json:"org_id,omitempty"`
	Role           string   `json:"role,omitempty"`
	Roles          []string `json:"roles"`
	Permissions    []string `json:"permissions"`
	Entitlements   []string `json:"entitlements"`
	FeatureFlags   []string `json:"feature_flags"`
	ID             string   `json:"jti"`
	IssuedAt       int64    `json:"iat"`
	Expiry         int64    `json:"exp"`
}

// Sign returns an access token for c, signed with the newest signing key,
// and when it expires. It does not touch the database.
func (k *Keys) Sign(c Claims) (token string, expiresAt time.Time, err error) {
	signer := k.set.Load().signer
	iat := k.now().Truncate(time.Second)
	exp := iat.Add(k.ttl)
	jti := randomID()
	body, err := json.Marshal(payload{
		Issuer: k.issuer, Subject: c.Subject, SessionID: c.SessionID, OrganizationID: c.OrganizationID, Role: c.Role,
		Roles: nonNil(c.Roles), Permissions: nonNil(c.Permissions), Entitlements: nonNil(c.Entitlements),
		FeatureFlags: nonNil(c.FeatureFlags), ID: jti, IssuedAt: iat.Unix(), Expiry: exp.Unix(),
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: encode claims: %w", err)
	}
	// Signing the encoded payload directly skips jwt.Signed's round trip of
	// the claims through a map: Sign runs on every code exchange and refresh.
	jws, err := signer.signer.Sign(body)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: sign with %s: %w", signer.rec.ID, err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: serialize: %w", err)
	}
	return s, time.Unix(exp.Unix(), 0), nil
}

// Verify checks an access token: a published key signed it with that key's
// algorithm, Latchkey issued it, and it has not expired. On ErrExpiredToken
// the token is returned too (signature and issuer checked), so that logout
// can still read the session of a token that just expired.
func (k *Keys) Verify(token string) (AccessToken, error) {
	set := k.current()
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		return AccessToken{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	h := tok.Headers[0]
	kk := set.byID[h.KeyID]
	if kk == nil {
		return AccessToken{}, fmt.Errorf("%w: unknown key %q", ErrInvalidToken, h.KeyID)
	}
	if h.Algorithm != kk.rec.Algorithm {
		return AccessToken{}, fmt.Errorf("%w: key %s signs %s, the token says %s", ErrInvalidToken, kk.rec.ID, kk.rec.Algorithm, h.Algorithm)
	}
	var p payload
	if err := tok.Claims(kk.public.Key, &p); err != nil {
		return AccessToken{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if p.Issuer != k.issuer {
		return AccessToken{}, fmt.Errorf("%w: issuer %q, want %q", ErrInvalidToken, p.Issuer, k.issuer)
	}
	at := AccessToken{
		Claims: Claims{Subject: p.Subject, SessionID: p.SessionID, OrganizationID: p.OrganizationID, Role: p.Role,
			Roles: p.Roles, Permissions: p.Permissions, Entitlements: p.Entitlements, FeatureFlags: p.FeatureFlags},
		ID: p.ID, KeyID: kk.rec.ID, Issuer: p.Issuer, IssuedAt: time.Unix(p.IssuedAt, 0), ExpiresAt: time.Unix(p.Expiry, 0),
	}
	// RFC 7519 §4.1.4: invalid on or after exp.
	if !k.now().Before(at.ExpiresAt) {
		return at, fmt.Errorf("%w at %s", ErrExpiredToken, at.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return at, nil
}

// randomID is a jti: 128 random bits, so that no two tokens share one.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails: it crashes the program instead (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
