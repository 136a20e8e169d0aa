package wire

import "github.com/latchkeyhq/latchkey/internal/store"

// RedirectURI is the OpenAPI RedirectUri schema.
type RedirectURI struct {
	Object    string `json:"object"` // "redirect_uri"
	ID        string `json:"id"`
	URI       string `json:"uri"`
	Default   bool   `json:"default"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// FromRedirectURI converts a stored redirect URI.
func FromRedirectURI(r store.RedirectURI) RedirectURI {
	return RedirectURI{Object: "redirect_uri", ID: r.ID, URI: r.URI, Default: r.Default,
		CreatedAt: Time(r.CreatedAt), UpdatedAt: Time(r.UpdatedAt)}
}

// CORSOrigin is the OpenAPI CorsOriginResponse schema.
type CORSOrigin struct {
	Object    string `json:"object"` // "cors_origin"
	ID        string `json:"id"`
	Origin    string `json:"origin"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// FromCORSOrigin converts a stored origin, which is never updated.
func FromCORSOrigin(o store.CORSOrigin) CORSOrigin {
	return CORSOrigin{Object: "cors_origin", ID: o.ID, Origin: o.Origin, CreatedAt: Time(o.CreatedAt), UpdatedAt: Time(o.CreatedAt)}
}
