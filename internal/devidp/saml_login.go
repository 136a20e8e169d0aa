package devidp

import (
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"
	"time"

	"github.com/crewjam/saml"
)

// GetSession implements saml.SessionProvider: it picks who signs in. A
// SAML AuthnRequest cannot carry a login hint, so a login_hint query
// parameter on the SSO URL (Latchkey's SAML connector adds one) names the
// user and signs them in without a page unless in interactive mode;
// without one the picker page is shown, as for OIDC.
// The picker posts the request back to /saml/login with the chosen email.
func (s *samlIdP) GetSession(w http.ResponseWriter, r *http.Request, req *saml.IdpAuthnRequest) *saml.Session {
	if r.URL.Path == samlLoginPath {
		u, ok := s.store.userByEmail(r.PostForm.Get("email"))
		switch {
		case !ok:
			s.showPicker(w, http.StatusBadRequest, req, "Pick one of the users below.")
			return nil
		case s.askPassword(u) && subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(u.Password)) != 1:
			s.showPicker(w, http.StatusUnauthorized, req, "Wrong password for "+u.Email+".")
			return nil
		}
		return s.session(r, req, u)
	}
	if hint := r.URL.Query().Get("login_hint"); hint != "" && !s.interactive {
		u, ok := s.store.userByEmail(hint)
		if !ok {
			s.refuse(w, r, req, saml.StatusUnknownPrincipal, "login_hint names no user of this identity provider")
			return nil
		}
		return s.session(r, req, u)
	}
	if req.Request.IsPassive != nil && *req.Request.IsPassive {
		// saml-core §3.4.1: IsPassive forbids showing a page.
		s.refuse(w, r, req, saml.StatusNoPassive, "a user must be picked, but IsPassive was given")
		return nil
	}
	s.showPicker(w, http.StatusOK, req, "")
	return nil
}

func (s *samlIdP) askPassword(u User) bool { return s.interactive && u.Password != "" }

// session describes u to the library's assertion maker. The NameID is
// persistent, the same sub as OIDC; the attributes carry WorkOS's names
// (email, firstName, lastName, groups) beside the library's LDAP ones.
func (s *samlIdP) session(r *http.Request, req *saml.IdpAuthnRequest, u User) *saml.Session {
	now := time.Now()
	attr := func(name string, values ...string) saml.Attribute {
		a := saml.Attribute{Name: name, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"}
		for _, v := range values {
			a.Values = append(a.Values, saml.AttributeValue{Type: "xs:string", Value: v})
		}
		return a
	}
	custom := []saml.Attribute{attr("email", u.Email)}
	if u.FirstName != "" {
		custom = append(custom, attr("firstName", u.FirstName))
	}
	if u.LastName != "" {
		custom = append(custom, attr("lastName", u.LastName))
	}
	if len(u.Groups) > 0 {
		custom = append(custom, attr("groups", u.Groups...))
	}
	s.log.InfoContext(r.Context(), "signed in", slog.String("email", u.Email), slog.String("protocol", "saml"),
		slog.String("service_provider", req.ServiceProviderMetadata.EntityID))
	return &saml.Session{
		ID: randomID(), Index: randomID(), CreateTime: now, ExpireTime: now.Add(time.Hour),
		NameID: subject(u.Email), NameIDFormat: string(saml.PersistentNameIDFormat),
		UserEmail: u.Email, UserGivenName: u.FirstName, UserSurname: u.LastName, UserCommonName: u.Name(),
		CustomAttributes: custom,
	}
}

// refuse answers the service provider with a SAML error response.
func (s *samlIdP) refuse(w http.ResponseWriter, r *http.Request, req *saml.IdpAuthnRequest, second, msg string) {
	s.log.InfoContext(r.Context(), "sign-in refused", slog.String("status", second), slog.String("protocol", "saml"))
	err := s.idp.SendErrorResponse(w, req, &saml.StatusError{TopLevel: saml.StatusResponder, SecondLevel: second, Message: msg})
	if err != nil {
		s.pages.error(w, http.StatusInternalServerError, "The error response could not be sent: "+err.Error()+".")
	}
}

type samlPickerData struct {
	SAMLRequest     string
	RelayState      string
	ServiceProvider string
	Error           string
	Users           []pageUser
}

// showPicker renders the user picker. Each choice posts the request back
// (HTTP-POST binding encoding: base64, not deflated) with the email.
func (s *samlIdP) showPicker(w http.ResponseWriter, status int, req *saml.IdpAuthnRequest, msg string) {
	d := samlPickerData{
		SAMLRequest: base64.StdEncoding.EncodeToString(req.RequestBuffer), RelayState: req.RelayState,
		ServiceProvider: req.ServiceProviderMetadata.EntityID, Error: msg,
	}
	for _, u := range s.store.users {
		d.Users = append(d.Users, pageUser{User: u, AskPassword: s.askPassword(u)})
	}
	s.pages.render(w, status, "saml-login", d)
}

// samlPickerTemplate is added to the pages' templates by newSAMLPages.
const samlPickerTemplate = `
{{define "saml-login"}}{{template "head"}}
<h1>Sign in</h1>
<p>Development identity provider (SAML). Pick who signs in to <code>{{.ServiceProvider}}</code>.
The choice must be made within 90 seconds of the request.</p>
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
{{range .Users}}<form method="post" action="/saml/login">
<input type="hidden" name="SAMLRequest" value="{{$.SAMLRequest}}">
<input type="hidden" name="RelayState" value="{{$.RelayState}}">
<input type="hidden" name="email" value="{{.Email}}">
{{if .AskPassword}}<label>Password for {{.Email}} <input type="password" name="password" autocomplete="current-password" required></label>{{end}}
<button type="submit">{{with .Name}}<strong>{{.}}</strong> {{end}}&lt;{{.Email}}&gt;</button>
{{if .Groups}}<small>groups: {{join .Groups ", "}}</small>{{end}}
</form>
{{end}}</body></html>
{{end}}
`

// newSAMLPages returns p with the SAML picker added, sharing the page
// head. html/template escapes every value, user data included.
func newSAMLPages(p *pages) (*pages, error) {
	t, err := p.t.Clone()
	if err != nil {
		return nil, err
	}
	if _, err := t.Parse(samlPickerTemplate); err != nil {
		return nil, err
	}
	return &pages{t: t}, nil
}
