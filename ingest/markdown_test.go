package ingest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func extractFile(t *testing.T, path string) *Extracted {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	ex, err := Extract(context.Background(), data, path, Limits{})
	require.NoError(t, err)
	return ex
}

func TestMarkdownGuide(t *testing.T) {
	ex := extractFile(t, "testdata/md/guide.md")
	require.Equal(t, TypeMarkdown, ex.Type)
	require.Equal(t, "Quire: a field guide", ex.Title)
	require.NotContains(t, ex.Text, "tags:", "front matter is not indexed")
	require.True(t, strings.HasPrefix(ex.Text, "Quire answers"))

	var paths []string
	for _, s := range ex.Sections {
		paths = append(paths, strings.Join(s.HeadingPath, " > "))
		require.NotEmpty(t, s.Text)
		require.NotContains(t, s.Text, "# ", "section text excludes its heading line")
	}
	require.Equal(t, []string{
		"",
		"Installing",
		"Installing > From source",
		"Installing > Checking the install",
		"Using",
		"Using > A deep note with code and a link",
		"Setext title",
	}, paths)
	require.Equal(t, "```sh\ngit clone https://example.org/quire.git\ncd quire\ngo build ./cmd/quire\n```",
		ex.Sections[2].Text[strings.Index(ex.Sections[2].Text, "```"):])

	// One chunk per section with a roomy budget: sections do not merge
	// once a chunk has a quarter of the budget... these are tiny, so some
	// do; every chunk's heading path is a prefix of its sections' paths.
	for _, opt := range []ChunkOptions{{}, {MaxTokens: 20, Overlap: 5}, {MaxTokens: 8, Overlap: -1}} {
		chunks := Chunk(ex, opt)
		checkChunks(t, ex, chunks, opt)
		for _, c := range chunks {
			require.False(t, strings.HasPrefix(strings.TrimSpace(c.Text[strings.LastIndexByte(c.Text, '\n')+1:]), "#") && strings.Count(c.Text, "\n") > 0,
				"a chunk ends with a heading: %q", c.Text)
		}
	}
	chunks := Chunk(ex, ChunkOptions{MaxTokens: 30, Overlap: -1})
	var code, table *TextChunk
	for i := range chunks {
		if strings.Contains(chunks[i].Text, "git clone") {
			code = &chunks[i]
		}
		if strings.Contains(chunks[i].Text, "| serve") {
			table = &chunks[i]
		}
	}
	require.NotNil(t, code)
	require.Contains(t, code.Text, "```sh\ngit clone https://example.org/quire.git\ncd quire\ngo build ./cmd/quire\n```")
	require.Equal(t, []string{"Installing", "From source"}, code.HeadingPath)
	require.NotNil(t, table)
	require.Contains(t, table.Text, "| ask | asks a question |", "runs of spaces collapse, in tables too")
	require.Equal(t, []string{"Using"}, table.HeadingPath)
}

func TestMarkdownFrontMatter(t *testing.T) {
	tests := []struct {
		name, in, title, textStart string
	}{
		{"yaml", "---\ntitle: Plain title\nauthor: me\n---\n# H1 title\n\nBody.", "Plain title", "# H1 title"},
		{"yaml quoted", "---\ntitle: \"Quoted \\\"title\\\"\"\n---\nBody.", `Quoted "title"`, "Body."},
		{"yaml single", "---\ntitle: 'It''s here'\n...\nBody.", "It's here", "Body."},
		{"yaml comment", "---\nTitle: Spaced   out # note\n---\nBody.", "Spaced out", "Body."},
		{"yaml nested key ignored", "---\nmeta:\n  title: nested\n---\n# Real\nBody.", "Real", "# Real"},
		{"toml", "+++\ntitle = \"TOML\"\n+++\nBody.", "TOML", "Body."},
		{"no title", "---\ndate: 2020\n---\nBody only.", "", "Body only."},
		{"first h1", "Intro.\n\n## Two\n\n# One\n\ntext", "One", "Intro."},
		{"setext h1", "Title here\n==========\n\ntext", "Title here", "Title here"},
		{"unclosed is a rule", "---\ntitle: x\n\nBody.", "", "---"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := Extract(context.Background(), []byte(tt.in), "x.md", Limits{})
			require.NoError(t, err)
			require.Equal(t, tt.title, ex.Title)
			require.True(t, strings.HasPrefix(ex.Text, tt.textStart), "text %q", ex.Text)
		})
	}
	ex := extractFile(t, "testdata/md/toml.md")
	require.Equal(t, "TOML front matter", ex.Title)
	require.NotContains(t, ex.Text, "draft")
}

