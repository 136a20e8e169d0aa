package oauthtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Endpoints are where a stand-in serves what a connection's endpoint
// overrides point at.
type Endpoints struct {
	Authorization string
	Token         string
	Userinfo      string // GitHub's /user, GitLab's /api/v4/user
	Emails        string // GitHub's /user/emails
	BaseURL       string // GitLab's instance
}

// Endpoints returns the stand-in's endpoints at the provider's paths.
func (s *Server) Endpoints() Endpoints {
	switch s.Kind {
	case Google:
		return Endpoints{Authorization: s.URL + "/o/oauth2/v2/auth", Token: s.URL + "/token"}
	case Microsoft:
		p := s.URL + "/" + s.TenantPath + "/oauth2/v2.0"
		return Endpoints{Authorization: p + "/authorize", Token: p + "/token"}
	case GitHub:
		return Endpoints{Authorization: s.URL + "/login/oauth/authorize", Token: s.URL + "/login/oauth/access_token",
			Userinfo: s.URL + "/user", Emails: s.URL + "/user/emails"}
	case Apple:
		return Endpoints{Authorization: s.URL + "/auth/authorize", Token: s.URL + "/auth/token"}
	case GitLab:
		return Endpoints{Authorization: s.URL + "/oauth/authorize", Token: s.URL + "/oauth/token",
			Userinfo: s.URL + "/api/v4/user", BaseURL: s.URL}
	}
	return Endpoints{}
}

// NewGoogle starts a Google stand-in
// (https://developers.google.com/identity/openid-connect/openid-connect).
func NewGoogle(t testing.TB, clientID, secret string, u User) *Server {
	return newServer(t, Google, clientID, secret, u, func(s *Server, mux *http.ServeMux) {
		mux.HandleFunc("GET /o/oauth2/v2/auth", s.authorize)
		mux.HandleFunc("POST /token", s.token(s.secretPost, func(w http.ResponseWriter, g grant, at string, f Fault) {
			c := s.idTokenClaims("https://accounts.google.com", g, at, f)
			c["azp"], c["email"], c["email_verified"] = g.clientID, g.user.Email, g.user.EmailVerified
			c["name"], c["given_name"], c["family_name"], c["picture"] = g.user.Name, g.user.GivenName, g.user.FamilyName, g.user.Picture
			s.writeTokens(w, g, at, c, f, map[string]any{"scope": g.scope})
		}))
		mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"issuer": "https://accounts.google.com",
				"authorization_endpoint": s.URL + "/o/oauth2/v2/auth", "token_endpoint": s.URL + "/token",
				"jwks_uri": s.URL + "/oauth2/v3/certs", "id_token_signing_alg_values_supported": []string{"RS256"},
				"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"}})
		})
		mux.HandleFunc("GET /oauth2/v3/certs", s.serveJWKS)
	})
}

// MicrosoftWorkTenant is the tenant of a Microsoft stand-in's users
// unless User.TenantID says otherwise.
const MicrosoftWorkTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

// NewMicrosoft starts a Microsoft identity platform stand-in for one
// tenant path (common, organizations, consumers or a tenant ID)
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow).
func NewMicrosoft(t testing.TB, tenant, clientID, secret string, u User) *Server {
	return newServer(t, Microsoft, clientID, secret, u, func(s *Server, mux *http.ServeMux) {
		s.TenantPath = tenant
		p := "/" + tenant
		mux.HandleFunc("GET "+p+"/oauth2/v2.0/authorize", s.authorize)
		mux.HandleFunc("POST "+p+"/oauth2/v2.0/token", s.token(s.secretPost, func(w http.ResponseWriter, g grant, at string, f Fault) {
			tid := g.user.TenantID
			if tid == "" {
				tid = MicrosoftWorkTenant
			}
			c := s.idTokenClaims("https://login.microsoftonline.com/"+tid+"/v2.0", g, at, f)
			c["ver"], c["tid"], c["oid"], c["name"] = "2.0", tid, "oid-"+g.user.Subject, g.user.Name
			c["preferred_username"] = g.user.Login
			if g.user.Email != "" {
				c["email"] = g.user.Email
			}
			s.writeTokens(w, g, at, c, f, map[string]any{"scope": g.scope, "ext_expires_in": expiresIn})
		}))
		mux.HandleFunc("GET "+p+"/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
				"authorization_endpoint": s.URL + p + "/oauth2/v2.0/authorize", "token_endpoint": s.URL + p + "/oauth2/v2.0/token",
				"jwks_uri": s.URL + p + "/discovery/v2.0/keys", "id_token_signing_alg_values_supported": []string{"RS256"}})
		})
		mux.HandleFunc("GET "+p+"/discovery/v2.0/keys", s.serveJWKS)
	})
}

