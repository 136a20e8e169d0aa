// Command latchkey is a self-hosted identity server that speaks the WorkOS
// User Management / SSO wire protocol.
//
//	latchkey serve   [--config FILE] [--listen ADDR] [--database URL] [--public-url URL]
//	latchkey migrate [--config FILE] [--database URL]
//	latchkey dev-idp [--listen ADDR] [--users FILE]
//	latchkey version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit statuses: 2 for a usage or configuration mistake the operator must
// fix, 1 for a failure at run time.
const (
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks errors that exit with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// env is the process environment as the commands see it; tests pass their own.
type env struct {
	stdout, stderr io.Writer
	lookup         func(string) (string, bool)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, lookup: os.LookupEnv})
	stop()
	os.Exit(code)
}

const usage = `usage: latchkey <command> [flags]

commands:
  serve     run the server (default: SQLite in ./latchkey.db, listening on 127.0.0.1:8080)
  migrate   apply pending schema migrations and exit
  dev-idp   run a development OpenID Connect identity provider on loopback
  keys      list or rotate the access-token signing keys
  admin     set up organizations, connections, users and redirect URIs without an HTTP client
  version   print the version

Run "latchkey <command> -h" for the flags of a command.
`

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], e)
	case "migrate":
		err = migrate(ctx, args[1:], e)
	case "dev-idp":
		err = devIDP(ctx, args[1:], e)
	case "keys":
		err = keysCmd(ctx, args[1:], e)
	case "admin":
		err = adminCmd(ctx, args[1:], e)
	case "version":
		fmt.Fprintf(e.stdout, "latchkey %s\n", version)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
	default:
		fmt.Fprintf(e.stderr, "latchkey: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(e.stderr, "latchkey: %v\n", err)
	if errors.As(err, new(usageError)) {
		return exitUsage
	}
	return exitFailure
}
