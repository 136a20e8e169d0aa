package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/manage"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/wire"
)

const adminUsage = `usage: latchkey admin <command> [flags]

Set up objects without an HTTP client, through the same checks as the
management API. Each command prints what it created as the API would
return it (JSON). Running servers see the change at once on PostgreSQL, and
within a second on SQLite.

commands:
  create-organization  --name NAME [--domain DOMAIN]... [--external-id ID]
  add-connection       --type TYPE --name NAME [--organization ORG_ID] [--inactive]
                       OpenID Connect and OAuth: --client-id ID (--client-secret-env VAR | --client-secret SECRET)
                         [--issuer URL] [--scope SCOPE]...
                       SAML: --idp-metadata-url URL | --idp-metadata-file FILE
  add-redirect-uri     --uri URI [--logout] [--application CLIENT_ID]
  add-cors-origin      --origin ORIGIN [--application CLIENT_ID]
  create-user          --email EMAIL [--first-name NAME] [--last-name NAME] [--email-verified]
                       [--password-env VAR] [--organization ORG_ID]... [--role ROLE]

--application may be left out when there is exactly one application.
Every command also takes --config and --database, as serve does.
Run "latchkey admin <command> -h" for details.
`

// adminCmd runs one `latchkey admin` command.
func adminCmd(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, adminUsage)
		return usageError{errors.New("admin: missing command")}
	}
	cmds := map[string]func(context.Context, []string, env) error{
		"create-organization": adminCreateOrganization,
		"add-connection":      adminAddConnection,
		"add-redirect-uri":    adminAddRedirectURI,
		"add-cors-origin":     adminAddCORSOrigin,
		"create-user":         adminCreateUser,
	}
	if cmd, ok := cmds[args[0]]; ok {
		return adminError(cmd(ctx, args[1:], e))
	}
	if a := args[0]; a == "help" || a == "-h" || a == "--help" {
		fmt.Fprint(e.stdout, adminUsage)
		return nil
	}
	fmt.Fprint(e.stderr, adminUsage)
	return usageError{fmt.Errorf("admin: unknown command %q", args[0])}
}

// adminError makes a refusal of the service (bad input, a missing or
// duplicate object) a usage error, listing each field's problem.
func adminError(err error) error {
	me, ok := manage.AsError(err)
	if !ok {
		return err
	}
	msg := me.Message
	for _, f := range me.Fields {
		msg += fmt.Sprintf("\n  --%s: %s", strings.ReplaceAll(f.Field, "_", "-"), f.Message)
	}
	return usageError{errors.New(msg)}
}

// adminFlags are the flags every admin command takes.
type adminFlags struct {
	*flag.FlagSet
	common *commonFlags // a pointer: the flags write into it after the copy
}

func newAdminFlags(name string) adminFlags {
	f := adminFlags{FlagSet: flag.NewFlagSet("admin "+name, flag.ContinueOnError), common: &commonFlags{}}
	f.StringVar(&f.common.config, "config", "", "configuration file (default ./latchkey.yaml when present; env LATCHKEY_CONFIG)")
	f.StringVar(&f.common.database, "database", "", "sqlite:PATH, a bare path, or postgres://… (env LATCHKEY_DATABASE_URL)")
	return f
}

