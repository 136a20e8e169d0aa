package api

import (
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/manage"
	"github.com/latchkeyhq/latchkey/internal/store"
	"github.com/latchkeyhq/latchkey/internal/wire"
)

func (h *Handler) userRoutes(m map[string]endpoint) {
	m["GET /user_management/users"] = h.listUsers
	m["POST /user_management/users"] = h.createUser
	m["GET /user_management/users/{id}"] = h.getUser
	// /users/external_id/{external_id} and /users/{id}/sessions overlap
	// (ServeMux would find neither more specific), so one pattern takes
	// both and tells them apart.
	m["GET /user_management/users/{a}/{b}"] = h.userSubresource
	m["PUT /user_management/users/{id}"] = h.updateUser
	m["DELETE /user_management/users/{id}"] = h.deleteUser
	m["POST /user_management/sessions/revoke"] = h.revokeSession
}

// userBody is the OpenAPI CreateUserlandUserDto and UpdateUserlandUserDto.
// password_hash imports are not supported: Latchkey stores argon2id
// hashes it made itself.
type userBody struct {
	Email            opt[string]       `json:"email"`
	EmailVerified    opt[bool]         `json:"email_verified"`
	FirstName        opt[string]       `json:"first_name"`
	LastName         opt[string]       `json:"last_name"`
	ExternalID       opt[string]       `json:"external_id"`
	Password         opt[string]       `json:"password"`
	PasswordHash     string            `json:"password_hash"`
	PasswordHashType string            `json:"password_hash_type"`
	Metadata         map[string]string `json:"metadata"`
}

func (b userBody) check() error {
	if b.PasswordHash != "" || b.PasswordHashType != "" {
		return invalid("password_hash", "not_supported", "Latchkey does not import password hashes: send password")
	}
	return noMetadata(b.Metadata)
}

func userJSON(u store.User) wire.User { return wire.FromUser(u) }

func (h *Handler) listUsers(c call) (int, any, error) {
	q := c.r.URL.Query()
	l, err := parseList(q)
	if err != nil {
		return 0, nil, err
	}
	f := store.UserFilter{Email: q.Get("email"), OrganizationID: q.Get("organization_id")}
	if f.OrganizationID == "" {
		f.OrganizationID = q.Get("organization") // the deprecated name
	}
	users, md, err := h.Service.ListUsers(c.r.Context(), f, l.opts)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, list(l, wire.Map(users, userJSON), md), nil
}

func (h *Handler) createUser(c call) (int, any, error) {
	var b userBody
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	if err := b.check(); err != nil {
		return 0, nil, err
	}
	u, err := h.Service.CreateUser(c.r.Context(), manage.UserInput{Email: b.Email.V, EmailVerified: b.EmailVerified.V,
		FirstName: b.FirstName.V, LastName: b.LastName.V, ExternalID: b.ExternalID.V, Password: b.Password.V})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, userJSON(u), nil
}

func (h *Handler) getUser(c call) (int, any, error) {
	u, err := h.Service.GetUser(c.r.Context(), c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, userJSON(u), nil
}

func (h *Handler) userSubresource(c call) (int, any, error) {
	a, b := c.r.PathValue("a"), c.r.PathValue("b")
	switch {
	case a == "external_id":
		u, err := h.Service.GetUserByExternalID(c.r.Context(), b)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, userJSON(u), nil
	case b == "sessions":
		return h.listSessions(c, a)
	}
	return 0, nil, &apiError{status: http.StatusNotFound, Message: "Not found."}
}

func (h *Handler) updateUser(c call) (int, any, error) {
	var b userBody
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	if err := b.check(); err != nil {
		return 0, nil, err
	}
	u, err := h.Service.UpdateUser(c.r.Context(), c.r.PathValue("id"), manage.UserUpdate{
		Email: b.Email.ptr(), EmailVerified: b.EmailVerified.ptr(), FirstName: b.FirstName.ptr(),
		LastName: b.LastName.ptr(), ExternalID: b.ExternalID.ptr(), Password: b.Password.ptr(),
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, userJSON(u), nil
}

func (h *Handler) deleteUser(c call) (int, any, error) {
	return http.StatusOK, nil, h.Service.DeleteUser(c.r.Context(), c.r.PathValue("id"))
}

func (h *Handler) listSessions(c call, userID string) (int, any, error) {
	l, err := parseList(c.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	sessions, md, err := h.Service.ListSessions(c.r.Context(), userID, l.opts)
	if err != nil {
		return 0, nil, err
	}
	now := h.Now()
	return http.StatusOK, list(l, wire.Map(sessions, func(s store.Session) wire.Session { return wire.FromSession(s, now) }), md), nil
}

// revokeSession ends a session. The document declares no response body;
// Latchkey answers 200 without one, as WorkOS does.
func (h *Handler) revokeSession(c call) (int, any, error) {
	var b struct {
		SessionID string `json:"session_id"`
	}
	if err := decode(c, &b); err != nil {
		return 0, nil, err
	}
	if _, err := h.Service.RevokeSession(c.r.Context(), b.SessionID); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, nil, nil
}
