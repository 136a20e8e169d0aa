package oauthtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// keys are a stand-in's ID token signing key, published in its JWKS.
type keys struct {
	signing *rsa.PrivateKey
	kid     string
}

func newKeys(t testing.TB) keys {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return keys{signing: k, kid: "standin-" + random()[:8]}
}

// serveJWKS publishes the signing key.
func (s *Server) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &s.keys.signing.PublicKey, KeyID: s.keys.kid, Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

// signIDToken signs claims as the provider would (RS256 with its
// published key), or under the fault BadSignature with a fresh key of the
// same ID that the JWKS does not hold.
func (s *Server) signIDToken(claims map[string]any, fault Fault) (string, error) {
	key := s.keys.signing
	if fault == BadSignature {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return "", err
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: s.keys.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// idTokenClaims are the claims every provider's ID token has, with the
// faults that concern them applied.
func (s *Server) idTokenClaims(iss string, g grant, accessToken string, fault Fault) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": iss, "aud": g.clientID, "sub": g.user.Subject, "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "at_hash": atHash(accessToken)}
	if g.nonce != "" {
		c["nonce"] = g.nonce
	}
	switch fault {
	case WrongAudience:
		c["aud"] = "another-client"
	case WrongIssuer:
		c["iss"] = "https://issuer.invalid"
	case Expired:
		c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
	}
	for k, v := range g.user.Claims {
		c[k] = v
	}
	return c
}

// atHash is the OIDC Core §3.1.3.6 hash of an access token for RS256.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// AppleTeam is an Apple developer team's Sign in with Apple key.
type AppleTeam struct {
	TeamID string
	KeyID  string
	Key    *ecdsa.PrivateKey
	// PEM is the key as Apple's .p8 file holds it (PKCS #8).
	PEM string
}

// NewAppleTeam generates a team with a fresh P-256 key.
func NewAppleTeam(t testing.TB) *AppleTeam {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return &AppleTeam{TeamID: "TEAM123456", KeyID: "KEY1234567", Key: k,
		PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}
}

// SecretClaims are the claims of Apple's client secret JWT.
type SecretClaims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
}

// ParseSecret checks a client secret as Apple does: an ES256 JWT signed
// with the team's key, kid the key ID, iss the team, sub the client, aud
// Apple, not expired, valid for at most six months. It returns the
// claims.
func (a *AppleTeam) ParseSecret(secret, clientID string, now time.Time) (SecretClaims, error) {
	tok, err := jwt.ParseSigned(secret, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return SecretClaims{}, fmt.Errorf("client secret: %w", err)
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID != a.KeyID {
		return SecretClaims{}, errors.New("client secret: kid is not the key ID")
	}
	var c SecretClaims
	if err := tok.Claims(&a.Key.PublicKey, &c); err != nil {
		return SecretClaims{}, fmt.Errorf("client secret: %w", err)
	}
	switch {
	case c.Issuer != a.TeamID:
		return c, errors.New("client secret: iss is not the team ID")
	case c.Subject != clientID:
		return c, errors.New("client secret: sub is not the client ID")
	case c.Audience != "https://appleid.apple.com":
		return c, errors.New("client secret: aud is not https://appleid.apple.com")
	case c.ExpiresAt <= now.Unix() || c.IssuedAt > now.Unix()+60:
		return c, errors.New("client secret: expired or not yet valid")
	case c.ExpiresAt-c.IssuedAt > 15777000:
		return c, errors.New("client secret: valid for more than six months")
	}
	return c, nil
}
