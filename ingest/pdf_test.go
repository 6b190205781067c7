package ingest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testPDF assembles a PDF from object bodies (object i+1 is objs[i]; object
// 1 must be the catalog) and writes a correct cross-reference table.
func testPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info << /Title (Test document) >> >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// helvetica is a standard-14 font without /Widths: widths must come from
// the built-in AFM metrics.
const helvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

// textPages builds a PDF whose pages have the given content streams, all
// with Helvetica as /F1 (object 3).
func textPages(contents ...string) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", helvetica}
	var kids []string
	for _, c := range contents {
		objs = append(objs, stream("", c))
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", len(objs)))
		kids = append(kids, fmt.Sprintf("%d 0 R", len(objs)))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	return testPDF(objs...)
}

func extract(t *testing.T, data []byte) ([]Page, string, []string) {
	t.Helper()
	pages, title, warnings, err := extractPDF(context.Background(), data, Limits{})
	require.NoError(t, err)
	return pages, title, warnings
}

func TestExtractPDFLayout(t *testing.T) {
	tests := []struct {
		name    string
		content []string
		want    []string // substrings of page 1 text, in this order
		absent  []string
	}{
		{
			name:    "TJ gaps become spaces, kerning does not",
			content: []string{"BT /F1 10 Tf 72 700 Td [(Hello)-300(w)20(orld)] TJ ET"},
			want:    []string{"Hello world"},
		},
		{
			name: "words placed one by one with AFM widths",
			// "Quire" in Helvetica 10pt is 26.1pt wide; the next word starts
			// 3pt after it, the one after that 0.5pt after (same word).
			content: []string{"BT /F1 10 Tf 72 700 Td (Quire) Tj 29.1 0 Td (reads) Tj 25.59 0 Td (PDF) Tj ET"},
			want:    []string{"Quire readsPDF"},
		},
		{
			name:    "hyphenated line end joined",
			content: []string{"BT /F1 10 Tf 72 700 Td (An exam-) Tj 0 -12 Td (ple of text.) Tj ET"},
			want:    []string{"An example of text."},
		},
		{
			name:    "hyphen kept before a capital",
			content: []string{"BT /F1 10 Tf 72 700 Td (self-) Tj 0 -12 Td (Hosted) Tj ET"},
			want:    []string{"self-\nHosted"},
		},
		{
			name: "two columns drawn row by row are read column by column",
			content: []string{"BT /F1 10 Tf " +
				"1 0 0 1 72 700 Tm (left one) Tj 1 0 0 1 320 700 Tm (right one) Tj " +
				"1 0 0 1 72 688 Tm (left two) Tj 1 0 0 1 320 688 Tm (right two) Tj " +
				"1 0 0 1 72 676 Tm (left three) Tj 1 0 0 1 320 676 Tm (right three) Tj ET"},
			want: []string{"left one\nleft two\nleft three", "right one\nright two\nright three"},
		},
		{
			name: "full-width title, two columns, full-width footer block",
			content: []string{"BT /F1 14 Tf 1 0 0 1 72 740 Tm (A title across the page width here) Tj /F1 10 Tf " +
				"1 0 0 1 72 700 Tm (alpha) Tj 1 0 0 1 320 700 Tm (gamma) Tj " +
				"1 0 0 1 72 688 Tm (beta) Tj 1 0 0 1 320 688 Tm (delta) Tj " +
				"1 0 0 1 72 640 Tm (closing text that spans both columns of the page, long enough to reach past the right column start) Tj ET"},
			want: []string{"A title", "alpha\nbeta", "gamma\ndelta", "closing text"},
		},
		{
			name: "superscript stays on its line",
			content: []string{"BT /F1 10 Tf 72 700 Td (UNIX) Tj ET BT /F1 6 Tf 96 704 Td (1) Tj ET " +
				"BT /F1 10 Tf 101.5 700 Td (kernel) Tj ET"},
			want: []string{"UNIX1 kernel"},
		},
		{
			name: "TeX accent drawn over a letter is composed",
			content: []string{"BT /F1 10 Tf 72 700 Td (Gr) Tj ET BT /F1 10 Tf 84.22 700 Td (\\250) Tj ET " +
				"BT /F1 10 Tf 83.11 700 Td (obner) Tj ET"},
			want: []string{"Gröbner"},
		},
		{
			name:    "text rise and rotation keep words",
			content: []string{"BT /F1 10 Tf 0 1 -1 0 300 300 Tm (vertical words) Tj ET"},
			want:    []string{"vertical words"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, title, _ := extract(t, textPages(tc.content...))
			require.Equal(t, "Test document", title)
			require.Len(t, pages, len(tc.content))
			text := pages[0].Text
			at := 0
			for _, w := range tc.want {
				i := strings.Index(text[at:], w)
				require.GreaterOrEqual(t, i, 0, "want %q after offset %d in %q", w, at, text)
				at += i + len(w)
			}
			for _, a := range tc.absent {
				require.NotContains(t, text, a)
			}
		})
	}
}

func TestExtractPDFRunningHeaders(t *testing.T) {
	var contents []string
	for i := 1; i <= 5; i++ {
		contents = append(contents, fmt.Sprintf("BT /F1 9 Tf 72 760 Td (Quire Handbook, chapter one) Tj ET "+
			"BT /F1 10 Tf 72 700 Td (Body text of page %s goes here.) Tj ET "+
			"BT /F1 9 Tf 300 40 Td (%d) Tj ET", []string{"one", "two", "three", "four", "five"}[i-1], i))
	}
	pages, _, warnings := extract(t, textPages(contents...))
	require.Empty(t, warnings)
	require.Len(t, pages, 5)
	for i, p := range pages {
		require.Equal(t, i+1, p.Number)
		require.Contains(t, p.Text, "Body text of page")
		require.NotContains(t, p.Text, "Handbook")
		require.NotContains(t, p.Text, fmt.Sprint(i+1))
	}
}

func TestExtractPDFChapterHeadingsKept(t *testing.T) {
	var contents []string
	for i := 1; i <= 12; i++ {
		top := "Handbook of Quire"
		if i%3 == 1 {
			top = fmt.Sprintf("Chapter %d", i/3+1)
		}
		contents = append(contents, fmt.Sprintf("BT /F1 12 Tf 72 760 Td (%s) Tj ET "+
			"BT /F1 10 Tf 72 700 Td (Body of page %d.) Tj 0 -12 Td (More body text.) Tj ET", top, i))
	}
	pages, _, _ := extract(t, textPages(contents...))
	require.Len(t, pages, 12)
	for i, p := range pages {
		require.NotContains(t, p.Text, "Handbook", "page %d", i+1)
		if (i+1)%3 == 1 {
			require.Contains(t, p.Text, fmt.Sprintf("Chapter %d", (i+1)/3+1), "page %d", i+1)
		}
	}
}

// cidFont is a Type0 font, Identity-H, whose glyphs are 500/1000 em wide
// by /W (the default width, 1000, would be wrong) and a ToUnicode bfrange.
func cidPDF(content string) []byte {
	toUni := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
		"1 begincodespacerange <0000> <FFFF> endcodespacerange\n" +
		"1 beginbfrange <0000> <00FF> <0000> endbfrange\n" +
		"1 beginbfchar <0100> <FB01> endbfchar\n" +
		"endcmap CMapName currentdict /CMap defineresource pop end end"
	return testPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /C0 5 0 R >> >> /Contents 4 0 R >>",
		stream("", content),
		"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Report /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+Report /DW 1000 /W [0 [500 500] 2 255 500 256 [600]] >>",
		stream("", toUni),
	)
}

