package ingest

import (
	"fmt"
	"strings"
	"unicode"
)

// garbled says why a page's text looks unusable (fonts without a Unicode
// map give replacement characters, private-use code points or symbol
// soup), or "" when it looks like text.
func garbled(text string) string {
	var total, letters, bad int
	for _, r := range text {
		switch {
		case unicode.IsSpace(r) || unicode.IsDigit(r) || strings.ContainsRune(".,:;·…-–—()[]", r):
			continue // leaders, numbers and punctuation say nothing either way
		case r == '\uFFFD' || (r >= 0xE000 && r <= 0xF8FF) || unicode.IsControl(r):
			bad++
		case unicode.IsLetter(r):
			letters++
		}
		total++
	}
	if total < 20 {
		return ""
	}
	if bad*5 > total {
		return fmt.Sprintf("%d%% of the characters could not be decoded (font without a Unicode map); search may miss this page", bad*100/total)
	}
	if letters*10 < total*3 {
		return "text looks garbled (few letters); search may miss this page"
	}
	return ""
}

// cleanPageText drops characters that carry no text (NUL, other controls
// besides newlines and tabs, replacement characters) and trailing spaces.
func cleanPageText(s string) string {
	clean := true
	for _, r := range s {
		if r == '\uFFFD' || (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
			clean = false
			break
		}
	}
	if !clean {
		s = strings.Map(func(r rune) rune {
			switch {
			case r == '\n' || r == '\t':
				return r
			case r < 0x20 || r == 0x7f || r == '\uFFFD':
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}

func isLetter(r rune) bool { return unicode.IsLetter(r) }

func isLower(r rune) bool { return unicode.IsLower(r) }
