package scenario

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"

	"github.com/latchkeyhq/latchkey/bench/load"
)

// App is the application the scenarios sign in to.
type App struct {
	ClientID    string
	APIKey      string // its client_secret
	RedirectURI string
}

// Route is how an authorization request picks where to sign in: one of
// the query parameters provider, connection_id, organization_id.
type Route struct {
	Param  string   // "provider", "connection_id" or "organization_id"
	Values []string // one is picked at random per request
}

// AuthorizeQuery returns an authorization request's query for value of r's
// parameter, as an SDK's getAuthorizationUrl writes it (PKCE, state,
// login_hint).
func AuthorizeQuery(app App, param, value, state, challenge string) string {
	q := url.Values{
		"client_id":     {app.ClientID},
		"redirect_uri":  {app.RedirectURI},
		"response_type": {"code"},
		"state":         {state},
		"login_hint":    {"dev@example.test"},
		param:           {value},
	}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	return q.Encode()
}

// fixedChallenge is RFC 7636's example challenge; authorize only checks
// its form.
const fixedChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

// Authorize returns the operation that sends one authorization request to
// base (Latchkey, or the ceiling) and expects a 302 that is not an error
// redirect back to the application. With several route values, each
// request picks one at random, so a cache cannot hide a lookup that grows
// with the data.
func Authorize(client *http.Client, base string, app App, r Route) func(vu int) load.Op {
	return func(vu int) load.Op {
		rng := rand.New(rand.NewPCG(uint64(vu), 0x6c617463686b6579))
		var fixed string
		if len(r.Values) == 1 {
			fixed = base + "?" + AuthorizeQuery(app, r.Param, r.Values[0], "bench-state", fixedChallenge)
		}
		return func(ctx context.Context) error {
			u := fixed
			if u == "" {
				u = base + "?" + AuthorizeQuery(app, r.Param, r.Values[rng.IntN(len(r.Values))], "bench-state", fixedChallenge)
			}
			return AuthorizeOnce(ctx, client, u, app.RedirectURI)
		}
	}
}

// AuthorizeOnce sends the authorization request u and expects a 302 that
// is not an error redirect back to redirectURI.
func AuthorizeOnce(ctx context.Context, client *http.Client, u, redirectURI string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || loc == "" || isErrorRedirect(loc, redirectURI) {
		return errStatus("authorize", resp)
	}
	drain(resp)
	return nil
}

// isErrorRedirect reports whether loc sends the browser back to the
// application with an OAuth error instead of on to sign in.
func isErrorRedirect(loc, redirectURI string) bool {
	if !strings.HasPrefix(loc, redirectURI) {
		return false
	}
	u, err := url.Parse(loc)
	return err != nil || u.Query().Get("error") != ""
}

// AuthorizeURL is the authorize endpoint under a server's base URL.
func AuthorizeURL(base string) string { return base + "/user_management/authorize" }

// Describe names a route for reports.
func (r Route) Describe() string {
	if len(r.Values) == 1 {
		if r.Param == "provider" {
			return "provider=" + r.Values[0]
		}
		return r.Param
	}
	return fmt.Sprintf("%s (random of %d)", r.Param, len(r.Values))
}
