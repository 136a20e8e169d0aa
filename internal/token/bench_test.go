package token

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/secrets"
)

func BenchmarkSign(b *testing.B) {
	for _, alg := range []string{RS256, ES256} {
		b.Run(alg, func(b *testing.B) {
			k := mustKeys(b, openSQLite(b), newBox(b, secrets.NewMasterKey()), Options{Algorithm: alg})
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := k.Sign(fullClaims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRS256Floor signs the same header and claims with crypto/rsa and
// nothing else: what Sign cannot beat, and what the code exchange's target
// is measured against.
func BenchmarkRS256Floor(b *testing.B) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "jwk_01JBENCHMARK0000000000000", "typ": "JWT"})
	body, _ := json.Marshal(payload{Issuer: issuer, Subject: fullClaims.Subject, SessionID: fullClaims.SessionID,
		OrganizationID: fullClaims.OrganizationID, Role: fullClaims.Role, Roles: fullClaims.Roles,
		Permissions: fullClaims.Permissions, Entitlements: fullClaims.Entitlements, FeatureFlags: fullClaims.FeatureFlags,
		ID: randomID(), IssuedAt: now.Unix(), Expiry: now.Add(DefaultAccessTokenTTL).Unix()})
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(body)
	b.ReportAllocs()
	for b.Loop() {
		sum := sha256.Sum256([]byte(input))
		sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, sum[:])
		if err != nil {
			b.Fatal(err)
		}
		_ = input + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
}
