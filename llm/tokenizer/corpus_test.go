package tokenizer_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/tokenizer"
	"github.com/quirehq/quire/llm/tokenizer/mistral"
	"github.com/stretchr/testify/require"
)

// golden is testdata/mistral-corpus.json, written by reference/tokenize.mjs
// with llama.cpp.
type golden struct {
	Vocabs map[string]struct {
		Cases []struct {
			Text    string `json:"text"`
			IDs     []int  `json:"ids"`
			Special []int  `json:"special"`
			Decoded string `json:"decoded"`
		} `json:"cases"`
	} `json:"vocabs"`
}

func readGolden(t *testing.T) golden {
	t.Helper()
	raw, err := os.ReadFile("testdata/mistral-corpus.json")
	require.NoError(t, err)
	var g golden
	require.NoError(t, json.Unmarshal(raw, &g))
	return g
}

// viaGGUF writes v to a vocabulary-only GGUF with our writer and loads the
// tokenizer back from it, the path a real model takes.
func viaGGUF(t *testing.T, v tokenizer.Vocab) *tokenizer.Tokenizer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vocab.gguf")
	require.NoError(t, mistral.WriteVocabOnly(path, "test", v, ""))
	f, err := gguf.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	tok, err := tokenizer.FromGGUF(f)
	require.NoError(t, err)
	return tok
}

func TestMistralCorpusMatchesLlamaCpp(t *testing.T) {
	g := readGolden(t)
	for _, tc := range []struct {
		name  string
		vocab tokenizer.Vocab
	}{
		{"v1", mistral.V1()},
		{"v3", mistral.V3()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cases := g.Vocabs[tc.name].Cases
			require.GreaterOrEqual(t, len(cases), 300, "golden corpus")
			direct, err := tokenizer.New(tc.vocab)
			require.NoError(t, err)
			require.True(t, tokenizer.WordSafe(direct), "the goldens check the word-by-word path")
			loaded := viaGGUF(t, tc.vocab)
			for i, c := range cases {
				for _, tok := range []*tokenizer.Tokenizer{direct, loaded} {
					require.Equal(t, nonNil(c.IDs), nonNil(tok.Encode(c.Text, false)), "case %d Encode %q", i, c.Text)
					require.Equal(t, nonNil(c.Special), nonNil(tok.EncodeSpecial(c.Text, false)), "case %d EncodeSpecial %q", i, c.Text)
					want := append([]int{tok.BOS()}, c.IDs...)
					require.Equal(t, want, tok.Encode(c.Text, true), "case %d with BOS", i)
					got := tok.Decode(c.IDs)
					if utf8.ValidString(got) { // node returns invalid UTF-8 as U+FFFD
						require.Equal(t, c.Decoded, got, "case %d Decode %q", i, c.Text)
					}
				}
			}
			t.Logf("%s: %d corpus texts match llama.cpp (Encode, EncodeSpecial, Decode)", tc.name, len(cases))
		})
	}
}

func nonNil(ids []int) []int {
	if ids == nil {
		return []int{}
	}
	return ids
}
