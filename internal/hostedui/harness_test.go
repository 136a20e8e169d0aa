package hostedui_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/devidp"
	"github.com/latchkeyhq/latchkey/internal/hostedui"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/password"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

const redirectURI = "https://app.example.com/callback"

// fastHash keeps argon2id cheap in tests; production uses OWASP's costs.
var fastHash = password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// harness is the hosted login wired as cmd/latchkey wires it, over a real
// SQLite store, with a dev-idp behind the SSO organization's connection.
type harness struct {
	t       *testing.T
	store   store.Store
	outbox  *hostedui.Outbox
	public  string
	idpURL  string
	app     store.Application
	orgSSO  store.Organization // domain sso.test, an active GenericOIDC connection
	orgOpen store.Organization // no SSO connection
	catalog *authorize.Catalog
}

// newHarness starts the hosted login with limits (zero for the
// defaults); options, if any, adjust its Options last.
func newHarness(t *testing.T, limits hostedui.Limits, options ...func(*hostedui.Options)) *harness {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "h.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: t, store: st, outbox: &hostedui.Outbox{}}

	idp := httptest.NewUnstartedServer(nil)
	h.idpURL = "http://" + idp.Listener.Addr().String()
	idpHandler, err := devidp.New(devidp.Options{Issuer: h.idpURL})
	if err != nil {
		t.Fatal(err)
	}
	idp.Config.Handler = idpHandler
	idp.Start()
	t.Cleanup(idp.Close)

	master := secrets.NewMasterKey()
	box := func(purpose string) *secrets.Box {
		b, err := secrets.NewBox(master, purpose)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	connBox, txBox := box("connection-secrets"), box("authorize-transaction")
	h.fixtures(connBox)

	srv := httptest.NewUnstartedServer(nil)
	h.public = "http://" + srv.Listener.Addr().String()
	log := slog.New(slog.DiscardHandler)
	catalog := authorize.NewCatalog(st, authorize.NewConnectorFactory(connBox, http.DefaultClient, h.public), log)
	if err := catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	h.catalog = catalog
	trace := func(context.Context) string { return "trace-test" }
	az := authorize.New(authorize.Options{Catalog: catalog, Store: st, Box: txBox, PublicURL: h.public,
		Log: log, Now: time.Now, TraceID: trace})
	o := hostedui.Options{Flow: az, Directory: catalog, Store: st, TxBox: txBox, StateBox: box("hosted-login-state"),
		Secret: master, PublicURL: h.public, Outbox: h.outbox, OutboxPage: true, Limits: limits, PasswordParams: fastHash,
		Log: log, Now: time.Now, TraceID: trace}
	for _, f := range options {
		f(&o)
	}
	ui, err := hostedui.New(o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+authorize.AuthorizePath, http.HandlerFunc(az.Authorize))
	mux.Handle("GET "+authorize.CallbackPath, http.HandlerFunc(az.Callback))
	ui.Register(mux.Handle)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return h
}

func (h *harness) fixtures(connBox *secrets.Box) {
	t, ctx := h.t, h.t.Context()
	now := time.Now().UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	h.app = store.Application{ID: id.New(id.Application), Name: "Example App", CreatedAt: now, UpdatedAt: now}
	must(h.store.CreateApplication(ctx, h.app))
	must(h.store.CreateRedirectURI(ctx, store.RedirectURI{ID: id.New(id.RedirectURI), ApplicationID: h.app.ID,
		Kind: store.RedirectLogin, URI: redirectURI, CreatedAt: now, UpdatedAt: now}))
	must(h.store.SetApplicationBranding(ctx, h.app.ID, store.Branding{AccentColor: "#0a7", LogoURL: "https://cdn.example.com/logo.svg"}))
	h.orgSSO = store.Organization{ID: id.New(id.Organization), Name: "Acme", CreatedAt: now, UpdatedAt: now}
	h.orgOpen = store.Organization{ID: id.New(id.Organization), Name: "Open Co", CreatedAt: now, UpdatedAt: now}
	must(h.store.CreateOrganization(ctx, h.orgSSO))
	must(h.store.CreateOrganization(ctx, h.orgOpen))
	must(h.store.CreateOrganizationDomain(ctx, store.OrganizationDomain{ID: id.New(id.OrganizationDomain),
		OrganizationID: h.orgSSO.ID, Domain: "example.test", State: store.DomainVerified, CreatedAt: now, UpdatedAt: now}))
	settings, _ := json.Marshal(connector.Settings{OIDC: &config.OIDC{Issuer: h.idpURL, ClientID: "latchkey", Scopes: []string{"openid", "email", "profile"}}})
	conn := store.Connection{ID: id.New(id.Connection), OrganizationID: h.orgSSO.ID, Type: "GenericOIDC", Name: "Acme IdP",
		State: store.ConnectionActive, Settings: settings, CreatedAt: now, UpdatedAt: now}
	sec, _ := json.Marshal(connector.Secrets{ClientSecret: "dev-secret"})
	conn.Secrets = connBox.Seal(sec, []byte(conn.ID))
	must(h.store.CreateConnection(ctx, conn))
}

// user stores a user with a password; verified says whether its email is.
func (h *harness) user(email, pw string, verified bool, orgs ...string) store.User {
	h.t.Helper()
	hash, err := password.Hash(pw, fastHash)
	if err != nil {
		h.t.Fatal(err)
	}
	now := time.Now().UTC()
	u := store.User{ID: id.New(id.User), Email: email, EmailVerified: verified, FirstName: "Test", PasswordHash: hash,
		CreatedAt: now, UpdatedAt: now}
	if err := h.store.CreateUser(h.t.Context(), u); err != nil {
		h.t.Fatal(err)
	}
	for _, o := range orgs {
		err := h.store.CreateOrganizationMembership(h.t.Context(), store.OrganizationMembership{ID: id.New(id.OrganizationMembership),
			UserID: u.ID, OrganizationID: o, Role: "member", Status: store.MembershipActive, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			h.t.Fatal(err)
		}
	}
	return u
}

// client is a browser without script: a cookie jar that does not follow
// redirects, so each step can be checked.
type client struct {
	h    *harness
	http *http.Client
	tx   string
}

// page is one response, read.
type page struct {
	status int
	header http.Header
	body   string
}

func (p page) location() string { return p.header.Get("Location") }

// csrf is the form token on the page.
func (p page) csrf() string {
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return m[1]
}

// start opens the authorization URL with extra parameters kv and returns
// a client on the hosted page it leads to.
func (h *harness) start(kv ...string) (*client, page) {
	h.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{h: h, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	q := url.Values{"client_id": {h.app.ID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "provider": {"authkit"}, "state": {"st"}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	p := c.get(h.public + authorize.AuthorizePath + "?" + q.Encode())
	loc, err := url.Parse(p.location())
	if err != nil || !strings.HasPrefix(loc.Path, authorize.HostedPath) {
		h.t.Fatalf("authorize answered %d %q", p.status, p.location())
	}
	c.tx = loc.Query().Get("tx")
	return c, c.get(loc.String())
}

func (c *client) get(u string) page {
	c.h.t.Helper()
	resp, err := c.http.Get(c.abs(u))
	if err != nil {
		c.h.t.Fatal(err)
	}
	return read(c.h.t, resp)
}

// post submits a form of the hosted screen with the page's token.
func (c *client) post(screen string, form url.Values) page {
	c.h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.abs(screen+"?tx="+url.QueryEscape(c.tx)), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	return read(c.h.t, resp)
}

// abs resolves URLs relative to the hosted pages, as a browser would.
func (c *client) abs(u string) string {
	base, _ := url.Parse(c.h.public + authorize.HostedPath + "/")
	ref, err := url.Parse(u)
	if err != nil {
		c.h.t.Fatal(err)
	}
	return base.ResolveReference(ref).String()
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// form returns url.Values from name, value pairs.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// lastEmail is the newest email in the outbox to the address.
func (h *harness) lastEmail(to string) hostedui.Sent {
	h.t.Helper()
	for _, m := range h.outbox.Messages() {
		if m.To == to {
			return m
		}
	}
	h.t.Fatalf("no email to %s", to)
	return hostedui.Sent{}
}

// googleAuthURL is the authorization endpoint of the test GoogleOAuth
// connection; nothing listens there, the test only checks the redirect.
const googleAuthURL = "https://accounts.google.test/o/oauth2/v2/auth"

// providers adds environment OAuth connections: GoogleOAuth, and
// BitbucketOAuth, which has no connector in this build.
func (h *harness) providers(t *testing.T) {
	now := time.Now().UTC()
	for _, typ := range []string{"GoogleOAuth", "BitbucketOAuth"} {
		settings, _ := json.Marshal(connector.Settings{OAuth: &config.OAuth{ClientID: "client-" + typ,
			Endpoints: config.OAuthEndpoints{Authorization: googleAuthURL, Token: "https://oauth2.google.test/token"}}})
		c := store.Connection{ID: id.New(id.Connection), Type: typ, Name: typ, State: store.ConnectionActive, Settings: settings,
			CreatedAt: now, UpdatedAt: now}
		if err := h.store.CreateConnection(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.catalog.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
}
