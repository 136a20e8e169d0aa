package config

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds the work of walking a document. Aliases let a small file
// name the same subtree many times over ("billion laughs"); a real
// configuration is far below this.
const maxNodes = 100_000

// decoder walks a yaml.Node tree into File's structs by their yaml tags.
// It is written by hand rather than left to yaml.v3's Decode so that every
// problem, not just the first, is reported with its key path and line, and
// so that ${NAME} expansion happens on scalar values after parsing, where
// an expanded value cannot inject YAML structure.
type decoder struct {
	file      string
	lookupEnv func(string) (string, bool)
	errs      Errors
	lines     map[string]int      // key path → line where it was written
	failed    map[string]bool     // key paths whose value did not decode
	expanding map[*yaml.Node]bool // alias targets being walked, to catch cycles
	nodes     int                 // nodes walked, against maxNodes
}

func newDecoder(file string, lookupEnv func(string) (string, bool)) *decoder {
	return &decoder{
		file:      file,
		lookupEnv: lookupEnv,
		lines:     map[string]int{},
		failed:    map[string]bool{},
		expanding: map[*yaml.Node]bool{},
	}
}

// fail records a problem with the value at path and marks it, so that
// validation does not report the same value again as missing.
func (d *decoder) fail(path string, format string, args ...any) {
	d.failed[path] = true
	d.errs = append(d.errs, &Error{File: d.file, Line: d.lineOf(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// lineOf returns the line where path, or failing that its nearest written
// ancestor, appears: a missing required key is reported at its parent.
func (d *decoder) lineOf(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if line, ok := d.lines[p]; ok {
			return line
		}
	}
	return 1
}

// parentPath strips the last key or index: a.b[2] → a.b → a → "".
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// value decodes n into v, a field of one of File's types.
func (d *decoder) value(n *yaml.Node, path string, v reflect.Value) {
	if d.nodes++; d.nodes > maxNodes {
		if d.nodes == maxNodes+1 {
			d.fail(path, "the document is too large (more than %d values, counting aliases)", maxNodes)
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		target := n.Alias
		if target == nil { // yaml.v3 refuses unknown anchors; be safe anyway
			d.fail(path, "alias *%s refers to no anchor", n.Value)
			return
		}
		if d.expanding[target] {
			d.fail(path, "alias *%s refers to a value that contains it", n.Value)
			return
		}
		d.expanding[target] = true
		d.value(target, path, v)
		delete(d.expanding, target)
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // an empty value is an absent value
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.value(n, path, p.Elem())
		v.Set(p)
	case reflect.Struct:
		d.mapping(n, path, v)
	case reflect.Slice:
		d.sequence(n, path, v)
	case reflect.String:
		d.str(n, path, v)
	case reflect.Bool:
		d.boolean(n, path, v)
	default:
		panic("config: no decoding for " + v.Type().String()) // a programming error in File's types
	}
}

// mapping decodes a YAML mapping into struct v, refusing keys that match no
// field and keys written twice.
func (d *decoder) mapping(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.fail(path, "expected a mapping, got %s", describe(n))
		return
	}
	fields := fieldsByKey(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := d.key(k, path)
		if !ok {
			continue
		}
		child := joinKey(path, key)
		if first, dup := seen[key]; dup {
			d.errs = append(d.errs, &Error{File: d.file, Line: k.Line, Path: child,
				Msg: fmt.Sprintf("duplicate key (first written at line %d)", first)})
			continue
		}
		seen[key] = k.Line
		idx, known := fields[key]
		if !known {
			d.errs = append(d.errs, &Error{File: d.file, Line: k.Line, Path: child, Msg: unknownKey(key, v.Type())})
			continue
		}
		d.lines[child] = k.Line
		d.value(val, child, v.Field(idx))
	}
}

// key returns a mapping key's text, refusing keys that are not plain
// strings: complex keys, aliases as keys and YAML merge keys.
func (d *decoder) key(k *yaml.Node, path string) (string, bool) {
	bad := func(msg string) (string, bool) {
		// The mapping is then incomplete: do not also report its
		// required keys as missing.
		d.failed[path] = true
		d.errs = append(d.errs, &Error{File: d.file, Line: k.Line, Path: path, Msg: msg})
		return "", false
	}
	switch {
	case k.Kind != yaml.ScalarNode:
		return bad("a key must be a string, got " + describe(k))
	case k.ShortTag() == "!!merge":
		return bad("merge keys (<<) are not supported")
	}
	return k.Value, true
}

// sequence decodes a YAML sequence into slice v.
func (d *decoder) sequence(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.fail(path, "expected a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		child := fmt.Sprintf("%s[%d]", path, i)
		d.lines[child] = item.Line
		d.value(item, child, s.Index(i))
	}
	v.Set(s)
}

// str decodes a scalar into string v, expanding ${NAME}. Numbers, booleans
// and timestamps are taken as written (name: 2024), but not lists, maps or
// tags like !!binary whose text is not the value.
func (d *decoder) str(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.fail(path, "expected a string, got %s", describe(n))
		return
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float", "!!bool", "!!timestamp":
	default:
		d.fail(path, "expected a string, got %s", describe(n))
		return
	}
	s, err := expand(n.Value, d.lookupEnv)
	if err != nil {
		d.fail(path, "%v", err)
		return
	}
	v.SetString(s)
}

// boolean decodes true or false into v. A quoted or ${NAME} string is
// accepted when it is, after expansion, exactly true or false, so that a
// flag can come from the environment; "yes", "on" and "maybe" are refused
// because YAML versions disagree on them.
func (d *decoder) boolean(n *yaml.Node, path string, v reflect.Value) {
	text := n.Value
	switch {
	case n.Kind != yaml.ScalarNode:
		d.fail(path, "expected true or false, got %s", describe(n))
		return
	case n.ShortTag() == "!!str" && strings.Contains(text, "${"):
		s, err := expand(text, d.lookupEnv)
		if err != nil {
			d.fail(path, "%v", err)
			return
		}
		text = s
	case n.ShortTag() != "!!bool":
		d.fail(path, "expected true or false, got %s", describe(n))
		return
	}
	switch strings.ToLower(text) {
	case "true":
		v.SetBool(true)
	case "false":
		v.SetBool(false)
	default:
		d.fail(path, "expected true or false, got %q", text)
	}
}

// describe names a node's kind for "expected …, got …" messages, without
// its value, which may be a secret written in the wrong place.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch tag := n.ShortTag(); tag {
	case "!!str":
		return "a string" // not quoted: the value may be a secret
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "the boolean " + n.Value
	case "!!null":
		return "null"
	default:
		return "a value tagged " + tag
	}
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// joinKey appends a mapping key to a path, quoting keys that would make the
// path ambiguous to read.
func joinKey(path, key string) string {
	if key == "" || strings.ContainsFunc(key, func(r rune) bool {
		return !(r == '_' || r == '-' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) {
		key = fmt.Sprintf("%q", key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldsByKey maps each yaml tag of struct type t to its field index.
func fieldsByKey(t reflect.Type) map[string]int {
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		if key := t.Field(i).Tag.Get("yaml"); key != "" {
			fields[key] = i
		}
	}
	return fields
}

// unknownKey says a key is unknown and, for a near miss such as
// redirect_uri for redirect_uris, which key was probably meant.
func unknownKey(key string, t reflect.Type) string {
	best, bestDist := "", 3
	for i := range t.NumField() {
		known := t.Field(i).Tag.Get("yaml")
		if dist := editDistance(strings.ToLower(key), known); dist < bestDist {
			best, bestDist = known, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown key (did you mean %s?)", best)
	}
	return "unknown key"
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
