package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/wire"
)

// maxBody bounds a request body; the largest legitimate one carries a
// SAML metadata document.
const maxBody = 1 << 20

// decode reads a JSON object body into v. An empty body is an empty
// object, so that the service reports the required fields. Unknown fields
// are ignored, as the WorkOS API ignores them: SDKs send fields Latchkey
// has no use for.
func decode(c call, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, c.r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return invalid("", "too_large", fmt.Sprintf("the request body is larger than %d bytes", maxBody))
		}
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return invalid(typeErr.Field, "invalid", "must be a JSON "+jsonType(typeErr.Type.Kind().String()))
		}
		return invalid("", "invalid_json", "the request body is not a JSON object")
	}
	if dec.More() {
		return invalid("", "invalid_json", "the request body holds more than one JSON value")
	}
	return nil
}

// jsonType names a Go kind in JSON's words.
func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	}
	return "number"
}

// opt is a JSON field that may be absent, null or a value, so that an
// update changes only what the client sent: absent leaves the field
// alone, null clears it (to the zero value).
type opt[T any] struct {
	Set bool
	V   T
}

// UnmarshalJSON is called for null too, which clears.
func (o *opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		var zero T
		o.V = zero
		return nil
	}
	return json.Unmarshal(b, &o.V)
}

// ptr returns the value to set, or nil to leave the field alone.
func (o opt[T]) ptr() *T {
	if !o.Set {
		return nil
	}
	v := o.V
	return &v
}

// noMetadata refuses metadata, which Latchkey does not keep: accepting and
// dropping it would lose the client's data without a word.
func noMetadata(m map[string]string) error {
	if len(m) > 0 {
		return invalid("metadata", "not_supported", "Latchkey does not store metadata; send an empty object or none")
	}
	return nil
}

// listQuery is a list request's cursor parameters. Order "normal" is
// newest first with the cursors swapped (the OpenAPI document: before
// fetches older items, after newer ones).
type listQuery struct {
	opts   store.ListOptions
	normal bool
}

// parseList reads limit, before, after and order.
func parseList(q url.Values) (listQuery, error) {
	var l listQuery
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return l, invalid("limit", "invalid", "must be an integer between 1 and 100")
		}
		l.opts.Limit = n
	}
	l.opts.Before, l.opts.After = q.Get("before"), q.Get("after")
	switch o := q.Get("order"); o {
	case "", "desc":
		l.opts.Order = store.Desc
	case "asc":
		l.opts.Order = store.Asc
	case "normal":
		l.opts.Order, l.normal = store.Desc, true
		l.opts.Before, l.opts.After = l.opts.After, l.opts.Before
	default:
		return l, invalid("order", "invalid", "must be asc, desc or normal")
	}
	return l, nil
}

// list wraps a page in the WorkOS envelope, swapping the cursors back for
// order=normal.
func list[T any](l listQuery, data []T, md store.ListMetadata) wire.List[T] {
	if l.normal {
		md.Before, md.After = md.After, md.Before
	}
	return wire.NewList(data, md)
}

// csv reads a query array written as the document's form style without
// explode (a=x,y), also accepting the parameter repeated (a=x&a=y) and
// the a[]=x spelling some clients use.
func csv(q url.Values, name string) []string {
	var out []string
	for _, v := range append(q[name], q[name+"[]"]...) {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
