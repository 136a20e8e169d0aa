package devidp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Lifetimes. An authorization request covers one trip through the sign-in
// page; the access token is only ever used for userinfo.
const (
	requestTTL     = 10 * time.Minute
	accessTokenTTL = time.Hour
	idTokenTTL     = time.Hour
	// purgeEvery spaces out the sweeps of expired records: a sweep walks
	// every access token, and under load there are tens of thousands.
	purgeEvery = time.Minute
)

// errNotSupported answers the grants and token kinds a development IdP has
// no use for (refresh tokens, JWT profile), so the library refuses them.
var errNotSupported = errors.New("devidp: not supported")

// storage is the in-memory op.Storage behind the provider. Users and the
// signing key are fixed at start; authorization requests, codes and access
// tokens live under mu and expire.
type storage struct {
	issuer    string
	users     []User
	byEmail   map[string]int // lower-cased email → index in users
	bySubject map[string]int // sub → index in users
	key       signingKey
	now       func() time.Time

	mu        sync.Mutex
	requests  map[string]*authRequest
	codes     map[string]string // authorization code → request ID
	tokens    map[string]accessToken
	nextPurge time.Time
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

func newStorage(issuer string, users []User, key signingKey) *storage {
	s := &storage{
		issuer:    issuer,
		users:     users,
		byEmail:   make(map[string]int, len(users)),
		bySubject: make(map[string]int, len(users)),
		key:       key,
		now:       time.Now,
		requests:  map[string]*authRequest{},
		codes:     map[string]string{},
		tokens:    map[string]accessToken{},
	}
	for i, u := range users {
		s.byEmail[strings.ToLower(u.Email)] = i
		s.bySubject[subject(u.Email)] = i
	}
	return s
}

// userByEmail finds a user by email, ignoring case as mail systems do.
func (s *storage) userByEmail(email string) (User, bool) {
	i, ok := s.byEmail[strings.ToLower(strings.TrimSpace(email))]
	if !ok {
		return User{}, false
	}
	return s.users[i], true
}

func randomID() string {
	return hex.EncodeToString(randomBytes(16))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

// CreateAuthRequest stores a validated authorization request until the
// sign-in page completes it.
func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	ar := newAuthRequest(randomID(), s.now(), req)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purgeLocked()
	s.requests[ar.id] = ar
	return ar.clone(), nil
}

// purgeLocked drops expired requests, codes and tokens so that a long
// running dev-idp does not grow without bound. It sweeps at most once per
// purgeEvery: the lookups check expiry themselves, so a late sweep only
// holds memory a little longer, while a sweep per request would cost time
// in proportion to the tokens issued in the last hour.
func (s *storage) purgeLocked() {
	now := s.now()
	if now.Before(s.nextPurge) {
		return
	}
	s.nextPurge = now.Add(purgeEvery)
	for id, ar := range s.requests {
		if now.Sub(ar.created) > requestTTL {
			delete(s.requests, id)
		}
	}
	for code, id := range s.codes {
		if _, ok := s.requests[id]; !ok {
			delete(s.codes, code)
		}
	}
	for id, t := range s.tokens {
		if now.After(t.expires) {
			delete(s.tokens, id)
		}
	}
}

func (s *storage) requestLocked(id string) (*authRequest, error) {
	ar, ok := s.requests[id]
	if !ok || s.now().Sub(ar.created) > requestTTL {
		return nil, errors.New("authorization request not found or expired")
	}
	return ar, nil
}

// AuthRequestByID returns a copy, so that the library never reads a
// request while the sign-in page writes it.
func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, err := s.requestLocked(id)
	if err != nil {
		return nil, err
	}
	return ar.clone(), nil
}

// AuthRequestByCode resolves a code at the token endpoint.
func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.codes[code]
	if !ok {
		return nil, errors.New("code not found or already used")
	}
	ar, err := s.requestLocked(id)
	if err != nil {
		return nil, err
	}
	if !ar.done {
		return nil, errors.New("code belongs to an unfinished sign-in")
	}
	return ar.clone(), nil
}

// SaveAuthCode records the code issued for a completed request.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, err := s.requestLocked(id)
	if err != nil {
		return err
	}
	s.codes[code] = id
	ar.codes = append(ar.codes, code)
	return nil
}

// DeleteAuthRequest is called once the code has been exchanged, which makes
// the code single-use.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ar, ok := s.requests[id]; ok {
		for _, code := range ar.codes {
			delete(s.codes, code)
		}
	}
	delete(s.requests, id)
	return nil
}

// complete marks a request as signed in by u.
func (s *storage) complete(id string, u User) (*authRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, err := s.requestLocked(id)
	if err != nil {
		return nil, err
	}
	if ar.done {
		return nil, errors.New("this sign-in has already been completed")
	}
	ar.done = true
	ar.subject = subject(u.Email)
	ar.authTime = s.now()
	return ar.clone(), nil
}

// request returns a copy of a pending request for the sign-in page.
func (s *storage) request(id string) (*authRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, err := s.requestLocked(id)
	if err != nil {
		return nil, err
	}
	return ar.clone(), nil
}

// GetClientByClientID accepts any client ID: clients are made on the fly.
// The redirect URI the request carries, already checked to be on loopback
// (see requireLoopbackRedirect), is the client's only registered one.
func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	if clientID == "" {
		return nil, errors.New("client_id is empty")
	}
	c := &client{id: clientID, loginURL: s.issuer + "/login?id="}
	if uri, ok := ctx.Value(redirectURIKey{}).(string); ok {
		c.redirectURIs = []string{uri}
	}
	return c, nil
}

// AuthorizeClientIDSecret accepts any secret, by design (spec/config.md).
func (s *storage) AuthorizeClientIDSecret(_ context.Context, clientID, _ string) error {
	if clientID == "" {
		return errors.New("client_id is empty")
	}
	return nil
}

// Health reports the in-memory storage as always up.
func (s *storage) Health(context.Context) error { return nil }
