package oauth

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// describe prefixes the description with the trace ID that the server
// also logs, so that support can find the failure from what the user saw.
func describe(e *Error, trace string) string {
	if trace == "" {
		return e.Description
	}
	return "[" + trace + "] " + e.Description
}

// Redirect answers with a 302 to redirectURI carrying error,
// error_description and, when the request had one, state exactly as sent
// (RFC 6749 §4.1.2.1). redirectURI must already be validated.
func Redirect(w http.ResponseWriter, redirectURI, state string, hasState bool, e *Error, trace string) {
	params := "error=" + escape(e.Code) + "&error_description=" + escape(describe(e, trace))
	if hasState {
		params += "&state=" + escape(state)
	}
	RedirectWith(w, redirectURI, params)
}

// RedirectWith answers with a 302 to redirectURI with the already-encoded
// params appended to its query, which is kept intact.
func RedirectWith(w http.ResponseWriter, redirectURI, params string) {
	sep := "?"
	if strings.Contains(redirectURI, "?") {
		sep = "&"
		if strings.HasSuffix(redirectURI, "?") || strings.HasSuffix(redirectURI, "&") {
			sep = ""
		}
	}
	noStore(w.Header())
	w.Header().Set("Location", redirectURI+sep+params)
	w.WriteHeader(http.StatusFound)
}

// escape is url.QueryEscape but with %20 for spaces, which every decoder
// reads the same way.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// JSON answers with {"error", "error_description"} and e's status.
func JSON(w http.ResponseWriter, e *Error, trace string) {
	noStore(w.Header())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{e.Code, describe(e, trace)})
}

// Page answers with an HTML error page, or JSON when the request's Accept
// header prefers it. It is for errors that must not be redirected: an
// unknown client or an unregistered redirect URI.
func Page(w http.ResponseWriter, r *http.Request, e *Error, trace string) {
	if prefersJSON(r.Header.Get("Accept")) {
		JSON(w, e, trace)
		return
	}
	h := w.Header()
	noStore(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(e.Status)
	_ = errorPage.Execute(w, struct{ Code, Description, Trace string }{e.Code, e.Description, trace})
}

func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// prefersJSON reports whether application/json has a higher quality than
// text/html in an Accept header (RFC 9110 §12.5.1). Ties go to HTML.
func prefersJSON(accept string) bool {
	if accept == "" {
		return false
	}
	jsonQ, htmlQ := -1.0, -1.0
	for part := range strings.SplitSeq(accept, ",") {
		media, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(media)) {
		case "application/json":
			jsonQ = max(jsonQ, q)
		case "text/html", "*/*", "text/*":
			htmlQ = max(htmlQ, q)
		}
	}
	return jsonQ > 0 && jsonQ > htmlQ
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in error</title>
<style>
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f7f9;color:#1b1f24}
main{max-width:32rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.25rem;margin:0 0 1rem}
code{background:#eef0f3;padding:.1rem .3rem;border-radius:4px}
.trace{color:#57606a;font-size:.875rem;margin-top:1.5rem}
</style>
</head>
<body>
<main role="main">
<h1>This sign-in request cannot be completed</h1>
<p>{{.Description}}</p>
<p>Error code: <code>{{.Code}}</code></p>
{{if .Trace}}<p class="trace">If you contact support, quote this reference: <code>{{.Trace}}</code></p>{{end}}
</main>
</body>
</html>
`))
