package ingest

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExtractBadInput: every kind of bad file gets a clear error or a
// warning, never a panic or a hang.
func TestExtractBadInput(t *testing.T) {
	garbage := make([]byte, 1<<16)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range garbage {
		garbage[i] = byte(r.UintN(256))
	}
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), garbage[:512]...)
	tests := []struct {
		name     string
		in       []byte
		file     string
		is       error  // errors.Is target; nil means success
		errLike  string // substring of the error
		warnLike string // substring of a warning on success
		typ      Type
	}{
		{name: "empty", in: nil, file: "a.md", is: ErrEmpty, errLike: "a.md: empty file"},
		{name: "blank", in: []byte("\n\n   \n"), file: "a.txt", is: ErrEmpty, errLike: "empty file"},
		{name: "garbage", in: garbage, file: "a.txt", is: ErrUnsupported, errLike: "binary data"},
		{name: "image named .md", in: png, file: "photo.md", is: ErrUnsupported, errLike: "photo.md: unsupported file type: looks like a PNG image, not a PDF, Markdown or text file"},
		{name: "only controls", in: []byte("\x01\x02\x03\x04\x05\x06"), is: ErrUnsupported, errLike: "binary data"},
		{name: "markup only", in: []byte("---\n\n***\n\n___\n"), file: "rules.md", is: ErrNoText},
		{name: "broken pdf", in: []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"), file: "x.pdf", errLike: "x.pdf: "},
		{name: "invalid utf8", in: []byte("Naïve text with a bad byte \xff in the middle of it, but mostly fine."), typ: TypeText, warnLike: "invalid UTF-8"},
		{name: "latin1", in: []byte("Une cr\xe8me br\xfbl\xe9e, s'il vous pla\xeet."), typ: TypeText, warnLike: "Latin-1"},
		{name: "utf16 bom", in: utf16Bytes("# Heading\n\nText in UTF-16.", false, true), typ: TypeMarkdown, warnLike: "UTF-16"},
		{name: "utf16 no bom", in: utf16Bytes("Text in UTF-16 without a byte-order mark.", true, false), typ: TypeText, warnLike: "without a byte-order mark"},
		{name: "too large", in: []byte(strings.Repeat("a", 2000)), is: ErrTooLarge, errLike: "file too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := Limits{}
			if tt.is == ErrTooLarge {
				lim.MaxBytes = 1000
			}
			ex, err := Extract(context.Background(), tt.in, tt.file, lim)
			if tt.is != nil || tt.errLike != "" {
				require.Error(t, err)
				require.Nil(t, ex)
				if tt.is != nil {
					require.True(t, errors.Is(err, tt.is), "error %v is not %v", err, tt.is)
				}
				require.Contains(t, err.Error(), tt.errLike)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.typ, ex.Type)
			require.Contains(t, strings.Join(ex.Warnings, "\n"), tt.warnLike)
			require.NotEmpty(t, Chunk(ex, ChunkOptions{}))
		})
	}
}

func TestExtractCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Extract(ctx, []byte("text"), "", Limits{})
	require.ErrorIs(t, err, context.Canceled)
}

// TestExtractNameHint: a Markdown file name decides only for ambiguous
// text, never against the content.
func TestExtractNameHint(t *testing.T) {
	plain := []byte("A letter.\n\nWith two paragraphs.")
	ex, err := Extract(context.Background(), plain, "letter.md", Limits{})
	require.NoError(t, err)
	require.Equal(t, TypeMarkdown, ex.Type)
	ex, err = Extract(context.Background(), plain, "letter.txt", Limits{})
	require.NoError(t, err)
	require.Equal(t, TypeText, ex.Type)
	ex, err = Extract(context.Background(), []byte("# Title\n\nBody."), "notes.txt", Limits{})
	require.NoError(t, err)
	require.Equal(t, TypeMarkdown, ex.Type, "content wins over the name")
}

// TestFromPages is the PDF path of the dispatcher after extractPDF:
// pages are normalized and laid out so that spans map to pages.
func TestFromPages(t *testing.T) {
	pages := []Page{
		{Number: 1, Text: "First  page \ufb01rst line.\r\nSecond line."},
		{Number: 2, Text: ""},
		{Number: 3, Text: "Third page.\n\n\n\nNew paragraph."},
	}
	ex := fromPages(pages, "  The\u00a0Title ", []string{"page 2: no text layer"})
	require.Equal(t, TypePDF, ex.Type)
	require.Equal(t, "The Title", ex.Title)
	require.Equal(t, "First page first line.\nSecond line.\n\n\n\nThird page.\n\nNew paragraph.", ex.Text)
	require.Equal(t, []int{0, 37, 39}, ex.pageStarts)
	for i, p := range ex.Pages {
		require.Equal(t, p.Text, ex.Text[ex.pageStarts[i]:ex.pageStarts[i]+len(p.Text)])
	}
	chunks := Chunk(ex, ChunkOptions{MaxTokens: 6, Overlap: -1})
	checkChunks(t, ex, chunks, ChunkOptions{MaxTokens: 6})
	require.Equal(t, 1, chunks[0].PageStart)
	require.Equal(t, 3, chunks[len(chunks)-1].PageEnd)
}

