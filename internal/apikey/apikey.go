// Package apikey mints application API keys (sk_…) and prepares them for
// storage: a short non-secret prefix to find candidate rows, and an
// argon2id hash of the whole key.
package apikey

import (
	"crypto/rand"
	"math/big"

	"github.com/latchkeyhq/latchkey/internal/password"
)

// PrefixLen is how many leading characters of a key are stored in clear to
// narrow the rows a verification must hash against. For generated keys it
// covers "sk_test_" plus four random characters, which reveals 24 of 280
// bits.
const PrefixLen = 12

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Generate returns a new key: "sk_test_" and 47 base62 characters (~280 bits).
func Generate() string {
	b := []byte("sk_test_")
	max := big.NewInt(int64(len(alphabet)))
	for range 47 {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("apikey: crypto/rand failed: " + err.Error())
		}
		b = append(b, alphabet[n.Int64()])
	}
	return string(b)
}

// Prefix returns the stored, non-secret lookup prefix of key.
func Prefix(key string) string {
	if len(key) < PrefixLen {
		return key
	}
	return key[:PrefixLen]
}

// Hash returns the argon2id hash stored for key.
func Hash(key string) (string, error) { return password.Hash(key, password.DefaultParams()) }

// Verify reports whether key matches the stored hash, in constant time.
func Verify(key, hash string) bool { return password.Verify(key, hash) == nil }
