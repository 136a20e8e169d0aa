package wire

import "github.com/latchkeyhq/latchkey/internal/store"

// List is the WorkOS list envelope: one page of objects and the cursors of
// the neighbouring pages.
type List[T any] struct {
	Object       string       `json:"object"` // always "list"
	Data         []T          `json:"data"`
	ListMetadata ListMetadata `json:"list_metadata"`
}

// ListMetadata holds the cursors; null when there is no page that way.
type ListMetadata struct {
	Before *string `json:"before"`
	After  *string `json:"after"`
}

// NewList wraps a page; data is never encoded as null.
func NewList[T any](data []T, md store.ListMetadata) List[T] {
	if data == nil {
		data = []T{}
	}
	return List[T]{Object: "list", Data: data, ListMetadata: ListMetadata{Before: optString(md.Before), After: optString(md.After)}}
}

// Map converts each record of a page.
func Map[R, T any](recs []R, conv func(R) T) []T {
	out := make([]T, len(recs))
	for i, r := range recs {
		out[i] = conv(r)
	}
	return out
}
