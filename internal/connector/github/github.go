// Package github is the GitHubOAuth connector: a GitHub OAuth app (or a
// GitHub App's user authorization) with PKCE. GitHub issues no ID token:
// who signed in comes from the REST API's /user, and the email only from
// /user/emails, as the primary address when GitHub has verified it.
package github

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow"
)

// GitHub's endpoints
// (https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps).
const (
	AuthURL   = "https://github.com/login/oauth/authorize"
	TokenURL  = "https://github.com/login/oauth/access_token"
	UserURL   = "https://api.github.com/user"
	EmailsURL = "https://api.github.com/user/emails"
)

// apiVersion pins the REST API version the responses are read in.
const apiVersion = "2022-11-28"

// Config is one GitHubOAuth connection.
type Config struct {
	ClientID     string
	ClientSecret string
	// Scopes default to user:email, which the emails API needs.
	Scopes []string
	// Endpoint overrides, for tests, proxies and GitHub Enterprise Server
	// (https://HOST/login/oauth/…, https://HOST/api/v3/user). EmailsURL
	// defaults to UserURL + "/emails".
	AuthURL   string
	TokenURL  string
	UserURL   string
	EmailsURL string
	// ReturnTokens hands GitHub's tokens to the application.
	ReturnTokens bool
}

// DefaultScopes are requested when a connection configures none.
func DefaultScopes() []string { return []string{"user:email"} }

// Connector signs people in with GitHub.
type Connector struct {
	flow      *oauthflow.Flow
	userURL   string
	emailsURL string
}

var _ connector.CallbackConnector = (*Connector)(nil)

// New returns a connector. It does no network I/O. client makes every
// request to GitHub; nil means a client with a 30-second timeout.
func New(cfg Config, client *http.Client) (*Connector, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("github: client ID is required")
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	c := &Connector{userURL: cmp.Or(cfg.UserURL, UserURL)}
	c.emailsURL = cmp.Or(cfg.EmailsURL, c.userURL+"/emails")
	authURL, tokenURL := cmp.Or(cfg.AuthURL, AuthURL), cmp.Or(cfg.TokenURL, TokenURL)
	for _, e := range []struct{ name, url string }{
		{"github: authorization endpoint", authURL}, {"github: token endpoint", tokenURL},
		{"github: user API", c.userURL}, {"github: emails API", c.emailsURL},
	} {
		if err := oauthflow.CheckURL(e.name, e.url); err != nil {
			return nil, err
		}
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes()
	}
	c.flow = &oauthflow.Flow{
		Name: "github", Provider: "GitHubOAuth", ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   oauthflow.MergeScopes(scopes, nil), ReturnTokens: cfg.ReturnTokens, Client: client,
	}
	return c, nil
}

// LoginURL returns GitHub's authorization URL for req; login_hint becomes
// GitHub's login, which suggests the account to sign in with. It does no
// network I/O.
func (c *Connector) LoginURL(req connector.Request) (string, error) {
	return c.flow.AuthURL(req, oauthflow.Param{Name: "login", Value: req.LoginHint})
}

// user is the part of GET /user that Latchkey reads.
type user struct {
	ID        int64  `json:"id"`
	Login     string `json:"login"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatar_url"`
}

// email is one entry of GET /user/emails.
type email struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

// HandleCallback exchanges the code and reads the user and their emails.
func (c *Connector) HandleCallback(ctx context.Context, req connector.Request, r *http.Request) (connector.Identity, error) {
	code, err := c.flow.Code(r, req.State)
	if err != nil {
		return connector.Identity{}, err
	}
	tok, err := c.flow.Exchange(ctx, req, code)
	if err != nil {
		return connector.Identity{}, err
	}
	h := http.Header{"Accept": {"application/vnd.github+json"}, "X-GitHub-Api-Version": {apiVersion}}
	var u user
	if err := oauthflow.GetJSON(ctx, c.flow.Client, c.userURL, tok.AccessToken, h, &u); err != nil {
		return connector.Identity{}, fmt.Errorf("github: user: %w", err)
	}
	if u.ID <= 0 {
		return connector.Identity{}, errors.New("github: user API answered no user ID")
	}
	var emails []email
	if err := oauthflow.GetJSON(ctx, c.flow.Client, c.emailsURL, tok.AccessToken, h, &emails); err != nil {
		return connector.Identity{}, fmt.Errorf("github: emails (does the connection request the user:email scope?): %w", err)
	}
	id := connector.Identity{Subject: strconv.FormatInt(u.ID, 10), PictureURL: u.AvatarURL, OAuthTokens: c.flow.Tokens(tok, req)}
	id.FirstName, id.LastName = oauthflow.SplitName(u.Name)
	// Only the primary address, and only once verified: the profile's
	// public email and other addresses may belong to someone else.
	for _, e := range emails {
		if e.Primary && e.Verified && e.Email != "" {
			id.Email, id.EmailVerified = e.Email, true
			break
		}
	}
	return id, nil
}
