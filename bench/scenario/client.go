// Package scenario holds the operations the load tool measures against a
// running Latchkey: an authorize request, a whole SSO sign-in through the
// dev-idp, a code exchange, a refresh. Each is a load.Op factory; the
// checks are strict, so that a fast wrong answer counts as an error.
package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// NewTransport returns the HTTP transport the virtual users share: keep-
// alive connections, enough of them for every user, no proxy, and a
// dialer that refuses anything but loopback, so that a mistyped URL can
// never send load off the machine.
func NewTransport(users int) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if err := checkLoopback(addr); err != nil {
				return nil, err
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        4 * users,
		MaxIdleConnsPerHost: 2 * users,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// checkLoopback accepts host:port addresses on a loopback IP literal.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("scenario: refusing to connect to %s: the load tool only talks to loopback addresses", addr)
	}
	return nil
}

// noRedirect makes a client return a redirect instead of following it.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// NewClient returns a client over t that does not follow redirects.
func NewClient(t http.RoundTripper) *http.Client {
	return &http.Client{Transport: t, CheckRedirect: noRedirect, Timeout: 30 * time.Second}
}

// drain reads and closes a body so that its connection is reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

// bodyExcerpt reads the start of a body for an error message, and closes it.
func bodyExcerpt(resp *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	drain(resp)
	return strings.TrimSpace(string(b))
}

// errStatus describes an unexpected answer.
func errStatus(what string, resp *http.Response) error {
	detail := resp.Header.Get("Location")
	if detail == "" {
		detail = bodyExcerpt(resp)
	} else {
		drain(resp)
	}
	return fmt.Errorf("%s: status %d: %s", what, resp.StatusCode, truncate(detail, 300))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// errNoCode is returned when a sign-in ends without a code.
var errNoCode = errors.New("sign-in ended without a code")
