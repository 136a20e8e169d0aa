package devidp

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// User is a person the development identity provider can sign in. The yaml
// tags are the --users file format (spec/config.md).
type User struct {
	Email     string `yaml:"email"`
	FirstName string `yaml:"first_name"`
	LastName  string `yaml:"last_name"`
	// Password is asked for only in interactive mode; empty means none.
	Password string `yaml:"password"`
	// EmailVerified defaults to true when the file leaves it out, because
	// a development user is almost always meant to be linkable by email.
	EmailVerified bool     `yaml:"email_verified"`
	Groups        []string `yaml:"groups"`
}

// Name is the user's display name, as the OIDC name claim carries it.
func (u User) Name() string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// DefaultUser is the one user served when no users are configured.
func DefaultUser() User {
	return User{Email: "dev@example.test", FirstName: "Dev", LastName: "User", EmailVerified: true}
}

// subject is the OIDC sub of the user with this email: a hash of the
// lower-cased email, so that it is the same across restarts and across
// dev-idp instances, and repeated sign-ins map to one upstream identity.
func subject(email string) string {
	sum := sha256.Sum256([]byte("latchkey-devidp:" + strings.ToLower(email)))
	return hex.EncodeToString(sum[:16])
}

// LoadUsers reads a --users file: a YAML list of users. Loading is strict:
// unknown or repeated keys, wrong types, a missing or repeated email are
// errors that name the file and line. All problems are reported at once.
func LoadUsers(path string) ([]User, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return parseUsers(path, data)
}

func parseUsers(path string, data []byte) ([]User, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: no users: want a YAML list of users", path)
	}
	root := doc.Content[0]
	if root.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: want a YAML list of users", path, root.Line)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s:%d: the list of users is empty", path, root.Line)
	}
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", path, line, fmt.Sprintf(format, args...)))
	}
	users := make([]User, 0, len(root.Content))
	seen := map[string]int{} // lower-cased email → line of first use
	for i, item := range root.Content {
		u, ok := parseUser(item, fmt.Sprintf("users[%d]", i), fail)
		if !ok {
			continue
		}
		key := strings.ToLower(u.Email)
		if first, dup := seen[key]; dup {
			fail(item.Line, "users[%d].email: %q is already used on line %d", i, u.Email, first)
			continue
		}
		seen[key] = item.Line
		users = append(users, u)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return users, nil
}

// parseUser decodes one list entry key by key, so that every problem is
// reported at its own line.
func parseUser(n *yaml.Node, path string, fail func(int, string, ...any)) (User, bool) {
	if n.Kind != yaml.MappingNode {
		fail(n.Line, "%s: want a mapping with at least an email", path)
		return User{}, false
	}
	u := User{EmailVerified: true}
	ok := true
	given := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		var dst any
		switch name {
		case "email":
			dst = &u.Email
		case "first_name":
			dst = &u.FirstName
		case "last_name":
			dst = &u.LastName
		case "password":
			dst = &u.Password
		case "email_verified":
			dst = &u.EmailVerified
		case "groups":
			dst = &u.Groups
		default:
			// A misspelt key would otherwise silently drop a setting.
			fail(k.Line, "%s: unknown key %q", path, name)
			ok = false
			continue
		}
		if given[name] {
			fail(k.Line, "%s.%s: key given twice", path, name)
			ok = false
			continue
		}
		given[name] = true
		if err := decodeValue(v, dst); err != nil {
			fail(v.Line, "%s.%s: %v", path, name, err)
			ok = false
		}
	}
	if ok {
		if err := validateUser(u); err != nil {
			fail(n.Line, "%s: %v", path, err)
			ok = false
		}
	}
	return u, ok
}

// decodeValue decodes one value into dst, checking its shape first so
// that a mapping where a string belongs gets a plain message.
func decodeValue(v *yaml.Node, dst any) error {
	want := yaml.ScalarNode
	if _, isList := dst.(*[]string); isList {
		want = yaml.SequenceNode
	}
	if v.Kind != want && v.Kind != yaml.AliasNode {
		if want == yaml.SequenceNode {
			return errors.New("want a list of strings")
		}
		return errors.New("want a single value")
	}
	if err := v.Decode(dst); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			return errors.New(strings.Join(te.Errors, "; "))
		}
		return err
	}
	return nil
}

// validateUser checks what LoadUsers and New both require of a user.
func validateUser(u User) error {
	switch {
	case u.Email == "":
		return errors.New("email is required")
	case strings.ContainsAny(u.Email, " \t\r\n<>\"") || strings.Count(u.Email, "@") != 1 ||
		strings.HasPrefix(u.Email, "@") || strings.HasSuffix(u.Email, "@"):
		return fmt.Errorf("email %q is not an email address", u.Email)
	}
	for _, g := range u.Groups {
		if g == "" {
			return errors.New("groups: a group name is empty")
		}
	}
	return nil
}

// validateUsers checks a list given to New, which has no lines to name.
func validateUsers(users []User) error {
	seen := map[string]bool{}
	for i, u := range users {
		if err := validateUser(u); err != nil {
			return fmt.Errorf("users[%d]: %w", i, err)
		}
		key := strings.ToLower(u.Email)
		if seen[key] {
			return fmt.Errorf("users[%d]: email %q is used twice", i, u.Email)
		}
		seen[key] = true
	}
	return nil
}
