package usermanagement

import "testing"

func TestCodeChallengeS256RFCVector(t *testing.T) {
	if got := CodeChallengeS256(rfcVerifier); got != rfcChallenge {
		t.Fatalf("CodeChallengeS256(%q) = %q, want %q (RFC 7636 Appendix B)", rfcVerifier, got, rfcChallenge)
	}
}

func TestNewPKCE(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p, err := NewPKCE()
		if err != nil {
			t.Fatal(err)
		}
		if len(p.CodeVerifier) != 43 || !isPKCEValue(p.CodeVerifier) {
			t.Fatalf("verifier %q is not 43 unreserved characters", p.CodeVerifier)
		}
		if p.CodeChallenge != CodeChallengeS256(p.CodeVerifier) || !isPKCEValue(p.CodeChallenge) {
			t.Fatalf("challenge %q does not match verifier %q", p.CodeChallenge, p.CodeVerifier)
		}
		if p.CodeChallengeMethod != "S256" {
			t.Fatalf("method = %q", p.CodeChallengeMethod)
		}
		if seen[p.CodeVerifier] {
			t.Fatal("NewPKCE repeated a verifier")
		}
		seen[p.CodeVerifier] = true
	}
}
