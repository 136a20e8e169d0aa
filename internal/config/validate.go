package config

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/id"
)

// minAPIKeyLength keeps declared API keys from being guessable.
const minAPIKeyLength = 12

// validate checks what the types cannot: required fields, formats,
// references and uniqueness. It reports through d so that every problem
// carries the line where its key was written.
func (d *decoder) validate(f *File) {
	d.settings(f)
	d.mail(f)
	orgIDs := d.organizations(f.Organizations)
	d.applications(f.Applications)
	d.connections(f.Connections, orgIDs)
	d.users(f.Users, orgIDs)
}

// report records a validation problem at path, unless path or one of its
// parents already failed to decode: that problem has been reported once.
func (d *decoder) report(path, format string, args ...any) {
	for p := path; ; p = parentPath(p) {
		if d.failed[p] {
			return
		}
		if p == "" {
			break
		}
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: d.lineOf(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// check reports err, if any, at path.
func (d *decoder) check(path string, err error) {
	if err != nil {
		d.report(path, "%v", err)
	}
}

// unique reports path when key was already seen, naming where; seen maps
// each key to the path that declared it first. Messages never repeat the
// value, which may be a secret.
func (d *decoder) unique(seen map[string]string, key, path, what string) {
	if first, dup := seen[key]; dup {
		d.report(path, "duplicate %s: already at %s (line %d)", what, first, d.lineOf(first))
		return
	}
	seen[key] = path
}

// required reports path when value is empty or blank.
func (d *decoder) required(path, value string) bool {
	if strings.TrimSpace(value) == "" {
		d.report(path, "required")
		return false
	}
	return true
}

func (d *decoder) applications(apps []Application) {
	names, clientIDs, keys := map[string]string{}, map[string]string{}, map[string]string{}
	for i, a := range apps {
		p := fmt.Sprintf("applications[%d]", i)
		if d.required(p+".name", a.Name) {
			d.unique(names, a.Name, p+".name", "application name")
		}
		if a.ClientID != "" {
			if !id.Valid(id.Application, a.ClientID) {
				d.report(p+".client_id", "not a client ID: client_ followed by a 26-character upper-case ULID")
			} else {
				d.unique(clientIDs, a.ClientID, p+".client_id", "client_id")
			}
		}
		for j, k := range a.APIKeys {
			kp := fmt.Sprintf("%s.api_keys[%d]", p, j)
			if err := checkAPIKey(k); err != nil {
				d.report(kp, "%v", err)
				continue
			}
			// Keys are unique across applications: a key names its application.
			d.unique(keys, k, kp, "API key")
		}
		d.uris(p+".redirect_uris", a.RedirectURIs, ValidateRedirectURI)
		d.uris(p+".logout_redirect_uris", a.LogoutRedirectURIs, ValidateRedirectURI)
		d.uris(p+".cors_origins", a.CORSOrigins, ValidateCORSOrigin)
		if a.Branding.LogoURL != "" {
			d.check(p+".branding.logo_url", checkLogoURL(a.Branding.LogoURL))
		}
		if a.Branding.AccentColor != "" && !isHexColor(a.Branding.AccentColor) {
			d.report(p+".branding.accent_color", "must be a hex colour, #rgb or #rrggbb")
		}
	}
}

// uris checks each URI of a list and refuses repeats, which the store's
// uniqueness would refuse later with less context.
func (d *decoder) uris(path string, list []string, validate func(string) error) {
	seen := map[string]string{}
	for i, u := range list {
		up := fmt.Sprintf("%s[%d]", path, i)
		if err := validate(u); err != nil {
			d.report(up, "%v", err)
			continue
		}
		d.unique(seen, u, up, "URI")
	}
}

// checkAPIKey checks a declared key's form; the error never quotes the key.
func checkAPIKey(k string) error {
	switch {
	case !strings.HasPrefix(k, "sk_"):
		return errors.New("an API key starts with sk_")
	case len(k) < minAPIKeyLength:
		return fmt.Errorf("an API key has at least %d characters", minAPIKeyLength)
	}
	for i := range len(k) {
		if k[i] <= ' ' || k[i] >= 0x7f {
			return errors.New("an API key has only printable ASCII characters, without spaces")
		}
	}
	return nil
}

func checkLogoURL(raw string) error {
	u, loopback, err := checkWebURL(raw)
	if err == nil && u.Scheme == "http" && !loopback {
		// An http image on an https page is mixed content.
		return errors.New("http is allowed only for loopback hosts; use https")
	}
	return err
}

func isHexColor(s string) bool {
	hex, ok := strings.CutPrefix(s, "#")
	if !ok || (len(hex) != 3 && len(hex) != 6) {
		return false
	}
	for i := range len(hex) {
		c := hex[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// organizations checks the organizations and returns the IDs they
// declare, the only ones connections and users may refer to.
func (d *decoder) organizations(orgs []Organization) map[string]bool {
	ids, domains := map[string]string{}, map[string]string{}
	declared := map[string]bool{}
	var byName []natural
	for i, o := range orgs {
		p := fmt.Sprintf("organizations[%d]", i)
		if o.Name != "" {
			byName = append(byName, natural{key: o.Name, path: p + ".name", hasID: o.ID != ""})
		}
		if o.ID != "" {
			if !id.Valid(id.Organization, o.ID) {
				d.report(p+".id", "not an organization ID: org_ followed by a 26-character upper-case ULID")
			} else {
				d.unique(ids, o.ID, p+".id", "organization id")
				declared[o.ID] = true
			}
		}
		d.required(p+".name", o.Name)
		for j, dom := range o.Domains {
			dp := fmt.Sprintf("%s.domains[%d]", p, j)
			if err := checkDomain(dom); err != nil {
				d.report(dp, "%v", err)
				continue
			}
			// A domain routes sign-ins to one organization.
			d.unique(domains, dom, dp, "domain")
		}
	}
	d.ambiguous(byName, "an organization without an id is found by its name")
	return declared
}

// natural is an entry's natural key: what finds it in the database when
// the file gives it no id.
type natural struct {
	key, path string
	hasID     bool
}

// ambiguous reports each entry without an id whose natural key another
// entry shares: at start it would be found as that other one, and two
// entries of the file would update one record.
func (d *decoder) ambiguous(entries []natural, why string) {
	byKey := map[string][]string{}
	for _, e := range entries {
		byKey[e.key] = append(byKey[e.key], e.path)
	}
	for _, e := range entries {
		if e.hasID {
			continue
		}
		for _, other := range byKey[e.key] {
			if other != e.path {
				d.report(e.path, "%s, and %s (line %d) is the same: give one of them an id", why, other, d.lineOf(other))
				break
			}
		}
	}
}

// checkDomain checks an organization's email domain. It must be written in
// lower case, as it is stored and compared, and must not be a public
// suffix, which would claim every address under it.
func checkDomain(dom string) error {
	if err := checkDNSName(dom); err != nil {
		return err
	}
	switch {
	case dom != strings.ToLower(dom):
		return fmt.Errorf("write the domain in lower case: %s", strings.ToLower(dom))
	case !strings.Contains(dom, "."):
		return fmt.Errorf("%q is not a domain name with a dot", dom)
	case isPublicSuffix(dom):
		return fmt.Errorf("%s is a public suffix, not an organization's domain", dom)
	}
	return nil
}

// orgRef checks a reference to an organization declared in the file.
func (d *decoder) orgRef(path, ref string, declared map[string]bool) {
	switch {
	case !id.Valid(id.Organization, ref):
		d.report(path, "not an organization ID: org_ followed by a 26-character upper-case ULID")
	case !declared[ref]:
		d.report(path, "organization %s is not declared under organizations (only an organization with an id can be referred to)", ref)
	}
}

func (d *decoder) users(users []User, orgIDs map[string]bool) {
	emails := map[string]string{}
	for i, u := range users {
		p := fmt.Sprintf("users[%d]", i)
		if d.required(p+".email", u.Email) {
			if err := checkEmail(u.Email); err != nil {
				d.report(p+".email", "%v", err)
			} else {
				// The store keeps emails unique case-insensitively.
				d.unique(emails, strings.ToLower(u.Email), p+".email", "email")
			}
		}
		seen := map[string]string{}
		for j, ref := range u.Organizations {
			rp := fmt.Sprintf("%s.organizations[%d]", p, j)
			d.orgRef(rp, ref, orgIDs)
			d.unique(seen, ref, rp, "organization")
		}
	}
}

// checkEmail accepts a bare address (alice@acme.test), not a display form
// ("Alice <alice@acme.test>"), with a host name for a domain.
func checkEmail(s string) error {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return errors.New("not an email address (write it bare: alice@example.com)")
	}
	at := strings.LastIndexByte(s, '@')
	if err := checkDNSName(s[at+1:]); err != nil {
		return fmt.Errorf("not an email address: %w", err)
	}
	return nil
}
