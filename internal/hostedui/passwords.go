package hostedui

import (
	"bufio"
	"bytes"
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Password rules (NIST SP 800-63B §3.1.1.2): a minimum length, a maximum
// that bounds the hashing work a request can cause, no composition rules,
// and a check against commonly used passwords.
const (
	minPasswordLength = 10
	maxPasswordLength = 256 // bytes
)

//go:embed data/common-passwords.txt
var commonPasswordList []byte

func loadCommonPasswords() (map[string]bool, error) {
	set := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(commonPasswordList))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			set[line] = true
		}
	}
	return set, sc.Err()
}

// checkPassword returns what is wrong with a new password, or "".
func (h *Handler) checkPassword(pw, email string) string {
	switch {
	case utf8.RuneCountInString(pw) < minPasswordLength:
		return "Use at least 10 characters."
	case len(pw) > maxPasswordLength:
		return "Use at most 256 characters."
	case h.isCommon(pw):
		return "This password is too common. Choose one that is harder to guess."
	case email != "" && h.isEmail(pw, email):
		return "Do not use your email address in your password."
	}
	return ""
}

// isEmail reports whether pw is built on the email address: it contains
// the whole address, or is its name part with digits and symbols around.
func (h *Handler) isEmail(pw, email string) bool {
	p, e := strings.ToLower(pw), strings.ToLower(email)
	core := strings.TrimFunc(p, func(r rune) bool { return !unicode.IsLetter(r) })
	return strings.Contains(p, e) || core == localPart(e) || p == localPart(e)
}

// isCommon reports whether pw, in lower case, is on the list, either as
// it is or once digits and symbols around it are dropped (Summer2025!
// counts as summer) or it is one character repeated.
func (h *Handler) isCommon(pw string) bool {
	p := strings.ToLower(pw)
	if h.commonPass[p] {
		return true
	}
	core := strings.TrimFunc(p, func(r rune) bool { return !unicode.IsLetter(r) })
	if core != "" && h.commonPass[core] {
		return true
	}
	first, _ := utf8.DecodeRuneInString(p)
	return strings.Trim(p, string(first)) == ""
}

func localPart(email string) string {
	if i := strings.LastIndexByte(email, '@'); i > 0 {
		return email[:i]
	}
	return email
}
