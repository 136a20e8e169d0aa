// Package gitlab is the GitLabOAuth connector: an application on
// GitLab.com or on a self-managed instance, with PKCE. Who signed in comes
// from the REST API's /user, whose email is the account's primary address.
package gitlab

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow"
)

// BaseURL is GitLab.com; a self-managed instance has its own.
const BaseURL = "https://gitlab.com"

// Paths below the base URL (https://docs.gitlab.com/api/oauth2/,
// https://docs.gitlab.com/api/users/).
const (
	AuthPath  = "/oauth/authorize"
	TokenPath = "/oauth/token"
	UserPath  = "/api/v4/user"
)

// Config is one GitLabOAuth connection.
type Config struct {
	ClientID     string
	ClientSecret string
	// Scopes default to read_user, which /user needs.
	Scopes []string
	// BaseURL is the instance (default GitLab.com), with any path prefix
	// the instance is served under.
	BaseURL string
	// Endpoint overrides, for tests and proxies; each defaults to its
	// path below BaseURL.
	AuthURL  string
	TokenURL string
	UserURL  string
	// ReturnTokens hands GitLab's tokens to the application.
	ReturnTokens bool
}

// DefaultScopes are requested when a connection configures none.
func DefaultScopes() []string { return []string{"read_user"} }

// Connector signs people in with GitLab.
type Connector struct {
	flow    *oauthflow.Flow
	userURL string
}

var _ connector.CallbackConnector = (*Connector)(nil)

// New returns a connector. It does no network I/O. client makes every
// request to GitLab; nil means a client with a 30-second timeout.
func New(cfg Config, client *http.Client) (*Connector, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("gitlab: client ID is required")
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	base := strings.TrimSuffix(cmp.Or(cfg.BaseURL, BaseURL), "/")
	authURL, tokenURL := cmp.Or(cfg.AuthURL, base+AuthPath), cmp.Or(cfg.TokenURL, base+TokenPath)
	c := &Connector{userURL: cmp.Or(cfg.UserURL, base+UserPath)}
	for _, e := range []struct{ name, url string }{
		{"gitlab: base URL", base}, {"gitlab: authorization endpoint", authURL}, {"gitlab: token endpoint", tokenURL}, {"gitlab: user API", c.userURL},
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
		Name: "gitlab", Provider: "GitLabOAuth", ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   oauthflow.MergeScopes(scopes, nil), ReturnTokens: cfg.ReturnTokens, Client: client,
	}
	return c, nil
}

// LoginURL returns GitLab's authorization URL for req. GitLab takes no
// sign-in hints; provider_query_params are passed through. It does no
// network I/O.
func (c *Connector) LoginURL(req connector.Request) (string, error) {
	return c.flow.AuthURL(req)
}

// user is the part of GET /user that Latchkey reads.
type user struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	AvatarURL string `json:"avatar_url"`
	// ConfirmedAt is when the primary email was confirmed; null until
	// then. A changed address stays unconfirmed_email until confirmed.
	ConfirmedAt *string `json:"confirmed_at"`
}

// HandleCallback exchanges the code and reads the user.
func (c *Connector) HandleCallback(ctx context.Context, req connector.Request, r *http.Request) (connector.Identity, error) {
	code, err := c.flow.Code(r, req.State)
	if err != nil {
		return connector.Identity{}, err
	}
	tok, err := c.flow.Exchange(ctx, req, code)
	if err != nil {
		return connector.Identity{}, err
	}
	var u user
	if err := oauthflow.GetJSON(ctx, c.flow.Client, c.userURL, tok.AccessToken, nil, &u); err != nil {
		return connector.Identity{}, fmt.Errorf("gitlab: user: %w", err)
	}
	if u.ID <= 0 {
		return connector.Identity{}, errors.New("gitlab: user API answered no user ID")
	}
	id := connector.Identity{Subject: strconv.FormatInt(u.ID, 10), Email: u.Email, PictureURL: u.AvatarURL,
		EmailVerified: u.Email != "" && u.ConfirmedAt != nil && *u.ConfirmedAt != "", OAuthTokens: c.flow.Tokens(tok, req)}
	id.FirstName, id.LastName = oauthflow.SplitName(u.Name)
	return id, nil
}
