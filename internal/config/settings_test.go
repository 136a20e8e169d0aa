package config

import (
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	got := Default()
	want := File{Listen: "127.0.0.1:8080", Database: "sqlite:latchkey.db", PublicURL: "http://127.0.0.1:8080", LogFormat: "text"}
	if got.Listen != want.Listen || got.Database != want.Database || got.PublicURL != want.PublicURL || got.LogFormat != want.LogFormat {
		t.Errorf("Default() = %+v, want %+v", got, want)
	}
}

func TestPublicURLFor(t *testing.T) {
	tests := []struct{ listen, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{":9000", "http://127.0.0.1:9000"},
		{"0.0.0.0:9000", "http://127.0.0.1:9000"},
		{"[::]:9000", "http://127.0.0.1:9000"},
		{"[::1]:9000", "http://[::1]:9000"},
		{"auth.internal:80", "http://auth.internal:80"},
	}
	for _, tt := range tests {
		if got := PublicURLFor(tt.listen); got != tt.want {
			t.Errorf("PublicURLFor(%q) = %q, want %q", tt.listen, got, tt.want)
		}
	}
}

// TestPrecedence follows the order spec/config.md fixes: a flag wins over
// the variable, the variable over the file, and public_url follows the
// final listen address when nothing sets it.
func TestPrecedence(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		env   map[string]string
		flags Overrides
		want  Overrides
	}{
		{
			name: "file only",
			file: "listen: 127.0.0.1:7000\ndatabase: postgres://db/latchkey\n",
			want: Overrides{Listen: "127.0.0.1:7000", Database: "postgres://db/latchkey", PublicURL: "http://127.0.0.1:7000"},
		},
		{
			name: "environment over file",
			file: "listen: 127.0.0.1:7000\npublic_url: https://auth.example.com\n",
			env:  map[string]string{EnvListen: ":7001", EnvDatabase: "sqlite:/var/lib/latchkey.db"},
			want: Overrides{Listen: ":7001", Database: "sqlite:/var/lib/latchkey.db", PublicURL: "https://auth.example.com"},
		},
		{
			name:  "flags over environment",
			env:   map[string]string{EnvListen: ":7001", EnvPublicURL: "https://env.example.com"},
			flags: Overrides{Listen: "127.0.0.1:7002", PublicURL: "https://flag.example.com"},
			want:  Overrides{Listen: "127.0.0.1:7002", Database: DefaultDatabase, PublicURL: "https://flag.example.com"},
		},
		{
			name:  "public_url follows the final listen",
			file:  "listen: 127.0.0.1:7000\n",
			flags: Overrides{Listen: "127.0.0.1:7002"},
			want:  Overrides{Listen: "127.0.0.1:7002", Database: DefaultDatabase, PublicURL: "http://127.0.0.1:7002"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("x.yaml", []byte(tt.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Apply(EnvOverrides(env(tt.env))); err != nil {
				t.Fatalf("Apply(env): %v", err)
			}
			if err := f.Apply(tt.flags); err != nil {
				t.Fatalf("Apply(flags): %v", err)
			}
			f.FillDefaults()
			if got := (Overrides{f.Listen, f.Database, f.PublicURL}); got != tt.want {
				t.Errorf("after precedence = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestApplyChecks(t *testing.T) {
	f := &File{Listen: "127.0.0.1:8080"}
	err := f.Apply(Overrides{Listen: "nowhere", Database: "mysql://u:hunter2@db", PublicURL: "https://ok.example.com"})
	if err == nil {
		t.Fatal("Apply accepted a bad listen address and database")
	}
	for _, want := range []string{"listen: must be host:port", `database: unsupported database "mysql"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Apply error %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Apply error %q repeats a password", err)
	}
	if f.Listen != "127.0.0.1:8080" || f.PublicURL != "https://ok.example.com" {
		t.Errorf("after Apply = %+v, want bad values skipped and good ones set", f)
	}
}

func TestParseSecretKey(t *testing.T) {
	tests := []struct {
		name, key string
		ok        bool
	}{
		{"standard", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", true},
		{"unpadded", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", true},
		{"URL alphabet", "_-8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0=", true},
		{"too short", "c2hvcnQ=", false},
		{"too long", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==", false},
		{"not base64", "not base64 at all!", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParseSecretKey(tt.key)
			if tt.ok && (err != nil || len(key) != SecretKeySize) {
				t.Errorf("ParseSecretKey = %d bytes, %v; want %d bytes", len(key), err, SecretKeySize)
			}
			if !tt.ok && err == nil {
				t.Errorf("ParseSecretKey accepted %q", tt.key)
			}
			if err != nil && tt.key != "" && strings.Contains(err.Error(), tt.key) {
				t.Errorf("ParseSecretKey error %q repeats the key", err)
			}
		})
	}
}

func TestSettingChecks(t *testing.T) {
	tests := []struct {
		name  string
		check func(string) error
		value string
		ok    bool
	}{
		{"listen any host", checkListen, ":8080", true},
		{"listen IPv6", checkListen, "[::1]:8080", true},
		{"listen name", checkListen, "localhost:8080", true},
		{"listen port 0", checkListen, "127.0.0.1:0", true},
		{"listen no port", checkListen, "127.0.0.1", false},
		{"listen port name", checkListen, "127.0.0.1:http", false},
		{"listen port range", checkListen, "127.0.0.1:70000", false},
		{"database sqlite", checkDatabase, "sqlite:latchkey.db", true},
		{"database bare path", checkDatabase, "/var/lib/latchkey/latchkey.db", true},
		{"database postgres", checkDatabase, "postgres://latchkey@127.0.0.1:5432/latchkey", true},
		{"database postgresql", checkDatabase, "postgresql://db/latchkey?sslmode=require", true},
		{"database empty sqlite", checkDatabase, "sqlite:", false},
		{"database mysql", checkDatabase, "mysql://db", false},
		{"database spaces", checkDatabase, " sqlite:x", false},
		{"public URL with path", checkPublicURL, "https://example.com/auth", true},
		{"public URL query", checkPublicURL, "https://example.com?x=1", false},
		{"public URL fragment", checkPublicURL, "https://example.com#x", false},
		{"public URL userinfo", checkPublicURL, "https://u@example.com", false},
		{"public URL scheme", checkPublicURL, "ftp://example.com", false},
		{"public URL relative", checkPublicURL, "example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.check(tt.value); (err == nil) != tt.ok {
				t.Errorf("check(%q) = %v, want ok=%v", tt.value, err, tt.ok)
			}
		})
	}
}
