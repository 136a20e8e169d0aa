package devidp

// This file holds the token half of the storage: access tokens, the claims
// they and the ID token carry, and the signing key.

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// accessToken is what an opaque access token stands for; the token itself
// is the library's encryption of its ID and subject.
type accessToken struct {
	subject  string
	clientID string
	scopes   []string
	expires  time.Time
}

// CreateAccessToken records an access token; it is good for userinfo only.
func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	t := accessToken{subject: req.GetSubject(), scopes: slices.Clone(req.GetScopes()), expires: s.now().Add(accessTokenTTL)}
	if ar, ok := req.(*authRequest); ok {
		t.clientID = ar.clientID
	}
	id := randomID()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[id] = t
	return id, t.expires, nil
}

// CreateAccessAndRefreshTokens is never reached: clients are not granted
// refresh_token.
func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errNotSupported
}

// TokenRequestByRefreshToken refuses every refresh token.
func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errNotSupported
}

// TerminateSession has nothing to end: the IdP keeps no browser session.
func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

// RevokeToken forgets an access token.
func (s *storage) RevokeToken(_ context.Context, tokenOrID, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tokenOrID)
	return nil
}

// GetRefreshTokenInfo reports that no token is a refresh token.
func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// SigningKey is the key generated at start.
func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return &s.key, nil }

// SignatureAlgorithms is the signing key's one algorithm; discovery lists
// it as id_token_signing_alg_values_supported, which is what relying
// parties such as go-oidc accept.
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{s.key.alg}, nil
}

// KeySet publishes the public half of the signing key at the JWKS URL.
func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.key}}, nil
}

// SetUserinfoFromScopes is deprecated in the library; the claims are set
// by SetUserinfoFromRequest.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims.
func (s *storage) SetUserinfoFromRequest(_ context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return s.setUserinfo(ui, req.GetSubject(), scopes)
}

// SetUserinfoFromToken answers the userinfo endpoint.
func (s *storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, sub, _ string) error {
	t, err := s.token(tokenID, sub)
	if err != nil {
		return err
	}
	return s.setUserinfo(ui, t.subject, t.scopes)
}

// SetIntrospectionFromToken answers the introspection endpoint for the
// client the token was issued to.
func (s *storage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, tokenID, sub, clientID string) error {
	t, err := s.token(tokenID, sub)
	if err != nil {
		return err
	}
	if t.clientID != clientID {
		return errors.New("token was issued to another client")
	}
	ui := new(oidc.UserInfo)
	if err := s.setUserinfo(ui, t.subject, t.scopes); err != nil {
		return err
	}
	resp.SetUserInfo(ui)
	resp.Scope = t.scopes
	resp.ClientID = t.clientID
	resp.Expiration = oidc.FromTime(t.expires)
	return nil
}

func (s *storage) token(id, sub string) (accessToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok || t.subject != sub || s.now().After(t.expires) {
		return accessToken{}, errors.New("access token is invalid or expired")
	}
	return t, nil
}

// setUserinfo sets the standard claims the scopes ask for (OIDC Core
// §5.4). sub is always set, because the library copies it into the ID
// token from here; groups, which no standard scope covers, is set
// whenever the user has any.
func (s *storage) setUserinfo(ui *oidc.UserInfo, sub string, scopes []string) error {
	i, ok := s.bySubject[sub]
	if !ok {
		return fmt.Errorf("no user with subject %q", sub)
	}
	u := s.users[i]
	ui.Subject = sub
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeEmail:
			ui.Email = u.Email
			ui.EmailVerified = oidc.Bool(u.EmailVerified)
			if !u.EmailVerified {
				// The library omits a false email_verified; say it
				// explicitly so that clients need not guess.
				ui.AppendClaims("email_verified", false)
			}
		case oidc.ScopeProfile:
			ui.Name = u.Name()
			ui.GivenName = u.FirstName
			ui.FamilyName = u.LastName
		}
	}
	if len(u.Groups) > 0 {
		ui.AppendClaims("groups", slices.Clone(u.Groups))
	}
	return nil
}

// GetPrivateClaimsFromScopes adds nothing: access tokens are opaque.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID refuses JWT client authentication: no client has
// keys.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotSupported
}

// ValidateJWTProfileScopes refuses the JWT profile grant.
func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotSupported
}

// Signing algorithms of ID tokens. RS256 is the default because every OIDC
// client supports it; ES256 signs about thirty times faster, which matters
// when the dev-idp stands in for an IdP under load.
const (
	RS256 = string(jose.RS256)
	ES256 = string(jose.ES256)
)

// signingAlgorithm reads Options.SigningAlgorithm; empty means RS256.
func signingAlgorithm(name string) (jose.SignatureAlgorithm, error) {
	switch name {
	case "", RS256:
		return jose.RS256, nil
	case ES256:
		return jose.ES256, nil
	}
	return "", fmt.Errorf("devidp: signing algorithm %q: want RS256 or ES256", name)
}

// signingKey is the key that signs ID tokens: the RSA key for RS256, a
// P-256 key for ES256.
type signingKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key crypto.Signer
}

// newSigningKey returns the key for alg. RS256 signs with rsaKey, the key
// the SAML IdP signs with too; ES256 gets a key of its own.
func newSigningKey(alg jose.SignatureAlgorithm, rsaKey *rsa.PrivateKey) (signingKey, error) {
	k := signingKey{id: hex.EncodeToString(randomBytes(8)), alg: alg, key: rsaKey}
	if alg == jose.ES256 {
		ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return signingKey{}, fmt.Errorf("devidp: generate signing key: %w", err)
		}
		k.key = ec
	}
	return k, nil
}

func newRSAKey() (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("devidp: generate signing key: %w", err)
	}
	return key, nil
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is the published half of a signingKey.
type publicKey struct{ k signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.k.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.k.key.Public() }

// sealer encrypts what the library hands out as opaque strings (codes,
// access tokens) with AES-256-GCM from the standard library. The library's
// default wraps each value in a JWE, building an encrypter, wrapping a
// fresh content key and serialising JSON headers every time, which cost
// an eighth of an ES256 sign-in.
type sealer struct{ aead cipher.AEAD }

var _ op.Crypto = sealer{}

// newSealer makes a fresh key: a process that keeps everything in memory
// has nothing to decrypt from an earlier run.
func newSealer() (sealer, error) {
	block, err := aes.NewCipher(randomBytes(32))
	if err != nil {
		return sealer{}, fmt.Errorf("devidp: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return sealer{}, fmt.Errorf("devidp: %w", err)
	}
	return sealer{aead: aead}, nil
}

// Encrypt seals s under a random nonce.
func (c sealer) Encrypt(s string) (string, error) {
	return base64.RawURLEncoding.EncodeToString(c.aead.Seal(nil, nil, []byte(s), nil)), nil
}

// Decrypt opens what Encrypt sealed; anything else is an error.
func (c sealer) Decrypt(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", errors.New("devidp: malformed token")
	}
	plain, err := c.aead.Open(nil, nil, b, nil)
	if err != nil {
		return "", errors.New("devidp: token does not decrypt")
	}
	return string(plain), nil
}
