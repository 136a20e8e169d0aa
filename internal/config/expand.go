package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// expand replaces each ${NAME} in s with the value of the variable NAME
// and each $$ with a literal $. Any other $ stays as written, so that a
// password such as pa$word needs no escaping. A variable that is set but
// empty expands to nothing; one that is not set is an error, because a
// silently empty client secret or API key is worse than a refusal to
// start. The result is not expanded again.
func expand(s string, lookupEnv func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	var unset []string
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i += 2
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", errors.New("unterminated ${ (write $$ for a literal $)")
			}
			name := s[i+2 : i+2+end]
			if !validEnvName(name) {
				// The name is not quoted: this may be a secret with a $ in it.
				return "", errors.New("invalid variable name in ${…}: letters, digits and _ only (write $$ for a literal $)")
			}
			if v, ok := lookupEnv(name); ok {
				b.WriteString(v)
			} else if !slices.Contains(unset, name) {
				unset = append(unset, name)
			}
			i += 2 + end + 1
		default:
			b.WriteByte('$')
			i++
		}
	}
	switch len(unset) {
	case 0:
		return b.String(), nil
	case 1:
		return "", fmt.Errorf("environment variable %s is not set", unset[0])
	default:
		return "", fmt.Errorf("environment variables %s are not set", strings.Join(unset, ", "))
	}
}

// validEnvName reports whether name is a portable environment variable
// name (POSIX: letters, digits and underscore, not starting with a digit).
func validEnvName(name string) bool {
	if name == "" || '0' <= name[0] && name[0] <= '9' {
		return false
	}
	for i := range len(name) {
		c := name[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