func TestExtractPDFCIDFont(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{
			// "Quarterly" is 9 glyphs × 5pt = 45pt: the next word at +47pt
			// is a new word; with the default width it would overlap.
			name:    "words placed by W widths",
			content: "BT /C0 10 Tf 72 700 Td <0051007500610072007400650072006C0079> Tj 47 0 Td <007200650070006F00720074> Tj ET",
			want:    "Quarterly report",
		},
		{
			name:    "letters placed one by one stay one word",
			content: "BT /C0 10 Tf 72 700 Td <0051> Tj 5 0 Td <0075> Tj 5 0 Td <0061> Tj 5 0 Td <0072> Tj 5 0 Td <0074> Tj ET",
			want:    "Quart",
		},
		{
			name:    "ligature code expands",
			content: "BT /C0 10 Tf 72 700 Td <01000065006C0064> Tj ET",
			want:    "field",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, _, _ := extract(t, cidPDF(tc.content))
			require.Equal(t, tc.want, pages[0].Text)
		})
	}
}

func TestExtractPDFFontsAndForms(t *testing.T) {
	diff := "<< /Type /Font /Subtype /Type1 /BaseFont /Custom /FirstChar 65 /LastChar 67 /Widths [500 500 500] " +
		"/Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [65 /fi /eacute /uni0394] >> >>"
	form := stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>",
		"BT /F1 10 Tf 72 600 Td (Text inside a form) Tj ET")
	// A form that draws itself ten times: 10^depth without a budget.
	loop := stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /Me 8 0 R >> >>", strings.Repeat("/Me Do ", 10))
	data := testPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
		helvetica,
		diff,
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R /F2 4 0 R >> /XObject << /X1 7 0 R /X2 8 0 R >> >> /Contents 6 0 R >>",
		stream("", "BT /F2 10 Tf 72 700 Td (ABC) Tj ET /X1 Do /X2 Do"),
		form,
		loop,
	)
	pages, _, _ := extract(t, data)
	require.Contains(t, pages[0].Text, "fiéΔ")
	require.Contains(t, pages[0].Text, "Text inside a form")
}

