package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// maxURILength bounds registered URIs; browsers and proxies start
// truncating somewhere above 2,000 characters.
const maxURILength = 2000

// ValidateRedirectURI checks a redirect URI (or logout return URI) at
// registration, by the rules of spec/authorize.md "Redirect URI matching".
// Matching compares strings exactly, so everything that would let two
// parsers disagree about where a URI points is refused here:
//   - it must be absolute, without fragment (RFC 6749 §3.1.2), userinfo,
//     backslash, percent-encoded host, space, control or non-ASCII
//     character, or "." and ".." path segments;
//   - http is allowed only for loopback hosts (127.0.0.0/8, [::1],
//     localhost); https anywhere; custom schemes (myapp://cb) for native
//     apps, but not javascript, data, file, vbscript and other schemes a
//     browser would run or read locally;
//   - a * may only be the whole left-most label of an https host followed
//     by a registrable domain (https://*.example.com/cb, never *.com or
//     *.co.uk), or the port of localhost (http://localhost:*/cb).
func ValidateRedirectURI(raw string) error {
	raw, anyPort := cutPortWildcard(raw)
	u, err := parseURI(raw)
	if err != nil {
		return err
	}
	if strings.Contains(u.Path, "*") || strings.Contains(u.RawQuery, "*") {
		return errors.New("a * is allowed only as the left-most label of an https host or as the port of localhost")
	}
	if err := checkPathSegments(u); err != nil {
		return err
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		return checkWebRedirect(u, anyPort)
	}
	if anyPort || strings.Contains(u.Host, "*") {
		return errors.New("wildcards are allowed only in http(s) URIs")
	}
	return checkPort(u)
}

// ValidateCORSOrigin checks an origin allowed to call the browser-facing
// endpoints. An origin is scheme://host[:port] exactly as a browser sends it
// in the Origin header: no path (not even /), query, fragment, wildcard or
// default port; http only for loopback hosts.
func ValidateCORSOrigin(raw string) error {
	u, err := parseURI(raw)
	if err != nil {
		return err
	}
	switch {
	case u.Path != "" || u.RawQuery != "" || u.ForceQuery:
		return errors.New("an origin is scheme://host[:port], without path (not even /) or query")
	case strings.Contains(u.Host, "*"):
		return errors.New("wildcards are not allowed in origins")
	case u.Host == "":
		return errors.New("an origin needs a host")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return checkPort(u)
	}
	if (u.Scheme == "https" && u.Port() == "443") || (u.Scheme == "http" && u.Port() == "80") {
		return fmt.Errorf("drop the default port :%s: browsers leave it out of the Origin header", u.Port())
	}
	return checkWebRedirect(u, false)
}

// parseURI parses raw after the checks that apply to every registered URI:
// characters, fragment, scheme, form and userinfo.
func parseURI(raw string) (*url.URL, error) {
	if err := checkURIText(raw); err != nil {
		return nil, err
	}
	// Named before parsing, which may fail on javascript://%0a… for
	// another reason and hide the real one.
	if scheme, _, ok := strings.Cut(raw, ":"); ok && blockedScheme(strings.ToLower(scheme)) {
		return nil, fmt.Errorf("the %s scheme is not allowed", strings.ToLower(scheme))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a valid URI: %s", strings.TrimPrefix(err.Error(), "parse "+strconv.Quote(raw)+": "))
	}
	switch {
	case u.Scheme == "":
		return nil, errors.New("must be an absolute URI with a scheme (https://…)")
	case blockedScheme(u.Scheme):
		return nil, fmt.Errorf("the %s scheme is not allowed", u.Scheme)
	case u.Opaque != "":
		return nil, fmt.Errorf("must be %s://… or %s:/… (got %s:%s)", u.Scheme, u.Scheme, u.Scheme, truncate(u.Opaque))
	case u.User != nil:
		// https://good.com@evil.com/cb goes to evil.com.
		return nil, errors.New("must not contain userinfo (user@)")
	case rawAuthorityHasPercent(raw):
		// url.Parse decodes good%2ecom to good.com; other parsers do not.
		return nil, errors.New("must not percent-encode the host")
	}
	return u, nil
}

