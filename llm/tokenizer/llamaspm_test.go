package tokenizer

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/quirehq/quire/llm/gguf"
	"github.com/stretchr/testify/require"
)

// readVocabTest parses llama.cpp's .inp/.out tokenizer test pair.
func readVocabTest(t *testing.T, base string) (inputs []string, want [][]int) {
	t.Helper()
	inp, err := os.ReadFile(base + ".inp")
	require.NoError(t, err)
	out, err := os.ReadFile(base + ".out")
	require.NoError(t, err)
	inputs = strings.Split(string(inp), "\n__ggml_vocab_test__\n")
	// The file ends with the separator, which leaves one empty trailing field.
	if inputs[len(inputs)-1] == "" {
		inputs = inputs[:len(inputs)-1]
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, lines, len(inputs), "one output line per input")
	for _, l := range lines {
		var ids []int
		for _, f := range strings.Fields(l) {
			id, err := strconv.Atoi(f)
			require.NoError(t, err)
			ids = append(ids, id)
		}
		want = append(want, ids)
	}
	return inputs, want
}

func loadTokenizer(t *testing.T, path string) *Tokenizer {
	t.Helper()
	f, err := gguf.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	tok, err := FromGGUF(f)
	require.NoError(t, err)
	return tok
}

// TestLlamaSPMVocab runs llama.cpp's own SentencePiece vocabulary test.
func TestLlamaSPMVocab(t *testing.T) {
	const base = "testdata/ggml-vocab-llama-spm.gguf"
	tok := loadTokenizer(t, base)
	inputs, want := readVocabTest(t, base)
	require.GreaterOrEqual(t, len(inputs), 30)
	for i, in := range inputs {
		got := tok.Encode(in, false)
		if want[i] == nil {
			want[i] = []int{}
		}
		if got == nil {
			got = []int{}
		}
		require.Equal(t, want[i], got, "case %d: %q", i, in)
	}
	t.Logf("%d llama.cpp vocab cases pass", len(inputs))
}

// TestWordSplitIsExact: tokenizing word by word gives the same ids as one
// pass over the whole text, and the real vocabulary allows it.
func TestWordSplitIsExact(t *testing.T) {
	tok := loadTokenizer(t, "testdata/ggml-vocab-llama-spm.gguf")
	require.True(t, tok.wordSafe, "the LLaMA vocabulary has no piece with an inner ▁")
	inputs, _ := readVocabTest(t, "testdata/ggml-vocab-llama-spm.gguf")
	inputs = append(inputs, "a\xf0▁b", "▁▁x▁▁▁y  z", "\xe2\x96", "x\xe2\x96\x81\xe2")
	for _, in := range inputs {
		text := strings.ReplaceAll(" "+in, " ", spaceMark)
		s := session{t: tok}
		require.Equal(t, s.tokenize(text, nil), s.tokenizeWords(text, nil), "%q", in)
	}
}

func FuzzWordSplit(f *testing.F) {
	for _, s := range []string{"Hello world", "a\xf0▁b", "  x  ", "日本 語"} {
		f.Add(s)
	}
	var full *Tokenizer
	f.Fuzz(func(t *testing.T, in string) {
		if full == nil {
			full = loadTokenizer(t, "testdata/ggml-vocab-llama-spm.gguf")
		}
		text := strings.ReplaceAll(" "+in, " ", spaceMark)
		s := session{t: full}
		require.Equal(t, s.tokenize(text, nil), s.tokenizeWords(text, nil), "%q", in)
	})
}