func TestExtractPDFEmptyPages(t *testing.T) {
	data := textPages("BT /F1 10 Tf 72 700 Td (Some text) Tj ET", "0 0 m 100 100 l S", "BT /F1 10 Tf 72 700 Td (More text) Tj ET")
	pages, _, warnings := extract(t, data)
	require.Len(t, pages, 3)
	require.Equal(t, "", pages[1].Text)
	require.Equal(t, 2, pages[1].Number)
	require.Equal(t, []string{"page 2: no text (blank page?)"}, warnings)
}

func TestExtractPDFDamagedAndGarbledPages(t *testing.T) {
	data := testPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 5 0 R 7 0 R] /Count 3 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 9 0 R >> >> /Contents 4 0 R >>",
		stream("", "BT /F1 10 Tf 72 700 Td (First page is fine) Tj ET"),
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 9 0 R >> >> /Contents 6 0 R >>",
		stream("/Filter /FlateDecode", "not deflate at all"),
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /C0 10 0 R >> >> /Contents 8 0 R >>",
		stream("", "BT /C0 10 Tf 72 700 Td <0001000200030004000500060007000800090010001100120013001400150016001700180019002000210022> Tj ET"),
		helvetica,
		// A CID font with no ToUnicode map: its codes mean nothing.
		"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H /DescendantFonts [11 0 R] >>",
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap /W [0 [500]] >>",
	)
	pages, _, warnings := extract(t, data)
	require.Len(t, pages, 3)
	require.Equal(t, "First page is fine", pages[0].Text)
	require.Equal(t, "", pages[1].Text)
	require.Equal(t, "", pages[2].Text)
	all := strings.Join(warnings, "\n")
	require.Contains(t, all, "page 2: content is damaged")
	require.Contains(t, all, "page 3: 100% of the characters could not be decoded")
}

func TestExtractPDFUnreadablePageObject(t *testing.T) {
	data := testPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 5 0 R 6 0 R] /Count 3 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 8 0 R >> >> /Contents 4 0 R >>",
		stream("", "BT /F1 10 Tf 72 700 Td (Before the broken page) Tj ET"),
		"<< /Type /Page (a string where a key belongs) (another) >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 8 0 R >> >> /Contents 7 0 R >>",
		stream("", "BT /F1 10 Tf 72 700 Td (After the broken page) Tj ET"),
		helvetica,
	)
	pages, _, warnings := extract(t, data)
	require.Len(t, pages, 3)
	require.Equal(t, "Before the broken page", pages[0].Text)
	require.Equal(t, Page{Number: 2, Text: ""}, pages[1])
	require.Equal(t, Page{Number: 3, Text: "After the broken page"}, pages[2])
	require.Contains(t, strings.Join(warnings, "\n"), "page 2: content is damaged")
}

