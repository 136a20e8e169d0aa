package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkeyhq/latchkey/internal/connector"
	"github.com/latchkeyhq/latchkey/internal/connector/oauthflow"
)

// maxDescription bounds an upstream error_description that is passed on
// to the application.
const maxDescription = 256

// HandleCallback checks the provider's answer on Latchkey's callback,
// exchanges the code with the PKCE verifier, verifies the ID token
// (signature, iss, aud, exp, nonce) and returns who signed in. Every error
// names the check that failed; none carries a token or the secret.
func (c *Connector) HandleCallback(ctx context.Context, req connector.Request, r *http.Request) (connector.Identity, error) {
	q := r.URL.Query()
	if code := q.Get("error"); code != "" {
		// RFC 6749 §4.1.2.1: the provider refused.
		return connector.Identity{}, &connector.UpstreamError{Code: code, Description: oauthflow.Truncate(q.Get("error_description"), maxDescription)}
	}
	if req.State == "" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(req.State)) != 1 {
		return connector.Identity{}, errors.New("oidc: callback state does not match the sign-in transaction")
	}
	if iss := q.Get("iss"); iss != "" && iss != c.issuer {
		// RFC 9207 §2.4: an answer from another issuer is a mix-up attack.
		return connector.Identity{}, fmt.Errorf("oidc: callback iss %q is not the configured issuer", iss)
	}
	code := q.Get("code")
	if code == "" {
		return connector.Identity{}, errors.New("oidc: callback carries no code")
	}

	ctx = gooidc.ClientContext(ctx, c.client)
	tok, err := c.oauth2Config(req.CallbackURL, nil).Exchange(ctx, code, oauth2.VerifierOption(req.CodeVerifier))
	if err != nil {
		return connector.Identity{}, exchangeError(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return connector.Identity{}, errors.New("oidc: token response carries no id_token")
	}
	_, verifier := c.oidcProvider()
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return connector.Identity{}, fmt.Errorf("oidc: id token: %w", err)
	}
	if err := c.checkIDToken(idt, req.Nonce, tok.AccessToken); err != nil {
		return connector.Identity{}, err
	}
	var cl claims
	if err := idt.Claims(&cl); err != nil {
		return connector.Identity{}, fmt.Errorf("oidc: id token claims: %w", err)
	}
	if cl.Email == "" && c.userinfoURL != "" {
		if err := c.mergeUserinfo(ctx, tok, idt.Subject, &cl); err != nil {
			return connector.Identity{}, err
		}
	}
	return cl.identity(idt.Subject), nil
}

// checkIDToken makes the checks go-oidc leaves to the caller (OIDC Core
// §3.1.3.7): nonce, the authorized party when there are several audiences,
// and at_hash when present.
func (c *Connector) checkIDToken(idt *gooidc.IDToken, nonce, accessToken string) error {
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return errors.New("oidc: id token nonce does not match the sign-in transaction")
	}
	if idt.Subject == "" {
		return errors.New("oidc: id token has no sub")
	}
	if len(idt.Audience) > 1 {
		var azp struct {
			AZP string `json:"azp"`
		}
		if err := idt.Claims(&azp); err != nil || azp.AZP != c.clientID {
			return fmt.Errorf("oidc: id token has several audiences and azp %q is not the client ID", azp.AZP)
		}
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(accessToken); err != nil {
			return errors.New("oidc: id token at_hash does not match the access token")
		}
	}
	return nil
}

// exchangeError turns a failed code exchange into an error that is safe
// to log: the provider's RFC 6749 §5.2 answer becomes an UpstreamError,
// and any other body is left out, since it is not ours to repeat.
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("oidc: token request: %w", err)
	}
	if re.ErrorCode != "" {
		return fmt.Errorf("oidc: token endpoint refused the code: %w",
			&connector.UpstreamError{Code: re.ErrorCode, Description: oauthflow.Truncate(re.ErrorDescription, maxDescription)})
	}
	status := "no response"
	if re.Response != nil {
		status = re.Response.Status
	}
	return fmt.Errorf("oidc: token endpoint answered %s", status)
}

// mergeUserinfo fills claims the ID token lacks from the userinfo
// endpoint, which must describe the same subject (OIDC Core §5.3.2).
func (c *Connector) mergeUserinfo(ctx context.Context, tok *oauth2.Token, sub string, cl *claims) error {
	provider, _ := c.oidcProvider()
	ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return fmt.Errorf("oidc: userinfo: %w", err)
	}
	if ui.Subject != sub {
		return errors.New("oidc: userinfo describes another subject than the id token")
	}
	var u claims
	if err := ui.Claims(&u); err != nil {
		return fmt.Errorf("oidc: userinfo claims: %w", err)
	}
	cl.fillFrom(u)
	return nil
}

// claims are the ID token and userinfo claims Latchkey maps to an
// Identity (OIDC Core §5.1).
type claims struct {
	Email         string       `json:"email"`
	EmailVerified *looseBool   `json:"email_verified"`
	GivenName     string       `json:"given_name"`
	FamilyName    string       `json:"family_name"`
	Name          string       `json:"name"`
	Picture       string       `json:"picture"`
	Groups        stringsOrOne `json:"groups"`
}

// fillFrom copies the claims cl lacks from u.
func (cl *claims) fillFrom(u claims) {
	if cl.Email == "" {
		cl.Email, cl.EmailVerified = u.Email, u.EmailVerified
	}
	if cl.GivenName == "" && cl.FamilyName == "" && cl.Name == "" {
		cl.GivenName, cl.FamilyName, cl.Name = u.GivenName, u.FamilyName, u.Name
	}
	if cl.Picture == "" {
		cl.Picture = u.Picture
	}
	if len(cl.Groups) == 0 {
		cl.Groups = u.Groups
	}
}

// identity maps the claims. An absent email_verified means unverified:
// linking to an existing user by email needs the provider's word for it.
// Without given_name and family_name, name is split at its first space.
func (cl claims) identity(sub string) connector.Identity {
	id := connector.Identity{
		Subject:       sub,
		Email:         cl.Email,
		EmailVerified: cl.EmailVerified != nil && bool(*cl.EmailVerified),
		FirstName:     cl.GivenName,
		LastName:      cl.FamilyName,
		PictureURL:    cl.Picture,
		Groups:        slices.Clone([]string(cl.Groups)),
	}
	if id.FirstName == "" && id.LastName == "" {
		first, last, _ := strings.Cut(strings.TrimSpace(cl.Name), " ")
		id.FirstName, id.LastName = first, strings.TrimSpace(last)
	}
	return id
}

// looseBool reads a JSON boolean, or the strings "true" and "false" that
// some providers (AWS Cognito) send instead.
type looseBool bool

func (b *looseBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`:
		*b = false
	default:
		return fmt.Errorf("email_verified: want a boolean, got %.20s", data)
	}
	return nil
}

// stringsOrOne reads a list of strings, or a single string that some
// providers send for a one-element groups claim.
type stringsOrOne []string

func (s *stringsOrOne) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return errors.New("groups: want a list of strings")
	}
	*s = many
	return nil
}
