package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// NewRefreshToken returns a fresh refresh token, 256 random bits in
// base64url, and the hash to store in its place (HashRefreshToken).
func NewRefreshToken() (raw, hash string) {
	var b [32]byte
	// crypto/rand.Read never fails since Go 1.24; it crashes the program
	// instead of returning predictable bytes.
	_, _ = rand.Read(b[:])
	raw = base64.RawURLEncoding.EncodeToString(b[:])
	return raw, HashRefreshToken(raw)
}

// HashRefreshToken is how refresh tokens are stored: SHA-256, hex. The
// tokens carry 256 random bits, so a fast hash suffices against a stolen
// table (as for authorization codes).
func HashRefreshToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}
