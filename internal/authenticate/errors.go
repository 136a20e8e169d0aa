package authenticate

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/latchkeyhq/latchkey/internal/oauth"
)

// apiError is an error in the WorkOS {"code", "message"} shape, which the
// OpenAPI document uses for this path besides the OAuth {"error",
// "error_description"} one (e.g. invalid_credentials,
// email_verification_required).
type apiError struct {
	Status  int
	Code    string
	Message string
	Extra   map[string]any
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// fail writes err in its shape and logs it with the trace ID.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	trace := h.TraceID(r.Context())
	if ae, ok := err.(*apiError); ok {
		h.Log.LogAttrs(r.Context(), slog.LevelInfo, "authenticate failed", slog.String("trace_id", trace), slog.String("error", ae.Code))
		body := map[string]any{"code": ae.Code, "message": ae.Message}
		for k, v := range ae.Extra {
			body[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(ae.Status)
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	e := oauth.As(err)
	level := slog.LevelInfo
	if e.Status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{slog.String("trace_id", trace), slog.String("error", e.Code), slog.String("description", e.Description)}
	if e.Cause != nil {
		attrs = append(attrs, slog.String("cause", e.Cause.Error()))
	}
	h.Log.LogAttrs(r.Context(), level, "authenticate failed", attrs...)
	oauth.JSON(w, e, trace)
}
