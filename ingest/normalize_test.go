package ingest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name     string
		in, want string
		markdown bool
	}{
		{"clean", "Hello world.", "Hello world.", false},
		{"crlf", "a\r\nb\rc", "a\nb\nc", false},
		{"nul and controls", "a\x00b\x07c\x1bd\x7fe\tf", "abcde\tf", false},
		{"c1 controls", "a\u0085b\u0091c", "a\nbc", false},
		{"nfc", "e\u0301t\u00e9", "\u00e9t\u00e9", false},
		{"ligatures", "\ufb01nd the \ufb02ow of \ufb00ort \ufb03 \ufb04 \ufb05", "find the flow of ffort ffi ffl st", false},
		{"soft hyphen and zero width", "hy\u00adphen\u200bated\ufeff", "hyphenated", false},
		{"exotic spaces", "a\u00a0b\u2009c\u3000d", "a b c d", false},
		{"space runs", "a    b  c", "a b c", false},
		{"trailing and leading", "  a  \n   b   ", "a\nb", false},
		{"blank line runs", "a\n\n\n\n b\n \n \nc", "a\n\nb\n\nc", false},
		{"edges", "\n\n  a\n\n", "a", false},
		{"line separators", "a\u2028b\u2029c", "a\nb\nc", false},
		{"invalid utf8", "a\xffb", "a\ufffdb", false},
		{"markdown keeps indent", "- a\n    - b   c", "- a\n    - b c", true},
		{"markdown fence kept", "```\nx    =  1\n\n\n\ny\n```\np    q", "```\nx    =  1\n\n\n\ny\n```\np q", true},
		{"markdown tilde fence", "~~~~\na  b\n~~~\nc  d\n~~~~\ne  f", "~~~~\na  b\n~~~\nc  d\n~~~~\ne f", true},
		{"text drops indent", "    code  here", "code here", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, normalize(tt.in, tt.markdown))
		})
	}
}

func TestNormalizeIdempotent(t *testing.T) {
	in := "A \ufb01ne  day\r\n\r\n\r\n  with\u00a0spaces\x00 and e\u0301.\n```\n  x  \n```"
	for _, md := range []bool{false, true} {
		once := normalize(in, md)
		require.Equal(t, once, normalize(once, md))
	}
}

func BenchmarkNormalize(b *testing.B) {
	text := strings.Repeat(prose(9, 20)+"\n\n", 10)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		normalize(text, false)
	}
}
