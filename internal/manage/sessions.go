package manage

import (
	"context"
	"fmt"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// ListSessions returns a page of a user's sessions, live and ended.
func (s *Service) ListSessions(ctx context.Context, userID string, opts store.ListOptions) ([]store.Session, store.ListMetadata, error) {
	if _, err := existing(ctx, s.Store.GetUser, "User", userID); err != nil {
		return nil, store.ListMetadata{}, err
	}
	ss, meta, err := s.Store.ListSessions(ctx, userID, opts)
	if err != nil {
		return nil, meta, fail("list sessions", err)
	}
	return ss, meta, nil
}

// RevokeSession ends a session; its refresh tokens stop working at once.
// Revoking an ended session again changes nothing. The WorkOS API answers
// every refusal of this call as a bad request (400), an unknown session
// included.
func (s *Service) RevokeSession(ctx context.Context, sessionID string) (store.Session, error) {
	if sessionID == "" {
		return store.Session{}, &Error{Kind: Rejected, Code: "invalid_request_parameters", Message: "session_id is required.",
			Fields: []FieldError{{Field: "session_id", Code: "required", Message: "is required"}}}
	}
	if _, err := s.Store.GetSession(ctx, sessionID); err != nil {
		if e, ok := AsError(orNotFound(err, "Session", sessionID)); ok {
			e.Kind = Rejected
			return store.Session{}, e
		}
		return store.Session{}, fail("find session", err)
	}
	if err := s.Store.RevokeSession(ctx, sessionID, s.now()); err != nil {
		return store.Session{}, fmt.Errorf("manage: revoke session %s: %w", sessionID, err)
	}
	return existing(ctx, s.Store.GetSession, "Session", sessionID)
}
