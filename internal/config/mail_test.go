package config

import "testing"

func TestParseMailErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{
			name: "mode",
			yaml: `
mode: staging
`,
			want: []string{"1: mode: must be development or production"},
		},
		{
			name: "smtp",
			yaml: `
smtp:
  host: "mail example"
  port: 99999
  from: "not an address"
  username: mailer
`,
			want: []string{
				`2: smtp.host: host name "mail example": invalid character ' ' (letters, digits and hyphens only; write international names as xn--…)`,
				"3: smtp.port: must be a port number, such as 587",
				`4: smtp.from: not an email address (no-reply@example.com or "Example <no-reply@example.com>")`,
				"5: smtp.username: username and password go together: set both or neither",
			},
		},
		{
			name: "password in the clear",
			yaml: `
smtp:
  host: smtp.example.com
  from: no-reply@example.com
  username: mailer
  password: s3cret
  starttls: false
`,
			want: []string{"6: smtp.starttls: the password would cross the network in the clear: keep starttls on, or use a relay on this host"},
		},
		{
			name: "smtp without host and from",
			yaml: `
smtp: {port: "25"}
`,
			want: []string{"1: smtp.host: required", "1: smtp.from: required"},
		},
	})
}

func TestParseMail(t *testing.T) {
	tests := []struct {
		name       string
		yaml       string
		production bool
		startTLS   bool
		port       string
	}{
		{name: "defaults", yaml: "smtp: {host: smtp.example.com, from: no-reply@example.com}", startTLS: true},
		{name: "production", yaml: "mode: production\nsmtp: {host: smtp.example.com, port: 2525, from: \"Acme <no-reply@acme.com>\"}",
			production: true, startTLS: true, port: "2525"},
		{name: "plain relay on this host", yaml: "smtp: {host: 127.0.0.1, port: 25, from: a@example.com, username: u, password: p, starttls: false}", port: "25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("x.yaml", doc(tt.yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			if f.Production() != tt.production || f.SMTP.RequireStartTLS() != tt.startTLS || f.SMTP.Port != tt.port {
				t.Errorf("production %v starttls %v port %q", f.Production(), f.SMTP.RequireStartTLS(), f.SMTP.Port)
			}
		})
	}
}
