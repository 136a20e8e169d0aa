// Package config loads and validates Latchkey's YAML configuration file
// (spec/config.md). Loading is strict: unknown keys, wrong types, missing
// required fields, dangling references and duplicates are all reported at
// once, each with the file, line and key, so that a bad file stops the
// server at start instead of surprising it later. Writing the result into
// the database is the caller's job.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is the parsed configuration file. Fields the file leaves out are
// zero; FillDefaults supplies the process settings (listen, database,
// public_url, log_format) after the caller has applied its overrides.
type File struct {
	PublicURL string `yaml:"public_url"` // issuer of tokens, base of hosted pages and callbacks
	Listen    string `yaml:"listen"`     // host:port
	Database  string `yaml:"database"`   // sqlite:PATH, a bare path, or postgres://…
	// SecretKey encrypts secrets at rest: base64 of 32 bytes (ParseSecretKey).
	SecretKey string `yaml:"secret_key"`
	LogFormat string `yaml:"log_format"` // text or json
	// TokenAlgorithm signs access tokens: RS256 (the default, as WorkOS
	// signs) or ES256, which costs a small fraction of RS256's CPU.
	TokenAlgorithm string `yaml:"token_algorithm"`
	// Mode is development (the default) or production; see mail.go.
	Mode string `yaml:"mode"`
	SMTP *SMTP  `yaml:"smtp"` // the relay hosted sign-up and password reset send email through

	Applications  []Application  `yaml:"applications"`
	Organizations []Organization `yaml:"organizations"`
	Connections   []Connection   `yaml:"connections"`
	Users         []User         `yaml:"users"`
}

// Application is a client of Latchkey. Without a ClientID one is generated;
// without APIKeys one is generated and printed.
type Application struct {
	Name               string   `yaml:"name"`
	ClientID           string   `yaml:"client_id"`
	APIKeys            []string `yaml:"api_keys"`
	RedirectURIs       []string `yaml:"redirect_uris"`
	LogoutRedirectURIs []string `yaml:"logout_redirect_uris"`
	CORSOrigins        []string `yaml:"cors_origins"`
	Branding           Branding `yaml:"branding"`
}

// Branding is how the hosted pages look for an application.
type Branding struct {
	LogoURL     string `yaml:"logo_url"`
	AccentColor string `yaml:"accent_color"` // #rgb or #rrggbb
}

// Organization is a customer of the application. Only an organization
// that declares its ID can be referenced from connections and users.
type Organization struct {
	ID      string   `yaml:"id"`
	Name    string   `yaml:"name"`
	Domains []string `yaml:"domains"` // lower-case DNS names, verified
}

// Connection is one way to sign in. Exactly the block that fits the Type's
// Kind is set: OAuth for provider connections, OIDC or SAML for SSO ones.
type Connection struct {
	ID             string `yaml:"id"`
	Type           string `yaml:"type"`            // GenericOIDC, GoogleOAuth, …; see ConnectionKind
	OrganizationID string `yaml:"organization_id"` // set for SSO connections only
	Name           string `yaml:"name"`
	State          string `yaml:"state"` // active (the default after Parse) or inactive

	OIDC  *OIDC  `yaml:"oidc"`
	OAuth *OAuth `yaml:"oauth"`
	SAML  *SAML  `yaml:"saml"`
}

// OIDC configures an OpenID Connect SSO connection.
type OIDC struct {
	Issuer       string   `yaml:"issuer"`
	ClientID     string   `yaml:"client_id"`
	ClientSecret string   `yaml:"client_secret"`
	Scopes       []string `yaml:"scopes"`
	// Endpoints override what discovery at the issuer reports, for tests
	// and proxies.
	Endpoints OIDCEndpoints `yaml:"endpoints"`
}

// OIDCEndpoints are optional overrides of an OpenID provider's endpoints.
type OIDCEndpoints struct {
	Authorization string `yaml:"authorization"`
	Token         string `yaml:"token"`
	Userinfo      string `yaml:"userinfo"`
	JWKS          string `yaml:"jwks"`
}

// OAuth configures an OAuth provider connection (GoogleOAuth, …).
type OAuth struct {
	ClientID     string         `yaml:"client_id"`
	ClientSecret string         `yaml:"client_secret"` // not for AppleOAuth, which signs its own
	Scopes       []string       `yaml:"scopes"`
	Endpoints    OAuthEndpoints `yaml:"endpoints"`
	Tenant       string         `yaml:"tenant"` // MicrosoftOAuth: common, organizations, consumers or a tenant ID

	// AppleOAuth signs a client secret JWT with this key (PEM, PKCS #8, P-256).
	TeamID     string `yaml:"team_id"`
	KeyID      string `yaml:"key_id"`
	PrivateKey string `yaml:"private_key"`

	// ReturnOAuthTokens passes the provider's tokens back in the
	// authenticate response (oauth_tokens), as WorkOS does when asked.
	ReturnOAuthTokens bool `yaml:"return_oauth_tokens"`
}

