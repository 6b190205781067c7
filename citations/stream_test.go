package citations

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func threeSources() []Source {
	return []Source{
		{N: 1, DocName: "guide.pdf", Page: 3, ChunkID: "c1"},
		{N: 2, DocName: "README.md", Headings: []string{"Install"}, ChunkID: "c2"},
		{N: 3, DocName: "notes.txt", ChunkID: "c3"},
	}
}

func ns(srcs []Source) []int {
	var out []int
	for _, s := range srcs {
		out = append(out, s.N)
	}
	return out
}

// runStream pushes the tokens one by one and returns what was shown (the
// concatenation of Push texts and Finish's rest) and the result.
func runStream(tokens []string) (shown string, found []int, res Result) {
	st := NewStream(threeSources())
	var b strings.Builder
	for _, tok := range tokens {
		text, f := st.Push(tok)
		b.WriteString(text)
		found = append(found, ns(f)...)
	}
	rest, res := st.Finish()
	b.WriteString(rest)
	return b.String(), found, res
}

func TestStream(t *testing.T) {
	cases := []struct {
		name    string
		tokens  []string
		text    string
		cited   []int
		dropped []int
	}{
		{"plain", []string{"No markers ", "here."}, "No markers here.", nil, nil},
		{"one marker", []string{"A claim [1]."}, "A claim [1].", []int{1}, nil},
		{"split over tokens", []string{"A claim ", "[", "1", "]", "."}, "A claim [1].", []int{1}, nil},
		{"two numbers", []string{"Both [1, 3]."}, "Both [1, 3].", []int{1, 3}, nil},
		{"normalized", []string{"Both [3,1] and [ 2 ]."}, "Both [3, 1] and [2].", []int{3, 1, 2}, nil},
		{"semicolon", []string{"x [1; 2]"}, "x [1, 2]", []int{1, 2}, nil},
		{"range", []string{"x [1-3]"}, "x [1, 2, 3]", []int{1, 2, 3}, nil},
		{"source word", []string{"x [Source 2] y [sources: 1, 3]"}, "x [2] y [1, 3]", []int{2, 1, 3}, nil},
		{"footnote style", []string{"x [^2]"}, "x [2]", []int{2}, nil},
		{"trailing comma", []string{"x [1,] [,3]"}, "x [1] [3]", []int{1, 3}, nil},
		{"space separated is text", []string{"x [1 2]"}, "x [1 2]", nil, nil},
		{"adjacent", []string{"x [1][2]."}, "x [1][2].", []int{1, 2}, nil},
		{"cited once", []string{"a [2] b [2, 1] c [1]"}, "a [2] b [2, 1] c [1]", []int{2, 1}, nil},
		{"duplicate in one marker", []string{"a [2, 2]"}, "a [2]", []int{2}, nil},
		{"out of range dropped with its space", []string{"x [7]. y"}, "x. y", nil, []int{7}},
		{"partly out of range", []string{"x [1, 7] y [9, 9]"}, "x [1] y", []int{1}, []int{7, 9}},
		{"dropped then valid", []string{"x [7][1] y [8] [2]"}, "x [1] y [2]", []int{1, 2}, []int{7, 8}},
		{"dropped at the end", []string{"x [7] ", "\n"}, "x \n", nil, []int{7}},
		{"dropped at the start", []string{"[7] x"}, " x", nil, []int{7}},
		{"dropped before code", []string{"x [7]`c` [1]"}, "x`c` [1]", []int{1}, []int{7}},
		{"zero dropped", []string{"x [0]"}, "x", nil, []int{0}},
		{"year-like number dropped", []string{"in [2019] too"}, "in too", nil, []int{2019}},
		{"unclosed at end is text", []string{"see [12"}, "see [12", nil, nil},
		{"unclosed then more", []string{"see [1 and more"}, "see [1 and more", nil, nil},
		{"letters are text", []string{"an [a] b"}, "an [a] b", nil, nil},
		{"empty brackets are text", []string{"[] and [ ]"}, "[] and [ ]", nil, nil},
		{"note in brackets is text", []string{"x [Note: see below] y"}, "x [Note: see below] y", nil, nil},
		{"range too long is text", []string{"x [1-100]"}, "x [1-100]", nil, nil},
		{"reversed range is text", []string{"x [3-1]"}, "x [3-1]", nil, nil},
		{"long bracket is text", []string{"x [" + strings.Repeat("a", 60) + "] [1]"}, "x [" + strings.Repeat("a", 60) + "] [1]", []int{1}, nil},
		{"indexing is not a marker", []string{"arr[1] and f(x)[2]"}, "arr[1] and f(x)[2]", nil, nil},
		{"after punctuation is a marker", []string{"done.[1]"}, "done.[1]", []int{1}, nil},
		{"inline code", []string{"use `x [1]` then [2]"}, "use `x [1]` then [2]", []int{2}, nil},
		{"double backtick code", []string{"``a [1] ` b`` [3]"}, "``a [1] ` b`` [3]", []int{3}, nil},
		{"fence", []string{"```\nv [2]\n```\nok [3]"}, "```\nv [2]\n```\nok [3]", []int{3}, nil},
		{"fence split", []string{"`", "``go\nx[1] [1]\n`", "``", " [2]"}, "```go\nx[1] [1]\n``` [2]", []int{2}, nil},
		{"inline code ends at line end", []string{"a `b\nc [1]"}, "a `b\nc [1]", []int{1}, nil},
		{"nested bracket", []string{"[[1]]"}, "[[1]]", []int{1}, nil},
		{"non-ASCII before", []string{"café [1]"}, "café [1]", []int{1}, nil},
		{"trailing spaces kept", []string{"a [1]  "}, "a [1]  ", []int{1}, nil},
		{"newline before marker", []string{"a\n[2] b"}, "a\n[2] b", []int{2}, nil},
		{"huge number", []string{"x [12345678]"}, "x [12345678]", nil, nil},
		{"empty", nil, "", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			shown, found, res := runStream(tc.tokens)
			require.Equal(t, tc.text, shown, "shown text")
			require.Equal(t, tc.text, res.Text, "result text")
			require.Equal(t, tc.cited, ns(res.Cited), "cited")
			require.Equal(t, tc.cited, found, "found while streaming")
			require.Equal(t, tc.dropped, res.Dropped, "dropped")
		})
	}
}

