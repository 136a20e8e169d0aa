package authorize

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/secrets"
)

// fullTransaction sets every field of a Transaction, by reflection, to a
// value distinct from every other field's, so that a field added to the
// struct but not to its encoding fails the round trip.
func fullTransaction(t testing.TB) *Transaction {
	t.Helper()
	tx := &Transaction{}
	v := reflect.ValueOf(tx).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString(name + "-value")
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int64:
			f.SetInt(1_900_000_000 + int64(i))
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{name + "-1", name + "-2"}))
		case reflect.Map:
			f.Set(reflect.ValueOf(map[string]string{name + "-a": "1", name + "-b": "2"}))
		default:
			t.Fatalf("field %s has kind %s, which fullTransaction does not fill; extend it and the encoding", name, f.Kind())
		}
	}
	return tx
}

func TestTransactionRoundTrip(t *testing.T) {
	long := strings.Repeat("é", 300) // lengths past one varint byte
	for _, tc := range []struct {
		name string
		tx   *Transaction
	}{
		{"zero", &Transaction{}},
		{"every field", fullTransaction(t)},
		{"typical authorize", &Transaction{
			ID: "Zm9vYmFyYmF6cXV4cXV1eA", ClientID: "client_01HZ", RedirectURI: "https://app.example.com/callback",
			State: "af0ifjsldkj", HasState: true, CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
			ConnectionID: "conn_01HZ", OrganizationID: "org_01HZ", LoginHint: "dev@example.test",
			Nonce: "bm9uY2Vub25jZW5vbmNl", Verifier: "dmVyaWZpZXJ2ZXJpZmllcnZlcmlmaWVydmVyaWZpZXI", ExpiresAt: 1_760_000_000,
		}},
		{"empty state sent", &Transaction{ID: "x", HasState: true}},
		{"negative expiry", &Transaction{ID: "x", ExpiresAt: -1}},
		{"extreme expiry", &Transaction{ID: "x", ExpiresAt: -1 << 63}},
		{"long and non-ASCII values", &Transaction{ID: "x", State: long, LoginHint: "\x00\xff<>&\"",
			Scopes: []string{long, ""}, QueryParams: map[string]string{long: long, "": ""}}},
		{"empty scope list and map", &Transaction{ID: "x", Scopes: nil, QueryParams: nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc := appendTransaction(nil, tc.tx)
			if n := maxEncodedLen(tc.tx); len(enc) > n || len(enc) < n-binary.MaxVarintLen64 {
				t.Errorf("encoding is %d bytes, estimated %d: the buffer is not sized right", len(enc), n)
			}
			got, err := decodeTransaction(string(enc))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.tx) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tc.tx)
			}
		})
	}
}

// TestTransactionEmptyCollections: like the JSON form before it, the
// encoding does not tell an empty list or map from none.
func TestTransactionEmptyCollections(t *testing.T) {
	got, err := decodeTransaction(string(appendTransaction(nil, &Transaction{Scopes: []string{}, QueryParams: map[string]string{}})))
	if err != nil || got.Scopes != nil || got.QueryParams != nil {
		t.Fatalf("decode = %+v, %v; want nil Scopes and QueryParams", got, err)
	}
}

func TestDecodeTransactionRejects(t *testing.T) {
	valid := appendTransaction(nil, &Transaction{ID: "id", State: "s", Scopes: []string{"a"}, QueryParams: map[string]string{"k": "v"}})
	withTail := func(tail ...byte) string {
		// A version, no flags, expiry 0 and fifteen empty strings, then tail.
		return string(append(append([]byte{txVersion, 0, 0}, make([]byte, 15)...), tail...))
	}
	cases := []struct {
		name string
		data string
	}{
		{"empty", ""},
		{"other version", string(append([]byte{txVersion + 1}, valid[1:]...))},
		{"JSON of the old format", `{"id":"id","cid":"c","ru":"https://a/cb","exp":1}`},
		{"unknown flag", string(append([]byte{txVersion, 0x80}, valid[2:]...))},
		{"trailing byte", string(valid) + "x"},
		{"string longer than the input", withTail(0, 0)[:3] + "\x05ab"},
		{"scope count beyond the input", withTail(0xff, 0xff, 0x03, 0)},
		{"parameter count beyond the input", withTail(0, 0xff, 0x01)},
		{"duplicate parameter", withTail(0, 2, 1, 'k', 0, 1, 'k', 0)},
		{"varint longer than ten bytes", withTail(bytes.Repeat([]byte{0x80}, 11)...)},
		{"varint beyond 64 bits", withTail(append(bytes.Repeat([]byte{0xff}, 9), 0x02)...)},
	}
	for n := range len(valid) {
		cases = append(cases, struct{ name, data string }{fmt.Sprintf("truncated to %d bytes", n), string(valid[:n])})
	}
	for _, tc := range cases {
		if tx, err := decodeTransaction(tc.data); err == nil {
			t.Errorf("%s: decoded %+v, want an error", tc.name, tx)
		}
	}
	if _, err := decodeTransaction(withTail(0, 0)); err != nil {
		t.Fatalf("the cases' base encoding does not decode: %v", err)
	}
}

