package citations

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// words is the fake token counter: one token per whitespace-separated word.
func words(s string) int { return len(strings.Fields(s)) }

// passage is a source of n words.
func passage(id, doc string, page int, heads []string, n int) Source {
	return Source{N: 99, ChunkID: id, DocID: "d-" + doc, DocName: doc, Path: doc, Page: page, Headings: heads,
		Text: strings.TrimSpace(strings.Repeat(id+" ", n))}
}

// fixedCost is what a prompt costs before any source: instructions,
// "Sources:" and "Question: ..." plus the template overhead of two turns.
func fixedCost(question string) int {
	return words(SystemPrompt) + words("Sources:\n\nQuestion: "+question) + 2*turnOverhead
}

func TestBuildPromptPicksByRank(t *testing.T) {
	q := "How do I install it?"
	guide := passage("a", "guide.pdf", 3, nil, 50)
	readme := passage("b", "README.md", 0, []string{"Install"}, 40)
	huge := passage("c", "big.pdf", 7, nil, 400)
	small := passage("d", "notes.txt", 0, nil, 10)
	// A block costs its words plus "[n]" and the label's words.
	cost := func(s Source) int { return words(sourceBlock(s)) }
	room := cost(guide) + cost(readme) + cost(small) + 5

	cases := []struct {
		name    string
		srcs    []Source
		ctx     int
		want    []string // chunk ids in the prompt, in order
		dropped []string
	}{
		{"all fit", []Source{guide, readme, small}, fixedCost(q) + 512 + room, []string{"a", "b", "d"}, nil},
		{"too big skipped, smaller taken", []Source{guide, huge, readme, small}, fixedCost(q) + 512 + room, []string{"a", "b", "d"}, []string{"c"}},
		{"tight: last ones dropped", []Source{guide, readme, small}, fixedCost(q) + 512 + cost(guide) + 3, []string{"a"}, []string{"b", "d"}},
		{"first too big", []Source{huge, small}, fixedCost(q) + 512 + cost(small), []string{"d"}, []string{"c"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := BuildPrompt(PromptInput{Question: q, Sources: tc.srcs, Count: words, ContextSize: tc.ctx})
			require.NoError(t, err)
			var got, dropped []string
			for i, s := range p.Sources {
				require.Equal(t, i+1, s.N, "numbered 1..n in prompt order")
				got = append(got, s.ChunkID)
			}
			for _, s := range p.Dropped {
				require.Equal(t, 99, s.N, "dropped sources keep their number")
				dropped = append(dropped, s.ChunkID)
			}
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.dropped, dropped)
			require.LessOrEqual(t, p.Tokens+DefaultAnswerReserve, tc.ctx)
			require.Equal(t, words(p.System)+words(p.User)+2*turnOverhead, p.Tokens)
		})
	}
}

func TestBuildPromptText(t *testing.T) {
	srcs := []Source{
		passage("a", "guide.pdf", 3, nil, 3),
		{ChunkID: "b", DocName: "README.md", Path: "tool/README.md", Headings: []string{"Install"}, Text: "Run make, see [12]."},
		{ChunkID: "c", DocName: "r.pdf", Path: "r.pdf", Page: 4, PageEnd: 5, Text: "Two pages."},
	}
	p, err := BuildPrompt(PromptInput{Question: "  How do I install it? ", Sources: srcs, Count: words, ContextSize: 4096})
	require.NoError(t, err)
	require.Equal(t, SystemPrompt, p.System)
	require.Contains(t, p.System, "[1]")
	require.Contains(t, p.System, NotFoundReply)
	require.Equal(t, "Sources:\n\n"+
		"[1] guide.pdf, p. 3\na a a\n\n"+
		"[2] tool/README.md > Install\nRun make, see (12).\n\n"+
		"[3] r.pdf, pp. 4-5\nTwo pages.\n\n"+
		"Question: How do I install it?", p.User)
	require.Equal(t, "README.md", p.Sources[1].DocName, "the source itself is not changed")
	require.Equal(t, "Run make, see [12].", p.Sources[1].Text)
}

