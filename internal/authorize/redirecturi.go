package authorize

import (
	"errors"
	"net/netip"
	"strings"
)

// redirectPattern is one registered redirect URI, pre-split so that a
// request is matched without parsing the registered side again. Registered
// URIs were validated at registration (config.ValidateRedirectURI), so a
// request matches only if it is, modulo the variations below, a clean URI
// itself.
type redirectPattern struct {
	raw      string
	scheme   string // lower case
	host     string // lower case; for a wildcard, the part after "*."
	port     string // "" for none, "*" for any (localhost:*)
	rest     string // path and query, compared byte for byte
	wildcard bool   // https://*.example.com/…: one extra left-most label
	anyPort  bool   // loopback IP literal (RFC 8252 §7.3) or localhost:*
}

// uriParts are the pieces of a URI that matching compares.
type uriParts struct {
	scheme, host, port, rest string
}

var errMalformedURI = errors.New("malformed")

// splitURI cuts raw into scheme, host, port and the rest without
// normalising anything: no percent-decoding, no dot-segment removal.
func splitURI(raw string) (uriParts, error) {
	var p uriParts
	scheme, after, ok := strings.Cut(raw, ":")
	if !ok || scheme == "" {
		return p, errMalformedURI
	}
	p.scheme = strings.ToLower(scheme)
	authority, ok := strings.CutPrefix(after, "//")
	if !ok {
		p.rest = after // myapp:/cb has no authority
		return p, nil
	}
	end := strings.IndexAny(authority, "/?")
	if end < 0 {
		end = len(authority)
	}
	authority, p.rest = authority[:end], authority[end:]
	if strings.Contains(authority, "@") {
		return p, errors.New("userinfo")
	}
	host, port := authority, ""
	if strings.HasPrefix(host, "[") {
		i := strings.Index(host, "]")
		if i < 0 {
			return p, errMalformedURI
		}
		host, port = host[:i+1], host[i+1:]
	} else if i := strings.LastIndex(host, ":"); i >= 0 {
		host, port = host[:i], host[i:]
	}
	if port != "" {
		if port[0] != ':' {
			return p, errMalformedURI
		}
		port = port[1:]
	}
	p.host, p.port = strings.ToLower(host), port
	return p, nil
}

// compileRedirectURIs prepares registered URIs for matching; entries that
// do not split are skipped (they could never match).
func compileRedirectURIs(uris []string) []redirectPattern {
	out := make([]redirectPattern, 0, len(uris))
	for _, raw := range uris {
		p, err := splitURI(raw)
		if err != nil {
			continue
		}
		rp := redirectPattern{raw: raw, scheme: p.scheme, host: p.host, port: p.port, rest: p.rest}
		if h, ok := strings.CutPrefix(p.host, "*."); ok && p.scheme == "https" {
			rp.host, rp.wildcard = h, true
		}
		if p.port == "*" {
			rp.port, rp.anyPort = "", true
		}
		if isLoopbackIP(p.host) {
			rp.anyPort = true
		}
		out = append(out, rp)
	}
	return out
}

func isLoopbackIP(host string) bool {
	addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && addr.IsLoopback()
}

// checkRequestedURI refuses what may never be a redirect target, whatever
// is registered, with a reason for the error page.
func checkRequestedURI(raw string) string {
	switch {
	case raw == "":
		return "redirect_uri is missing"
	case strings.Contains(raw, "#"):
		return "redirect_uri must not contain a fragment (#)"
	case strings.Contains(raw, `\`):
		return "redirect_uri must not contain a backslash"
	}
	for i := range len(raw) {
		if c := raw[i]; c <= ' ' || c == 0x7f {
			return "redirect_uri must not contain spaces or control characters"
		}
	}
	if _, err := splitURI(raw); err != nil {
		if err.Error() == "userinfo" {
			return "redirect_uri must not contain userinfo (user@host)"
		}
		return "redirect_uri is not an absolute URI"
	}
	return ""
}

// matchRedirectURI reports whether requested matches one of the patterns
// (spec/authorize.md "Redirect URI matching"): exact after splitting, with
// scheme and host compared case-insensitively; one left-most wildcard
// label over https; any port for loopback IP literals and localhost:*.
func matchRedirectURI(patterns []redirectPattern, requested string) bool {
	if checkRequestedURI(requested) != "" {
		return false
	}
	q, err := splitURI(requested)
	if err != nil {
		return false
	}
	for i := range patterns {
		if patterns[i].matches(q) {
			return true
		}
	}
	return false
}

func (p *redirectPattern) matches(q uriParts) bool {
	if q.scheme != p.scheme || q.rest != p.rest {
		return false
	}
	if p.anyPort {
		if !allDigits(q.port) {
			return false
		}
	} else if q.port != p.port {
		return false
	}
	if !p.wildcard {
		return q.host == p.host
	}
	label, ok := strings.CutSuffix(q.host, "."+p.host)
	return ok && isLabel(label)
}

// isLabel reports whether s is one DNS label of [a-z0-9-]: never empty,
// never containing a dot, so a wildcard cannot span levels.
func isLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if len(s) > 5 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
