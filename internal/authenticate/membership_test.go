package authenticate_test

import (
	"net/http"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/id"
	"github.com/latchkeyhq/latchkey/internal/store"
)

// TestRefreshAfterMembershipEnds checks a session whose organization
// membership was deactivated or removed after sign-in: a refresh must not
// keep minting access tokens that place the user in that organization.
// Apps scope their tenant data by org_id and authorize by role, and the
// organization switch already refuses such memberships.
func TestRefreshAfterMembershipEnds(t *testing.T) {
	cases := []struct {
		name string
		end  func(e *env, m store.OrganizationMembership) error
	}{
		{"deactivated", func(e *env, m store.OrganizationMembership) error {
			m.Status = store.MembershipInactive
			return e.st.UpdateOrganizationMembership(e.ctx, m)
		}},
		{"removed", func(e *env, m store.OrganizationMembership) error {
			return e.st.DeleteOrganizationMembership(e.ctx, m.ID)
		}},
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				// A user of its own, so the other cases keep their memberships.
				u := store.User{ID: id.New(id.User), Email: c.name + "@example.com", EmailVerified: true,
					CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
				m := store.OrganizationMembership{ID: id.New(id.OrganizationMembership), UserID: u.ID, OrganizationID: e.orgA.ID, Role: "admin",
					Status: store.MembershipActive, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
				if err := e.st.CreateUser(e.ctx, u); err != nil {
					t.Fatal(err)
				}
				if err := e.st.CreateOrganizationMembership(e.ctx, m); err != nil {
					t.Fatal(err)
				}
				g := e.ssoGrant()
				g.UserID = u.ID
				tk := e.authenticate(t, asJSON, params{"grant_type": "authorization_code", "client_id": e.app.ID,
					"client_secret": e.secret, "code": e.issueCode(t, g)}).wantTokens(t)
				e.checkTokens(t, tk, want{user: u, client: e.app.ID, org: e.orgA.ID, role: "admin", method: "SSO"})

				if err := c.end(e, m); err != nil {
					t.Fatal(err)
				}
				res := e.refresh(t, tk.RefreshToken, nil) // validated against the document
				if res.status != http.StatusOK {
					return // refusing the refresh is one right answer
				}
				next := res.wantTokens(t)
				cl := e.verify(t, e.app.ID, next.AccessToken)
				if (cl.OrgID != nil && *cl.OrgID == e.orgA.ID) || (next.OrganizationID != nil && *next.OrganizationID == e.orgA.ID) {
					t.Errorf("after the membership was %s, a refresh still places the user in %s (org_id %v, role %v)",
						c.name, e.orgA.ID, deref(cl.OrgID), deref(cl.Role))
				}
			})
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return "<none>"
	}
	return *s
}
