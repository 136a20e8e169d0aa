package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/latchkeyhq/latchkey/bench/node"
)

// server is a running Latchkey.
type server struct {
	*node.Process
	pprof string // its pprof address, "" when it has none
}

// configTemplate is the file every Latchkey of the run starts with: the
// application, the organization and GenericOIDC connection the sign-in
// scenarios use (at the dev-idp, found by discovery), and a GoogleOAuth
// connection whose endpoints point at the dev-idp instead of Google.
var configTemplate = template.Must(template.New("latchkey.yaml").Parse(`# Written by bench/cmd/loadgen.
{{- if .Algorithm}}
token_algorithm: {{.Algorithm}}
{{- end}}
applications:
  - name: Bench
    client_id: {{.ClientID}}
    api_keys: [{{.APIKey}}]
    redirect_uris: [{{.RedirectURI}}]
organizations:
  - id: {{.Org}}
    name: Bench SSO
connections:
  - id: {{.Conn}}
    type: GenericOIDC
    organization_id: {{.Org}}
    name: Bench dev-idp
    oidc:
      issuer: {{.Issuer}}
      client_id: latchkey
      client_secret: bench-secret
  - id: {{.OAuthConn}}
    type: GoogleOAuth
    name: Bench Google stand-in
    oauth:
      client_id: bench-google
      client_secret: bench-google-secret
      scopes: [openid, email, profile]
      endpoints:
        authorization: {{.IdP.AuthorizationURL}}
        token: {{.IdP.TokenURL}}
        userinfo: {{.Issuer}}/userinfo
`))

// writeConfig writes the configuration file for a server signing with alg
// ("" for the default, RS256) and returns its path.
func (b *bench) writeConfig(alg string) (string, error) {
	path := filepath.Join(b.work, "latchkey-"+strings.ToLower(alg)+".yaml")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	err = configTemplate.Execute(f, map[string]any{
		"Algorithm": alg, "ClientID": b.app.ClientID, "APIKey": b.app.APIKey, "RedirectURI": b.app.RedirectURI,
		"Org": b.ssoOrg, "Conn": b.ssoConn, "OAuthConn": b.oauthConn, "Issuer": b.idpCfg.Issuer, "IdP": b.idpCfg,
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return path, err
}

// startLatchkey starts `latchkey serve` on db. alg picks the access-token
// algorithm through the token_algorithm key ("": the default). With
// -pprof it asks for the profiling endpoint, and starts without it when
// this build has no --pprof flag.
func (b *bench) startLatchkey(ctx context.Context, db *database, alg string) (*server, error) {
	cfg, err := b.writeConfig(alg)
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--config", cfg, "--listen", "127.0.0.1:0", "--database", db.url}
	env := []string{"LATCHKEY_SECRET_KEY=" + b.masterKey}
	start := func(pprof string) (*server, error) {
		a := args
		if pprof != "" {
			a = append(a[:len(a):len(a)], "--pprof", pprof)
		}
		p, err := node.Start(ctx, node.Options{Name: "latchkey (" + db.name + ")", Path: b.latchkey, Args: a, Env: env})
		if err != nil {
			return nil, err
		}
		return &server{Process: p, pprof: pprof}, nil
	}
	if b.o.pprof > 0 {
		addr, err := freeLoopbackAddr()
		if err != nil {
			return nil, err
		}
		s, err := start(addr)
		if err == nil || !strings.Contains(err.Error(), "flag provided but not defined: -pprof") {
			return s, err
		}
		b.note("this build of latchkey has no --pprof flag: no server profiles")
		b.o.pprof = 0
	}
	return start("")
}

// freeLoopbackAddr returns a loopback address with a port free right now.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func secretKeyBytes(s string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("bad master key")
	}
	return k, nil
}

// waitIndex polls the server's /metrics until its catalog index holds
// entries, and returns how long that took and how many it holds.
func waitIndex(ctx context.Context, base string, limit time.Duration) (time.Duration, int, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		n, err := indexEntries(ctx, base)
		if err == nil && n > 0 {
			return time.Since(start), n, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = errors.New("still empty")
			}
			return 0, 0, fmt.Errorf("after %s: %w", limit, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// indexEntries reads latchkey_catalog_index_entries from /metrics.
func indexEntries(ctx context.Context, base string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "latchkey_catalog_index_entries "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return int(f), err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no latchkey_catalog_index_entries metric (a build without the index?)")
}
