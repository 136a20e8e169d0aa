package config

import (
	"strings"
	"testing"
)

func TestTokenAlgorithm(t *testing.T) {
	for _, c := range []struct {
		name, yaml, want, err string
	}{
		{name: "unset", yaml: "log_format: text\n", want: ""},
		{name: "RS256", yaml: "token_algorithm: RS256\n", want: "RS256"},
		{name: "ES256", yaml: "token_algorithm: ES256\n", want: "ES256"},
		{name: "other", yaml: "token_algorithm: HS256\n", err: "1: token_algorithm: must be RS256 or ES256"},
		{name: "case matters", yaml: "token_algorithm: es256\n", err: "1: token_algorithm: must be RS256 or ES256"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("latchkey.yaml", []byte(c.yaml), func(string) (string, bool) { return "", false })
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || f.TokenAlgorithm != c.want {
				t.Fatalf("TokenAlgorithm = %q, %v; want %q", f.TokenAlgorithm, err, c.want)
			}
		})
	}
}
