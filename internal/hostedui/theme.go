package hostedui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// defaultAccent is the accent of applications without branding.
const defaultAccent = "#4f46e5"

// themeCSS returns the inline style block that sets the accent colours.
// The accent comes from the configuration, which allows only #rgb and
// #rrggbb; anything else falls back to the default, so the block never
// carries text from elsewhere. Text colours are chosen for a WCAG AA
// contrast of 4.5:1: the ink on accent buttons is white or near-black,
// whichever contrasts more, and links use the accent darkened until it
// reads on white.
func themeCSS(accent string) string {
	rgb, ok := parseHex(accent)
	if !ok {
		rgb, _ = parseHex(defaultAccent)
	}
	ink := [3]float64{1, 1, 1}
	dark := [3]float64{0x11 / 255.0, 0x18 / 255.0, 0x27 / 255.0}
	if contrast(rgb, dark) > contrast(rgb, ink) {
		ink = dark
	}
	text := rgb
	for i := 0; i < 20 && contrast(text, [3]float64{1, 1, 1}) < 4.5; i++ {
		for c := range text {
			text[c] *= 0.9
		}
	}
	return fmt.Sprintf(":root{--accent:%s;--accent-ink:%s;--accent-text:%s}", hexColor(rgb), hexColor(ink), hexColor(text))
}

func parseHex(s string) ([3]float64, bool) {
	var rgb [3]float64
	h, ok := strings.CutPrefix(s, "#")
	if !ok {
		return rgb, false
	}
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return rgb, false
	}
	for i := range rgb {
		v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			return rgb, false
		}
		rgb[i] = float64(v) / 255
	}
	return rgb, true
}

func hexColor(rgb [3]float64) string {
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(rgb[0]*255)), int(math.Round(rgb[1]*255)), int(math.Round(rgb[2]*255)))
}

// luminance is the relative luminance of WCAG 2.2.
func luminance(rgb [3]float64) float64 {
	var l [3]float64
	for i, c := range rgb {
		if c <= 0.04045 {
			l[i] = c / 12.92
		} else {
			l[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// contrast is the WCAG contrast ratio of two colours, from 1 to 21.
func contrast(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
