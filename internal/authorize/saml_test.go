package authorize_test

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
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/internal/authorize"
	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/saml/samltest"
	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/secrets"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/store/sqlite"
)

const samlRedirect = "https://app.example.com/callback"

// samlHarness is Latchkey's authorize handler, wired as routes.go wires it,
// over a real SQLite store with one organization (domain acme.test,
// verified) and two GenericSAML connections to one test IdP.
type samlHarness struct {
	store       store.Store
	public      string
	idp         *samltest.IdP
	app         store.Application
	org         store.Organization
	conn, conn2 store.Connection
	logs        *syncBuffer
}

func newSAMLHarness(t *testing.T) *samlHarness {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "saml.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &samlHarness{store: st, idp: samltest.NewIdP(t, "https://idp.test"), logs: &syncBuffer{}}
	now := time.Now().UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	h.app = store.Application{ID: id.New(id.Application), Name: "SAML App", CreatedAt: now, UpdatedAt: now}
	must(st.CreateApplication(ctx, h.app))
	must(st.CreateRedirectURI(ctx, store.RedirectURI{ID: id.New(id.RedirectURI), ApplicationID: h.app.ID, Kind: store.RedirectLogin,
		URI: samlRedirect, CreatedAt: now, UpdatedAt: now}))
	h.org = store.Organization{ID: id.New(id.Organization), Name: "Acme", CreatedAt: now, UpdatedAt: now}
	must(st.CreateOrganization(ctx, h.org))
	must(st.CreateOrganizationDomain(ctx, store.OrganizationDomain{ID: id.New(id.OrganizationDomain), OrganizationID: h.org.ID,
		Domain: "acme.test", State: store.DomainVerified, CreatedAt: now, UpdatedAt: now}))
	settings, err := json.Marshal(connector.Settings{SAML: &config.SAML{IDPMetadata: h.idp.Metadata(t)}})
	must(err)
	for _, c := range []*store.Connection{&h.conn, &h.conn2} {
		*c = store.Connection{ID: id.New(id.Connection), OrganizationID: h.org.ID, Type: "OktaSAML", Name: "Okta",
			State: store.ConnectionActive, Settings: settings, CreatedAt: now, UpdatedAt: now}
		must(st.CreateConnection(ctx, *c))
	}

	master := secrets.NewMasterKey()
	connBox, err := secrets.NewBox(master, "connection-secrets")
	must(err)
	txBox, err := secrets.NewBox(master, "authorize-transaction")
	must(err)
	srv := httptest.NewUnstartedServer(nil)
	h.public = "http://" + srv.Listener.Addr().String()
	log := slog.New(slog.NewTextHandler(h.logs, nil))
	catalog := authorize.NewCatalog(st, authorize.NewConnectorFactory(connBox, http.DefaultClient, h.public), log)
	must(catalog.Refresh(ctx))
	az := authorize.New(authorize.Options{Catalog: catalog, Store: st, Box: txBox, PublicURL: h.public,
		Log: log, Now: time.Now, TraceID: func(context.Context) string { return "SAMLTEST" }})
	mux := http.NewServeMux()
	mux.Handle("GET "+authorize.AuthorizePath, http.HandlerFunc(az.Authorize))
	mux.Handle("GET "+authorize.CallbackPath, http.HandlerFunc(az.Callback))
	mux.Handle("GET "+authorize.SAMLMetadataPath+"{connection_id}", http.HandlerFunc(az.SAMLMetadata))
	mux.Handle("POST "+authorize.SAMLACSPath+"{connection_id}", http.HandlerFunc(az.SAMLACS))
	mux.Handle("GET "+authorize.SAMLContinuePath, http.HandlerFunc(az.SAMLContinue))
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return h
}

// samlBrowser keeps cookies and follows no redirect by itself.
type samlBrowser struct {
	t      *testing.T
	client *http.Client
}

func newSAMLBrowser(t *testing.T) *samlBrowser {
	jar, _ := cookiejar.New(nil)
	return &samlBrowser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// start opens authorize for conn and returns the RelayState the IdP got.
func (b *samlBrowser) start(h *samlHarness, conn store.Connection) string {
	b.t.Helper()
	q := url.Values{"client_id": {h.app.ID}, "redirect_uri": {samlRedirect}, "response_type": {"code"},
		"state": {"app-state"}, "connection_id": {conn.ID}}
	resp := b.do("GET", h.public+authorize.AuthorizePath+"?"+q.Encode(), nil)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), h.idp.SSOURL+"?") {
		b.t.Fatalf("authorize = %d %s, want a redirect to the IdP", resp.StatusCode, loc)
	}
	return loc.Query().Get("RelayState")
}

