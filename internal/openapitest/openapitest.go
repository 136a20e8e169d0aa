// Package openapitest checks, in tests, that Latchkey answers in the shape
// of the official WorkOS OpenAPI document (testdata/openapi at the
// repository root): a handler test passes every response it gets through
// ValidateResponse, which fails the test with the validator's findings when
// the status, the content type or the body does not match the operation's
// response schema.
//
// The document is OpenAPI 3.1.1 (type arrays such as [string, 'null'],
// const), so the validator is pb33f/libopenapi-validator, which compiles the
// schemas as JSON Schema 2020-12.
package openapitest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/cache"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
)

// DocumentPath is where the document lives, relative to the repository root.
const DocumentPath = "testdata/openapi/open-api-spec.yaml"

// loaded is the parsed document and its validator. Parsing the ~1 MB
// document takes about a second (several under the race detector), so it
// happens once per test binary: doc is this package's only state, read-only
// once loaded, and it lives in tests only.
type loaded struct {
	v   validator.Validator
	err error
	// mu serialises validations: the tests that share the validator may run
	// in parallel, and one validation costs microseconds.
	mu sync.Mutex
}

var (
	once sync.Once
	doc  loaded
)

func load() *loaded {
	once.Do(func() { doc.v, doc.err = newValidator() })
	return &doc
}

func newValidator() (validator.Validator, error) {
	path, err := findDocument()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("openapitest: %w", err)
	}
	d, err := libopenapi.NewDocument(repair(data))
	if err != nil {
		return nil, fmt.Errorf("openapitest: parse %s: %w", path, err)
	}
	schemas := &lazyCache{SchemaCache: cache.NewDefaultCache()}
	schemas.building.Store(true)
	v, errs := validator.NewValidator(d,
		// date-time and uri are asserted, not only annotations: WorkOS SDKs
		// parse those values.
		config.WithFormatAssertions(),
		config.WithSchemaCache(schemas),
	)
	schemas.building.Store(false)
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapitest: build the model of %s: %w", path, errors.Join(errs...))
	}
	return v, nil
}

// lazyCache is the validator's cache of compiled schemas, filled on first
// use. Given a cache, the validator's constructor compiles the schema of
// every operation of the document up front: about a second normally, but
// over ten under the race detector, where a test binary validates a handful
// of operations. While building is set, Load claims every schema is cached
// so the constructor skips them; validation then compiles each schema it
// needs once and stores it (it never trusts an entry without a compiled
// schema, so the claim cannot leak into a validation).
type lazyCache struct {
	cache.SchemaCache
	building atomic.Bool
}

func (c *lazyCache) Load(key uint64) (*cache.SchemaCacheEntry, bool) {
	if c.building.Load() {
		return nil, true
	}
	return c.SchemaCache.Load(key)
}

// repair fixes, in memory, what in the document keeps the validator from
// compiling a schema; such a schema would fail every response checked
// against it. Each repair keeps the document's meaning:
//
//   - A "required" list that names a property twice (ConnectionList,
//     DirectoryList, DirectoryGroupList, DirectoryUserList and
//     OrganizationList repeat list_metadata) breaks JSON Schema's rule that
//     its items be unique, so the schema does not compile; the repeats go.
//
// Any other defect found later is fixed here too, with a line above,
// rather than by skipping validation. The repairs work on lines, not on a
// re-encoded YAML tree: that costs nothing next to parsing, and keeps the
// rest of the file byte for byte.
func repair(data []byte) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	out := make([][]byte, 0, len(lines))
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		if !requiredKey.Match(lines[i]) {
			continue
		}
		// The document writes every required list in block style, one
		// "- name" a line.
		seen := map[string]bool{}
		for ; i+1 < len(lines); i++ {
			m := requiredItem.FindSubmatch(lines[i+1])
			if m == nil {
				break
			}
			name := strings.Trim(string(m[1]), `'"`)
			if !seen[name] {
				out = append(out, lines[i+1])
			}
			seen[name] = true
		}
	}
	return bytes.Join(out, nil)
}

var (
	requiredKey  = regexp.MustCompile(`^\s*required:\s*$`)
	requiredItem = regexp.MustCompile(`^\s*- (\S.*?)\s*$`)
)

// findDocument walks up from the working directory (a package directory
// under go test) to the repository root, which holds DocumentPath.
func findDocument() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("openapitest: %w", err)
	}
	for {
		p := filepath.Join(dir, filepath.FromSlash(DocumentPath))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("openapitest: %s not found above the working directory", DocumentPath)
		}
		dir = parent
	}
}

// Validate checks resp, whose body has already been read into body,
// against the response the document declares for req's method and path and
// resp's status. It returns nil when the response conforms, and otherwise
// an error listing every finding. An operation or status the document does
// not declare is a finding too.
func Validate(req *http.Request, resp *http.Response, body []byte) error {
	d := load()
	if d.err != nil {
		return d.err
	}
	// The validator reads the bodies it is given; hand it copies so that
	// the caller's stay intact, and no request body at all (only the
	// response is checked).
	r := req.Clone(req.Context())
	r.Body, r.ContentLength = http.NoBody, 0
	rr := *resp
	rr.Header = resp.Header.Clone()
	rr.Body = io.NopCloser(bytes.NewReader(body))
	rr.Request = r

	d.mu.Lock()
	ok, findings := d.v.ValidateHttpResponse(r, &rr)
	d.mu.Unlock()
	if ok && len(findings) == 0 {
		return nil
	}
	return &Error{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Body: body, Findings: findings}
}

// ValidateResponse fails t when resp does not match the document (see
// Validate). body is resp's body, already read.
func ValidateResponse(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	if err := Validate(req, resp, body); err != nil {
		t.Errorf("%v", err)
	}
}

// Error is a response that does not match the document.
type Error struct {
	Method   string
	Path     string
	Status   int
	Body     []byte
	Findings []*liberrors.ValidationError
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "openapitest: %s %s answered %d, which does not match the OpenAPI document:", e.Method, e.Path, e.Status)
	for _, f := range e.Findings {
		fmt.Fprintf(&b, "\n  - %s: %s", f.Message, f.Reason)
		for _, s := range f.SchemaValidationErrors {
			loc := s.FieldPath
			if loc == "" {
				loc = "$"
			}
			fmt.Fprintf(&b, "\n      %s at %s (schema %s)", s.Reason, loc, s.KeywordLocation)
		}
	}
	body := string(e.Body)
	if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	fmt.Fprintf(&b, "\n  body: %s", body)
	return b.String()
}
