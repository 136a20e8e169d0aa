package hostedui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// Rule allows Max hits per fixed Window.
type Rule struct {
	Max    int64
	Window time.Duration
}

// Limits are the hosted login's rate limits. Counters live in the store,
// so all nodes behind one database count together.
type Limits struct {
	// Address limits the forms posted from one client address.
	Address Rule
	// Email limits the emails sent to one address (codes, links, notices).
	Email Rule
	// Verify limits the guesses at one emailed code.
	Verify Rule
	// FreeFailures is how many wrong passwords an account takes in a
	// day before back-off starts; from then on each attempt waits
	// BackoffBase, doubled for every further failure, up to BackoffMax.
	FreeFailures int64
	BackoffBase  time.Duration
	BackoffMax   time.Duration
}

// DefaultLimits are the limits of a server that sets none.
func DefaultLimits() Limits {
	return Limits{
		Address:      Rule{Max: 100, Window: 10 * time.Minute},
		Email:        Rule{Max: 5, Window: time.Hour},
		Verify:       Rule{Max: maxCodeAttempts, Window: codeTTL},
		FreeFailures: 5,
		BackoffBase:  30 * time.Second,
		BackoffMax:   time.Hour,
	}
}

// failureWindow is the window in which wrong passwords add up.
const failureWindow = 24 * time.Hour

// errLimited says a limit is reached; retry says when to try again.
type limitedError struct{ retry time.Duration }

func (e *limitedError) Error() string { return fmt.Sprintf("rate limited for %s", e.retry) }

// hit counts one hit on key under rule and reports a limitedError once
// the rule's maximum is passed.
func (h *Handler) hit(ctx context.Context, key string, rule Rule) error {
	now := h.Now().UTC()
	start := now.Truncate(rule.Window)
	l, err := h.Store.HitRateLimit(ctx, h.limitKey(key), start, now)
	if err != nil {
		return err
	}
	if l.Count > rule.Max {
		return &limitedError{retry: l.WindowStart.Add(rule.Window).Sub(now)}
	}
	return nil
}

// limitKey keeps addresses and emails out of the table: only the purpose
// and a keyed hash of the value are stored.
func (h *Handler) limitKey(key string) string {
	purpose, value, _ := strings.Cut(key, ":")
	return purpose + ":" + h.keyed("limit", value)[:40]
}

// limitAddress counts a form post from the client's address, answering
// 429 and returning false once over the limit.
func (h *Handler) limitAddress(w http.ResponseWriter, r *http.Request) bool {
	err := h.hit(r.Context(), "ip:"+clientIP(r), h.Limits.Address)
	var le *limitedError
	switch {
	case errors.As(err, &le):
		h.Log.Info("hosted login rate limited", slog.String("trace_id", h.TraceID(r.Context())), slog.String("limit", "address"))
		v := h.baseView(r, nil)
		v.Title, v.Heading = "Too many attempts", "Too many attempts"
		v.Message = "There have been too many attempts from your network. " + retryIn(le.retry)
		h.render(w, http.StatusTooManyRequests, "message", v)
		return false
	case err != nil:
		h.fail(w, r, "rate limit", err)
		return false
	}
	return true
}

// accountKey is the back-off key of an email, whether or not an account
// has it, so that the back-off itself tells nothing.
func accountKey(email string) string { return "account:" + strings.ToLower(email) }

// backoff reports how long the account must wait before its next
// password attempt; zero when it may try now.
func (h *Handler) backoff(ctx context.Context, email string) (time.Duration, error) {
	l, err := h.Store.GetRateLimit(ctx, h.limitKey(accountKey(email)))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	}
	now := h.Now()
	if now.Sub(l.WindowStart) >= failureWindow || l.Count < h.Limits.FreeFailures {
		return 0, nil
	}
	wait := h.Limits.BackoffBase
	for i := h.Limits.FreeFailures; i < l.Count && wait < h.Limits.BackoffMax; i++ {
		wait *= 2
	}
	wait = min(wait, h.Limits.BackoffMax)
	if left := l.LastAt.Add(wait).Sub(now); left > 0 {
		return left, nil
	}
	return 0, nil
}

// failedPassword counts a wrong password for the email.
func (h *Handler) failedPassword(ctx context.Context, email string) error {
	now := h.Now().UTC()
	_, err := h.Store.HitRateLimit(ctx, h.limitKey(accountKey(email)), now.Truncate(failureWindow), now)
	return err
}

// signedIn clears the email's failures.
func (h *Handler) signedIn(ctx context.Context, email string) error {
	return h.Store.DeleteRateLimit(ctx, h.limitKey(accountKey(email)))
}

// retryIn says when to try again, in words.
func retryIn(d time.Duration) string {
	switch {
	case d <= time.Minute:
		return "Try again in a minute."
	case d < time.Hour:
		return fmt.Sprintf("Try again in %d minutes.", int(d.Round(time.Minute)/time.Minute))
	default:
		return "Try again later."
	}
}

// clientIP is the address limits count by: the peer, or, when the peer is
// a proxy on loopback or a private network (the TLS terminator that
// Latchkey is meant to run behind), the last address it appended to
// X-Forwarded-For. Clients on that private network could claim any
// address; clients beyond it cannot.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if peer.IsLoopback() || peer.IsPrivate() {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			last = strings.TrimSpace(last[strings.LastIndexByte(last, ',')+1:])
			if a, err := netip.ParseAddr(last); err == nil {
				return a.Unmap().String()
			}
		}
	}
	return peer.Unmap().String()
}

// Run deletes expired codes, reset links and idle counters every interval
// until ctx ends. Any node may run it; the deletes are idempotent.
func (h *Handler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := h.Now()
		if _, err := h.Store.DeleteExpiredLoginTokens(ctx, now.Add(-time.Hour)); err != nil && ctx.Err() == nil {
			h.Log.Warn("deleting expired login tokens failed", slog.Any("err", err))
		}
		if _, err := h.Store.DeleteIdleRateLimits(ctx, now.Add(-failureWindow)); err != nil && ctx.Err() == nil {
			h.Log.Warn("deleting idle rate limits failed", slog.Any("err", err))
		}
	}
}