func TestExtractPlainFixture(t *testing.T) {
	ex := extractFile(t, "testdata/text/plain.txt")
	require.Equal(t, TypeText, ex.Type)
	require.Equal(t, "Plain text, with no Markdown structure at all.\nA second line, CRLF-terminated.\n\nA second paragraph finishes here with a softhyphen.", ex.Text)
	require.Len(t, ex.Sections, 1)
	require.Equal(t, []string{}, ex.Sections[0].HeadingPath)
	chunks := Chunk(ex, ChunkOptions{MaxTokens: 12, Overlap: -1})
	checkChunks(t, ex, chunks, ChunkOptions{MaxTokens: 12})
	require.Greater(t, len(chunks), 1)
	require.Equal(t, "Plain text, with no Markdown structure at all.", chunks[0].Text, "cut at the sentence")
}

// TestExtractHugeLine: a 5 MB file on one line chunks by sentences, and
// one without sentences by words, and one without spaces by bytes.
func TestExtractHugeLine(t *testing.T) {
	sentences := strings.ReplaceAll(prose(11, 2000), "\n\n", " ")
	for len(sentences) < 5<<20 {
		sentences += " " + sentences
	}
	words := strings.Repeat("lorem ipsum dolor sit amet ", (5<<20)/27)
	bytes := strings.Repeat("x", 5<<20)
	tests := []struct{ name, in string }{
		{"sentences", sentences[:5<<20]},
		{"words", words},
		{"no spaces", bytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := Extract(context.Background(), []byte(tt.in), "big.txt", Limits{})
			require.NoError(t, err)
			opt := ChunkOptions{}
			chunks := Chunk(ex, opt)
			require.Greater(t, len(chunks), 1000)
			checkChunks(t, ex, chunks, opt)
		})
	}
}

func FuzzExtractChunk(f *testing.F) {
	for _, s := range []string{
		"# A\n\ntext\n\n## B\n\n- x\n- y\n\n```\ncode\n```\n",
		"---\ntitle: t\n---\n| a | b |\n|---|---|\n| 1 | 2 |\n",
		"plain text. Two sentences!\n\nNew paragraph?",
		"> > > quote\n>\n> - list\n>   1. nested",
		"Caf\xe9 \xff\xfe",
		"\xff\xfe# \x00U\x00T\x00F\x00",
		"Setext\n===\n\n   indented\n\n\tcode\n",
		"# 0\n0\n## 000000\n```00\n0",             // a heading over budget leading a code block
		"---\n0",                                  // a thematic break is not indexed
		"#\n0000\n  -\n0000000000000000000000000", // headings moving on to the next chunk
		"000", // digits cost more than their bytes
	} {
		f.Add([]byte(s), uint8(30))
	}
	for _, name := range []string{"testdata/md/guide.md", "testdata/md/toml.md", "testdata/text/plain.txt"} {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data, uint8(20))
	}
	f.Fuzz(func(t *testing.T, data []byte, budget uint8) {
		for _, name := range []string{"f.md", "f.txt"} {
			ex, err := Extract(context.Background(), data, name, Limits{})
			if err != nil {
				require.NotEmpty(t, err.Error())
				continue
			}
			opt := ChunkOptions{MaxTokens: int(budget%64) + 1, Overlap: int(budget / 64)}
			checkChunks(t, ex, Chunk(ex, opt), opt)
		}
	})
}

func BenchmarkExtractChunkText5MB(b *testing.B) {
	line := strings.ReplaceAll(prose(12, 100), "\n\n", " ") + " "
	in := []byte(strings.Repeat(line, 1+(5<<20)/len(line))[:5<<20])
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		ex, err := Extract(context.Background(), in, "", Limits{})
		require.NoError(b, err)
		Chunk(ex, ChunkOptions{})
	}
}

// TestExtractConcurrent: the shared Markdown parser is safe to use from
// many goroutines (run with -race).
func TestExtractConcurrent(t *testing.T) {
	data, err := os.ReadFile("testdata/md/guide.md")
	require.NoError(t, err)
	want, err := Extract(context.Background(), data, "", Limits{})
	require.NoError(t, err)
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 20; i++ {
				ex, err := Extract(context.Background(), data, "", Limits{})
				if err == nil && ex.Text != want.Text {
					err = errors.New("different text")
				}
				if err != nil {
					errs <- err
					return
				}
				Chunk(ex, ChunkOptions{MaxTokens: 40})
			}
			errs <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		require.NoError(t, <-errs)
	}
}
