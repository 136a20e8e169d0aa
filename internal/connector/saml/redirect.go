package saml

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
)

// redirectDeflateLevel is the level crewjam/saml deflates with, so that a
// request encoded here is byte for byte the one the library would send.
const redirectDeflateLevel = flate.BestCompression

// redirectEncoder puts an AuthnRequest in a URL with the HTTP-Redirect
// binding (saml-bindings-2.0-os §3.4.4.1) as crewjam/saml's
// AuthnRequest.Redirect does, reusing its buffers and compressor:
// flate.NewWriter allocates some 800 KB of tables, and the library makes
// one for every request. It does not sign; a connector that signs its
// requests uses the library's path (see Connector.libraryRedirect).
type redirectEncoder struct {
	// prefix is the SSO URL up to and including the "?" or "&" after
	// which the binding's parameters go; suffix is its fragment, if any.
	prefix, suffix string
	buffers        *Compressors
}

// Compressors are the buffers and compressors that connectors encode
// their requests with. Share one among all the connectors of a process:
// each compressor holds some 800 KB, and a pool per connector would keep
// that much for every SAML connection used since the last collection.
// The zero value is ready to use.
type Compressors struct {
	pool sync.Pool // of *redirectBuffers
}

func (p *Compressors) get() *redirectBuffers {
	if b, _ := p.pool.Get().(*redirectBuffers); b != nil {
		return b
	}
	b := new(redirectBuffers)
	// The level is a constant known to be valid: no error.
	b.deflater, _ = flate.NewWriter(&b.deflated, redirectDeflateLevel)
	return b
}

type redirectBuffers struct {
	xml, deflated bytes.Buffer
	encoded       []byte
	deflater      *flate.Writer
}

// newRedirectEncoder prepares the encoder for the SSO URL sso; nil
// buffers means a set of its own.
func newRedirectEncoder(sso string, buffers *Compressors) (*redirectEncoder, error) {
	u, err := url.Parse(sso)
	if err != nil {
		return nil, err
	}
	// url.URL.String writes the query and then the fragment after
	// everything else, so cutting them off here and putting them back in
	// url gives the string the library's u.String() gives.
	rest := *u
	rest.RawQuery, rest.ForceQuery, rest.Fragment, rest.RawFragment = "", false, "", ""
	prefix := rest.String() + "?"
	if u.RawQuery != "" {
		prefix += u.RawQuery + "&"
	}
	suffix := (&url.URL{Fragment: u.Fragment, RawFragment: u.RawFragment}).String()
	if buffers == nil {
		buffers = new(Compressors)
	}
	return &redirectEncoder{prefix: prefix, suffix: suffix, buffers: buffers}, nil
}

// url returns the SSO URL with SAMLRequest (ar without its signature,
// serialized, deflated and base64-encoded), RelayState and, when there is
// one, login_hint added to its query.
func (e *redirectEncoder) url(ar *saml.AuthnRequest, relayState, loginHint string) (string, error) {
	b := e.buffers.get()
	defer e.buffers.pool.Put(b)

	unsigned := *ar
	unsigned.Signature = nil
	b.xml.Reset()
	// The zero WriteSettings are those of etree.NewDocument, which the
	// library serializes the request with.
	unsigned.Element().WriteTo(&b.xml, &etree.WriteSettings{})
	b.deflated.Reset()
	b.deflater.Reset(&b.deflated)
	if _, err := b.deflater.Write(b.xml.Bytes()); err != nil {
		return "", fmt.Errorf("saml: deflate authn request: %w", err)
	}
	if err := b.deflater.Close(); err != nil {
		return "", fmt.Errorf("saml: deflate authn request: %w", err)
	}
	b.encoded = base64.StdEncoding.AppendEncode(b.encoded[:0], b.deflated.Bytes())

	relayState = url.QueryEscape(relayState)
	loginHint = url.QueryEscape(loginHint)
	escaped := len(b.encoded)
	for _, c := range b.encoded {
		if c == '+' || c == '/' || c == '=' {
			escaped += 2
		}
	}
	var s strings.Builder
	s.Grow(len(e.prefix) + len("SAMLRequest=") + escaped + len("&RelayState=") + len(relayState) +
		len("&login_hint=") + len(loginHint) + len(e.suffix))
	s.WriteString(e.prefix)
	s.WriteString("SAMLRequest=")
	writeQueryEscapedBase64(&s, b.encoded)
	if relayState != "" {
		s.WriteString("&RelayState=")
		s.WriteString(relayState)
	}
	if loginHint != "" {
		s.WriteString("&login_hint=")
		s.WriteString(loginHint)
	}
	s.WriteString(e.suffix)
	return s.String(), nil
}

// writeQueryEscapedBase64 writes url.QueryEscape(string(b)) for b in the
// standard base64 alphabet, where only '+', '/' and '=' are escaped.
func writeQueryEscapedBase64(s *strings.Builder, b []byte) {
	for len(b) > 0 {
		i := bytes.IndexAny(b, "+/=")
		if i < 0 {
			s.Write(b)
			return
		}
		s.Write(b[:i])
		switch b[i] {
		case '+':
			s.WriteString("%2B")
		case '/':
			s.WriteString("%2F")
		case '=':
			s.WriteString("%3D")
		}
		b = b[i+1:]
	}
}