func TestExtractPDFHeaders(t *testing.T) {
	base := textPages("BT /F1 10 Tf 72 700 Td (Header variants) Tj ET")
	tests := []struct {
		name string
		data []byte
	}{
		{"PDF 2.0", bytes.Replace(base, []byte("%PDF-1.4\n"), []byte("%PDF-2.0\n"), 1)},
		{"spaces after the version (offsets now off by two)", bytes.Replace(base, []byte("%PDF-1.4\n"), []byte("%PDF-1.4  \n"), 1)},
		{"trailing bytes after %%EOF", append(append([]byte(nil), base...), []byte("\n\x00\x00 junk from a mail client\n")...)},
		{"CR after the header", bytes.Replace(base, []byte("%PDF-1.4\n"), []byte("%PDF-1.4\r"), 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, _, _ := extract(t, tc.data)
			require.Equal(t, "Header variants", pages[0].Text)
		})
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/pdf/" + name)
	require.NoError(t, err)
	return data
}

func pngBytes(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	for i := 0; i < 16; i++ {
		img.SetGray(i, i, color.Gray{Y: 0})
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, nil))
	return b.Bytes()
}

func TestExtractPDFBadInput(t *testing.T) {
	real := readFixture(t, "real/cvs-paper.pdf")
	garbage := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(garbage)
	pageLoop := testPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		stream("", "BT /F1 10 Tf 72 700 Td (Looped tree) Tj ET"),
		helvetica,
	)
	absurdCount := testPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 2000000000 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		stream("", "BT /F1 10 Tf 72 700 Td (Only one page) Tj ET"),
		helvetica,
	)
	hugeSize := bytes.Replace(textPages("BT /F1 10 Tf 72 700 Td (x) Tj ET"), []byte("/Size 6"), []byte("/Size 900000000"), 1)
	hugeSubsection := bytes.Replace(textPages("BT /F1 10 Tf 72 700 Td (x) Tj ET"), []byte("xref\n0 6\n"), []byte("xref\n999999990 6\n"), 1)
	hugeIndex := bytes.Replace(textPages("BT /F1 10 Tf 72 700 Td (x) Tj ET"), []byte("/Size 6"), []byte("/Size 6 /Index [0 6 40000000 2]"), 1)
	prevLoop := bytes.Replace(textPages("BT /F1 10 Tf 72 700 Td (x) Tj ET"), []byte("/Size 6"), []byte("/Size 6 /Prev 9"), 1)
	prevLoop = bytes.Replace(prevLoop, []byte("startxref\n"), []byte("startxref\n9\n%"), 1)
	badOffsets := textPages("BT /F1 10 Tf 72 700 Td (Offsets are wrong) Tj ET")
	badOffsets = bytes.ReplaceAll(badOffsets, []byte(" 00000 n"), []byte("7 00000 n"))
	noUnicode := testPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /C0 5 0 R >> >> /Contents 4 0 R >>",
		stream("", "BT /C0 10 Tf 72 700 Td <000100020003000400050006000700080009001000110012001300140015001600170018001900200021> Tj ET"),
		"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap >>",
	)
	noPages := testPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>")
	badStream := testPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		stream("/Filter /FlateDecode", "this is not deflate data"),
	)

	tests := []struct {
		name      string
		data      []byte
		lim       Limits
		errHas    string
		pageText  string // when no error: text expected on page 1
		warnHas   string
		errSentry error
	}{
		{name: "empty file", data: nil, errSentry: ErrEmpty},
		{name: "plain text", data: []byte("hello, this is not a PDF"), errHas: "not a PDF", errSentry: ErrUnsupported},
		{name: "PNG renamed .pdf", data: pngBytes(t), errHas: "not a PDF", errSentry: ErrUnsupported},
		{name: "JPEG renamed .pdf", data: jpegBytes(t), errHas: "not a PDF", errSentry: ErrUnsupported},
		{name: "garbage after a PDF header", data: append([]byte("%PDF-1.4\n"), garbage...), errSentry: ErrPDFMalformed},
		{name: "garbage between header and end marker", data: append(append([]byte("%PDF-1.4\n"), garbage...), []byte("\nstartxref\n123\n%%EOF\n")...), errSentry: ErrPDFMalformed},
		{name: "encrypted with a user password", data: readFixture(t, "bad/encrypted-user-password.pdf"), errSentry: ErrPDFEncrypted},
		{name: "encrypted AES-256", data: readFixture(t, "bad/encrypted-aes256.pdf"), errHas: "encrypt"},
		{name: "owner password only (RC4) is readable", data: readFixture(t, "bad/encrypted-owner-only.pdf"), pageText: "Paragraph 1"},
		{name: "owner password only (AES-128) is readable", data: readFixture(t, "bad/encrypted-owner-only-aes.pdf"), pageText: "Paragraph 1"},
		{name: "image-only PDF", data: readFixture(t, "bad/image-only.pdf"), errSentry: ErrNoText, errHas: "no text layer"},
		{name: "page tree loop", data: pageLoop, pageText: "Looped tree", warnHas: "refers back to itself"},
		{name: "absurd /Count", data: absurdCount, pageText: "Only one page"},
		{name: "more pages than the limit", data: textPages("BT ET", "BT ET", "BT ET"), lim: Limits{MaxPages: 2}, errHas: "more than 2 pages"},
		{name: "absurd object count", data: hugeSize, errHas: "objects"},
		{name: "absurd xref subsection", data: hugeSubsection, errHas: "objects numbered"},
		{name: "absurd xref stream index", data: hugeIndex, errHas: "objects numbered"},
		{name: "cross-reference loop", data: prevLoop, errHas: "loop"},
		{name: "no pages", data: noPages, errHas: "no pages"},
		{name: "only undecodable text", data: noUnicode, errSentry: ErrPDFUndecodable},
		{name: "undecodable content stream", data: badStream, errSentry: ErrPDFMalformed},
		{name: "over the byte limit", data: real, lim: Limits{MaxBytes: 1000}, errSentry: ErrTooLarge},
		{name: "cut before any page survives", data: real[:len(real)/10], errSentry: ErrPDFMalformed},
		{name: "cut short, objects recovered", data: real[:len(real)*9/10], pageText: "Parallelizing Software Development", warnHas: "damaged"},
		{name: "cross-reference offsets wrong", data: badOffsets, pageText: "Offsets are wrong", warnHas: "damaged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, _, warnings, err := extractPDF(context.Background(), tc.data, tc.lim)
			if tc.errHas == "" && tc.errSentry == nil {
				require.NoError(t, err)
				require.NotEmpty(t, pages)
				require.Contains(t, pages[0].Text, tc.pageText)
				if tc.warnHas != "" {
					require.Contains(t, strings.Join(warnings, "\n"), tc.warnHas)
				}
				return
			}
			require.Error(t, err)
			require.Nil(t, pages)
			if tc.errSentry != nil {
				require.ErrorIs(t, err, tc.errSentry)
			}
			if tc.errHas != "" {
				require.Contains(t, err.Error(), tc.errHas)
			}
		})
	}
}

