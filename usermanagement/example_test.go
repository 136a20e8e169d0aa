package usermanagement_test

import (
	"context"
	"fmt"

	"github.com/latchkeyhq/latchkey/usermanagement"
)

func ExampleClient_GetAuthorizationURL() {
	client := &usermanagement.Client{
		Endpoint: "http://127.0.0.1:8080",
		ClientID: "client_01JABCDEFGHJKMNPQRSTVWXYZ0",
	}
	u, err := client.GetAuthorizationURL(context.Background(), usermanagement.GetAuthorizationURLOpts{
		RedirectURI: "http://localhost:3000/callback",
		Provider:    usermanagement.ProviderAuthKit,
		ScreenHint:  usermanagement.SignUp,
		State:       "xyz",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u)
	// Output:
	// http://127.0.0.1:8080/user_management/authorize?response_type=code&client_id=client_01JABCDEFGHJKMNPQRSTVWXYZ0&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&provider=authkit&state=xyz&screen_hint=sign-up
}

func ExampleNewPKCE() {
	pkce, err := usermanagement.NewPKCE()
	if err != nil {
		fmt.Println(err)
		return
	}
	// Send the challenge now, keep the verifier for AuthenticateWithCode.
	opts := usermanagement.GetAuthorizationURLOpts{
		CodeChallenge:       pkce.CodeChallenge,
		CodeChallengeMethod: pkce.CodeChallengeMethod,
	}
	fmt.Println(len(pkce.CodeVerifier), opts.CodeChallengeMethod)
	// Output: 43 S256
}

func ExampleClient_GetLogoutURL() {
	client := &usermanagement.Client{Endpoint: "http://127.0.0.1:8080"}
	u, err := client.GetLogoutURL(usermanagement.GetLogoutURLOpts{
		SessionID: "session_01H93ZY4F80QPBEZ1R5B2SHQG8",
		ReturnTo:  "http://localhost:3000/",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u)
	// Output:
	// http://127.0.0.1:8080/user_management/sessions/logout?session_id=session_01H93ZY4F80QPBEZ1R5B2SHQG8&return_to=http%3A%2F%2Flocalhost%3A3000%2F
}
