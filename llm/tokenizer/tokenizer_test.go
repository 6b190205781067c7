package tokenizer_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/quirehq/quire/llm/tokenizer"
	"github.com/quirehq/quire/llm/tokenizer/mistral"
	"github.com/stretchr/testify/require"
)

func mistralV1(t *testing.T) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.New(mistral.V1())
	require.NoError(t, err)
	return tok
}

func TestNewErrors(t *testing.T) {
	good := func() tokenizer.Vocab {
		return tokenizer.Vocab{Model: "llama", Tokens: []string{"<unk>", "<s>", "</s>", "a"}, BOS: 1, EOS: 2}
	}
	for _, tc := range []struct {
		name   string
		mutate func(v *tokenizer.Vocab)
		want   string
	}{
		{"bpe model", func(v *tokenizer.Vocab) { v.Model = "gpt2" }, `model "gpt2" is not supported`},
		{"empty", func(v *tokenizer.Vocab) { v.Tokens = nil }, "empty"},
		{"short scores", func(v *tokenizer.Vocab) { v.Scores = []float32{0} }, "1 scores for 4 tokens"},
		{"short types", func(v *tokenizer.Vocab) { v.Types = []int32{1, 1} }, "2 token types for 4 tokens"},
		{"bos out of range", func(v *tokenizer.Vocab) { v.BOS = 4 }, "BOS id 4"},
		{"negative eos", func(v *tokenizer.Vocab) { v.EOS = -1 }, "EOS id -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := good()
			tc.mutate(&v)
			_, err := tokenizer.New(v)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := tokenizer.New(good())
	require.NoError(t, err)
}

func TestEncodeRules(t *testing.T) {
	tok := mistralV1(t)
	for _, tc := range []struct {
		name, text string
		bos        bool
		want       []int
	}{
		{"empty", "", false, nil},
		{"empty with BOS", "", true, []int{1}},
		{"space prefix", "Hello world", true, []int{1, 22557, 1526}},
		// <s> typed by a user is text, never the BOS id.
		{"control text is plain", "<s>", false, []int{523, 28713, 28767}},
		// Byte fallback: U+0000 has no piece, so it becomes <0x00> (id 3).
		{"byte fallback", "\x00", false, []int{28705, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tok.Encode(tc.text, tc.bos))
		})
	}
	require.Equal(t, []int{1, 1, 22557}, tok.EncodeSpecial("<s>Hello", true), "control text parsed by EncodeSpecial")
}

// TestUserDefinedTokens: user-defined pieces (type 4) are split out even by
// Encode, as llama.cpp does; a missing byte piece falls back to UNK.
func TestUserDefinedTokens(t *testing.T) {
	v := tokenizer.Vocab{
		Model:  "llama",
		Tokens: []string{"<unk>", "<s>", "</s>", "<sep>", "▁", "a", "b", "▁a", "ab"},
		Scores: []float32{0, 0, 0, 0, -1, -2, -3, -4, -5},
		Types:  []int32{2, 3, 3, 4, 1, 1, 1, 1, 1},
		BOS:    1, EOS: 2, UNK: 0,
	}
	tok, err := tokenizer.New(v)
	require.NoError(t, err)
	// "ab<sep>b": "▁ab" -> "▁a" (score -4) then "b"? "ab" (-5) is lower
	// than "▁a" (-4), so ▁a+b; <sep> is its own id; "b" after a special
	// gets a space prefix: "▁b" is not a piece, so "▁" "b".
	require.Equal(t, []int{7, 6, 3, 4, 6}, tok.Encode("ab<sep>b", false))
	require.Equal(t, []int{4, 0}, tok.Encode("z", false), "no byte piece: UNK")
	require.Equal(t, "ab<sep> b", tok.Decode([]int{7, 6, 3, 4, 6}), "user-defined pieces print as is")
}

func TestNoSpacePrefix(t *testing.T) {
	v := mistral.V1()
	v.NoSpacePrefix = true
	tok, err := tokenizer.New(v)
	require.NoError(t, err)
	with := mistralV1(t)
	require.NotEqual(t, with.Encode("Hello", false), tok.Encode("Hello", false))
	require.Equal(t, with.Encode(" Hello", false)[1:], tok.Encode(" Hello", false)[0:],
		"without the prefix, an explicit space does its job")
	require.Equal(t, "Hello", tok.Decode(tok.Encode("Hello", false)))
}

func TestDecode(t *testing.T) {
	tok := mistralV1(t)
	for _, tc := range []struct {
		name string
		ids  []int
		want string
	}{
		{"first space dropped", []int{22557, 1526}, "Hello world"},
		{"after BOS space kept (llama.cpp)", []int{1, 22557, 1526}, " Hello world"},
		{"control tokens print nothing", []int{22557, 2, 1526}, "Hello world"},
		{"byte pieces joined", []int{28705, 243, 162, 169, 156}, "🦙"},
		{"out of range skipped", []int{-5, 22557, 99999}, "Hello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tok.Decode(tc.ids))
		})
	}
}

