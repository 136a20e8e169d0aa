package scenario

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/latchkeyhq/latchkey/bench/load"
)

// Code is an authorization code a sign-in ended with.
type Code struct {
	Value    string
	Verifier string // "" for a code minted without PKCE
}

// Pool hands out values collected by one scenario to another, up to a
// bound. It is safe for concurrent use.
type Pool[T any] struct {
	mu    sync.Mutex
	items []T
	max   int
}

// NewPool returns a pool that keeps at most max values.
func NewPool[T any](max int) *Pool[T] { return &Pool[T]{max: max} }

// Put adds v unless the pool is full, and reports whether it did.
func (p *Pool[T]) Put(v T) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.items) >= p.max {
		return false
	}
	p.items = append(p.items, v)
	return true
}

// Take removes and returns a value; false when the pool is empty.
func (p *Pool[T]) Take() (T, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var zero T
	if len(p.items) == 0 {
		return zero, false
	}
	v := p.items[len(p.items)-1]
	p.items = p.items[:len(p.items)-1]
	return v, true
}

// Len returns the number of values held.
func (p *Pool[T]) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.items)
}

// Full reports whether the pool holds its maximum.
func (p *Pool[T]) Full() bool { return p.Len() >= p.max }

// Codes are the codes sign-ins produced, by how they must be exchanged.
type Codes struct {
	PKCE   *Pool[Code] // exchanged by a public client with code_verifier
	Secret *Pool[Code] // exchanged with client_secret
}

// NewCodes returns pools of at most max codes each.
func NewCodes(max int) Codes { return Codes{PKCE: NewPool[Code](max), Secret: NewPool[Code](max)} }

// SignIn returns the operation that signs in once, the whole way a browser
// does: authorize at Latchkey, the dev-idp's authorize and login steps
// (login_hint skips its page), Latchkey's callback, and the redirect back
// to the application with a code. Each virtual user has its own cookie
// jar. Sign-ins alternate between PKCE and none, and their codes go to
// codes for the exchange scenarios.
func SignIn(t http.RoundTripper, base string, app App, route Route, codes Codes) func(vu int) load.Op {
	return func(vu int) load.Op {
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Transport: t, Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if strings.HasPrefix(req.URL.String(), app.RedirectURI) {
					return http.ErrUseLastResponse // the application's page: the flow is over
				}
				if len(via) >= 8 {
					return errors.New("too many redirects")
				}
				return nil
			}}
		n := 0
		return func(ctx context.Context) error {
			n++
			var verifier, challenge string
			if n%2 == 0 || codes.Secret.Full() {
				verifier = randomString(32)
				sum := sha256.Sum256([]byte(verifier))
				challenge = base64.RawURLEncoding.EncodeToString(sum[:])
			}
			state := randomString(12)
			u := AuthorizeURL(base) + "?" + AuthorizeQuery(app, route.Param, route.Values[0], state, challenge)
			code, err := signInOnce(ctx, client, u, app.RedirectURI, state)
			if err != nil {
				return err
			}
			if verifier != "" {
				codes.PKCE.Put(Code{Value: code, Verifier: verifier})
			} else {
				codes.Secret.Put(Code{Value: code})
			}
			return nil
		}
	}
}

func signInOnce(ctx context.Context, client *http.Client, u, redirectURI, state string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, redirectURI) {
		return "", errStatus(fmt.Sprintf("sign-in stopped at %s", resp.Request.URL.Path), resp)
	}
	drain(resp)
	back, err := url.Parse(loc)
	if err != nil {
		return "", err
	}
	q := back.Query()
	switch {
	case q.Get("error") != "":
		return "", fmt.Errorf("sign-in failed: %s: %s", q.Get("error"), truncate(q.Get("error_description"), 200))
	case q.Get("state") != state:
		return "", fmt.Errorf("sign-in returned state %q, want %q", q.Get("state"), state)
	case q.Get("code") == "":
		return "", errNoCode
	}
	return q.Get("code"), nil
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