// NewApple starts a Sign in with Apple stand-in for a team's key
// (https://developer.apple.com/documentation/signinwithapplerestapi).
func NewApple(t testing.TB, clientID string, team *AppleTeam, u User) *Server {
	return newServer(t, Apple, clientID, "", u, func(s *Server, mux *http.ServeMux) {
		s.Apple = team
		mux.HandleFunc("GET /auth/authorize", s.authorize)
		mux.HandleFunc("POST /auth/token", s.token(s.appleSecret, func(w http.ResponseWriter, g grant, at string, f Fault) {
			c := s.idTokenClaims("https://appleid.apple.com", g, at, f)
			// Apple writes its booleans as strings.
			c["email"], c["email_verified"] = g.user.Email, strconv.FormatBool(g.user.EmailVerified)
			c["is_private_email"], c["nonce_supported"], c["auth_time"] = "false", true, time.Now().Unix()
			delete(c, "at_hash")
			s.writeTokens(w, g, at, c, f, nil)
		}))
		mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"issuer": "https://appleid.apple.com",
				"authorization_endpoint": s.URL + "/auth/authorize", "token_endpoint": s.URL + "/auth/token",
				"jwks_uri": s.URL + "/auth/keys", "response_modes_supported": []string{"query", "fragment", "form_post"},
				"id_token_signing_alg_values_supported": []string{"RS256"}})
		})
		mux.HandleFunc("GET /auth/keys", s.serveJWKS)
	})
}

// NewGitHub starts a GitHub stand-in: the OAuth web flow on one host and
// the REST API's /user and /user/emails on the same one.
func NewGitHub(t testing.TB, clientID, secret string, u User) *Server {
	return newServer(t, GitHub, clientID, secret, u, func(s *Server, mux *http.ServeMux) {
		mux.HandleFunc("GET /login/oauth/authorize", s.authorize)
		mux.HandleFunc("POST /login/oauth/access_token", s.githubToken)
		mux.HandleFunc("GET /user", s.api(func(u User) any {
			return map[string]any{"id": mustID(u.Subject), "login": u.Login, "name": u.Name, "avatar_url": u.Picture, "email": nil}
		}))
		mux.HandleFunc("GET /user/emails", s.api(func(u User) any {
			if u.Emails != nil {
				return u.Emails
			}
			return []Email{{Email: u.Email, Primary: true, Verified: u.EmailVerified}}
		}))
	})
}

// NewGitLab starts a GitLab stand-in: the OAuth web flow and the REST
// API's /api/v4/user.
func NewGitLab(t testing.TB, clientID, secret string, u User) *Server {
	return newServer(t, GitLab, clientID, secret, u, func(s *Server, mux *http.ServeMux) {
		mux.HandleFunc("GET /oauth/authorize", s.authorize)
		mux.HandleFunc("POST /oauth/token", s.token(s.secretPost, func(w http.ResponseWriter, g grant, at string, f Fault) {
			writeJSON(w, http.StatusOK, map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": expiresIn,
				"refresh_token": "rt-" + random(), "scope": g.scope, "created_at": time.Now().Unix()})
		}))
		mux.HandleFunc("GET /api/v4/user", s.api(func(u User) any {
			var confirmed any
			if u.EmailVerified {
				confirmed = "2024-01-02T03:04:05.000Z"
			}
			return map[string]any{"id": mustID(u.Subject), "username": u.Login, "name": u.Name, "email": u.Email,
				"avatar_url": u.Picture, "confirmed_at": confirmed, "state": "active"}
		}))
	})
}