// TestSealedTransactionOpens takes a transaction through its cookie and
// back, and checks the cookie is smaller than the JSON it replaced.
func TestSealedTransactionOpens(t *testing.T) {
	box, err := secrets.NewBox(secrets.NewMasterKey(), "authorize-transaction")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	tx := fullTransaction(t)
	tx.ExpiresAt = now.Add(TransactionTTL).Unix()
	c, err := sealCookie(box, tx, true)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(c)
	got, err := OpenTransaction(box, r, tx.ID, now)
	if err != nil {
		t.Fatalf("OpenTransaction: %v", err)
	}
	if !reflect.DeepEqual(got, tx) {
		t.Fatalf("opened:\n got %+v\nwant %+v", got, tx)
	}
	if _, err := OpenTransaction(box, r, tx.ID, now.Add(TransactionTTL)); err == nil {
		t.Fatal("opened an expired transaction")
	}
}

// TestSealCookieTooLarge: the cap on the cookie holds for the new
// encoding (RFC 6265 §6.1).
func TestSealCookieTooLarge(t *testing.T) {
	box, _ := secrets.NewBox(secrets.NewMasterKey(), "authorize-transaction")
	for _, tc := range []struct {
		name  string
		state int
		ok    bool
	}{
		{"small", 100, true},
		{"just fits", 2700, true},
		{"too large", 2900, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx := &Transaction{ID: randomString(16), State: strings.Repeat("s", tc.state), ExpiresAt: 1}
			c, err := sealCookie(box, tx, true)
			if tc.ok != (err == nil) {
				t.Fatalf("sealCookie = %v, want ok %v", err, tc.ok)
			}
			if err == nil && len(c.Name)+len(c.Value) > maxCookieLen {
				t.Fatalf("cookie of %d bytes passed the %d cap", len(c.Name)+len(c.Value), maxCookieLen)
			}
		})
	}
}

// FuzzDecodeTransaction: decoding arbitrary bytes never panics, and what
// decodes encodes back to something that decodes to the same value.
func FuzzDecodeTransaction(f *testing.F) {
	f.Add(appendTransaction(nil, fullTransaction(f)))
	f.Add(appendTransaction(nil, &Transaction{}))
	f.Add(appendTransaction(nil, &Transaction{ID: "x", Scopes: []string{"a", "b"}, QueryParams: map[string]string{"k": "v"}}))
	f.Add([]byte{})
	f.Add(binary.AppendUvarint([]byte{txVersion, 1}, 1<<63))
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := decodeTransaction(string(data))
		if err != nil {
			return
		}
		again, err := decodeTransaction(string(appendTransaction(nil, tx)))
		if err != nil || !reflect.DeepEqual(again, tx) {
			t.Fatalf("re-encoding %+v decodes to %+v, %v", tx, again, err)
		}
	})
}

// BenchmarkSealCookie measures the encoding and sealing that authorize
// does once per request.
func BenchmarkSealCookie(b *testing.B) {
	box, _ := secrets.NewBox(secrets.NewMasterKey(), "authorize-transaction")
	tx := &Transaction{
		ID: randomString(16), ClientID: "client_01JABCDEFGHJKMNPQRSTVWXYZ", RedirectURI: "https://app.example.com/callback",
		State: "af0ifjsldkj", HasState: true, CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		ConnectionID: "conn_01JABCDEFGHJKMNPQRSTVWXYZ", OrganizationID: "org_01JABCDEFGHJKMNPQRSTVWXYZ",
		Nonce: randomString(16), Verifier: randomString(32), LoginHint: "dev@example.test", ExpiresAt: 1_800_000_000,
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sealCookie(box, tx, true); err != nil {
			b.Fatal(err)
		}
	}
	c, _ := sealCookie(box, tx, true)
	b.ReportMetric(float64(len(c.Value)), "cookie-bytes")
}

func TestCookieValue(t *testing.T) {
	for n := range 200 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + n)
		}
		if got, want := cookieValue(b), base64.RawURLEncoding.EncodeToString(b); got != want {
			t.Fatalf("cookieValue of %d bytes = %q, want %q", n, got, want)
		}
	}
}

// setCookie writes what http.SetCookie writes, for the transaction cookie
// and for any other.
func TestSetCookieMatchesNetHTTP(t *testing.T) {
	for _, c := range []*http.Cookie{
		{Name: "latchkey_tx_abc-DEF_1", Value: "AAEC-_xyz", Path: "/", MaxAge: 600, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode},
		{Name: "latchkey_tx_abc", Value: "AAEC", Path: "/", MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode},
		{Name: "odd name", Value: "needs \"quoting\" here", Path: "/", MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode},
		{Name: "x", Value: "y", Path: "/p", MaxAge: 1, SameSite: http.SameSiteStrictMode},
		{Name: "x", Value: "", Path: "/", MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode},
	} {
		rec := httptest.NewRecorder()
		http.SetCookie(rec, c)
		want, got := rec.Header(), http.Header{}
		setCookie(got, c)
		if !reflect.DeepEqual(got["Set-Cookie"], want["Set-Cookie"]) {
			t.Errorf("setCookie(%+v) = %q, want %q", c, got["Set-Cookie"], want["Set-Cookie"])
		}
	}
}
