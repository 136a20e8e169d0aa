package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// checkDNSName checks that name is a host name of letter-digit-hyphen
// labels (RFC 1123 §2.1), in any case. Internationalised names must be
// written in their xn-- form, so that what is stored is what is compared.
func checkDNSName(name string) error {
	switch {
	case name == "":
		return errors.New("empty host name")
	case len(name) > 253:
		return errors.New("host name longer than 253 characters")
	case strings.HasSuffix(name, "."):
		// example.com. and example.com are the same host to a browser but
		// not to a string comparison.
		return fmt.Errorf("host name %q must not end with a dot", truncate(name))
	}
	labels := strings.Split(name, ".")
	for _, label := range labels {
		if err := checkLabel(label); err != nil {
			return fmt.Errorf("host name %q: %w", truncate(name), err)
		}
	}
	if isDigits(labels[len(labels)-1]) {
		// 0177.0.0.1 or 2130706433 would be read as an IPv4 address by
		// some parsers and as a name by others.
		return fmt.Errorf("%q is neither a host name nor a canonical IP address", truncate(name))
	}
	return nil
}

func checkLabel(label string) error {
	switch {
	case label == "":
		return errors.New("empty label")
	case len(label) > 63:
		return errors.New("label longer than 63 characters")
	case label[0] == '-' || label[len(label)-1] == '-':
		return errors.New("a label must not start or end with a hyphen")
	}
	for i := range len(label) {
		c := label[i]
		if !(c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return fmt.Errorf("invalid character %q (letters, digits and hyphens only; write international names as xn--…)", c)
		}
	}
	return nil
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isPublicSuffix reports whether domain is, by itself, a suffix under which
// unrelated parties register names (com, co.uk, github.io): no wildcard or
// organization may claim it. Both the ICANN and the private sections of the
// Public Suffix List count.
func isPublicSuffix(domain string) bool {
	domain = strings.ToLower(domain)
	suffix, _ := publicsuffix.PublicSuffix(domain)
	return suffix == domain
}

// loopbackIP reports whether addr is 127.0.0.0/8 or ::1, the loopback
// addresses that RFC 8252 §7.3 lets native apps listen on.
func loopbackIP(addr netip.Addr) bool {
	return addr.Is4() && addr.IsLoopback() || addr == netip.IPv6Loopback()
}
