package password

import (
	"errors"
	"strings"
	"testing"
)

// fast keeps the suite quick; the format and the checks are what is tested.
var fast = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct-horse-battery-staple", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected PHC string %q", h)
	}
	if err := Verify("correct-horse-battery-staple", h); err != nil {
		t.Fatalf("Verify(right) = %v", err)
	}
	if err := Verify("correct-horse-battery-stapl", h); !errors.Is(err, ErrMismatch) {
		t.Fatalf("Verify(wrong) = %v, want ErrMismatch", err)
	}
	h2, _ := Hash("correct-horse-battery-staple", fast)
	if h == h2 {
		t.Fatal("two hashes of one secret are equal: salt is not random")
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	for name, phc := range map[string]string{
		"empty":           "",
		"bcrypt":          "$2a$10$abcdefghijklmnopqrstuv",
		"argon2i":         "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5a2V5a2V5a2V5a2V5",
		"huge memory":     "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"memory past cap": "$argon2id$v=19$m=65537,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"time past cap":   "$argon2id$v=19$m=64,t=9,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"zero time":       "$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"bad base64":      "$argon2id$v=19$m=64,t=1,p=1$!!!$a2V5a2V5a2V5a2V5a2V5a2V5",
		"short key":       "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"wrong version":   "$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
	} {
		t.Run(name, func(t *testing.T) {
			err := Verify("x", phc)
			if err == nil || errors.Is(err, ErrMismatch) {
				t.Fatalf("Verify(%q) = %v, want a format error", phc, err)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Fuzz(func(t *testing.T, phc string) {
		// The parser must not panic and must hold the cost limits; the
		// hashing itself runs only for cheap inputs, so that fuzzing stays
		// fast (an accepted 64 MiB, 8-pass input takes most of a second).
		p, _, key, err := decode(phc)
		if err != nil {
			return
		}
		if p.Memory > maxMemory || p.Time > maxTime || p.Threads > maxThreads || len(key) < 16 {
			t.Fatalf("decode accepted %q with parameters %+v", phc, p)
		}
		if uint64(p.Memory)*uint64(p.Time) <= 1024 {
			_ = Verify("x", phc)
		}
	})
}
