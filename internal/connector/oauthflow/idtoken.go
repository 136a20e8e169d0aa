package oauthflow

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"sync"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
)

// Keys returns the provider's signing keys at jwksURL, fetched on first
// use and again when a token names a key not seen yet.
func Keys(client *http.Client, jwksURL string) gooidc.KeySet {
	return &lazyKeys{client: client, jwksURL: jwksURL}
}

// DiscoveredKeys returns the signing keys at the jwks_uri of the discovery
// document at discoveryURL. The document is fetched on first use, not
// here, so that building a connector does no network I/O; a failed fetch
// is tried again on the next use. It serves endpoint overrides: a
// stand-in or proxy then says where its keys are, as the real provider
// does.
func DiscoveredKeys(client *http.Client, discoveryURL string) gooidc.KeySet {
	return &lazyKeys{client: client, discoveryURL: discoveryURL}
}

// lazyKeys makes go-oidc's remote key set on the first signature to
// verify. A catalog keeps a built connector for every connection and
// most never see a callback, so until then a connector holds the URL
// alone, not the key set and its contexts.
type lazyKeys struct {
	client       *http.Client
	jwksURL      string // or, when empty,
	discoveryURL string // the document that names it

	mu   sync.Mutex
	keys gooidc.KeySet
}

func (k *lazyKeys) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	keys, err := k.keySet(ctx)
	if err != nil {
		return nil, err
	}
	return keys.VerifySignature(ctx, jwt)
}

func (k *lazyKeys) keySet(ctx context.Context) (gooidc.KeySet, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys != nil {
		return k.keys, nil
	}
	jwksURL := k.jwksURL
	if jwksURL == "" {
		var doc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if err := GetJSON(ctx, k.client, k.discoveryURL, "", nil, &doc); err != nil {
			return nil, fmt.Errorf("discovery: %w", err)
		}
		if err := CheckURL("discovery jwks_uri", doc.JWKSURI); err != nil {
			return nil, fmt.Errorf("discovery: %w", err)
		}
		jwksURL = doc.JWKSURI
	}
	// The key set caches keys across requests, so it gets a context of
	// its own, not the request's.
	k.keys = gooidc.NewRemoteKeySet(gooidc.ClientContext(context.Background(), k.client), jwksURL)
	return k.keys, nil
}

// IDTokens verifies the ID tokens of one provider's client.
type IDTokens struct {
	name     string
	clientID string
	keys     gooidc.KeySet
}

// NewIDTokens returns a verifier of ID tokens signed with keys and issued
// to clientID. The issuer is checked by Verify's caller, since providers
// differ: Google writes it two ways, Microsoft once per tenant.
func NewIDTokens(name, clientID string, keys gooidc.KeySet) *IDTokens {
	return &IDTokens{name: name, clientID: clientID, keys: keys}
}

// Verify checks an ID token from the token response (OIDC Core §3.1.3.7):
// signature, aud, exp, the issuer with issuerOK, the nonce, sub, azp when
// there are several audiences, and at_hash when present.
func (v *IDTokens) Verify(ctx context.Context, raw, nonce, accessToken string, issuerOK func(*gooidc.IDToken) bool) (*gooidc.IDToken, error) {
	if raw == "" {
		return nil, fmt.Errorf("%s: token response carries no id_token", v.name)
	}
	// A verifier is two small structs; made per callback, it is not
	// kept alive by every connector that never sees one.
	verifier := gooidc.NewVerifier("", v.keys, &gooidc.Config{ClientID: v.clientID, SkipIssuerCheck: true})
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%s: id token: %w", v.name, err)
	}
	switch {
	case !issuerOK(idt):
		return nil, fmt.Errorf("%s: id token issuer %q is not the provider", v.name, Truncate(idt.Issuer, 100))
	case nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1:
		return nil, fmt.Errorf("%s: id token nonce does not match the sign-in transaction", v.name)
	case idt.Subject == "":
		return nil, fmt.Errorf("%s: id token has no sub", v.name)
	}
	if len(idt.Audience) > 1 {
		var azp struct {
			AZP string `json:"azp"`
		}
		if err := idt.Claims(&azp); err != nil || azp.AZP != v.clientID {
			return nil, fmt.Errorf("%s: id token has several audiences and azp %q is not the client ID", v.name, Truncate(azp.AZP, 100))
		}
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(accessToken); err != nil {
			return nil, fmt.Errorf("%s: id token at_hash does not match the access token", v.name)
		}
	}
	return idt, nil
}

// Bool reads a JSON boolean, or the strings "true" and "false" that some
// providers (Apple) send instead.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null":
		*b = false
	default:
		return errors.New("want a boolean")
	}
	return nil
}