// checkURIText refuses the characters that parsers disagree on. Browsers
// read a backslash as a slash and drop tabs and newlines, so
// https://good.com\@evil.com would go somewhere a Go parser does not expect.
func checkURIText(raw string) error {
	switch {
	case raw == "":
		return errors.New("empty URI")
	case len(raw) > maxURILength:
		return fmt.Errorf("longer than %d characters", maxURILength)
	case strings.Contains(raw, "#"):
		return errors.New("must not have a fragment (#)")
	case strings.Contains(raw, `\`):
		return errors.New("must not contain a backslash")
	}
	for i := range len(raw) {
		if c := raw[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("must not contain spaces, control or non-ASCII characters (byte %d is %q); percent-encode them", i, c)
		}
	}
	return nil
}

func rawAuthorityHasPercent(raw string) bool {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return false
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	return strings.Contains(rest[:end], "%")
}

// blockedScheme reports schemes that a browser runs, reads locally or
// treats as its own, which would turn a redirect into script execution or
// a local read.
func blockedScheme(scheme string) bool {
	switch scheme {
	case "javascript", "vbscript", "data", "file", "blob", "about", "filesystem", "view-source":
		return true
	}
	return false
}

// cutPortWildcard strips a trailing ":*" from the authority, which
// url.Parse refuses, and reports whether it was there.
func cutPortWildcard(raw string) (string, bool) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw, false
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, ok := strings.CutSuffix(rest[:end], ":*")
	if !ok {
		return raw, false
	}
	return scheme + "://" + authority + rest[end:], true
}

// checkPathSegments refuses "." and ".." segments, plain or encoded: a
// browser resolves them, so https://app.com/cb/../evil would land
// somewhere other than the string that was registered.
func checkPathSegments(u *url.URL) error {
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if s, err := url.PathUnescape(seg); err == nil && (s == "." || s == "..") {
			return errors.New(`must not contain "." or ".." path segments`)
		}
	}
	return nil
}

// checkWebRedirect applies the host rules of an http(s) URI.
func checkWebRedirect(u *url.URL, anyPort bool) error {
	host := u.Hostname()
	if host == "" {
		return errors.New("must have a host")
	}
	if err := checkPort(u); err != nil {
		return err
	}
	if strings.Contains(host, "*") {
		return checkWildcardHost(u.Scheme, host, anyPort)
	}
	loopback, err := checkHost(u.Host, host)
	if err != nil {
		return err
	}
	if u.Scheme == "http" && !loopback {
		return errors.New("http is allowed only for loopback hosts (127.0.0.1, [::1], localhost); use https")
	}
	if anyPort && !strings.EqualFold(host, "localhost") {
		if loopback {
			return errors.New("drop :*: a loopback IP address matches any port already (RFC 8252 §7.3)")
		}
		return errors.New("a port wildcard (:*) is allowed only for localhost")
	}
	return nil
}

// checkHost checks a host name or IP literal (hostport is u.Host, with
// brackets, host is without) and reports whether it is a loopback host.
func checkHost(hostport, host string) (loopback bool, err error) {
	if addr, err := netip.ParseAddr(host); err == nil {
		switch {
		case addr.Zone() != "":
			return false, errors.New("an IPv6 zone is not allowed in the host")
		case addr.Is4In6():
			return false, errors.New("write an IPv4 address as such, not IPv4-mapped IPv6")
		case addr.Is4() && strings.HasPrefix(hostport, "["):
			return false, errors.New("an IPv4 address is written without brackets")
		}
		return loopbackIP(addr), nil
	}
	if err := checkDNSName(host); err != nil {
		return false, err
	}
	return strings.EqualFold(host, "localhost"), nil
}

// checkPort refuses an empty (host:), zero, out-of-range or zero-padded
// port, each of which some parser would read differently.
func checkPort(u *url.URL) error {
	port := u.Port()
	if port == "" {
		if strings.HasSuffix(u.Host, ":") {
			return errors.New("empty port after the host")
		}
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '0' {
		return fmt.Errorf("invalid port %q", truncate(port))
	}
	return nil
}

// checkWildcardHost allows *.example.com over https and nothing wider.
func checkWildcardHost(scheme, host string, anyPort bool) error {
	rest, ok := strings.CutPrefix(host, "*.")
	switch {
	case !ok || strings.Contains(rest, "*"):
		return errors.New("a * must be the whole left-most label of the host (https://*.example.com/…)")
	case scheme != "https":
		return errors.New("a wildcard host is allowed only over https")
	case anyPort:
		return errors.New("a wildcard host cannot also have a wildcard port")
	}
	if err := checkDNSName(rest); err != nil {
		return err
	}
	if !strings.Contains(rest, ".") {
		return fmt.Errorf("*.%s is too wide: a wildcard needs at least two labels after it (https://*.example.com/…)", rest)
	}
	if isPublicSuffix(rest) {
		return fmt.Errorf("*.%s is too wide: %s is a public suffix, so the wildcard would match other people's sites", rest, rest)
	}
	return nil
}
