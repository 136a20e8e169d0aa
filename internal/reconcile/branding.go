package reconcile

import (
	"context"

	"github.com/latchkeyhq/latchkey/internal/config"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// ensureBranding writes the application's declared branding when it
// differs from the stored one. Unlike redirect URIs, branding is replaced,
// not added to: removing it from the file brings back the default look.
func ensureBranding(ctx context.Context, st store.Store, appID string, b config.Branding) error {
	want := store.Branding{LogoURL: b.LogoURL, AccentColor: b.AccentColor}
	have, err := st.GetApplicationBranding(ctx, appID)
	if err != nil {
		return err
	}
	if have == want {
		return nil
	}
	return st.SetApplicationBranding(ctx, appID, want)
}
