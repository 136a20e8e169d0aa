package hostedui

import (
	"net/http"
	"slices"
	"sync"
	"time"
)

// Outbox keeps the last emails the hosted login sent, for the
// development outbox page (/authkit/dev/outbox). It exists only in
// development mode: it shows every code and reset link to whoever opens
// the page.
type Outbox struct {
	mu   sync.Mutex
	sent []Sent
}

// Sent is one email in the outbox.
type Sent struct {
	At      time.Time
	To      string
	Subject string
	Text    string
	Code    string // the verification code, if the email carries one
	Link    string // the reset link, if the email carries one
}

// outboxSize bounds what the development outbox holds.
const outboxSize = 50

func (o *Outbox) add(s Sent) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, s)
	if len(o.sent) > outboxSize {
		o.sent = slices.Delete(o.sent, 0, len(o.sent)-outboxSize)
	}
}

// Messages returns the emails in the outbox, newest first.
func (o *Outbox) Messages() []Sent {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := slices.Clone(o.sent)
	slices.Reverse(out)
	return out
}

func (h *Handler) outboxPage(w http.ResponseWriter, r *http.Request) {
	v := h.baseView(r, nil)
	v.Title, v.Heading = "Development outbox", "Development outbox"
	v.Lead = "Emails this server sent, newest first. This page exists only in development mode."
	v.Outbox = h.Outbox.Messages()
	v.Root = "../"
	h.render(w, http.StatusOK, "outbox", v)
}