func TestPlainHeading(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Simple", "Simple"},
		{"The **bold** and _it_ `code`", "The bold and it code"},
		{"[A link](http://x.org/a_b) here", "A link here"},
		{"![img alt](p.png) caption", "img alt caption"},
		{"snake_case_name stays", "snake_case_name stays"},
		{"Tags <b>gone</b> but 1 < 2", "Tags gone but 1 < 2"},
		{`Escaped \*star\*`, "Escaped *star*"},
		{"  spaced\t out  ", "spaced out"},
		{strings.Repeat("é", 150), strings.Repeat("é", 100)},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, plainHeading(tt.in), "%q", tt.in)
	}
}

// TestMarkdownCodeAndTables: code blocks and tables stay whole even over
// the budget; over the hard cap they are cut at line ends, with a note.
func TestMarkdownCodeAndTables(t *testing.T) {
	var code strings.Builder
	code.WriteString("```go\n")
	for i := 0; i < 60; i++ {
		code.WriteString("x := computeSomething(alpha, beta, gamma) // step\n")
	}
	code.WriteString("```")
	var table strings.Builder
	table.WriteString("| name | value |\n|---|---|\n")
	for i := 0; i < 60; i++ {
		table.WriteString("| some key here | a value that goes with it |\n")
	}
	doc := "# Code\n\nBefore the code.\n\n" + code.String() + "\n\nAfter the code.\n\n# Table\n\n" + table.String() + "\nAfter the table.\n"
	ex, err := Extract(context.Background(), []byte(doc), "", Limits{})
	require.NoError(t, err)

	t.Run("whole when under the hard cap", func(t *testing.T) {
		opt := ChunkOptions{MaxTokens: 200, HardMaxTokens: 2000}
		chunks := Chunk(ex, opt)
		checkChunks(t, ex, chunks, opt)
		var sawCode, sawTable bool
		for _, c := range chunks {
			if strings.Contains(c.Text, "computeSomething") {
				require.False(t, sawCode, "code block in two chunks")
				sawCode = true
				require.Equal(t, code.String(), c.Text)
				require.Greater(t, c.Tokens, 200)
				require.Equal(t, []string{"Code"}, c.HeadingPath)
			}
			if strings.Contains(c.Text, "some key here") {
				require.False(t, sawTable, "table in two chunks")
				sawTable = true
				require.Equal(t, "# Table\n\n"+strings.TrimSpace(table.String()), c.Text, "the heading leads the table")
			}
		}
		require.True(t, sawCode && sawTable)
	})
	t.Run("lines when over the hard cap", func(t *testing.T) {
		opt := ChunkOptions{MaxTokens: 100, HardMaxTokens: 150}
		chunks := Chunk(ex, opt)
		checkChunks(t, ex, chunks, opt)
		parts := 0
		for _, c := range chunks {
			if !strings.Contains(c.Text, "computeSomething") && !strings.Contains(c.Text, "some key here") {
				continue
			}
			parts++
			require.NotEmpty(t, c.Note)
			require.LessOrEqual(t, c.Tokens, 100)
			// Cut at line boundaries: the chunk ends where a line ends.
			end := c.CharEnd
			require.True(t, end == len(ex.Text) || ex.Text[end] == '\n', "cut inside a line: %q", c.Text[max(0, len(c.Text)-30):])
			require.True(t, c.CharStart == 0 || ex.Text[c.CharStart-1] == '\n', "starts inside a line")
		}
		require.Greater(t, parts, 4)
	})
}

// TestMarkdownLists: a list stays in one chunk when it fits; a longer one
// is cut between items.
func TestMarkdownLists(t *testing.T) {
	short := "Intro paragraph.\n\n- one thing\n- two things\n- three things\n\nOutro."
	ex, err := Extract(context.Background(), []byte(short), "", Limits{})
	require.NoError(t, err)
	chunks := Chunk(ex, ChunkOptions{MaxTokens: 20, Overlap: -1})
	found := false
	for _, c := range chunks {
		if strings.Contains(c.Text, "one thing") {
			require.Contains(t, c.Text, "- one thing\n- two things\n- three things")
			found = true
		}
	}
	require.True(t, found)

	var long strings.Builder
	for i := 0; i < 40; i++ {
		long.WriteString("- item with several words in it to take up room\n  and a continuation line\n")
	}
	ex, err = Extract(context.Background(), []byte(long.String()), "", Limits{})
	require.NoError(t, err)
	opt := ChunkOptions{MaxTokens: 60, Overlap: -1}
	chunks = Chunk(ex, opt)
	checkChunks(t, ex, chunks, opt)
	require.Greater(t, len(chunks), 3)
	for _, c := range chunks {
		require.True(t, strings.HasPrefix(c.Text, "- item"), "chunk does not start at an item: %.40q", c.Text)
		require.True(t, strings.HasSuffix(c.Text, "continuation line"), "chunk does not end at an item's end: %.40q", c.Text[max(0, len(c.Text)-40):])
	}
}

