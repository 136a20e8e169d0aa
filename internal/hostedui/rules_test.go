package hostedui

import (
	"net/http/httptest"
	"regexp"
	"testing"
	"time"
)

func TestCheckPassword(t *testing.T) {
	common, err := loadCommonPasswords()
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{commonPass: common}
	tests := []struct {
		name, password, email string
		ok                    bool
	}{
		{"a passphrase", "correct horse battery staple", "ada@example.com", true},
		{"short", "shorty", "", false},
		{"nine characters", "abcdefgh9", "", false},
		{"ten characters", "k9#mZ!q2Lx", "", true},
		{"common as it is", "1234567890", "", false},
		{"common in capitals", "QWERTYUIOP", "", false},
		{"common with digits and symbols", "Summer2025!!", "", false},
		{"common base with a year", "password2024", "", false},
		{"one character repeated", "zzzzzzzzzzzz", "", false},
		{"the email's name with digits", "ada.lovelace2024", "ada.lovelace@example.com", false},
		{"the whole email", "ada@example.com!!", "ada@example.com", false},
		{"a word of the email's name", "my first latchkey password", "first@dev.test", true},
		{"too long", string(make([]byte, 300)), "", false},
		{"unicode counts characters", "çàéèùâêîôû", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := h.checkPassword(tc.password, tc.email)
			if (msg == "") != tc.ok {
				t.Fatalf("checkPassword(%q) = %q, want ok=%v", tc.password, msg, tc.ok)
			}
		})
	}
}

// TestThemeContrast: whatever the accent, button text and links keep a
// WCAG AA contrast of 4.5:1.
func TestThemeContrast(t *testing.T) {
	white := [3]float64{1, 1, 1}
	re := regexp.MustCompile(`^:root\{--accent:(#[0-9a-f]{6});--accent-ink:(#[0-9a-f]{6});--accent-text:(#[0-9a-f]{6})\}$`)
	tests := []struct{ accent, wantAccent string }{
		{"", defaultAccent},
		{"#0a7", "#00aa77"},
		{"#FFD400", "#ffd400"}, // yellow: dark ink, darkened links
		{"#000000", "#000000"},
		{"#ffffff", "#ffffff"},
		{"#777777", "#777777"},
		{"red", defaultAccent},                     // not from the configuration's grammar
		{"#12345g", defaultAccent},                 // not hex
		{"#fff;}body{display:none", defaultAccent}, // never copied into the CSS
	}
	for _, tc := range tests {
		t.Run(tc.accent, func(t *testing.T) {
			css := themeCSS(tc.accent)
			m := re.FindStringSubmatch(css)
			if m == nil {
				t.Fatalf("themeCSS = %q", css)
			}
			accent, _ := parseHex(m[1])
			ink, _ := parseHex(m[2])
			text, _ := parseHex(m[3])
			if m[1] != tc.wantAccent {
				t.Errorf("accent %s, want %s", m[1], tc.wantAccent)
			}
			if c := contrast(text, white); c < 4.5 {
				t.Errorf("link colour %s on white: contrast %.2f", m[3], c)
			}
			// Some mid greys reach 4.5:1 with neither white nor black; the
			// better of the two is still above large-text AA (3:1).
			if c := contrast(accent, ink); c < 3 {
				t.Errorf("ink %s on %s: contrast %.2f", m[2], m[1], c)
			}
		})
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		name, remote, xff, want string
	}{
		{"direct client", "203.0.113.7:5555", "", "203.0.113.7"},
		{"direct client cannot claim another address", "203.0.113.7:5555", "198.51.100.1", "203.0.113.7"},
		{"behind a proxy on loopback", "127.0.0.1:4444", "198.51.100.1", "198.51.100.1"},
		{"the proxy's own entry is the last one", "10.0.0.2:4444", "6.6.6.6, 198.51.100.1", "198.51.100.1"},
		{"garbage header", "10.0.0.2:4444", "not an ip", "10.0.0.2"},
		{"IPv6", "[2001:db8::1]:443", "", "2001:db8::1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := clientIP(r); got != tc.want {
				t.Errorf("clientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRetryIn(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "Try again in a minute.",
		10 * time.Minute: "Try again in 10 minutes.",
		3 * time.Hour:    "Try again later.",
	} {
		if got := retryIn(d); got != want {
			t.Errorf("retryIn(%v) = %q, want %q", d, got, want)
		}
	}
}
