package hostedui

import (
	"html/template"
	"strings"
)

// providerButton names a provider connection's button: "Continue with
// Google" for GoogleOAuth.
func providerButton(typ string) providerView {
	label := strings.TrimSuffix(typ, "OAuth")
	switch typ {
	case "VercelMarketplaceOAuth":
		label = "Vercel Marketplace"
	case "LinkedInOAuth":
		label = "LinkedIn"
	}
	icon := "generic"
	if _, ok := icons[strings.ToLower(label)]; ok {
		icon = strings.ToLower(label)
	}
	return providerView{Type: typ, Label: label, Icon: icon}
}

// icon returns a provider's mark as inline SVG. The marks are constants
// of this file, never data, and carry no style attributes (the CSP allows
// none).
func icon(name string) template.HTML {
	if svg, ok := icons[name]; ok {
		return template.HTML(svg)
	}
	return template.HTML(icons["generic"])
}

var icons = map[string]string{
	"google": `<svg class="mark-icon" viewBox="0 0 48 48" aria-hidden="true" focusable="false">` +
		`<path fill="#FFC107" d="M43.6 20.1H42V20H24v8h11.3C33.7 32.7 29.2 36 24 36c-6.6 0-12-5.4-12-12s5.4-12 12-12c3.1 0 5.8 1.2 8 3l5.7-5.7C34 6.1 29.3 4 24 4 13 4 4 13 4 24s9 20 20 20 20-9 20-20c0-1.3-.1-2.6-.4-3.9z"/>` +
		`<path fill="#FF3D00" d="M6.3 14.7l6.6 4.8C14.7 15.1 19 12 24 12c3.1 0 5.8 1.2 8 3l5.7-5.7C34 6.1 29.3 4 24 4 16.3 4 9.7 8.3 6.3 14.7z"/>` +
		`<path fill="#4CAF50" d="M24 44c5.2 0 9.9-2 13.4-5.2l-6.2-5.2C29.2 35.1 26.7 36 24 36c-5.2 0-9.6-3.3-11.3-7.9l-6.5 5C9.5 39.6 16.2 44 24 44z"/>` +
		`<path fill="#1976D2" d="M43.6 20.1H42V20H24v8h11.3c-.8 2.2-2.2 4.2-4.1 5.6l6.2 5.2C37 39.2 44 34 44 24c0-1.3-.1-2.6-.4-3.9z"/></svg>`,
	"microsoft": `<svg class="mark-icon" viewBox="0 0 21 21" aria-hidden="true" focusable="false">` +
		`<rect x="1" y="1" width="9" height="9" fill="#F25022"/><rect x="11" y="1" width="9" height="9" fill="#7FBA00"/>` +
		`<rect x="1" y="11" width="9" height="9" fill="#00A4EF"/><rect x="11" y="11" width="9" height="9" fill="#FFB900"/></svg>`,
	"github":  `<svg class="mark-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 .3a12 12 0 0 0-3.8 23.4c.6.1.8-.3.8-.6v-2c-3.3.7-4-1.6-4-1.6-.6-1.4-1.4-1.8-1.4-1.8-1-.7.1-.7.1-.7 1.2.1 1.8 1.2 1.8 1.2 1 1.8 2.8 1.3 3.5 1 0-.8.4-1.3.7-1.6-2.7-.3-5.5-1.3-5.5-5.9 0-1.3.5-2.4 1.2-3.2 0-.3-.5-1.5.2-3.2 0 0 1-.3 3.3 1.2a11.5 11.5 0 0 1 6 0C17.3 4.7 18.3 5 18.3 5c.7 1.7.2 2.9.1 3.2.8.8 1.3 1.9 1.3 3.2 0 4.6-2.8 5.6-5.5 5.9.4.4.8 1.1.8 2.2v3.3c0 .3.2.7.8.6A12 12 0 0 0 12 .3"/></svg>`,
	"gitlab":  `<svg class="mark-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="#E24329" d="m23.6 9.6-.1-.2-3.2-8.4a.8.8 0 0 0-1.6.1l-2.2 6.6H7.5L5.3 1.1a.8.8 0 0 0-1.6-.1L.5 9.4l-.1.2a6 6 0 0 0 2 6.9l5.4 4 2.6 2 1.6 1.2a1 1 0 0 0 1.2 0l1.6-1.2 2.6-2 5.4-4a6 6 0 0 0 2-6.9z"/></svg>`,
	"apple":   `<svg class="mark-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M16.4 12.6c0-2.6 2.1-3.8 2.2-3.9-1.2-1.8-3.1-2-3.7-2-1.6-.2-3.1.9-3.9.9-.8 0-2-.9-3.4-.9-1.7 0-3.3 1-4.2 2.6-1.8 3.1-.5 7.7 1.3 10.2.9 1.2 1.9 2.6 3.2 2.6 1.3-.1 1.8-.8 3.3-.8 1.6 0 2 .8 3.4.8 1.4 0 2.3-1.3 3.1-2.5 1-1.4 1.4-2.8 1.4-2.9 0 0-2.7-1-2.7-4.1zM13.9 5c.7-.9 1.2-2 1-3.2-1 0-2.3.7-3 1.6-.7.8-1.2 2-1.1 3.1 1.2.1 2.3-.6 3.1-1.5z"/></svg>`,
	"generic": `<svg class="mark-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M7 14a2 2 0 1 1 0-4 2 2 0 0 1 0 4zm5.6-4A6 6 0 1 0 12.6 14H16v2h4v-2h2v-4z"/></svg>`,
}