// TestMarkdownNestedTableInList: a table inside a long list item is
// never cut.
func TestMarkdownNestedTableInList(t *testing.T) {
	var b strings.Builder
	b.WriteString("- First item has a table:\n\n")
	b.WriteString("  | a | b |\n  |---|---|\n")
	for i := 0; i < 30; i++ {
		b.WriteString("  | cell value | another cell value |\n")
	}
	b.WriteString("\n- Second item " + strings.Repeat("word ", 100) + "\n")
	ex, err := Extract(context.Background(), []byte(b.String()), "", Limits{})
	require.NoError(t, err)
	opt := ChunkOptions{MaxTokens: 80}
	chunks := Chunk(ex, opt)
	checkChunks(t, ex, chunks, opt)
	n := 0
	for _, c := range chunks {
		if strings.Contains(c.Text, "cell value") {
			n++
			require.Equal(t, 30, strings.Count(c.Text, "| cell value |"))
		}
	}
	require.Equal(t, 1, n)
}

// TestMarkdownDeepNesting: inputs nested thousands deep must parse
// quickly and without exhausting the stack.
func TestMarkdownDeepNesting(t *testing.T) {
	var indented strings.Builder
	for i := 0; i < 3000; i++ {
		indented.WriteString(strings.Repeat("  ", i))
		indented.WriteString("- level\n")
	}
	tests := []struct{ name, in string }{
		{"blockquotes one line", strings.Repeat(">", 5000) + " deep\n"},
		{"blockquotes spaced", strings.Repeat("> ", 5000) + "deep\n"},
		{"blockquotes many lines", strings.Repeat(strings.Repeat("> ", 5000)+"deep\n", 50)},
		{"lists one line", strings.Repeat("- ", 5000) + "deep\n"},
		{"ordered lists", strings.Repeat("1. ", 5000) + "deep\n"},
		{"mixed", strings.Repeat("> - ", 3000) + "deep\n"},
		{"lists by indentation", indented.String()},
		{"brackets", strings.Repeat("[", 50000) + "x" + strings.Repeat("](y)", 50000)},
		{"emphasis", strings.Repeat("*a _b ", 50000)},
		{"backticks", strings.Repeat("`", 100000)},
		{"html", strings.Repeat("<div>", 50000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := Extract(context.Background(), []byte(tt.in), "deep.md", Limits{})
			require.NoError(t, err)
			opt := ChunkOptions{MaxTokens: 100}
			checkChunks(t, ex, Chunk(ex, opt), opt)
		})
	}
	ex, err := Extract(context.Background(), []byte(strings.Repeat("> ", 5000)+"deep\n"), "deep.md", Limits{})
	require.NoError(t, err)
	require.Contains(t, strings.Join(ex.Warnings, "\n"), "flattened")
	require.Contains(t, ex.Text, "deep")
}

func TestIsMarkdown(t *testing.T) {
	tests := []struct {
		in   string
		name string
		want bool
	}{
		{"# Title\n\nText.", "", true},
		{"Some text\n\n```\ncode\n```\n", "", true},
		{"a | b\n--|--\n1 | 2\n", "", true},
		{"See [the docs](https://example.org).", "", true},
		{"---\ntitle: x\n---\ntext", "", true},
		{"- one\n- two\n- three\n", "", true},
		{"Title\n=====\n\ntext\n\n> quote\n", "", false},
		{"Title\n=====\n\ntext\n\n> quote\n\n- item\n", "", true},
		{"Dear reader,\n\nThis is a letter. It has #hashtags and 3 - 2 = 1.\n", "", false},
		{"Dear reader,\n\nThis is a letter.\n", "letter.md", true},
		{"Cost: [approx] (see below)", "", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, isMarkdown(tt.in, hasMarkdownName(tt.name)), "%q", tt.in)
	}
}

func BenchmarkExtractMarkdown(b *testing.B) {
	data, err := os.ReadFile("testdata/md/guide.md")
	require.NoError(b, err)
	var doc strings.Builder
	for doc.Len() < 1<<20 {
		doc.Write(data[strings.Index(string(data), "\n---\n")+5:])
		doc.WriteString("\n\n")
		doc.WriteString(prose(uint64(doc.Len()), 5))
		doc.WriteString("\n\n")
	}
	in := []byte(doc.String())
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		ex, err := Extract(context.Background(), in, "", Limits{})
		require.NoError(b, err)
		Chunk(ex, ChunkOptions{})
	}
}
