package secrets

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	master := NewMasterKey()
	a, err := NewBox(master, "connection-secrets")
	if err != nil {
		t.Fatal(err)
	}
	sealed := a.Seal([]byte("s3cret"), []byte("conn_1"))
	if bytes.Contains(sealed, []byte("s3cret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	got, err := a.Open(sealed, []byte("conn_1"))
	if err != nil || string(got) != "s3cret" {
		t.Fatalf("Open = %q, %v", got, err)
	}

	other, _ := NewBox(master, "authorize-transaction")
	wrongKey, _ := NewBox(NewMasterKey(), "connection-secrets")
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"wrong ad":      func() ([]byte, error) { return a.Open(sealed, []byte("conn_2")) },
		"wrong purpose": func() ([]byte, error) { return other.Open(sealed, []byte("conn_1")) },
		"wrong key":     func() ([]byte, error) { return wrongKey.Open(sealed, []byte("conn_1")) },
		"tampered":      func() ([]byte, error) { return a.Open(tampered, []byte("conn_1")) },
		"truncated":     func() ([]byte, error) { return a.Open(sealed[:10], []byte("conn_1")) },
		"empty":         func() ([]byte, error) { return a.Open(nil, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := open(); !errors.Is(err, ErrOpen) {
				t.Fatalf("got %v, want ErrOpen", err)
			}
		})
	}
}

func TestNewBoxRejectsShortKey(t *testing.T) {
	if _, err := NewBox(NewMasterKey()[:5], "x"); err == nil {
		t.Fatal("short master accepted")
	}
}