// token serves a token endpoint: it records the request, applies the
// token faults, checks the client and the code, then lets respond write
// the provider's answer.
func (s *Server) token(clientOK func(TokenRequest) bool, respond func(http.ResponseWriter, grant, string, Fault)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tr := s.recordToken(r)
		f := s.currentFault()
		switch {
		case f == TokenGarbage:
			writeGarbage(w, http.StatusBadGateway)
			return
		case f == TokenNotJSON:
			writeGarbage(w, http.StatusOK)
			return
		case !strings.HasPrefix(tr.ContentType, "application/x-www-form-urlencoded"):
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
			return
		case !clientOK(tr):
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed."})
			return
		}
		g, e := s.redeem(tr.Form)
		if f == TokenError {
			e = "invalid_grant"
		}
		if e != "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": e, "error_description": "The code is invalid, expired, or was issued to another client or verifier."})
			return
		}
		respond(w, g, "at-"+random(), f)
	}
}

// writeTokens answers a token request of an OpenID provider.
func (s *Server) writeTokens(w http.ResponseWriter, g grant, at string, claims map[string]any, f Fault, extra map[string]any) {
	idt, err := s.signIDToken(claims, f)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	body := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": expiresIn, "id_token": idt}
	if g.offline || s.Kind == Apple {
		body["refresh_token"] = "rt-" + random()
	}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, http.StatusOK, body)
}

// secretPost checks client_secret_post: the ID and secret in the body,
// no Authorization header.
func (s *Server) secretPost(tr TokenRequest) bool {
	return tr.Authorization == "" && tr.Form.Get("client_id") == s.ClientID && tr.Form.Get("client_secret") == s.ClientSecret
}

// appleSecret checks Apple's client secret JWT.
func (s *Server) appleSecret(tr TokenRequest) bool {
	_, err := s.Apple.ParseSecret(tr.Form.Get("client_secret"), s.ClientID, time.Now())
	return tr.Authorization == "" && tr.Form.Get("client_id") == s.ClientID && err == nil
}

// githubToken serves GitHub's token endpoint, which answers
// form-encoded unless asked for JSON, and reports a bad code with status
// 200 and error fields.
func (s *Server) githubToken(w http.ResponseWriter, r *http.Request) {
	tr := s.recordToken(r)
	f := s.currentFault()
	switch f {
	case TokenGarbage:
		writeGarbage(w, http.StatusBadGateway)
		return
	case TokenNotJSON:
		writeGarbage(w, http.StatusOK)
		return
	}
	answer := url.Values{}
	g, e := s.redeem(tr.Form)
	switch {
	case !s.secretPost(tr):
		answer.Set("error", "incorrect_client_credentials")
		answer.Set("error_description", "The client_id and/or client_secret passed are incorrect.")
	case e != "" || f == TokenError:
		answer.Set("error", "bad_verification_code")
		answer.Set("error_description", "The code passed is incorrect or expired.")
	default:
		answer.Set("access_token", "at-"+random())
		answer.Set("token_type", "bearer")
		// GitHub lists the granted scopes comma-separated.
		answer.Set("scope", strings.Join(strings.Fields(g.scope), ","))
	}
	if strings.Contains(tr.Accept, "application/json") {
		body := map[string]string{}
		for k := range answer {
			body[k] = answer.Get(k)
		}
		writeJSON(w, http.StatusOK, body)
		return
	}
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	_, _ = w.Write([]byte(answer.Encode()))
}

// api serves a user API endpoint for the user the token was issued to
// (the current user: the stand-in keeps no token store).
func (s *Server) api(body func(User) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.recordAPI(r) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
			return
		}
		s.mu.Lock()
		u, f := s.user, s.fault
		s.mu.Unlock()
		switch f {
		case APIGarbage:
			writeGarbage(w, http.StatusOK)
		case APIError:
			writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Server Error"})
		default:
			writeJSON(w, http.StatusOK, body(u))
		}
	}
}

func mustID(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic("oauthtest: GitHub and GitLab subjects are numeric user IDs, not " + strconv.Quote(s))
	}
	return n
}
