package reconcile

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/store"
)

func TestBranding(t *testing.T) {
	st := newStore(t)
	r := Reconciler{Store: st, PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16},
		Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }}
	const app = "applications:\n  - name: Branded\n    client_id: client_01JABCDEFGHJKMNPQRSTVWXYZ0\n    api_keys: [sk_test_example_key_1234]\n"
	steps := []struct {
		name string
		yaml string
		want store.Branding
	}{
		{"declared", app + "    branding: {logo_url: https://cdn.example.com/logo.svg, accent_color: \"#0a7\"}\n",
			store.Branding{LogoURL: "https://cdn.example.com/logo.svg", AccentColor: "#0a7"}},
		{"unchanged", app + "    branding: {logo_url: https://cdn.example.com/logo.svg, accent_color: \"#0a7\"}\n",
			store.Branding{LogoURL: "https://cdn.example.com/logo.svg", AccentColor: "#0a7"}},
		{"changed", app + "    branding: {accent_color: \"#123456\"}\n", store.Branding{AccentColor: "#123456"}},
		{"removed", app, store.Branding{}},
	}
	for _, s := range steps {
		if _, err := r.Apply(t.Context(), parse(t, s.yaml, "")); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := st.GetApplicationBranding(t.Context(), "client_01JABCDEFGHJKMNPQRSTVWXYZ0")
		if err != nil || got != s.want {
			t.Errorf("%s: branding %+v (%v), want %+v", s.name, got, err, s.want)
		}
	}
}