// open parses the flags and opens the database, migrated, with the
// management service over it. withSecrets loads the secret key, which only
// commands that seal connection secrets need.
func (f adminFlags) open(ctx context.Context, args []string, e env, withSecrets bool) (*manage.Service, func(), error) {
	if err := parseFlags(f.FlagSet, args, e.stderr); err != nil {
		return nil, nil, err
	}
	s, target, err := resolveDatabase(*f.common, e)
	if err != nil {
		return nil, nil, err
	}
	db, err := openDatabase(ctx, target, true)
	if err != nil {
		return nil, nil, err
	}
	var key []byte
	if withSecrets {
		if key, err = adminMasterKey(ctx, s, target, db, e); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	svc, err := newService(db, key)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, func() { db.Close() }, nil
}

// adminMasterKey finds the key the servers seal secrets with. SQLite's key
// file is created only for a database that holds no secret yet: one sealed
// with a lost file could never be opened by the server.
func adminMasterKey(ctx context.Context, s settings, target dbTarget, db database, e env) ([]byte, error) {
	key, err := configuredMasterKey(first(envVal(e, "LATCHKEY_SECRET_KEY"), s.file.SecretKey), target)
	if err != nil || key != nil {
		return key, err
	}
	if _, err := os.Stat(target.url + ".key"); err != nil {
		conns, _, lerr := db.ListConnections(ctx, store.ConnectionFilter{}, store.ListOptions{Limit: 1})
		if lerr != nil {
			return nil, lerr
		}
		if len(conns) > 0 {
			return nil, usageError{fmt.Errorf("key file %s.key is missing but the database holds connections sealed with it: "+
				"restore the file, or set secret_key (LATCHKEY_SECRET_KEY) to the key the server uses", target.url)}
		}
	}
	return keyFile(target.url)
}

// printJSON writes v, indented, for people and for jq.
func printJSON(e env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// secretFlag reads a secret from the environment variable the operator
// names (kept out of the process list and shell history), or from the
// flag itself.
func secretFlag(e env, direct, envName, flagName string) (string, error) {
	if envName == "" {
		return direct, nil
	}
	if direct != "" {
		return "", usageError{fmt.Errorf("--%s and --%s-env: give one", flagName, flagName)}
	}
	v, ok := e.lookup(envName)
	if !ok {
		return "", usageError{fmt.Errorf("--%s-env: environment variable %s is not set", flagName, envName)}
	}
	return v, nil
}

// listFlag is a flag that may be repeated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set adds one value.
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func adminCreateOrganization(ctx context.Context, args []string, e env) error {
	f := newAdminFlags("create-organization")
	name := f.String("name", "", "the organization's name (required)")
	externalID := f.String("external-id", "", "your identifier for the organization")
	var domains listFlag
	f.Var(&domains, "domain", "an email domain of the organization, verified (repeat for several)")
	svc, done, err := f.open(ctx, args, e, false)
	if err != nil {
		return helpIsSuccess(err)
	}
	defer done()
	in := manage.OrganizationInput{Name: *name, ExternalID: *externalID}
	for _, d := range domains {
		in.Domains = append(in.Domains, manage.DomainInput{Domain: d})
	}
	org, err := svc.CreateOrganization(ctx, in)
	if err != nil {
		return err
	}
	return printJSON(e, wire.FromOrganization(org.Organization, org.Domains))
}

func adminAddRedirectURI(ctx context.Context, args []string, e env) error {
	f := newAdminFlags("add-redirect-uri")
	uri := f.String("uri", "", "the redirect URI (required)")
	logout := f.Bool("logout", false, "register a logout return URI instead of a sign-in redirect URI")
	app := f.String("application", "", "client ID of the application (default: the only one)")
	svc, done, err := f.open(ctx, args, e, false)
	if err != nil {
		return helpIsSuccess(err)
	}
	defer done()
	a, err := svc.Application(ctx, *app)
	if err != nil {
		return err
	}
	kind := store.RedirectLogin
	if *logout {
		kind = store.RedirectLogout
	}
	r, err := svc.AddRedirectURI(ctx, a.ID, kind, *uri)
	if err != nil {
		return err
	}
	return printJSON(e, wire.FromRedirectURI(r))
}

func adminAddCORSOrigin(ctx context.Context, args []string, e env) error {
	f := newAdminFlags("add-cors-origin")
	origin := f.String("origin", "", "the origin, scheme://host[:port] (required)")
	app := f.String("application", "", "client ID of the application (default: the only one)")
	svc, done, err := f.open(ctx, args, e, false)
	if err != nil {
		return helpIsSuccess(err)
	}
	defer done()
	a, err := svc.Application(ctx, *app)
	if err != nil {
		return err
	}
	o, err := svc.AddCORSOrigin(ctx, a.ID, *origin)
	if err != nil {
		return err
	}
	return printJSON(e, wire.FromCORSOrigin(o))
}

func adminCreateUser(ctx context.Context, args []string, e env) error {
	f := newAdminFlags("create-user")
	var in manage.UserInput
	f.StringVar(&in.Email, "email", "", "the user's email address (required)")
	f.StringVar(&in.FirstName, "first-name", "", "first name")
	f.StringVar(&in.LastName, "last-name", "", "last name")
	f.BoolVar(&in.EmailVerified, "email-verified", false, "mark the email address verified")
	passwordEnv := f.String("password-env", "", "name of the environment variable that holds the password (none: SSO only)")
	role := f.String("role", "", "role slug of the memberships (default member)")
	var orgs listFlag
	f.Var(&orgs, "organization", "ID of an organization to add the user to (repeat for several)")
	svc, done, err := f.open(ctx, args, e, false)
	if err != nil {
		return helpIsSuccess(err)
	}
	defer done()
	if in.Password, err = secretFlag(e, "", *passwordEnv, "password"); err != nil {
		return err
	}
	u, err := svc.CreateUser(ctx, in)
	if err != nil {
		return err
	}
	for _, org := range orgs {
		m, err := svc.CreateMembership(ctx, u.ID, org, *role)
		if err != nil {
			return fmt.Errorf("user %s was created, but not added to %s: %w", u.ID, org, adminError(err))
		}
		fmt.Fprintf(e.stderr, "added to %s (%s) as %s\n", org, m.OrganizationName, m.Role)
	}
	return printJSON(e, wire.FromUser(u))
}

func adminAddConnection(ctx context.Context, args []string, e env) error {
	f := newAdminFlags("add-connection")
	var in manage.ConnectionInput
	f.StringVar(&in.Type, "type", "", "connection type: GenericOIDC, GenericSAML, OktaSAML, GoogleOAuth, … (required)")
	f.StringVar(&in.Name, "name", "", "the connection's name (required)")
	f.StringVar(&in.OrganizationID, "organization", "", "ID of the organization of an SSO connection")
	inactive := f.Bool("inactive", false, "create the connection inactive")
	issuer := f.String("issuer", "", "OpenID Connect: the issuer URL")
	clientID := f.String("client-id", "", "OpenID Connect and OAuth: the client ID at the provider")
	secret := f.String("client-secret", "", "the client secret (prefer --client-secret-env: flags show in the process list)")
	secretEnv := f.String("client-secret-env", "", "name of the environment variable that holds the client secret")
	metadataURL := f.String("idp-metadata-url", "", "SAML: the identity provider's metadata URL")
	metadataFile := f.String("idp-metadata-file", "", "SAML: a file holding the identity provider's metadata XML")
	var scopes listFlag
	f.Var(&scopes, "scope", "a scope to request (repeat for several; default: the provider's)")
	svc, done, err := f.open(ctx, args, e, true)
	if err != nil {
		return helpIsSuccess(err)
	}
	defer done()
	clientSecret, err := secretFlag(e, *secret, *secretEnv, "client-secret")
	if err != nil {
		return err
	}
	if *inactive {
		in.State = store.ConnectionInactive
	}
	// The type's kind decides the block; an unknown type gets no block and
	// the service reports the type.
	switch kind, _ := config.ConnectionKind(in.Type); kind {
	case config.KindOIDC:
		in.OIDC = &config.OIDC{Issuer: *issuer, ClientID: *clientID, ClientSecret: clientSecret, Scopes: scopes}
	case config.KindOAuth:
		in.OAuth = &config.OAuth{ClientID: *clientID, ClientSecret: clientSecret, Scopes: scopes}
	case config.KindSAML:
		in.SAML = &config.SAML{IDPMetadataURL: *metadataURL}
		if *metadataFile != "" {
			b, err := os.ReadFile(*metadataFile)
			if err != nil {
				return usageError{fmt.Errorf("--idp-metadata-file: %w", err)}
			}
			in.SAML.IDPMetadata = string(b)
		}
	}
	c, err := svc.CreateConnection(ctx, in)
	if err != nil {
		return err
	}
	return printJSON(e, wire.FromConnection(c.Connection, c.Settings, c.Domains))
}
