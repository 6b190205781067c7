package gguf

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLlamaCppFile reads a GGUF written by llama.cpp's gguf-py (its LLaMA
// vocabulary test file) and writes it back byte for byte.
func TestLlamaCppFile(t *testing.T) {
	const path = "../tokenizer/testdata/ggml-vocab-llama-spm.gguf"
	f, err := Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, uint32(3), f.Version)
	require.Equal(t, DefaultAlignment, f.Alignment)
	require.Empty(t, f.Tensors)
	arch, ok := f.String("general.architecture")
	require.True(t, ok)
	require.Equal(t, "llama", arch)
	n, ok := f.Uint("llama.context_length")
	require.True(t, ok)
	require.Equal(t, uint64(4096), n)
	eps, ok := f.Float("llama.attention.layer_norm_rms_epsilon")
	require.True(t, ok)
	require.InDelta(t, 1e-5, eps, 1e-12)
	tokens, ok := f.Strings("tokenizer.ggml.tokens")
	require.True(t, ok)
	require.Len(t, tokens, 32000)
	require.Equal(t, "▁Hello", tokens[15043])

	w := NewWriter()
	for _, kv := range f.KVs {
		w.Set(kv.Key, kv.Value)
	}
	var buf bytes.Buffer
	_, err = w.WriteTo(&buf)
	require.NoError(t, err)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.Equal(orig, buf.Bytes()), "re-encoded file differs from llama.cpp's (%d vs %d bytes)", len(orig), buf.Len())
}
