package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// key is one published key as a node holds it.
type key struct {
	rec    store.SigningKey // without PrivateKey: the sealed bytes are not kept
	public jose.JSONWebKey  // parsed from rec.PublicKey
	signer jose.Signer      // set on the one key this node signs with
}

// keySet is an immutable snapshot of the published keys; Keys swaps whole
// sets so that readers never lock.
type keySet struct {
	keys        []*key // newest first
	byID        map[string]*key
	signer      *key      // the newest signing key of the node's algorithm
	jwks        []byte    // {"keys":[…]}, public members only
	fingerprint string    // what the set was built from; equal means unchanged
	nextExpiry  time.Time // earliest ExpiresAt among the keys; zero if none
}

// newKeySet builds the snapshot of the keys still published at now.
func newKeySet(all []*key, now time.Time) (*keySet, error) {
	s := &keySet{byID: make(map[string]*key, len(all))}
	recs := make([]store.SigningKey, 0, len(all))
	jwks := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(all))}
	for _, kk := range all {
		exp := kk.rec.ExpiresAt
		if !exp.IsZero() && now.After(exp) {
			continue
		}
		if !exp.IsZero() && (s.nextExpiry.IsZero() || exp.Before(s.nextExpiry)) {
			s.nextExpiry = exp
		}
		if s.signer == nil && kk.signer != nil && kk.rec.RetiredAt.IsZero() {
			s.signer = kk
		}
		s.keys = append(s.keys, kk)
		s.byID[kk.rec.ID] = kk
		recs = append(recs, kk.rec)
		jwks.Keys = append(jwks.Keys, kk.public)
	}
	b, err := json.Marshal(jwks)
	if err != nil {
		return nil, fmt.Errorf("token: encode JWKS: %w", err)
	}
	s.jwks, s.fingerprint = b, fingerprint(recs)
	return s, nil
}

// fingerprint names what a list of keys looks like: IDs and the two times
// that change (keys are otherwise immutable).
func fingerprint(recs []store.SigningKey) string {
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(r.ID)
		b.WriteByte(' ')
		b.WriteString(strconv.FormatInt(unixMicro(r.RetiredAt), 10))
		b.WriteByte(' ')
		b.WriteString(strconv.FormatInt(unixMicro(r.ExpiresAt), 10))
		b.WriteByte('\n')
	}
	return b.String()
}

func unixMicro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// loadPublic parses the public JWK of r, or reuses prev's when the key was
// already loaded (keys never change, only their retirement does).
func loadPublic(r store.SigningKey, prev *key) (*key, error) {
	r.PrivateKey = nil
	if prev != nil {
		return &key{rec: r, public: prev.public, signer: prev.signer}, nil
	}
	var pub jose.JSONWebKey
	if err := json.Unmarshal(r.PublicKey, &pub); err != nil {
		return nil, fmt.Errorf("token: parse public key %s: %w", r.ID, err)
	}
	switch {
	case !pub.IsPublic():
		// Never publish private members, whatever the row holds.
		return nil, fmt.Errorf("token: public key %s holds private members", r.ID)
	case pub.KeyID != r.ID, pub.Algorithm != r.Algorithm:
		return nil, fmt.Errorf("token: public key %s says kid %q alg %q, the row says alg %q", r.ID, pub.KeyID, pub.Algorithm, r.Algorithm)
	case r.Algorithm != RS256 && r.Algorithm != ES256:
		return nil, fmt.Errorf("token: key %s has unsupported algorithm %q", r.ID, r.Algorithm)
	}
	return &key{rec: r, public: pub}, nil
}

// openSigner decrypts r's private key and checks that it is the private
// half of the published public key.
func openSigner(r store.SigningKey, pub jose.JSONWebKey, box *secrets.Box) (jose.Signer, error) {
	der, err := box.Open(r.PrivateKey, []byte(r.ID))
	if err != nil {
		return nil, fmt.Errorf("token: cannot decrypt signing key %s: is the secret key the one the keys were created with? (%w)", r.ID, err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("token: parse signing key %s: %w", r.ID, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok || !publicEqual(signer.Public(), pub.Key) {
		return nil, fmt.Errorf("token: signing key %s does not match its published public key", r.ID)
	}
	// Passing a JSONWebKey makes go-jose put its kid in every header.
	s, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.SignatureAlgorithm(r.Algorithm),
		Key:       jose.JSONWebKey{Key: priv, KeyID: r.ID, Algorithm: r.Algorithm, Use: "sig"},
	}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("token: signer for key %s: %w", r.ID, err)
	}
	return s, nil
}

func publicEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// noExpiry is RFC 5280 §4.1.2.5's "no well-defined expiration date". A
// key's life is decided by rotation, not by its certificate.
var noExpiry = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// generate makes a key of alg, published with a self-signed certificate:
// the WorkOS JWKS schema requires x5c and x5t#S256 on every key, and some
// verifiers (jwks-rsa) read the key from x5c when present.
func generate(alg jose.SignatureAlgorithm, box *secrets.Box, now time.Time) (store.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		err = fmt.Errorf("unsupported algorithm %q", alg)
	}
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("token: generate signing key: %w", err)
	}
	kid := id.New(id.SigningKey)
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("token: certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Latchkey access token signing key " + kid},
		NotBefore:    now.Add(-time.Hour), // tolerate verifiers whose clock runs behind
		NotAfter:     noExpiry,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("token: self-sign certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("token: parse certificate: %w", err)
	}
	thumb := sha256.Sum256(certDER)
	pub, err := json.Marshal(jose.JSONWebKey{Key: priv.Public(), KeyID: kid, Algorithm: string(alg), Use: "sig",
		Certificates: []*x509.Certificate{cert}, CertificateThumbprintSHA256: thumb[:]})
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("token: encode public key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("token: encode private key: %w", err)
	}
	sealed := box.Seal(der, []byte(kid))
	clear(der)
	return store.SigningKey{ID: kid, Algorithm: string(alg), PrivateKey: sealed, PublicKey: pub, CreatedAt: now}, nil
}
