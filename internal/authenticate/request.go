package authenticate

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/oauth"
)

// maxBody bounds the request body; real requests are a few hundred bytes.
const maxBody = 64 << 10

// request is the body of POST /user_management/authenticate, as JSON or
// as a form (spec/authenticate.md).
type request struct {
	ClientID        string `json:"client_id"`
	ClientSecret    string `json:"client_secret"`
	GrantType       string `json:"grant_type"`
	Code            string `json:"code"`
	CodeVerifier    string `json:"code_verifier"`
	RefreshToken    string `json:"refresh_token"`
	OrganizationID  string `json:"organization_id"`
	Email           string `json:"email"`
	Password        string `json:"password"`
	IPAddress       string `json:"ip_address"`
	UserAgent       string `json:"user_agent"`
	InvitationToken string `json:"invitation_token"`
}

// parseRequest reads a JSON or form body.
func parseRequest(r *http.Request) (request, *oauth.Error) {
	var req request
	body := http.MaxBytesReader(nil, r.Body, maxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		data, err := io.ReadAll(body)
		if err != nil {
			return req, tooLarge(err)
		}
		if err := json.Unmarshal(data, &req); err != nil {
			return req, oauth.Errorf(oauth.InvalidRequest, "The request body is not valid JSON of the expected shape.")
		}
	case "application/x-www-form-urlencoded", "":
		data, err := io.ReadAll(body)
		if err != nil {
			return req, tooLarge(err)
		}
		form, err := url.ParseQuery(string(data))
		if err != nil {
			return req, oauth.Errorf(oauth.InvalidRequest, "The request body is not a valid form.")
		}
		for name, vs := range form {
			if len(vs) > 1 {
				return req, oauth.Errorf(oauth.InvalidRequest, "%s is repeated; send it once.", name)
			}
		}
		req = request{
			ClientID: form.Get("client_id"), ClientSecret: form.Get("client_secret"), GrantType: form.Get("grant_type"),
			Code: form.Get("code"), CodeVerifier: form.Get("code_verifier"), RefreshToken: form.Get("refresh_token"),
			OrganizationID: form.Get("organization_id"), Email: form.Get("email"), Password: form.Get("password"),
			IPAddress: form.Get("ip_address"), UserAgent: form.Get("user_agent"), InvitationToken: form.Get("invitation_token"),
		}
	default:
		return req, oauth.Errorf(oauth.InvalidRequest, "Send the body as application/json or application/x-www-form-urlencoded.")
	}
	req.Email = strings.TrimSpace(req.Email)
	return req, nil
}

func tooLarge(err error) *oauth.Error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		// 400 rather than 413: the OpenAPI document lists no 413 for this
		// path, and the SDKs handle its 400 catalogue.
		return oauth.Errorf(oauth.InvalidRequest, "The request body is too large (at most 64 KiB).")
	}
	return oauth.Errorf(oauth.InvalidRequest, "The request body could not be read.")
}
