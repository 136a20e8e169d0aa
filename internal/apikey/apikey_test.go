package apikey

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

func TestGenerate(t *testing.T) {
	a, b := Generate(), Generate()
	if a == b {
		t.Fatal("two generated keys are equal")
	}
	if !strings.HasPrefix(a, "sk_test_") || len(a) != 55 {
		t.Fatalf("key %q: want sk_test_ and 47 characters", a)
	}
	if Prefix(a) != a[:12] || Prefix("sk_x") != "sk_x" {
		t.Fatal("Prefix does not take the first 12 characters")
	}
	h, err := Hash(a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, a) || !Verify(a, h) || Verify(b, h) {
		t.Fatal("hash does not verify the right key only")
	}
}

type countingLister struct {
	keys  []store.APIKey
	calls int
}

func (c *countingLister) ListAPIKeysByPrefix(_ context.Context, prefix string) ([]store.APIKey, error) {
	c.calls++
	var out []store.APIKey
	for _, k := range c.keys {
		if k.Prefix == prefix {
			out = append(out, k)
		}
	}
	return out, nil
}

func TestVerifier(t *testing.T) {
	key := Generate()
	h, _ := Hash(key)
	lister := &countingLister{keys: []store.APIKey{{ID: "key_1", ApplicationID: "client_A", Prefix: Prefix(key), Hash: h}}}
	now := time.Unix(1_700_000_000, 0)
	v := &Verifier{Store: lister, TTL: time.Minute, Now: func() time.Time { return now }}
	ctx := context.Background()
	for i := range 3 {
		app, err := v.Application(ctx, key)
		if err != nil || app != "client_A" {
			t.Fatalf("try %d: %q %v", i, app, err)
		}
	}
	if lister.calls != 1 {
		t.Fatalf("%d store look-ups for three checks, want 1 (cached)", lister.calls)
	}
	if app, _ := v.Application(ctx, otherLast(key)); app != "" {
		t.Fatal("a wrong key with the right prefix was accepted")
	}
	now = now.Add(2 * time.Minute)
	lister.keys = nil // deleted
	if app, _ := v.Application(ctx, key); app != "" {
		t.Fatal("a deleted key still works after the TTL")
	}
}

// otherLast returns s with its last character changed: a key or secret
// that is wrong by one character, never equal to s.
func otherLast(s string) string {
	if strings.HasSuffix(s, "x") {
		return s[:len(s)-1] + "y"
	}
	return s[:len(s)-1] + "x"
}
