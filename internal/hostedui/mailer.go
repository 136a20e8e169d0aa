package hostedui

import (
	"bytes"
	"context"
	"log/slog"
	"text/template"
	"time"

	"github.com/latchkeyhq/latchkey/internal/mail"
)

// The emails of the hosted login. They are plain text: nothing in them
// needs markup, and plain text cannot hide a link's target.
var emails = template.Must(template.New("").Parse(`
{{define "code"}}Hi{{with .Name}} {{.}}{{end}},

Your {{.App}} verification code is:

    {{.Code}}

Enter it on the page that asked for it. It expires in {{.TTL}}.

If you did not try to sign up or sign in to {{.App}}, you can ignore this email.
{{end}}
{{define "exists"}}Hi,

Someone, hopefully you, tried to create a {{.App}} account with this email address, but you already have one.

To sign in, go back to {{.App}} and choose "Sign in". If you forgot your password, choose "Forgot password?" on the sign-in page.

If this was not you, you can ignore this email: nothing has changed.
{{end}}
{{define "reset"}}Hi{{with .Name}} {{.}}{{end}},

We received a request to reset the password of your {{.App}} account. Choose a new password here:

{{.Link}}

The link works once and expires in {{.TTL}}. If you did not ask for this, ignore this email: your password stays the same.
{{end}}`))

// letter is what an email template shows.
type letter struct {
	App, Name, Code, Link, TTL string
}

// send renders an email and delivers it: into the development outbox (and
// the log) when there is one, and through SMTP when configured. SMTP runs
// in the background, so that answering takes as long whether or not an
// email was due: the answer must not tell whether an account exists.
func (h *Handler) send(ctx context.Context, to, subject, kind string, l letter) {
	var b bytes.Buffer
	if err := emails.ExecuteTemplate(&b, kind, l); err != nil {
		h.Log.Error("email failed to render", slog.String("kind", kind), slog.Any("err", err))
		return
	}
	msg := mail.Message{To: to, Subject: subject, Text: b.String()}
	if h.Outbox != nil {
		h.Outbox.add(Sent{At: h.Now(), To: to, Subject: subject, Text: msg.Text, Code: l.Code, Link: l.Link})
		// Development only: the outbox is the mailbox, so the code may be
		// logged; production never gets here.
		h.Log.Info("development outbox: email", slog.String("to", to), slog.String("subject", subject),
			slog.String("code", l.Code), slog.String("link", l.Link))
	}
	if h.Mail == nil {
		return
	}
	trace := h.TraceID(ctx)
	ctx = context.WithoutCancel(ctx)
	go func() {
		h.mailSlots <- struct{}{} // bounds concurrent SMTP sessions
		defer func() { <-h.mailSlots }()
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := h.Mail.Send(sctx, msg); err != nil {
			h.Log.Error("sending email failed", slog.String("trace_id", trace), slog.String("kind", kind), slog.Any("err", err))
			return
		}
		h.Log.Info("email sent", slog.String("trace_id", trace), slog.String("kind", kind))
	}()
}

// canMail reports whether email can reach anyone: through SMTP, or the
// development outbox.
func (h *Handler) canMail() bool { return h.Mail != nil || h.Outbox != nil }
