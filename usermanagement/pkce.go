package usermanagement

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// PKCE is one Proof Key for Code Exchange pair (RFC 7636). Put CodeChallenge
// and CodeChallengeMethod in GetAuthorizationURLOpts, keep CodeVerifier
// secret until the callback, and send it in AuthenticateWithCodeOpts. The
// field names match those options so the values copy over one to one.
type PKCE struct {
	// CodeVerifier is 43 characters of base64url from 32 random bytes.
	CodeVerifier string

	// CodeChallenge is CodeChallengeS256(CodeVerifier).
	CodeChallenge string

	// CodeChallengeMethod is always "S256".
	CodeChallengeMethod string
}

// NewPKCE makes a fresh verifier and its S256 challenge. 32 random bytes give
// the 256 bits of entropy RFC 7636 §7.1 recommends and encode to 43
// characters, the shortest verifier §4.1 allows.
func NewPKCE() (PKCE, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return PKCE{}, fmt.Errorf("usermanagement: pkce: %w", err)
	}
	verifier := base64.RawURLEncoding.EncodeToString(b[:])
	return PKCE{
		CodeVerifier:        verifier,
		CodeChallenge:       CodeChallengeS256(verifier),
		CodeChallengeMethod: CodeChallengeMethodS256,
	}, nil
}

// CodeChallengeS256 is BASE64URL(SHA256(ASCII(verifier))) without padding
// (RFC 7636 §4.2).
func CodeChallengeS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// isPKCEValue reports whether s has the form of a verifier or challenge:
// 43 to 128 unreserved characters (RFC 7636 §4.1, §4.2).
func isPKCEValue(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == '~':
		default:
			return false
		}
	}
	return true
}
