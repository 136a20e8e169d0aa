package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a configuration file, positioned so that an
// operator can go straight to it: "latchkey.yaml:14: applications[0].name: required".
type Error struct {
	File string // the file name as the caller gave it
	Line int    // 1-based
	Path string // the key, as a path from the top: connections[1].oidc.issuer; empty for syntax errors
	Msg  string
}

// Error formats the problem as file:line: path: message.
func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Path, e.Msg)
}

// Errors is every problem found in one file, sorted by line. Load and Parse
// report them all at once so that an operator fixes the file in one pass
// instead of restarting once per mistake.
type Errors []*Error

// Error formats the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives errors.As and errors.Is access to each problem.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// maxErrors bounds the list: past it, more lines help nobody and a
// hostile file could make the list as large as the file.
const maxErrors = 100

// sorted orders the problems by line, keeping the order of discovery
// within a line, cuts the list at maxErrors, and returns nil when there
// are none so that callers never hold a non-nil error wrapping an empty
// list.
func (es Errors) sorted() error {
	if len(es) == 0 {
		return nil
	}
	slices.SortStableFunc(es, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	if len(es) > maxErrors {
		last := es[maxErrors-1]
		more := &Error{File: last.File, Line: last.Line, Msg: fmt.Sprintf("%d more problems not shown", len(es)-maxErrors)}
		es = append(es[:maxErrors:maxErrors], more)
	}
	return es
}