// TestStreamDecoder: every Next returns valid UTF-8 for valid text, and the
// stream adds up to Decode.
func TestStreamDecoder(t *testing.T) {
	tok := mistralV1(t)
	for _, text := range []string{
		"emoji 🦙🚀👍🏽 and 日本語のテキスト",
		"plain ascii text",
		"𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ꙮ 𓂀",
	} {
		ids := tok.Encode(text, true)
		d := tok.NewStreamDecoder()
		var b strings.Builder
		held := false
		for _, id := range ids {
			s := d.Next(id)
			require.True(t, utf8.ValidString(s), "chunk %q", s)
			if s == "" && id != tok.BOS() {
				held = true
			}
			b.WriteString(s)
		}
		b.WriteString(d.Flush())
		require.Equal(t, tok.Decode(ids), b.String())
		if strings.Contains(text, "🦙") {
			require.True(t, held, "multi-byte characters spread over byte pieces are held back")
		}
	}
	// Invalid bytes are passed through, not held forever.
	d := tok.NewStreamDecoder()
	require.Equal(t, "\xff", d.Next(3+0xff))
	require.Equal(t, "", d.Next(3+0xe6), "a lead byte waits")
	require.Equal(t, "\xe6A", d.Next(3+'A'), "and is released when it cannot complete")
	require.Equal(t, "", d.Flush())
}

func TestPieceAndIDs(t *testing.T) {
	tok := mistralV1(t)
	require.Equal(t, 32000, tok.VocabSize())
	require.Equal(t, "▁Hello", tok.Piece(22557))
	require.Equal(t, "<0x0A>", tok.Piece(13))
	require.Equal(t, "", tok.Piece(-1))
	require.True(t, tok.IsControl(1))
	require.False(t, tok.IsControl(0), "<unk> is unknown, not control")
	require.False(t, tok.IsControl(22557))
	id, ok := tok.ID("▁Hello")
	require.True(t, ok)
	require.Equal(t, 22557, id)
	require.True(t, tok.AddBOS())
	require.Equal(t, 2, tok.EOS())
}

func FuzzEncodeDecode(f *testing.F) {
	tok, err := tokenizer.New(mistral.V1())
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"Hello world", " 🦙 日本", "\x00\xff", "<s>[INST]", "  a  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids := tok.Encode(s, false)
		for _, id := range ids {
			require.False(t, tok.IsControl(id), "control id %d from plain text %q", id, s)
		}
		if !utf8.ValidString(s) {
			return
		}
		// SentencePiece round trip: Decode drops exactly the space that
		// the prefix added.
		require.Equal(t, s, tok.Decode(ids), "text %q", s)
	})
}

func BenchmarkEncode(b *testing.B) {
	tok, err := tokenizer.New(mistral.V1())
	require.NoError(b, err)
	text := strings.Repeat("Mistral 7B is a 7.3B parameter model. 日本語のテキスト 🦙 func main() { return x }\n", 100)
	n := len(tok.Encode(text, false))
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tok.Encode(text, false)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}
