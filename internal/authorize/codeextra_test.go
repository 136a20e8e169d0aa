package authorize

import (
	"encoding/json"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// TestOpenCodeExtra: the sealed extra opens only with its box and under
// the hash of the code it was sealed for.
func TestOpenCodeExtra(t *testing.T) {
	box, err := secrets.NewBox(secrets.NewMasterKey(), "code-extra")
	if err != nil {
		t.Fatal(err)
	}
	other, err := secrets.NewBox(secrets.NewMasterKey(), "code-extra")
	if err != nil {
		t.Fatal(err)
	}
	want := &connector.OAuthTokens{Provider: "GoogleOAuth", AccessToken: "ya29.x", RefreshToken: "1//r", ExpiresAt: 1700000000, Scopes: []string{"openid"}}
	js, err := json.Marshal(CodeExtra{OAuthTokens: want})
	if err != nil {
		t.Fatal(err)
	}
	hash := HashCode("the-code")
	sealed := box.Seal(js, []byte(hash))

	tests := []struct {
		name    string
		box     *secrets.Box
		code    store.AuthCode
		wantErr bool
		want    *connector.OAuthTokens
	}{
		{"its code", box, store.AuthCode{Hash: hash, Extra: sealed}, false, want},
		{"no extra", box, store.AuthCode{Hash: hash}, false, nil},
		{"no extra, no box", nil, store.AuthCode{Hash: hash}, false, nil},
		{"moved to another code", box, store.AuthCode{Hash: HashCode("another"), Extra: sealed}, true, nil},
		{"another key", other, store.AuthCode{Hash: hash, Extra: sealed}, true, nil},
		{"no box", nil, store.AuthCode{Hash: hash, Extra: sealed}, true, nil},
	}
	for _, tt := range tests {
		got, err := OpenCodeExtra(tt.box, tt.code)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v", tt.name, err)
			continue
		}
		g, _ := json.Marshal(got.OAuthTokens)
		w, _ := json.Marshal(tt.want)
		if string(g) != string(w) {
			t.Errorf("%s: tokens %s, want %s", tt.name, g, w)
		}
	}
}
