package connector

import "github.com/latchkeyhq/latchkey/internal/config"

// Settings is the JSON kept in store.Connection.Settings: the connection's
// declared blocks with every secret removed. Reconcile and the management
// API write it; connector factories read it.
type Settings struct {
	OIDC  *config.OIDC  `json:"oidc,omitempty"`
	OAuth *config.OAuth `json:"oauth,omitempty"`
	SAML  *config.SAML  `json:"saml,omitempty"`
}

// Secrets is the JSON kept encrypted in store.Connection.Secrets, sealed
// with the connection ID as associated data.
type Secrets struct {
	ClientSecret string `json:"client_secret,omitempty"`
	PrivateKey   string `json:"private_key,omitempty"`
}

// Split separates a declared connection into its stored settings and its
// secrets.
func Split(c config.Connection) (Settings, Secrets) {
	var s Settings
	var sec Secrets
	if c.OIDC != nil {
		o := *c.OIDC
		sec.ClientSecret, o.ClientSecret = o.ClientSecret, ""
		s.OIDC = &o
	}
	if c.OAuth != nil {
		o := *c.OAuth
		sec.ClientSecret, o.ClientSecret = o.ClientSecret, ""
		sec.PrivateKey, o.PrivateKey = o.PrivateKey, ""
		s.OAuth = &o
	}
	if c.SAML != nil {
		o := *c.SAML
		s.SAML = &o
	}
	return s, sec
}
