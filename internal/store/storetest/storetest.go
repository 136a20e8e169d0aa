// Package storetest is the conformance suite of store.Store (the pattern of
// Dex's storage/conformance). A backend is correct when RunTests passes; its
// test file is a few lines that open a fresh store and hand it over.
package storetest

import (
	"testing"

	"github.com/latchkeyhq/latchkey/internal/store"
)

// subTest is one conformance check; it gets a store of its own.
type subTest struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// RunTests runs the conformance suite; newStore returns a fresh, empty,
// migrated store for each subtest.
func RunTests(t *testing.T, newStore func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []subTest
	}{
		{"Applications", applicationTests()},
		{"Organizations", organizationTests()},
		{"Connections", connectionTests()},
		{"Catalog", catalogTests()},
		{"Users", userTests()},
		{"Memberships", membershipTests()},
		{"Sessions", sessionTests()},
		{"AuthCodes", authCodeTests()},
		{"SignIns", signInTests()},
		{"RefreshTokens", refreshTokenTests()},
		{"Grants", grantTests()},
		{"SigningKeys", signingKeyTests()},
		{"Generation", generationTests()},
		{"Concurrency", concurrencyTests()},
		{"Manage", manageTests()},
		{"SAMLAssertions", samlTests()},
		{"HostedLogin", hostedTests()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, st := range g.tests {
				t.Run(st.name, func(t *testing.T) { st.run(t, newStore(t)) })
			}
		})
	}
	t.Run("Pagination", func(t *testing.T) { runPagination(t, newStore) })
}
