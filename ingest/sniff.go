package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Errors callers can test for with errors.Is (the web layer maps them to
// HTTP statuses). The wrapped message says what was found.
var (
	ErrEmpty       = errors.New("empty file")
	ErrUnsupported = errors.New("unsupported file type")
	ErrNoText      = errors.New("no text found")
	ErrTooLarge    = errors.New("file too large")
)

// pdfHeaderWindow is how far into the file "%PDF-" may start: PDF readers
// accept leading junk (mail headers, a BOM) up to about 1 KB.
const pdfHeaderWindow = 1024

// Sniff detects the type by content, never by file name: "%PDF-" header
// (allowing leading junk up to 1 KB, as readers do) -> pdf; valid text with
// Markdown structure (headings, lists, fences, links, front matter, tables)
// -> markdown; other text -> text. Binary data (NULs, images and archives
// recognised by their magic numbers) is an error naming what it looks like.
// UTF-16 (with or without BOM) and 8-bit Latin-1 text are accepted, as
// Extract decodes them.
func Sniff(data []byte) (Type, error) {
	d, err := sniff(data, "")
	return d.typ, err
}

// sniffed is Sniff's verdict plus the decoded text for the text types.
type sniffed struct {
	typ      Type
	text     string // UTF-8, not yet normalized; empty for PDF
	warnings []string
}

func sniff(data []byte, name string) (sniffed, error) {
	if len(data) == 0 {
		return sniffed{}, ErrEmpty
	}
	if isPDF(data) {
		return sniffed{typ: TypePDF}, nil
	}
	if what := magicName(data); what != "" {
		return sniffed{}, fmt.Errorf("%w: looks like %s, not a PDF, Markdown or text file", ErrUnsupported, what)
	}
	text, warnings, err := decodeText(data)
	if err != nil {
		return sniffed{}, err
	}
	if strings.TrimSpace(text) == "" {
		return sniffed{}, fmt.Errorf("%w: the file holds only white space", ErrEmpty)
	}
	if looksBinary(text) {
		return sniffed{}, fmt.Errorf("%w: looks like binary data (many control characters), not a PDF, Markdown or text file", ErrUnsupported)
	}
	typ := TypeText
	if isMarkdown(text, hasMarkdownName(name)) {
		typ = TypeMarkdown
	}
	return sniffed{typ: typ, text: text, warnings: warnings}, nil
}

// isPDF finds the "%PDF-" header at the start or, after leading junk, at
// the start of a line within the first KB. Junk is accepted only when the
// file also has PDF body syntax, so that a text file that merely mentions
// "%PDF-1.7" near its top stays text.
func isPDF(data []byte) bool {
	if bytes.HasPrefix(data, []byte("%PDF-")) {
		return true
	}
	head := data[:min(len(data), pdfHeaderWindow+5)]
	for off := 0; ; {
		i := bytes.Index(head[off:], []byte("%PDF-"))
		if i < 0 {
			return false
		}
		i += off
		if c := head[i-1]; c == '\n' || c == '\r' || c >= 0x80 || c < 0x20 {
			return bytes.Contains(data, []byte("startxref")) || bytes.Contains(data, []byte(" obj"))
		}
		off = i + 1
	}
}

// magics are file signatures of formats people upload by mistake. Checked
// after %PDF- so that a PDF with junk in front still counts as PDF.
var magics = []struct {
	at   int
	sig  string
	what string
}{
	{0, "\x89PNG\r\n\x1a\n", "a PNG image"},
	{0, "\xff\xd8\xff", "a JPEG image"},
	{0, "GIF87a", "a GIF image"},
	{0, "GIF89a", "a GIF image"},
	{0, "II*\x00", "a TIFF image"},
	{0, "MM\x00*", "a TIFF image"},
	{8, "WEBP", "a WebP image"},
	{0, "\x00\x00\x01\x00", "an icon (ICO) image"},
	{4, "ftypheic", "a HEIC image"},
	{4, "ftyp", "an MP4/QuickTime video"},
	{8, "WAVE", "a WAV audio file"},
	{8, "AVI ", "an AVI video"},
	{0, "ID3", "an MP3 audio file"},
	{0, "OggS", "an Ogg media file"},
	{0, "fLaC", "a FLAC audio file"},
	{0, "\x1aE\xdf\xa3", "a Matroska/WebM video"},
	{0, "PK\x03\x04", "a ZIP archive (DOCX, XLSX, PPTX, EPUB and ODT are ZIP archives too)"},
	{0, "PK\x05\x06", "an empty ZIP archive"},
	{0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document (DOC/XLS/PPT)"},
	{0, "{\\rtf", "an RTF document"},
	{0, "\x1f\x8b", "a gzip archive"},
	{0, "\xfd7zXZ\x00", "an xz archive"},
	{0, "(\xb5/\xfd", "a zstd archive"},
	{0, "7z\xbc\xaf\x27\x1c", "a 7-Zip archive"},
	{0, "Rar!\x1a\x07", "a RAR archive"},
	{257, "ustar", "a tar archive"},
	{0, "\x7fELF", "an executable (ELF)"},
	{0, "\xcf\xfa\xed\xfe", "an executable (Mach-O)"},
	{0, "\xca\xfe\xba\xbe", "a Java class or Mach-O binary"},
	{0, "\x00asm", "a WebAssembly module"},
	{0, "SQLite format 3\x00", "an SQLite database"},
	{0, "GGUF", "a GGUF model file"},
	{0, "\x00\x00\xfe\xff", "UTF-32 text (convert it to UTF-8)"},
	{0, "\xff\xfe\x00\x00", "UTF-32 text (convert it to UTF-8)"},
}

// magic names the format data starts with, or "".
func magicName(data []byte) string {
	for _, m := range magics {
		if len(data) >= m.at+len(m.sig) && string(data[m.at:m.at+len(m.sig)]) == m.sig {
			return m.what
		}
	}
	if len(data) >= 64 && data[0] == 'M' && data[1] == 'Z' && bytes.IndexByte(data[:64], 0) >= 0 {
		return "an executable (Windows)"
	}
	return ""
}

// decodeText turns the bytes of a text file into UTF-8: BOMs are honoured,
// UTF-16 without a BOM is recognised by its zero bytes, UTF-8 with a few
// bad bytes is repaired with U+FFFD, and 8-bit text that is not UTF-8 at
// all is read as Windows-1252 (a superset of Latin-1). Each fix is a
// warning. NUL bytes in anything else mean binary data.
func decodeText(data []byte) (string, []string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xff\xfe")):
		return decodeUTF16(data[2:], false, true)
	case bytes.HasPrefix(data, []byte("\xfe\xff")):
		return decodeUTF16(data[2:], true, true)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		if be, ok := utf16Guess(data); ok {
			return decodeUTF16(data, be, false)
		}
		return "", nil, fmt.Errorf("%w: looks like binary data (it contains NUL bytes), not a PDF, Markdown or text file", ErrUnsupported)
	}
	if utf8.Valid(data) {
		return string(data), nil, nil
	}
	bad, multi := utf8Stats(data)
	if multi == 0 {
		s, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return "", nil, fmt.Errorf("%w: not UTF-8 and not Latin-1 text: %v", ErrUnsupported, err)
		}
		return string(s), []string{"the file is not UTF-8; it was read as Latin-1 (Windows-1252)"}, nil
	}
	if bad*10 > len(data) {
		return "", nil, fmt.Errorf("%w: looks like binary data (%d invalid UTF-8 bytes in %d), not a PDF, Markdown or text file", ErrUnsupported, bad, len(data))
	}
	return strings.ToValidUTF8(string(data), "\uFFFD"),
		[]string{fmt.Sprintf("%d invalid UTF-8 byte sequence(s) were replaced with U+FFFD", countInvalidRuns(data))}, nil
}

