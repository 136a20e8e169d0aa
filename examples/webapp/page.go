package main

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
)

//go:embed page.html
var pageHTML string

// page is parsed once; html/template escapes every value by its context, so
// names, claims and error descriptions from Latchkey cannot inject markup.
var page = template.Must(template.New("page").Parse(pageHTML))

type pageData struct {
	Session *session
	Error   *pageError
}

type pageError struct {
	Title  string
	Detail string
}

// claim is one access token claim, formatted for display.
type claim struct {
	Name  string
	Value string
	Note  string // a readable time for numeric date claims
}

func (a *app) render(w http.ResponseWriter, status int, data pageData) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		a.log.Error("render", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (a *app) fail(w http.ResponseWriter, status int, title, detail string) {
	a.render(w, status, pageData{Error: &pageError{Title: title, Detail: detail}})
}

// dateClaims are the JWT claims holding seconds since the epoch (RFC 7519 §4.1).
var dateClaims = []string{"exp", "iat", "nbf", "auth_time"}

// decodeClaims reads the access token's payload for display and returns its
// "sid" claim. The signature is not checked: the token came straight from
// Latchkey in the response to our own code exchange, not from a browser. An
// API that receives access tokens from clients must verify them against the
// keys at usermanagement.GetJWKSURL.
func decodeClaims(token string) ([]claim, string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, "", errors.New("the access token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, "", fmt.Errorf("the access token's payload: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, "", fmt.Errorf("the access token's payload: %w", err)
	}
	claims := make([]claim, 0, len(m))
	for name, v := range m {
		c := claim{Name: name}
		switch v := v.(type) {
		case string:
			c.Value = v
		default:
			b, _ := json.Marshal(v)
			c.Value = string(b)
		}
		if n, ok := v.(json.Number); ok && slices.Contains(dateClaims, name) {
			if secs, err := n.Int64(); err == nil {
				c.Note = time.Unix(secs, 0).UTC().Format(time.RFC3339)
			}
		}
		claims = append(claims, c)
	}
	slices.SortFunc(claims, func(x, y claim) int { return strings.Compare(x.Name, y.Name) })
	sid, _ := m["sid"].(string)
	return claims, sid, nil
}
