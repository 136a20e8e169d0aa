package authorize

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/bits"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/secrets"
)

// TransactionTTL bounds how long a sign-in may take between authorize and
// the callback (spec: at most 10 minutes).
const TransactionTTL = 10 * time.Minute

// cookiePrefix names the cookies that carry sealed transactions; the rest
// of the name is the transaction ID, so flows in several tabs of one
// browser do not overwrite each other.
const cookiePrefix = "latchkey_tx_"

// Transaction is what must survive the trip to the upstream and back. It
// is never stored: it is sealed (AES-GCM) into a cookie bound to the
// browser, so any node sharing the key can finish the flow. A new field
// must be added to its encoding too (appendTransaction, txVersion).
type Transaction struct {
	ID             string // also the state sent upstream
	ClientID       string
	RedirectURI    string
	State          string
	HasState       bool
	CodeChallenge  string
	ConnectionID   string
	OrganizationID string
	Provider       string
	Nonce          string
	Verifier       string // our PKCE verifier towards the upstream
	LoginHint      string
	DomainHint     string
	ScreenHint     string
	Prompt         string
	MaxAge         string
	Scopes         []string
	QueryParams    map[string]string
	ExpiresAt      int64 // Unix seconds
}

var errTransaction = errors.New("authorize: no valid sign-in transaction")

// errTooLarge: browsers drop a cookie over 4096 bytes (RFC 6265 §6.1
// sets that as the minimum they must keep), which would break the flow
// at the callback with a confusing error; refuse it up front instead.
var errTooLarge = errors.New("authorize: transaction too large for a cookie")

// maxCookieLen leaves room under 4096 for the attributes.
const maxCookieLen = 3900

// randomString returns n random bytes, base64url encoded.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// sealCookie seals tx into its cookie. The transaction ID is the
// associated data, so a cookie cannot be replayed under another ID.
func sealCookie(box *secrets.Box, tx *Transaction, secure bool) (*http.Cookie, error) {
	value := cookieValue(box.Seal(appendTransaction(nil, tx), []byte(tx.ID)))
	if len(cookiePrefix)+len(tx.ID)+len(value) > maxCookieLen {
		return nil, errTooLarge
	}
	return &http.Cookie{
		Name:     cookiePrefix + tx.ID,
		Value:    value,
		Path:     "/",
		MaxAge:   int(TransactionTTL / time.Second),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}, nil
}

// setCookie adds c to h as http.SetCookie would. The transaction cookie's
// name and value are base64url, which needs none of the escaping and
// checks http.SetCookie does on every character (a tenth of an authorize
// request's CPU); anything else goes through it.
func setCookie(h http.Header, c *http.Cookie) {
	if !isBase64URL(c.Name) || !isBase64URL(c.Value) || c.Path != "/" || c.Domain != "" || !c.Expires.IsZero() ||
		c.MaxAge <= 0 || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Partitioned {
		if v := c.String(); v != "" {
			h.Add("Set-Cookie", v)
		}
		return
	}
	var b strings.Builder
	b.Grow(len(c.Name) + len(c.Value) + 64)
	b.WriteString(c.Name)
	b.WriteByte('=')
	b.WriteString(c.Value)
	b.WriteString("; Path=/; Max-Age=")
	b.WriteString(strconv.Itoa(c.MaxAge))
	b.WriteString("; HttpOnly")
	if c.Secure {
		b.WriteString("; Secure")
	}
	b.WriteString("; SameSite=Lax")
	h["Set-Cookie"] = append(h["Set-Cookie"], b.String())
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// cookieValue is base64.RawURLEncoding.EncodeToString in one allocation
// instead of two: it encodes through a buffer on the stack straight into
// the string.
func cookieValue(sealed []byte) string {
	enc := base64.RawURLEncoding
	var sb strings.Builder
	sb.Grow(enc.EncodedLen(len(sealed)))
	var chunk [64]byte // 48 bytes in, 64 out: no padding between chunks
	for len(sealed) > 48 {
		enc.Encode(chunk[:], sealed[:48])
		sb.Write(chunk[:])
		sealed = sealed[48:]
	}
	n := enc.EncodedLen(len(sealed))
	enc.Encode(chunk[:n], sealed)
	sb.Write(chunk[:n])
	return sb.String()
}

// OpenTransaction finds and opens the transaction with ID id in r's cookies,
// refusing it once expired.
func OpenTransaction(box *secrets.Box, r *http.Request, id string, now time.Time) (*Transaction, error) {
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "=;, ") {
		return nil, errTransaction
	}
	c, err := r.Cookie(cookiePrefix + id)
	if err != nil {
		return nil, errTransaction
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil, errTransaction
	}
	plain, err := box.Open(sealed, []byte(id))
	if err != nil {
		return nil, errTransaction
	}
	tx, err := decodeTransaction(string(plain))
	if err != nil || tx.ID != id {
		return nil, errTransaction
	}
	if now.Unix() >= tx.ExpiresAt {
		return nil, errTransaction
	}
	return tx, nil
}

