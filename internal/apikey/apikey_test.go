package apikey

import (
	"strings"
	"testing"
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
