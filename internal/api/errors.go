package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/manage"
)

// apiError is the WorkOS error body and its status: {"code", "message",
// "errors": [{"field", "code", "message"}]}. The Node SDK reads code and
// message, and each item's code, from it.
type apiError struct {
	status  int
	Code    string       `json:"code,omitempty"`
	Message string       `json:"message"`
	Errors  []fieldError `json:"errors,omitempty"`
}

type fieldError struct {
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Message }

// statusOf is the HTTP status of each kind of refusal, as the OpenAPI
// document lists them.
var statusOf = map[manage.Kind]int{
	manage.Invalid:  http.StatusUnprocessableEntity,
	manage.NotFound: http.StatusNotFound,
	manage.Conflict: http.StatusConflict,
	manage.Rejected: http.StatusBadRequest,
}

// invalid is a 422 for request problems found before the service runs
// (a body that is not JSON, a bad query parameter).
func invalid(field, code, message string) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, Code: "invalid_request_parameters", Message: "Validation failed.",
		Errors: []fieldError{{Field: field, Code: code, Message: message}}}
}

// fail writes err: a refusal in the WorkOS shape with its status, anything
// else as a 500 that names the trace ID and is logged (a failure is never
// the client's fault, and its details stay in the log).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		if ae.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey"`)
		}
		writeJSON(w, ae.status, ae)
		return
	}
	if me, ok := manage.AsError(err); ok {
		body := &apiError{Code: me.Code, Message: me.Message}
		for _, f := range me.Fields {
			body.Errors = append(body.Errors, fieldError{Field: f.Field, Code: f.Code, Message: f.Message})
		}
		writeJSON(w, statusOf[me.Kind], body)
		return
	}
	trace := h.TraceID(r.Context())
	h.Log.ErrorContext(r.Context(), "management API request failed", slog.String("trace_id", trace),
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	writeJSON(w, http.StatusInternalServerError, &apiError{Code: "server_error",
		Message: "Latchkey could not complete the request (trace " + trace + ")."})
}

// writeJSON writes body as JSON with status; a nil body writes the status
// alone.
func writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