// TestExtractPDFTruncated cuts real files at many points: each cut gives a
// clear error or the pages it could recover, flagged as damaged.
func TestExtractPDFTruncated(t *testing.T) {
	for _, name := range []string{"real/cvs-paper.pdf", "real/rcpp-faq.pdf", "real/coccinelle-manual.pdf"} {
		data := readFixture(t, name)
		for _, cut := range []int{0, 1, 9, 100, len(data) / 20, len(data) / 4, len(data) / 2, len(data) * 3 / 4, len(data) - 100, len(data) - 7} {
			t.Run(fmt.Sprintf("%s/%d", name, cut), func(t *testing.T) {
				pages, _, warnings, err := extractPDF(context.Background(), data[:cut], Limits{})
				if err != nil {
					require.Nil(t, pages)
					require.NotContains(t, err.Error(), "panic")
					return
				}
				require.NotEmpty(t, pages)
				require.Contains(t, strings.Join(warnings, "\n"), "damaged")
				for i, p := range pages {
					require.Equal(t, i+1, p.Number)
				}
			})
		}
	}
}

func TestExtractPDFDeadline(t *testing.T) {
	// A page with a million text operators; the deadline is already gone.
	var b strings.Builder
	b.WriteString("BT /F1 10 Tf 72 700 Td ")
	for i := 0; i < 200_000; i++ {
		b.WriteString("(ab) Tj ")
	}
	b.WriteString("ET")
	data := textPages(b.String())

	_, _, _, err := extractPDF(context.Background(), data, Limits{Timeout: time.Nanosecond})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "took longer than")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, _, err = extractPDF(ctx, data, Limits{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestExtractPDFRealFixtures(t *testing.T) {
	tests := []struct {
		file, title string
		pages       int
		page        int
		has         []string // in reading order
	}{
		{file: "real/cvs-paper.pdf", pages: 12, page: 1, has: []string{"Parallelizing Software Development", "Specifically, UNIX1 kernel development", "an adequate revision control"}},
		{file: "real/project-history.en.pdf", title: "A Brief History of Debian", pages: 27, page: 7, has: []string{"Debian"}},
		// Two columns: the left column is read to its end before the right.
		{file: "real/rcpp-introduction.pdf", pages: 8, page: 2, has: []string{
			"per. However, many external resources", "A first C++ function using Rcpp", "First and foremost",
			"similarly to the earlier example involving evalCpp()", "Extending R via its C API"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			pages, title, _ := extract(t, readFixture(t, tc.file))
			require.Len(t, pages, tc.pages)
			if tc.title != "" {
				require.Equal(t, tc.title, title)
			}
			for i, p := range pages {
				require.Equal(t, i+1, p.Number)
			}
			text, at := pages[tc.page-1].Text, 0
			for _, h := range tc.has {
				i := strings.Index(text[at:], h)
				require.GreaterOrEqual(t, i, 0, "want %q after offset %d", h, at)
				at += i + len(h)
			}
		})
	}
}

// FuzzExtractPDF feeds mutated fixtures: no panic may escape and every
// call must return within its timeout. Extraction runs on a goroutine, so
// coverage is not fully deterministic; keep minimization short:
//
//	go test ./ingest -run '^$' -fuzz FuzzExtractPDF -fuzztime 60s -fuzzminimizetime 5x
func FuzzExtractPDF(f *testing.F) {
	// Small seeds keep the fuzzer fast; real documents are covered above.
	for _, name := range []string{"bad/image-only.pdf", "bad/encrypted-owner-only.pdf", "bad/encrypted-owner-only-aes.pdf", "bad/encrypted-user-password.pdf"} {
		data, err := os.ReadFile("testdata/pdf/" + name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add(textPages("BT /F1 10 Tf 72 700 Td [(Hello)-300(world)] TJ ET"))
	f.Add(cidPDF("BT /C0 10 Tf 72 700 Td <00510075> Tj ET"))
	f.Add(textPages("BT /F1 9 Tf 72 760 Td (Head) Tj ET BT /F1 10 Tf 72 700 Td (exam-) Tj 0 -12 Td (ple) Tj ET", "q 1 0 0 1 5 5 cm BT /F1 10 Tf 0 1 -1 0 300 300 Tm (up) Tj ET Q"))
	f.Add([]byte("%PDF-1.4\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const timeout = 2 * time.Second
		type result struct {
			pages []Page
			err   error
		}
		done := make(chan result, 1)
		go func() {
			pages, _, _, err := extractPDF(context.Background(), data, Limits{Timeout: timeout, MaxPages: 200})
			done <- result{pages, err}
		}()
		select {
		case r := <-done:
			if r.err == nil {
				require.NotEmpty(t, r.pages)
				for i, p := range r.pages {
					require.Equal(t, i+1, p.Number)
				}
			}
		case <-time.After(timeout + 10*time.Second):
			t.Fatalf("extractPDF did not return within its %s timeout", timeout)
		}
	})
}

// TestLibraryInternals pins what objectKey and refKey read from the
// library's unexported fields: if an upgrade changes them, caching and
// loop detection would silently turn off, so this fails instead.
func TestLibraryInternals(t *testing.T) {
	data := textPages("BT /F1 10 Tf 72 700 Td (x) Tj ET")
	r, err := openPDF(data)
	require.NoError(t, err)
	pagesNode := r.Trailer().Key("Root").Key("Pages")
	k, ok := objectKey(pagesNode)
	require.True(t, ok)
	require.Equal(t, uint32(2), k.id)
	page := pagesNode.Key("Kids").Index(0)
	fonts := page.Key("Resources").Key("Font")
	ref, ok := refKey(fonts, "F1")
	require.True(t, ok)
	require.Equal(t, uint32(3), ref.id)
	_, ok = refKey(fonts, "Missing")
	require.False(t, ok)
}