// post sends the IdP's form to the ACS as the cross-site POST it is: with
// no cookie, which SameSite=Lax withholds. It returns the continue URL.
func (b *samlBrowser) post(h *samlHarness, conn store.Connection, samlResponse, relayState string) *http.Response {
	b.t.Helper()
	form := url.Values{"SAMLResponse": {samlResponse}, "RelayState": {relayState}}
	req, _ := http.NewRequest("POST", h.public+authorize.SAMLACSPath+conn.ID, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{CheckRedirect: b.client.CheckRedirect}).Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func (b *samlBrowser) do(method, u string, body io.Reader) *http.Response {
	b.t.Helper()
	req, _ := http.NewRequest(method, u, body)
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// finish follows the ACS's 303 to the continue step and returns where the
// browser lands: the application's redirect URI, or nil for a page.
func (b *samlBrowser) finish(acs *http.Response) (*url.URL, int) {
	b.t.Helper()
	if acs.StatusCode != http.StatusSeeOther {
		return nil, acs.StatusCode
	}
	resp := b.do("GET", acs.Header.Get("Location"), nil)
	if resp.StatusCode != http.StatusFound {
		return nil, resp.StatusCode
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	return u, resp.StatusCode
}

// response is the test IdP's answer to the AuthnRequest sent with
// relayState, for conn, as alice@acme.test.
func (h *samlHarness) response(conn store.Connection, relayState string) samltest.Response {
	return samltest.Response{
		Audience: h.public + authorize.SAMLMetadataPath + conn.ID, ACS: h.public + authorize.SAMLACSPath + conn.ID,
		InResponseTo: "_" + relayState, NameID: "00u1alice", SignAssertion: true,
		Attributes: map[string][]string{"email": {"alice@acme.test"}, "firstName": {"Alice"}, "lastName": {"Liddell"}},
	}
}

func (h *samlHarness) users(t *testing.T) []store.User {
	t.Helper()
	us, _, err := h.store.ListUsers(t.Context(), store.UserFilter{}, store.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return us
}

func TestSAMLSignIn(t *testing.T) {
	h := newSAMLHarness(t)
	for round := range 2 { // the second sign-in finds the same user
		b := newSAMLBrowser(t)
		rs := b.start(h, h.conn)
		final, status := b.finish(b.post(h, h.conn, samltest.Encode(h.idp.Make(t, h.response(h.conn, rs))), rs))
		if final == nil {
			t.Fatalf("round %d: sign-in ended on a page (%d):\n%s", round, status, h.logs)
		}
		q := final.Query()
		if q.Get("error") != "" || q.Get("code") == "" || q.Get("state") != "app-state" {
			t.Fatalf("round %d: final redirect %s", round, final)
		}
	}
	us := h.users(t)
	if len(us) != 1 || us[0].Email != "alice@acme.test" || us[0].FirstName != "Alice" || !us[0].EmailVerified {
		t.Fatalf("users = %+v, want alice, verified by the organization's domain", us)
	}
	if _, err := h.store.GetOrganizationMembershipFor(t.Context(), us[0].ID, h.org.ID); err != nil {
		t.Errorf("no membership in the connection's organization: %v", err)
	}
}

// TestSAMLRefusals: each bad response ends at the application with
// access_denied (or, with no transaction to answer, on a page), and no
// user exists afterwards.
func TestSAMLRefusals(t *testing.T) {
	h := newSAMLHarness(t)
	impostor := h.idp.Impostor(t)
	for _, tc := range []struct {
		name string
		// respond returns the SAMLResponse and RelayState to post for a
		// transaction with RelayState rs, begun in b.
		respond  func(t *testing.T, b *samlBrowser, rs string) (string, string)
		wantPage int    // the status of the page, when there is no redirect
		wantLog  string // what the refusal logs, when it matters why
	}{
		{name: "unsigned assertion", respond: func(t *testing.T, _ *samlBrowser, rs string) (string, string) {
			r := h.response(h.conn, rs)
			r.SignAssertion = false
			return samltest.Encode(h.idp.Make(t, r)), rs
		}},
		{name: "signed by another key", respond: func(t *testing.T, _ *samlBrowser, rs string) (string, string) {
			return samltest.Encode(impostor.Make(t, h.response(h.conn, rs))), rs
		}},
		{name: "XSW1", respond: wrapped(h, samltest.XSW1)},
		{name: "XSW3", respond: wrapped(h, samltest.XSW3)},
		{name: "XSW4", respond: wrapped(h, samltest.XSW4)},
		{name: "XSW7", respond: wrapped(h, samltest.XSW7)},
		{name: "XSW8", respond: wrapped(h, samltest.XSW8)},
		{name: "expired", respond: func(t *testing.T, _ *samlBrowser, rs string) (string, string) {
			r := h.response(h.conn, rs)
			r.IssuedAt = time.Now().Add(-10 * time.Minute)
			return samltest.Encode(h.idp.Make(t, r)), rs
		}},
		{name: "wrong audience", respond: func(t *testing.T, _ *samlBrowser, rs string) (string, string) {
			r := h.response(h.conn, rs)
			r.Audience = h.public + authorize.SAMLMetadataPath + h.conn2.ID
			return samltest.Encode(h.idp.Make(t, r)), rs
		}},
		{name: "replayed", wantLog: "already used", respond: func(t *testing.T, b *samlBrowser, rs string) (string, string) {
			// The response is posted once and left there; its replay is
			// what the browser then completes.
			resp := samltest.Encode(h.idp.Make(t, h.response(h.conn, rs)))
			if first := b.post(h, h.conn, resp, rs); first.StatusCode != http.StatusSeeOther {
				t.Fatalf("first post = %d", first.StatusCode)
			}
			return resp, rs
		}},
		{name: "unsolicited, for a live transaction", respond: func(t *testing.T, _ *samlBrowser, rs string) (string, string) {
			r := h.response(h.conn, rs)
			r.InResponseTo = ""
			return samltest.Encode(h.idp.Make(t, r)), rs
		}},
		{name: "unsolicited, IdP-initiated", wantPage: http.StatusBadRequest, respond: func(t *testing.T, _ *samlBrowser, rs string) (string, string) {
			r := h.response(h.conn, rs)
			r.InResponseTo = ""
			return samltest.Encode(h.idp.Make(t, r)), ""
		}},
		{name: "answers another transaction", respond: func(t *testing.T, _ *samlBrowser, rs string) (string, string) {
			r := h.response(h.conn, rs)
			r.InResponseTo = "_" + newSAMLBrowser(t).start(h, h.conn)
			return samltest.Encode(h.idp.Make(t, r)), rs
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newSAMLBrowser(t)
			rs := b.start(h, h.conn)
			samlResponse, relayState := tc.respond(t, b, rs)
			final, status := b.finish(b.post(h, h.conn, samlResponse, relayState))
			switch {
			case tc.wantPage != 0 && (final != nil || status != tc.wantPage):
				t.Errorf("ended at %v (%d), want a %d page", final, status, tc.wantPage)
			case tc.wantPage == 0 && (final == nil || final.Query().Get("error") != "access_denied"):
				t.Errorf("ended at %v (%d), want the application with error=access_denied", final, status)
			}
			if us := h.users(t); len(us) != 0 {
				t.Fatalf("a refused response created users: %+v", us)
			}
			if tc.wantLog != "" && !strings.Contains(h.logs.String(), tc.wantLog) {
				t.Errorf("the logs do not say %q:\n%s", tc.wantLog, h.logs)
			}
		})
	}
}

// wrapped answers with a validly signed response rewritten in an XSW shape.
func wrapped(h *samlHarness, shape samltest.Shape) func(*testing.T, *samlBrowser, string) (string, string) {
	return func(t *testing.T, _ *samlBrowser, rs string) (string, string) {
		r := h.response(h.conn, rs)
		if shape == samltest.XSW1 || shape == samltest.XSW2 {
			r.SignAssertion, r.SignResponse = false, true
		}
		return samltest.Encode(samltest.Wrap(t, h.idp.Make(t, r), shape)), rs
	}
}

func TestSAMLEndpoints(t *testing.T) {
	h := newSAMLHarness(t)
	t.Run("response from another connection than the transaction's", func(t *testing.T) {
		b := newSAMLBrowser(t)
		rs := b.start(h, h.conn)
		// Valid at conn2 in every respect but the transaction.
		final, status := b.finish(b.post(h, h.conn2, samltest.Encode(h.idp.Make(t, h.response(h.conn2, rs))), rs))
		if final == nil || final.Query().Get("error") != "access_denied" {
			t.Fatalf("ended at %v (%d), want access_denied", final, status)
		}
	})
	t.Run("OAuth callback for a SAML transaction", func(t *testing.T) {
		b := newSAMLBrowser(t)
		rs := b.start(h, h.conn)
		resp := b.do("GET", h.public+authorize.CallbackPath+"?code=x&state="+rs, nil)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Query().Get("error") != "access_denied" {
			t.Fatalf("callback = %d %s, want access_denied", resp.StatusCode, loc)
		}
	})
	t.Run("continue without a valid outcome", func(t *testing.T) {
		for _, r := range []string{"", "not-sealed", strings.Repeat("A", 200)} {
			if resp := newSAMLBrowser(t).do("GET", h.public+authorize.SAMLContinuePath+"?r="+r, nil); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("continue?r=%.10s = %d, want 400", r, resp.StatusCode)
			}
		}
	})
	t.Run("continue in another browser", func(t *testing.T) {
		b := newSAMLBrowser(t)
		rs := b.start(h, h.conn)
		acs := b.post(h, h.conn, samltest.Encode(h.idp.Make(t, h.response(h.conn, rs))), rs)
		if final, status := newSAMLBrowser(t).finish(acs); final != nil || status != http.StatusBadRequest {
			t.Fatalf("another browser ended at %v (%d), want a 400 page", final, status)
		}
	})
	t.Run("metadata", func(t *testing.T) {
		for _, tc := range []struct {
			connID     string
			wantStatus int
			wantBody   string
		}{
			{h.conn.ID, http.StatusOK, `entityID="` + h.public + authorize.SAMLMetadataPath + h.conn.ID + `"`},
			{"conn_01JABCDEFGHJKMNPQRSTVWXYZ9", http.StatusNotFound, ""},
		} {
			resp, err := http.Get(h.public + authorize.SAMLMetadataPath + tc.connID)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus || !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("metadata of %s = %d %s", tc.connID, resp.StatusCode, body)
			}
		}
	})
	if us := h.users(t); len(us) != 0 {
		t.Fatalf("users = %+v, want none", us)
	}
}
