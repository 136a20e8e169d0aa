package authorize

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
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
// browser, so any node sharing the key can finish the flow.
type Transaction struct {
	ID             string            `json:"id"` // also the state sent upstream
	ClientID       string            `json:"cid"`
	RedirectURI    string            `json:"ru"`
	State          string            `json:"st,omitempty"`
	HasState       bool              `json:"hs,omitempty"`
	CodeChallenge  string            `json:"cc,omitempty"`
	ConnectionID   string            `json:"conn,omitempty"`
	OrganizationID string            `json:"org,omitempty"`
	Provider       string            `json:"prov,omitempty"`
	Nonce          string            `json:"n,omitempty"`
	Verifier       string            `json:"v,omitempty"` // our PKCE verifier towards the upstream
	LoginHint      string            `json:"lh,omitempty"`
	DomainHint     string            `json:"dh,omitempty"`
	ScreenHint     string            `json:"sh,omitempty"`
	Prompt         string            `json:"p,omitempty"`
	MaxAge         string            `json:"ma,omitempty"`
	Scopes         []string          `json:"sc,omitempty"`
	QueryParams    map[string]string `json:"qp,omitempty"`
	ExpiresAt      int64             `json:"exp"` // Unix seconds
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
	js, err := json.Marshal(tx)
	if err != nil {
		return nil, err
	}
	value := base64.RawURLEncoding.EncodeToString(box.Seal(js, []byte(tx.ID)))
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
	js, err := box.Open(sealed, []byte(id))
	if err != nil {
		return nil, errTransaction
	}
	var tx Transaction
	if err := json.Unmarshal(js, &tx); err != nil || tx.ID != id {
		return nil, errTransaction
	}
	if now.Unix() >= tx.ExpiresAt {
		return nil, errTransaction
	}
	return &tx, nil
}

// clearCookie removes the transaction cookie once the flow is over, so the
// same browser cannot complete it twice.
func clearCookie(w http.ResponseWriter, id string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: cookiePrefix + id, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}
