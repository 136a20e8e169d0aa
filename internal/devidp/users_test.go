package devidp

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"no issuer", Options{}},
		{"issuer with path", Options{Issuer: "http://127.0.0.1:9000/idp"}},
		{"issuer not http", Options{Issuer: "ftp://127.0.0.1"}},
		{"duplicate email", Options{Issuer: "http://127.0.0.1:9000", Users: []User{{Email: "a@x.test"}, {Email: "A@x.test"}}}},
		{"bad email", Options{Issuer: "http://127.0.0.1:9000", Users: []User{{Email: "not an email"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts); err == nil {
				t.Fatal("New succeeded")
			}
		})
	}
}

func TestLoadUsers(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    []User
		wantErr []string // substrings of the error
	}{
		{
			name: "valid",
			yaml: "- email: alice@acme.test\n  first_name: Alice\n  last_name: Liddell\n  groups: [engineering, admins]\n" +
				"- email: bob@acme.test\n  email_verified: false\n  password: pw\n",
			want: []User{
				{Email: "alice@acme.test", FirstName: "Alice", LastName: "Liddell", EmailVerified: true, Groups: []string{"engineering", "admins"}},
				{Email: "bob@acme.test", EmailVerified: false, Password: "pw"},
			},
		},
		{name: "unknown key", yaml: "- email: a@x.test\n  emial_verified: true\n", wantErr: []string{"users.yaml:2:", `unknown key "emial_verified"`}},
		{name: "wrong type", yaml: "- email: a@x.test\n\n  email_verified: maybe\n", wantErr: []string{"users.yaml:3:", "email_verified"}},
		{name: "groups not a list", yaml: "- email: a@x.test\n  groups: eng\n", wantErr: []string{"users.yaml:2:", "list of strings"}},
		{name: "missing email", yaml: "- first_name: A\n", wantErr: []string{"users.yaml:1:", "email is required"}},
		{name: "duplicate email", yaml: "- email: a@x.test\n- email: A@X.test\n", wantErr: []string{"users.yaml:2:", "already used on line 1"}},
		{name: "key twice", yaml: "- email: a@x.test\n  email: b@x.test\n", wantErr: []string{"users.yaml:2:", "given twice"}},
		{name: "not a list", yaml: "email: a@x.test\n", wantErr: []string{"users.yaml:1:", "list of users"}},
		{name: "empty file", yaml: "", wantErr: []string{"no users"}},
		{name: "syntax error", yaml: "- email: [\n", wantErr: []string{"users.yaml"}},
		{name: "all problems at once", yaml: "- email: a@x.test\n  nope: 1\n- first_name: B\n", wantErr: []string{":2:", ":3:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadUsers(path)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("got %d users, want %d", len(got), len(tt.want))
				}
				for i := range got {
					g, w := got[i], tt.want[i]
					if g.Email != w.Email || g.FirstName != w.FirstName || g.LastName != w.LastName ||
						g.EmailVerified != w.EmailVerified || g.Password != w.Password || !slices.Equal(g.Groups, w.Groups) {
						t.Errorf("user %d = %+v, want %+v", i, g, w)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadUsers succeeded: %+v", got)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestSubjectIsStablePerEmail(t *testing.T) {
	if subject("Alice@Acme.test") != subject("alice@acme.test") {
		t.Error("subject depends on case")
	}
	if subject("alice@acme.test") == subject("bob@acme.test") {
		t.Error("two emails share a subject")
	}
}