// utf8Stats counts invalid bytes and valid multi-byte sequences.
func utf8Stats(data []byte) (bad, multi int) {
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			bad++
		} else {
			multi++
		}
		i += n
	}
	return bad, multi
}

// countInvalidRuns counts the maximal runs of invalid bytes, which is how
// many U+FFFD strings.ToValidUTF8 writes.
func countInvalidRuns(data []byte) int {
	runs, in := 0, false
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		bad := r == utf8.RuneError && n == 1
		if bad && !in {
			runs++
		}
		in = bad
		i += n
	}
	return runs
}

// utf16Guess recognises UTF-16 without a BOM: in mostly-ASCII text one byte
// of each pair is zero, always on the same side.
func utf16Guess(data []byte) (bigEndian, ok bool) {
	n := min(len(data), 8192) &^ 1
	if n < 4 {
		return false, false
	}
	var zeroEven, zeroOdd int
	for i := 0; i < n; i += 2 {
		if data[i] == 0 {
			zeroEven++
		}
		if data[i+1] == 0 {
			zeroOdd++
		}
	}
	pairs := n / 2
	switch {
	case zeroOdd*10 >= pairs*4 && zeroEven*20 <= pairs:
		return false, true
	case zeroEven*10 >= pairs*4 && zeroOdd*20 <= pairs:
		return true, true
	}
	return false, false
}

func decodeUTF16(data []byte, bigEndian, bom bool) (string, []string, error) {
	var warnings []string
	if len(data)%2 == 1 {
		data = data[:len(data)-1]
		warnings = append(warnings, "UTF-16 text had an odd number of bytes; the last byte was dropped")
	}
	u := make([]uint16, len(data)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		} else {
			u[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
		}
	}
	s := string(utf16.Decode(u))
	if strings.IndexByte(s, 0) >= 0 {
		return "", nil, fmt.Errorf("%w: looks like UTF-16 but contains NUL characters; convert it to UTF-8", ErrUnsupported)
	}
	order := "little-endian"
	if bigEndian {
		order = "big-endian"
	}
	mark := "with a byte-order mark"
	if !bom {
		mark = "without a byte-order mark"
	}
	warnings = append(warnings, fmt.Sprintf("the file is UTF-16 (%s, %s); it was converted to UTF-8", order, mark))
	return s, warnings, nil
}

// looksBinary reports text with many control characters (other than
// white space), which no real document has.
func looksBinary(s string) bool {
	sample := s[:min(len(s), 64<<10)]
	ctl, total := 0, 0
	for _, r := range sample {
		total++
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' && r != '\v' && r != 0x1b || r == 0x7f {
			ctl++
		}
	}
	return ctl*20 > total
}

func hasMarkdownName(name string) bool {
	n := strings.ToLower(name)
	for _, ext := range []string{".md", ".markdown", ".mdown", ".mkd", ".mdx"} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}