// OAuthEndpoints override a provider's real endpoints, for tests or
// proxies. Empty fields keep the provider's defaults.
type OAuthEndpoints struct {
	Authorization string `yaml:"authorization"`
	Token         string `yaml:"token"`
	Userinfo      string `yaml:"userinfo"`
	Emails        string `yaml:"emails"`   // GitHubOAuth only
	BaseURL       string `yaml:"base_url"` // GitLabOAuth only: a self-managed instance
}

// SAML configures a SAML 2.0 SSO connection. Exactly one of IDPMetadataURL
// and IDPMetadata is set.
type SAML struct {
	IDPMetadataURL   string           `yaml:"idp_metadata_url"`
	IDPMetadata      string           `yaml:"idp_metadata"` // the XML itself
	AttributeMapping AttributeMapping `yaml:"attribute_mapping"`
}

// AttributeMapping names the assertion attributes that carry the profile;
// empty fields keep the connector's defaults.
type AttributeMapping struct {
	Email     string `yaml:"email"`
	FirstName string `yaml:"first_name"`
	LastName  string `yaml:"last_name"`
	Groups    string `yaml:"groups"`
}

// User is a user created at start, for development and tests.
type User struct {
	Email         string   `yaml:"email"`
	Password      string   `yaml:"password"` // plaintext here; the caller stores only a hash
	EmailVerified bool     `yaml:"email_verified"`
	FirstName     string   `yaml:"first_name"`
	LastName      string   `yaml:"last_name"`
	Organizations []string `yaml:"organizations"` // IDs of organizations declared in the file
}

// Load reads and parses the configuration file at path; see Parse. Error
// positions name the file as path spells it.
func Load(path string, lookupEnv func(string) (string, bool)) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data, lookupEnv)
}

// Parse parses and validates a configuration file's contents. name is used
// only in error positions. lookupEnv resolves ${NAME} references in string
// values (os.LookupEnv in production); nil means no variable is set.
//
// On failure the error is an Errors listing every problem. An empty file
// is a valid, empty configuration.
func Parse(name string, data []byte, lookupEnv func(string) (string, bool)) (*File, error) {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	d := newDecoder(name, lookupEnv)
	f := &File{}
	root, err := readDocument(name, data)
	if err != nil {
		return nil, err
	}
	if root != nil {
		d.value(root, "", reflect.ValueOf(f).Elem())
	}
	// Validation runs even after decoding errors, so one pass reports
	// everything; it skips values that failed to decode. A document cut
	// short at maxNodes is refused as it is.
	if d.nodes <= maxNodes {
		d.validate(f)
	}
	if err := d.errs.sorted(); err != nil {
		return nil, err
	}
	for i := range f.Connections {
		if f.Connections[i].State == "" {
			f.Connections[i].State = StateActive
		}
	}
	return f, nil
}

// readDocument parses data into its one YAML document. It returns nil for
// an empty stream or an empty document.
func readDocument(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(name, data, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(name, data, err)
	default:
		return nil, Errors{{File: name, Line: next.Line, Msg: "a second YAML document: the file must hold exactly one"}}
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		return doc.Content[0], nil
	}
	return &doc, nil
}

// syntaxError turns a yaml.v3 error ("yaml: line 3: did not find
// expected key") into an Errors with the line moved into the position, so
// syntax and semantic errors read alike.
func syntaxError(name string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil {
				line, msg = n, text
			}
		}
	}
	// yaml.v3 adds one to the zero-based line of scanner errors but not of
	// parser errors, and leaves the line out when it is zero.
	if parserProblem(msg) || line == 0 {
		line++
	}
	if anchor, ok := unknownAnchor(msg); ok {
		// yaml.v3 gives no line for this one; the first use is the culprit.
		if i := bytes.Index(data, []byte("*"+anchor)); i >= 0 {
			line = 1 + bytes.Count(data[:i], []byte("\n"))
		}
	}
	return Errors{{File: name, Line: line, Msg: msg}}
}

// parserProblem reports whether msg is one of the problems yaml.v3's
// parser (as opposed to its scanner) reports (parserc.go).
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected '-' indicator", "did not find expected <document start>",
		"did not find expected <stream-start>", "did not find expected key",
		"did not find expected node content", "found duplicate %TAG directive",
		"found duplicate %YAML directive", "found incompatible YAML document",
		"found undefined tag handle":
		return true
	}
	return false
}

func unknownAnchor(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "unknown anchor '")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "' referenced")
}
