package mistral

import (
	"fmt"
	"testing"

	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/tokenizer"
	"github.com/stretchr/testify/require"
)

// TestScoreRuleMatchesLlamaGGUF checks the derived scores and types against
// a real converted vocabulary with the same layout: llama.cpp's LLaMA test
// vocabulary, whose scores come from its tokenizer.model.
func TestScoreRuleMatchesLlamaGGUF(t *testing.T) {
	f, err := gguf.Open("../testdata/ggml-vocab-llama-spm.gguf")
	require.NoError(t, err)
	defer f.Close()
	v, err := tokenizer.VocabFromGGUF(f)
	require.NoError(t, err)
	require.Len(t, v.Tokens, 32000)
	for id, piece := range v.Tokens {
		score, typ := scoreAndType(id, piece)
		require.Equal(t, v.Scores[id], score, "score of %d %q", id, piece)
		require.Equal(t, v.Types[id], typ, "type of %d %q", id, piece)
	}
}

func TestV1(t *testing.T) {
	v := V1()
	require.Len(t, v.Tokens, SizeV1)
	require.Len(t, v.Scores, SizeV1)
	require.Len(t, v.Types, SizeV1)
	for _, tc := range []struct {
		id    int
		piece string
		score float32
		typ   int32
	}{
		{0, "<unk>", 0, tokenizer.TypeUnknown},
		{1, "<s>", 0, tokenizer.TypeControl},
		{2, "</s>", 0, tokenizer.TypeControl},
		{3, "<0x00>", 0, tokenizer.TypeByte},
		{258, "<0xFF>", 0, tokenizer.TypeByte},
		{259, "▁▁", -1e9, tokenizer.TypeNormal},
		{260, "▁▁▁▁", -1e9, tokenizer.TypeNormal},
		{261, "▁t", -2, tokenizer.TypeNormal},
		{28705, "▁", -1e9, tokenizer.TypeNormal},
		{22557, "▁Hello", -(22557 - 259), tokenizer.TypeNormal},
	} {
		require.Equal(t, tc.piece, v.Tokens[tc.id], "id %d", tc.id)
		require.Equal(t, tc.score, v.Scores[tc.id], "id %d", tc.id)
		require.Equal(t, tc.typ, v.Types[tc.id], "id %d", tc.id)
	}
	for b := 0; b < 256; b++ {
		require.Equal(t, fmt.Sprintf("<0x%02X>", b), v.Tokens[3+b])
	}
	seen := map[string]bool{}
	for _, p := range v.Tokens {
		require.False(t, seen[p], "duplicate piece %q", p)
		seen[p] = true
	}
	// Callers get their own copy.
	v.Tokens[5] = "changed"
	require.Equal(t, "<0x02>", V1().Tokens[5])
}

func TestV3(t *testing.T) {
	v := V3()
	require.Len(t, v.Tokens, SizeV3)
	require.Len(t, v.Scores, SizeV3)
	require.Len(t, v.Types, SizeV3)
	require.Equal(t, V1().Tokens, v.Tokens[:SizeV1])
	require.Equal(t, "[INST]", v.Tokens[32000])
	require.Equal(t, "[/INST]", v.Tokens[32001])
	require.Equal(t, "[control_767]", v.Tokens[SizeV3-1])
	for id := SizeV1; id < SizeV3; id++ {
		require.Equal(t, int32(tokenizer.TypeControl), v.Types[id])
	}
	tok, err := tokenizer.New(v)
	require.NoError(t, err)
	require.Equal(t, []int{32000}, tok.EncodeSpecial("[INST]", false))
	require.NotContains(t, tok.Encode("[INST]", false), 32000)
}