// TestStreamReleasesEarly checks what each Push shows: the marker's
// citation comes with the token that closes it, and only what could still
// be a marker is held back.
func TestStreamReleasesEarly(t *testing.T) {
	st := NewStream(threeSources())
	steps := []struct {
		tok, text string
		found     []int
	}{
		{"The answer", "The answer", nil},
		{" is", " is", nil},
		{" 42 ", " 42", nil},
		{"[", "", nil},
		{"2", "", nil},
		{",", "", nil},
		{" 3", "", nil},
		{"]", " [2, 3]", []int{2, 3}},
		{". See [a", ". See", nil},
		{"]", " [a]", nil},
		{" [3]", " [3]", nil},
	}
	for i, s := range steps {
		text, found := st.Push(s.tok)
		require.Equal(t, s.text, text, "step %d (%q)", i, s.tok)
		require.Equal(t, s.found, ns(found), "step %d (%q)", i, s.tok)
	}
	rest, res := st.Finish()
	require.Empty(t, rest)
	require.Equal(t, "The answer is 42 [2, 3]. See [a] [3]", res.Text)
	require.Equal(t, []int{2, 3}, ns(res.Cited))
}

// FuzzStream checks that any split of an answer into tokens gives the same
// result as one Push of the whole text, and that what was shown is the
// result's text.
func FuzzStream(f *testing.F) {
	for _, s := range []string{
		"A claim [1]. Another [2, 3] and [7] and [1-2].",
		"code `x[1]` and ```\n[2]\n``` then [Source 3]",
		"[12", "[a] [ ] [1,,2] [;1]", "é [1]\u00a0[2]", "[1][2][3]", "x [0] [99999]",
	} {
		f.Add(s, []byte{1, 2, 3})
	}
	f.Fuzz(func(t *testing.T, text string, cuts []byte) {
		whole := NewStream(threeSources())
		first, _ := whole.Push(text)
		rest, want := whole.Finish()
		require.Equal(t, want.Text, first+rest)

		var tokens []string
		s := text
		for _, c := range cuts {
			if s == "" {
				break
			}
			n := int(c)%len(s) + 1
			tokens = append(tokens, s[:n])
			s = s[n:]
		}
		if s != "" {
			tokens = append(tokens, s)
		}
		shown, found, got := runStream(tokens)
		require.Equal(t, want, got)
		require.Equal(t, want.Text, shown)
		require.Equal(t, ns(want.Cited), found)
		for _, n := range got.Dropped {
			require.False(t, n >= 1 && n <= 3, "valid number %d dropped", n)
		}
	})
}
