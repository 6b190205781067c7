package ingest

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalize makes extracted text uniform so that the same words chunk, embed
// and match the same way whatever the source: line ends become LF, NULs and
// control characters (except \n and \t) go, soft hyphens and zero-width
// characters go, ligatureSpellings are spelled out (ﬁ -> fi), exotic spaces become
// spaces, runs of spaces inside a line collapse to one, trailing spaces and
// runs of blank lines are trimmed, and the result is Unicode NFC. Invalid
// UTF-8 becomes U+FFFD.
//
// markdown keeps what Markdown's syntax needs: leading indentation, and the
// inside of fenced code blocks untouched apart from the character fixes.
func normalize(s string, markdown bool) string {
	s = mapChars(s)
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	return tidyLines(s, markdown)
}

// mapChars applies the character-level fixes in one pass. It returns s
// itself when nothing needs to change (the common case for clean ASCII).
func mapChars(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if _, change := mapRune(r, n); !change {
				i += n
				continue
			}
		}
		break
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '\r':
				if i < len(s) && s[i] == '\n' {
					continue
				}
				b.WriteByte('\n')
			case c >= 0x20 && c < 0x7f || c == '\n' || c == '\t':
				b.WriteByte(c)
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		rep, change := mapRune(r, n)
		if !change {
			b.WriteString(s[i-n : i])
			continue
		}
		b.WriteString(rep)
	}
	return b.String()
}

// mapRune says what a non-ASCII rune becomes; n is its encoded length (1
// with RuneError means an invalid byte).
func mapRune(r rune, n int) (string, bool) {
	switch {
	case r == utf8.RuneError && n == 1:
		return "\uFFFD", true
	case r >= 0x80 && r <= 0x9f: // C1 controls; NEL is a line end
		if r == 0x85 {
			return "\n", true
		}
		return "", true
	case r == 0xad, r == 0x200b, r == 0x2060, r == 0xfeff: // soft hyphen, zero-width space, word joiner, BOM
		return "", true
	case r == 0xa0, r >= 0x2000 && r <= 0x200a, r == 0x202f, r == 0x205f, r == 0x3000:
		return " ", true
	case r == 0x2028, r == 0x2029:
		return "\n", true
	case r >= 0xfb00 && r <= 0xfb06:
		return ligatureSpellings[r-0xfb00], true
	}
	return "", false
}

var ligatureSpellings = [...]string{"ff", "fi", "fl", "ffi", "ffl", "st", "st"}

// tidyLines trims trailing spaces, collapses runs of spaces inside lines and
// keeps at most one blank line between paragraphs. Leading and trailing
// blank lines of the whole text go.
func tidyLines(s string, markdown bool) string {
	var b strings.Builder
	b.Grow(len(s))
	blank := 0 // blank lines seen since the last text line
	started := false
	var fence byte
	fenceLen := 0
	for len(s) > 0 {
		line := s
		if j := strings.IndexByte(s, '\n'); j >= 0 {
			line, s = s[:j], s[j+1:]
		} else {
			s = ""
		}
		line = strings.TrimRight(line, " \t")
		inFence := fence != 0
		if markdown {
			if ch, n := fenceMarker(line); n > 0 {
				switch {
				case fence == 0:
					fence, fenceLen = ch, n
				case ch == fence && n >= fenceLen && strings.TrimLeft(line, " \t"+string(ch)) == "":
					fence, inFence = 0, true
				}
			}
		}
		if line == "" {
			if inFence && started {
				b.WriteByte('\n')
				continue
			}
			blank++
			continue
		}
		if started {
			b.WriteByte('\n')
			if blank > 0 {
				b.WriteByte('\n')
			}
		}
		started = true
		blank = 0
		if inFence {
			b.WriteString(line)
			continue
		}
		indent := 0
		if markdown {
			for indent < len(line) && (line[indent] == ' ' || line[indent] == '\t') {
				indent++
			}
			b.WriteString(line[:indent])
		}
		writeCollapsed(&b, strings.TrimLeft(line[indent:], " "))
	}
	return b.String()
}

// writeCollapsed writes line with each run of spaces reduced to one.
func writeCollapsed(b *strings.Builder, line string) {
	for {
		j := strings.Index(line, "  ")
		if j < 0 {
			b.WriteString(line)
			return
		}
		b.WriteString(line[:j+1])
		line = strings.TrimLeft(line[j+1:], " ")
	}
}

// fenceMarker reports a Markdown code fence (``` or ~~~, up to 3 spaces of
// indentation) at the start of line: its character and length.
func fenceMarker(line string) (byte, int) {
	i := 0
	for i < len(line) && i < 4 && line[i] == ' ' {
		i++
	}
	if i == 4 || i >= len(line) || line[i] != '`' && line[i] != '~' {
		return 0, 0
	}
	ch := line[i]
	n := 0
	for i+n < len(line) && line[i+n] == ch {
		n++
	}
	if n < 3 || ch == '`' && strings.IndexByte(line[i+n:], '`') >= 0 {
		return 0, 0
	}
	return ch, n
}
