package synth

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/gguf"
	"github.com/stretchr/testify/require"
)

func thin(typ string, layers int) Config {
	return Config{Dim: 256, Layers: layers, Heads: 4, KVHeads: 1, FFN: 256, Vocab: "v1", RopeTheta: 1e6, CtxLen: 2048, Type: typ, Seed: 3}
}

func write(t *testing.T, c Config) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.gguf")
	require.NoError(t, Write(path, c))
	return path
}

func TestDeterministic(t *testing.T) {
	c := thin("Q4_K", 1)
	a, err := os.ReadFile(write(t, c))
	require.NoError(t, err)
	b, err := os.ReadFile(write(t, c))
	require.NoError(t, err)
	require.True(t, bytes.Equal(a, b), "same config must give the same bytes")
	c.Seed++
	d, err := os.ReadFile(write(t, c))
	require.NoError(t, err)
	require.Equal(t, len(a), len(d))
	require.False(t, bytes.Equal(a, d), "another seed must give other weights")
}

func TestMetadata(t *testing.T) {
	c := thin("F16", 2)
	c.Vocab = "v3"
	f, err := gguf.Open(write(t, c))
	require.NoError(t, err)
	defer f.Close()
	for _, kv := range []struct {
		key  string
		want uint64
	}{
		{"llama.context_length", 2048}, {"llama.embedding_length", 256}, {"llama.block_count", 2},
		{"llama.feed_forward_length", 256}, {"llama.attention.head_count", 4}, {"llama.attention.head_count_kv", 1},
		{"llama.rope.dimension_count", 64}, {"llama.vocab_size", 32768}, {"general.file_type", 1},
		{"general.quantization_version", 2}, {"tokenizer.ggml.bos_token_id", 1}, {"tokenizer.ggml.eos_token_id", 2},
	} {
		v, ok := f.Uint(kv.key)
		require.True(t, ok, kv.key)
		require.Equal(t, kv.want, v, kv.key)
	}
	theta, ok := f.Float("llama.rope.freq_base")
	require.True(t, ok)
	require.Equal(t, 1e6, theta)
	eps, ok := f.Float("llama.attention.layer_norm_rms_epsilon")
	require.True(t, ok)
	require.InDelta(t, 1e-5, eps, 1e-12)
	arch, _ := f.String("general.architecture")
	require.Equal(t, "llama", arch)
	model, _ := f.String("tokenizer.ggml.model")
	require.Equal(t, "llama", model)
	tmpl, _ := f.String("tokenizer.chat_template")
	require.Contains(t, tmpl, "[INST]")
	tokens, _ := f.Strings("tokenizer.ggml.tokens")
	require.Len(t, tokens, 32768)
	emb, ok := f.Tensor("token_embd.weight")
	require.True(t, ok)
	require.Equal(t, []int{256, 32768}, emb.Dims)
	require.Equal(t, ggml.F16, emb.Type)
	n, ok := f.Tensor("blk.1.attn_norm.weight")
	require.True(t, ok)
	require.Equal(t, []int{256}, n.Dims)
	require.Equal(t, ggml.F32, n.Type)
	k, ok := f.Tensor("blk.1.attn_k.weight")
	require.True(t, ok)
	require.Equal(t, []int{256, 64}, k.Dims)
}

// TestMixes checks llama-quantize's choice of type per tensor.
func TestMixes(t *testing.T) {
	// The Q6_K layers, written out: 32 layers: 0-3, 6, 9, ..., 27, 28-31;
	// 8 layers: 0, 3, 6, 7.
	high := map[int][]int{
		32: {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31},
		8:  {0, 3, 6, 7},
	}
	cases := []struct {
		typ               string
		layers            int
		embd, out, other  ggml.Type
		highType, lowType ggml.Type
	}{
		{"Q4_K_M", 32, ggml.Q4_K, ggml.Q6_K, ggml.Q4_K, ggml.Q6_K, ggml.Q4_K},
		{"Q5_K_M", 8, ggml.Q5_K, ggml.Q6_K, ggml.Q5_K, ggml.Q6_K, ggml.Q5_K},
		{"Q4_0", 2, ggml.Q4_0, ggml.Q6_K, ggml.Q4_0, ggml.Q4_0, ggml.Q4_0},
		{"Q8_0", 2, ggml.Q8_0, ggml.Q8_0, ggml.Q8_0, ggml.Q8_0, ggml.Q8_0},
		{"BF16", 2, ggml.BF16, ggml.BF16, ggml.BF16, ggml.BF16, ggml.BF16},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			n := tc.layers
			more := func(i int) bool { return slices.Contains(high[n], i) }
			f, err := gguf.Open(write(t, thin(tc.typ, n)))
			require.NoError(t, err)
			defer f.Close()
			typeOf := func(name string) ggml.Type {
				tt, ok := f.Tensor(name)
				require.True(t, ok, name)
				return tt.Type
			}
			require.Equal(t, tc.embd, typeOf("token_embd.weight"))
			require.Equal(t, tc.out, typeOf("output.weight"))
			require.Equal(t, ggml.F32, typeOf("output_norm.weight"))
			for i := 0; i < n; i++ {
				p := fmt.Sprintf("blk.%d.", i)
				want := tc.lowType
				if more(i) {
					want = tc.highType
				}
				require.Equal(t, want, typeOf(p+"attn_v.weight"), p)
				require.Equal(t, want, typeOf(p+"ffn_down.weight"), p)
				for _, m := range []string{"attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up"} {
					require.Equal(t, tc.other, typeOf(p+m+".weight"), p+m)
				}
				require.Equal(t, ggml.F32, typeOf(p+"ffn_norm.weight"))
			}
		})
	}
}

func TestBadConfig(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Config)
		msg  string
	}{
		{"k-quant row", func(c *Config) { c.Dim, c.Heads, c.KVHeads, c.Type = 128, 2, 1, "Q4_K" }, "multiples of 256"},
		{"unknown type", func(c *Config) { c.Type = "Q3_K" }, "unknown type"},
		{"vocab", func(c *Config) { c.Vocab = "v2" }, "vocab"},
		{"heads", func(c *Config) { c.Heads = 3 }, "heads"},
		{"gqa", func(c *Config) { c.KVHeads = 3 }, "KV heads"},
		{"zero", func(c *Config) { c.Layers = 0 }, "positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := thin("F32", 1)
			tc.edit(&c)
			err := Write(filepath.Join(t.TempDir(), "m.gguf"), c)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}