// clearCookie removes the transaction cookie once the flow is over, so the
// same browser cannot complete it twice.
func clearCookie(w http.ResponseWriter, id string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: cookiePrefix + id, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// The sealed form of a Transaction is hand-rolled rather than JSON: it is
// built on every authorize request, where json.Marshal's reflection was
// about 7% of the request's CPU, and it is a fifth smaller, which leaves
// more of the cookie for what the application sends. It is
//
//	version byte, flags byte, ExpiresAt (varint),
//	the string fields in txStrings order,
//	len(Scopes) (uvarint), each scope,
//	len(QueryParams) (uvarint), each name then its value,
//
// every string as its length (uvarint) then its bytes. Field names are
// not written, so adding, removing or reordering a field means a new
// txVersion; a node then refuses the other version's cookies (the sign-in
// restarts) instead of misreading them.
const txVersion byte = 1

// Flag bits of the flags byte.
const txHasState byte = 1 << 0

// txStrings lists the string fields in their encoded order; encoder and
// decoder both walk it, so they cannot disagree on the order.
func txStrings(tx *Transaction) [15]*string {
	return [...]*string{&tx.ID, &tx.ClientID, &tx.RedirectURI, &tx.State, &tx.CodeChallenge, &tx.ConnectionID,
		&tx.OrganizationID, &tx.Provider, &tx.Nonce, &tx.Verifier, &tx.LoginHint, &tx.DomainHint, &tx.ScreenHint,
		&tx.Prompt, &tx.MaxAge}
}

// appendTransaction appends the encoding of tx to b, growing b once.
func appendTransaction(b []byte, tx *Transaction) []byte {
	b = slices.Grow(b, maxEncodedLen(tx))

	var flags byte
	if tx.HasState {
		flags |= txHasState
	}
	b = append(b, txVersion, flags)
	b = binary.AppendVarint(b, tx.ExpiresAt)
	for _, f := range txStrings(tx) {
		b = appendString(b, *f)
	}
	b = binary.AppendUvarint(b, uint64(len(tx.Scopes)))
	for _, s := range tx.Scopes {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(tx.QueryParams)))
	for k, v := range tx.QueryParams {
		b = appendString(appendString(b, k), v)
	}
	return b
}

// maxEncodedLen bounds the length of tx's encoding: exact but for the
// expiry, counted at its longest.
func maxEncodedLen(tx *Transaction) int {
	n := 2 + binary.MaxVarintLen64 + uvarintLen(len(tx.Scopes)) + uvarintLen(len(tx.QueryParams))
	for _, f := range txStrings(tx) {
		n += uvarintLen(len(*f)) + len(*f)
	}
	for _, s := range tx.Scopes {
		n += uvarintLen(len(s)) + len(s)
	}
	for k, v := range tx.QueryParams {
		n += uvarintLen(len(k)) + len(k) + uvarintLen(len(v)) + len(v)
	}
	return n
}

// uvarintLen is the length of n written as a uvarint.
func uvarintLen(n int) int { return (bits.Len64(uint64(n)|1) + 6) / 7 }

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// errTxFormat is what decoding garbage returns; OpenTransaction turns
// it into errTransaction.
var errTxFormat = errors.New("authorize: malformed transaction encoding")

// decodeTransaction reads what appendTransaction wrote. It takes a string
// so that every field is a substring of one copy of the input rather than
// an allocation of its own. Anything truncated, trailing, of another
// version or otherwise malformed is an error.
func decodeTransaction(data string) (*Transaction, error) {
	d := txDecoder{s: data}
	if d.byte() != txVersion {
		return nil, errTxFormat
	}
	flags := d.byte()
	if flags&^txHasState != 0 {
		return nil, errTxFormat
	}
	tx := &Transaction{HasState: flags&txHasState != 0, ExpiresAt: d.varint()}
	for _, f := range txStrings(tx) {
		*f = d.string()
	}
	if n := d.count(); n > 0 {
		tx.Scopes = make([]string, n)
		for i := range tx.Scopes {
			tx.Scopes[i] = d.string()
		}
	}
	if n := d.count(); n > 0 {
		tx.QueryParams = make(map[string]string, n)
		for range n {
			k, v := d.string(), d.string()
			if _, dup := tx.QueryParams[k]; dup {
				d.err = true
			}
			tx.QueryParams[k] = v
		}
	}
	if d.err || d.s != "" {
		return nil, errTxFormat
	}
	return tx, nil
}

// txDecoder consumes its input from the front. The first malformed read
// sets err, and every later read then returns a zero value, so the
// decoder checks err once at the end rather than after every field.
type txDecoder struct {
	s   string
	err bool
}

func (d *txDecoder) byte() byte {
	if d.err || d.s == "" {
		d.err = true
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

// uvarint reads what binary.AppendUvarint writes, with binary.Uvarint's
// checks: at most ten bytes, and no bits beyond 64.
func (d *txDecoder) uvarint() uint64 {
	var x uint64
	for i := range binary.MaxVarintLen64 {
		c := d.byte()
		switch {
		case d.err:
			return 0
		case c < 0x80:
			if i == binary.MaxVarintLen64-1 && c > 1 {
				d.err = true // more than 64 bits
				return 0
			}
			return x | uint64(c)<<(7*i)
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	d.err = true // longer than ten bytes
	return 0
}

func (d *txDecoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1) // zig-zag, as binary.AppendVarint writes it
}

// count reads a number of items, each at least one byte long, so that a
// forged count cannot make the decoder allocate more than the input.
func (d *txDecoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.err = true
		return 0
	}
	return int(n)
}

func (d *txDecoder) string() string {
	n := d.uvarint()
	if d.err || n > uint64(len(d.s)) {
		d.err = true
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}
