package ingest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/require"
)

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var out []byte
	u := utf16.Encode([]rune(s))
	if bom {
		u = append([]uint16{0xfeff}, u...)
	}
	for _, c := range u {
		if bigEndian {
			out = append(out, byte(c>>8), byte(c))
		} else {
			out = append(out, byte(c), byte(c>>8))
		}
	}
	return out
}

func TestSniff(t *testing.T) {
	garbage := make([]byte, 4096)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range garbage {
		garbage[i] = byte(r.UintN(256))
	}
	noNUL := make([]byte, 4096)
	for i := range noNUL {
		noNUL[i] = byte(1 + r.UintN(255))
	}
	tests := []struct {
		name    string
		in      []byte
		want    Type
		errLike string // substring of the error; "" means no error
	}{
		{"pdf", []byte("%PDF-1.7\n..."), TypePDF, ""},
		{"pdf after junk", []byte(strings.Repeat("x", 1000) + "\n%PDF-1.4\n1 0 obj\n<<>>\nendobj\nstartxref\n0\n%%EOF"), TypePDF, ""},
		{"pdf after binary junk", []byte("\x00\x01\xff%PDF-1.4\n1 0 obj <<>> endobj"), TypePDF, ""},
		{"pdf too far", []byte(strings.Repeat("x", 3000) + "\n%PDF-1.4\n1 0 obj\nstartxref"), TypeText, ""},
		{"text mentioning pdf", []byte("# PDF notes\n\nA PDF file starts with\n%PDF-1.7 and a comment."), TypeMarkdown, ""},
		{"text quoting pdf", []byte("The header is `%PDF-1.7`."), TypeText, ""},
		{"markdown", []byte("# Title\n\nSome text."), TypeMarkdown, ""},
		{"text", []byte("Just a sentence.\nAnd another one."), TypeText, ""},
		{"utf8 bom", []byte("\xef\xbb\xbf# Title\n"), TypeMarkdown, ""},
		{"utf16le bom", utf16Bytes("# Titre\n\nCafé crème.", false, true), TypeMarkdown, ""},
		{"utf16be bom", utf16Bytes("Plain café text.", true, true), TypeText, ""},
		{"utf16le no bom", utf16Bytes("Plain text without a byte order mark.", false, false), TypeText, ""},
		{"utf16be no bom", utf16Bytes("Plain text without a byte order mark.", true, false), TypeText, ""},
		{"latin1", []byte("Caf\xe9 cr\xe8me br\xfbl\xe9e."), TypeText, ""},
		{"repairable utf8", []byte("Café \xff crème, déjà vu."), TypeText, ""},
		{"empty", nil, "", "empty file"},
		{"white space", []byte(" \n\t\r\n "), "", "empty file"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "", "looks like a PNG image, not a PDF, Markdown or text file"},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "", "looks like a JPEG image"},
		{"gif", []byte("GIF89a\x01\x00"), "", "looks like a GIF image"},
		{"zip", []byte("PK\x03\x04\x14\x00"), "", "looks like a ZIP archive"},
		{"gzip", []byte("\x1f\x8b\x08\x00"), "", "gzip"},
		{"elf", []byte("\x7fELF\x02\x01\x01"), "", "executable"},
		{"ole", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00"), "", "Microsoft Office"},
		{"utf32", []byte("\xff\xfe\x00\x00a\x00\x00\x00"), "", "UTF-32"},
		{"garbage", garbage, "", "binary data"},
		{"garbage without NULs", noNUL, "", "binary data"},
		{"control chars", []byte(strings.Repeat("a\x01\x02\x03", 100)), "", "binary data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sniff(tt.in)
			if tt.errLike != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), tt.errLike)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name, want, warn string
		in               []byte
	}{
		{"utf8", "héllo", "", []byte("héllo")},
		{"bom", "héllo", "", []byte("\xef\xbb\xbfhéllo")},
		{"utf16le", "héllo ☃", "UTF-16 (little-endian, with a byte-order mark)", utf16Bytes("héllo ☃", false, true)},
		{"utf16be", "héllo ☃", "UTF-16 (big-endian, with a byte-order mark)", utf16Bytes("héllo ☃", true, true)},
		{"utf16le no bom", "hello there", "UTF-16 (little-endian, without a byte-order mark)", utf16Bytes("hello there", false, false)},
		{"latin1", "café “quoted”", "Latin-1", []byte("caf\xe9 \x93quoted\x94")},
		{"repair", "déjà \ufffd vu, a sentence long enough to be mostly text \ufffd", "2 invalid UTF-8", []byte("déjà \xff\xfe vu, a sentence long enough to be mostly text \xc3")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := decodeText(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, strings.ToValidUTF8(got, "\ufffd"))
			if tt.warn == "" {
				require.Empty(t, warnings)
			} else {
				require.Len(t, warnings, 1)
				require.Contains(t, warnings[0], tt.warn)
			}
		})
	}
}
