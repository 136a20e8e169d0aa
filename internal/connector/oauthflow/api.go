package oauthflow

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// maxBody bounds what is read from a provider's API answer.
const maxBody = 1 << 20

// GetJSON fetches rawURL, with accessToken as a bearer token when it is
// not empty and the given extra headers, and decodes the JSON answer into
// v. A status other than 200, a body that is not JSON or one too large is
// an error that names the URL and the status, never the body, which is
// not ours to log.
func GetJSON(ctx context.Context, client *http.Client, rawURL, accessToken string, header http.Header, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", rawURL, err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s answered %s", rawURL, resp.Status)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" && !jsonSuffix(mt) {
		return fmt.Errorf("GET %s answered %q, not JSON", rawURL, Truncate(mt, 60))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", rawURL, err)
	}
	if len(body) > maxBody {
		return fmt.Errorf("GET %s answered more than %d bytes", rawURL, maxBody)
	}
	if err := json.Unmarshal(body, v); err != nil {
		// encoding/json's errors name a position or a field, not content.
		return fmt.Errorf("GET %s answered unreadable JSON: %w", rawURL, err)
	}
	return nil
}

// jsonSuffix reports a structured JSON media type (RFC 6839 §3.1), such
// as GitHub's application/vnd.github+json.
func jsonSuffix(mt string) bool {
	return len(mt) > 5 && mt[len(mt)-5:] == "+json"
}
