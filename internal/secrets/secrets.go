// Package secrets encrypts what Latchkey keeps secret at rest (connection
// client secrets, signing keys) and seals what it hands to browsers (the
// authorization transaction), with AES-256-GCM under keys derived from one
// master key.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// KeySize is the length of the master key in bytes.
const KeySize = 32

// version prefixes every sealed value so the format can change later.
const version byte = 1

// ErrOpen is returned when a value cannot be decrypted: wrong key, wrong
// purpose or associated data, or tampering.
var ErrOpen = errors.New("secrets: cannot open sealed value")

// Box seals and opens values for one purpose. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// NewBox derives the key for purpose from master with HKDF-SHA256, so a
// value sealed for one purpose (say "connection-secrets") can never be
// opened as another ("authorize-transaction").
func NewBox(master []byte, purpose string) (*Box, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("secrets: master key must be %d bytes, got %d", KeySize, len(master))
	}
	key, err := hkdf.Key(sha256.New, master, nil, "latchkey "+purpose, KeySize)
	if err != nil {
		return nil, fmt.Errorf("secrets: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext; ad is authenticated but not encrypted (bind a
// value to its row or its browser with it).
func (b *Box) Seal(plaintext, ad []byte) []byte {
	n := b.aead.NonceSize()
	out := make([]byte, 1+n, 1+n+len(plaintext)+b.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1 : 1+n]); err != nil {
		panic("secrets: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return b.aead.Seal(out, out[1:1+n], plaintext, ad)
}

// Open decrypts a value produced by Seal with the same ad.
func (b *Box) Open(sealed, ad []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// NewMasterKey returns a fresh random master key.
func NewMasterKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic("secrets: crypto/rand failed: " + err.Error())
	}
	return k
}
