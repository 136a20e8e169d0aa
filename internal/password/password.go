// Package password hashes and verifies secrets that people (passwords) or
// configuration files (API keys) choose, with argon2id (RFC 9106) in the PHC
// string format, so parameters can be raised later without breaking old hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

// DefaultParams returns OWASP's recommended argon2id settings (m=19 MiB, t=2,
// p=1), the minimum it lists as acceptable for interactive logins.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}
}

// ErrMismatch is returned by Verify when the secret does not match.
var ErrMismatch = errors.New("password: mismatch")

var b64 = base64.RawStdEncoding

// Limits on the parameters a stored hash may carry.
const (
	maxMemory  = 64 * 1024 // KiB
	maxTime    = 8
	maxThreads = 8
)

// Hash returns the PHC string of secret under p.
func Hash(secret string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks secret against a PHC string produced by Hash. The
// comparison of the derived keys is constant-time.
func Verify(secret, phc string) error {
	p, salt, want, err := decode(phc)
	if err != nil {
		return err
	}
	got := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

func decode(phc string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("password: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errors.New("password: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("password: bad parameters: %w", err)
	}
	// Bound the cost a stored hash may ask for, so a corrupted or planted
	// row cannot make one verification take seconds or allocate gigabytes
	// (the fuzzer found such inputs): at most 4× OWASP's memory and
	// passes, which still leaves room to raise DefaultParams.
	if p.Memory == 0 || p.Memory > maxMemory || p.Time == 0 || p.Time > maxTime || p.Threads == 0 || p.Threads > maxThreads {
		return p, nil, nil, errors.New("password: parameters out of range")
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("password: bad salt: %w", err)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errors.New("password: bad key")
	}
	return p, salt, key, nil
}
