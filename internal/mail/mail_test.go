package mail

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// received is what the test relay saw of one session.
type received struct {
	tls      bool
	auth     string // the decoded AUTH PLAIN response
	from, to string
	data     string
}

// relay is a minimal SMTP server on loopback: EHLO, STARTTLS, AUTH PLAIN,
// MAIL, RCPT, DATA, QUIT; just enough of RFC 5321 for net/smtp.
type relay struct {
	ln       net.Listener
	cert     *tls.Certificate // nil: no STARTTLS offered
	mu       sync.Mutex
	sessions []received
}

func newRelay(t *testing.T, cert *tls.Certificate) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, cert: cert}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(c)
		}
	}()
	return r
}

func (r *relay) serve(c net.Conn) {
	defer c.Close()
	var got received
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("220 relay.test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"250-relay.test"}
			if r.cert != nil && !got.tls {
				ext = append(ext, "250-STARTTLS")
			}
			_ = tp.PrintfLine("%s\r\n250 AUTH PLAIN", strings.Join(ext, "\r\n"))
		case "STARTTLS":
			_ = tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{*r.cert}})
			if tc.Handshake() != nil {
				return
			}
			c, got.tls = tc, true
			tp = textproto.NewConn(c)
		case "AUTH":
			_, resp, _ := strings.Cut(arg, " ")
			dec, _ := base64.StdEncoding.DecodeString(resp)
			got.auth = string(dec)
			_ = tp.PrintfLine("235 ok")
		case "MAIL":
			got.from = arg
			_ = tp.PrintfLine("250 ok")
		case "RCPT":
			got.to = arg
			_ = tp.PrintfLine("250 ok")
		case "DATA":
			_ = tp.PrintfLine("354 go")
			data, _ := io.ReadAll(tp.DotReader())
			got.data = string(data)
			r.mu.Lock()
			r.sessions = append(r.sessions, got)
			r.mu.Unlock()
			_ = tp.PrintfLine("250 queued")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 unknown")
		}
	}
}

func (r *relay) last(t *testing.T) received {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sessions) == 0 {
		t.Fatal("the relay received nothing")
	}
	return r.sessions[len(r.sessions)-1]
}

// testCert borrows httptest's certificate for 127.0.0.1 and a pool that
// trusts it.
func testCert(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &srv.TLS.Certificates[0], pool
}

func TestSend(t *testing.T) {
	cert, pool := testCert(t)
	msg := Message{To: "ada@example.com", Subject: "Vérifiez votre adresse", Text: "Your code is 123456.\nIt expires in 15 minutes."}
	tests := []struct {
		name     string
		offerTLS bool
		sender   SMTP
		wantErr  string
		wantTLS  bool
		wantAuth string
	}{
		{name: "plain relay on loopback", sender: SMTP{From: "Acme <no-reply@acme.test>"}},
		{name: "STARTTLS with a password", offerTLS: true, wantTLS: true, wantAuth: "\x00mailer\x00s3cret",
			sender: SMTP{From: "no-reply@acme.test", StartTLS: true, Username: "mailer", Password: "s3cret",
				TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}},
		{name: "STARTTLS required but not offered", wantErr: "does not offer STARTTLS",
			sender: SMTP{From: "no-reply@acme.test", StartTLS: true}},
		{name: "untrusted certificate", offerTLS: true, wantErr: "certificate",
			sender: SMTP{From: "no-reply@acme.test", StartTLS: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c *tls.Certificate
			if tc.offerTLS {
				c = cert
			}
			r := newRelay(t, c)
			s := tc.sender
			s.Host, s.Port, _ = net.SplitHostPort(r.ln.Addr().String())
			s.Now = func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) }
			err := s.Send(t.Context(), msg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Send = %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := r.last(t)
			if got.tls != tc.wantTLS || got.auth != tc.wantAuth {
				t.Errorf("tls %v auth %q, want %v %q", got.tls, got.auth, tc.wantTLS, tc.wantAuth)
			}
			if got.from != "FROM:<no-reply@acme.test>" || !strings.HasPrefix(got.to, "TO:<ada@example.com>") {
				t.Errorf("envelope %q %q", got.from, got.to)
			}
			checkMessage(t, got.data, msg)
		})
	}
}

// checkMessage parses what the relay received as an email and compares it
// with what was sent.
func checkMessage(t *testing.T, data string, want Message) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("not an email: %v\n%s", err, data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != want.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, want.Subject)
	}
	if m.Header.Get("Date") != "Wed, 02 Jan 2030 03:04:05 +0000" || m.Header.Get("Message-Id") == "" {
		t.Errorf("Date %q Message-ID %q", m.Header.Get("Date"), m.Header.Get("Message-Id"))
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	// DATA ends with a line break whether or not the text did.
	if got := strings.TrimSuffix(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n"); got != want.Text {
		t.Errorf("body %q, want %q", got, want.Text)
	}
}

func TestSendRefusesHeaderInjection(t *testing.T) {
	s := SMTP{Host: "127.0.0.1", Port: "1", From: "no-reply@acme.test"}
	for name, m := range map[string]Message{
		"subject": {To: "a@example.com", Subject: "hi\r\nBcc: victim@example.com"},
		"to":      {To: "a@example.com\nBcc: victim@example.com", Subject: "hi"},
	} {
		if err := s.Send(t.Context(), m); err != errHeader {
			t.Errorf("%s: Send = %v, want errHeader", name, err)
		}
	}
}