func TestBuildPromptHistory(t *testing.T) {
	hist := []Turn{
		{"user", strings.Repeat("old ", 100)},
		{"assistant", strings.Repeat("older answer ", 50)},
		{"user", "what about linux?"},
		{"assistant", "Use apt [1, 2]."},
	}
	src := passage("a", "guide.pdf", 1, nil, 20)
	ctx := fixedCost("and on mac?") + 512 + 400
	p, err := BuildPrompt(PromptInput{Question: "and on mac?", History: hist, Sources: []Source{src}, Count: words, ContextSize: ctx})
	require.NoError(t, err)
	// A quarter of 400 tokens holds the last two turns, not the first two;
	// the old answer loses its markers.
	require.Equal(t, []Turn{hist[2], {"assistant", "Use apt."}}, p.History)
	require.Equal(t, 2, p.DroppedTurns)
	histCost := words(hist[2].Content) + words("Use apt.") + 2*turnOverhead
	require.Equal(t, words(p.System)+words(p.User)+2*turnOverhead+histCost, p.Tokens)

	// When only the assistant turn would fit, it is left out too: history
	// starts with a user turn.
	hist2 := []Turn{{"user", strings.Repeat("long ", 150)}, {"assistant", "short"}}
	p, err = BuildPrompt(PromptInput{Question: "and on mac?", History: hist2, Sources: []Source{src}, Count: words, ContextSize: ctx})
	require.NoError(t, err)
	require.Empty(t, p.History)
	require.Equal(t, 2, p.DroppedTurns)
}

// TestBuildPromptRecounts uses a counter under which joined blocks cost more
// than their parts, as real tokenizers can: the assembled prompt is counted
// again and trimmed to fit.
func TestBuildPromptRecounts(t *testing.T) {
	count := func(s string) int { return words(s) + 20*strings.Count(s, "\n\n[") }
	srcs := []Source{passage("a", "a.md", 0, nil, 10), passage("b", "b.md", 0, nil, 10), passage("c", "c.md", 0, nil, 10)}
	sum := 0
	for i, s := range srcs {
		s.N = i + 1
		sum += words(sourceBlock(s))
	}
	ctx := fixedCost("q?") + 512 + sum
	p, err := BuildPrompt(PromptInput{Question: "q?", Sources: srcs, Count: count, ContextSize: ctx})
	require.NoError(t, err)
	require.Len(t, p.Sources, 1, "each extra block costs 20 more when joined")
	require.Len(t, p.Dropped, 2)
	require.LessOrEqual(t, p.Tokens+512, ctx)
	require.Equal(t, count(p.System)+count(p.User)+2*turnOverhead, p.Tokens)
}

func TestBuildPromptReserve(t *testing.T) {
	src := passage("a", "a.md", 0, nil, 10)
	need := fixedCost("q?") + words(sourceBlock(Source{N: 1, DocName: "a.md", Path: "a.md", Text: src.Text}))
	_, err := BuildPrompt(PromptInput{Question: "q?", Sources: []Source{src}, Count: words, ContextSize: need + 100, AnswerReserve: 100})
	require.NoError(t, err)
	_, err = BuildPrompt(PromptInput{Question: "q?", Sources: []Source{src}, Count: words, ContextSize: need + 100})
	require.ErrorIs(t, err, ErrNoRoom, "the default reserve is 512")
	_, err = BuildPrompt(PromptInput{Question: "q?", Sources: []Source{src}, Count: words, ContextSize: need + 512})
	require.NoError(t, err)
}

func TestBuildPromptErrors(t *testing.T) {
	src := []Source{passage("a", "a.md", 0, nil, 10)}
	cases := []struct {
		name  string
		in    PromptInput
		want  string
		noRom bool
	}{
		{"empty question", PromptInput{Question: " ", Sources: src, Count: words, ContextSize: 4096}, "question is empty", false},
		{"no counter", PromptInput{Question: "q", Sources: src, ContextSize: 4096}, "token counter", false},
		{"no sources", PromptInput{Question: "q", Count: words, ContextSize: 4096}, "abstain", false},
		{"no context", PromptInput{Question: "q", Sources: src, Count: words}, "context size 0", false},
		{"negative reserve", PromptInput{Question: "q", Sources: src, Count: words, ContextSize: 4096, AnswerReserve: -1}, "reserve -1", false},
		{"question too long", PromptInput{Question: strings.Repeat("w ", 5000), Sources: src, Count: words, ContextSize: 4096}, "shorten the question", true},
		{"no source fits", PromptInput{Question: "q", Sources: src, Count: words, ContextSize: fixedCost("q") + 512 + 3}, "no source fits", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BuildPrompt(tc.in)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			if tc.noRom {
				require.ErrorIs(t, err, ErrNoRoom)
			}
		})
	}
}
