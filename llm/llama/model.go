// Package llama is the llama architecture (Mistral 7B is published as one):
// its hyperparameters, its tensors as a struct, and a forward pass that reads
// like the paper. Weights stay in the memory-mapped GGUF file; nothing is
// copied but the small norm vectors.
package llama

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/gguf"
)

// Config holds the hyperparameters read from GGUF metadata (llama.* keys).
type Config struct {
	Dim       int     // embedding_length
	Layers    int     // block_count
	Heads     int     // attention.head_count
	KVHeads   int     // attention.head_count_kv
	HeadDim   int     // Dim / Heads (= rope.dimension_count)
	FFN       int     // feed_forward_length
	Vocab     int     // rows of token_embd
	RopeTheta float32 // rope.freq_base
	Eps       float32 // attention.layer_norm_rms_epsilon
	CtxTrain  int     // context_length
}

// KVDim is the width of one position's keys (or values) in one layer.
func (c Config) KVDim() int { return c.KVHeads * c.HeadDim }

// Matrix is a weight matrix as ggml stores it: Rows rows of Cols elements of
// Type, row-major, Data pointing into the mapped file.
type Matrix struct {
	Type       ggml.Type
	Rows, Cols int
	Data       []byte
	// Repacked is set for the matrices llama.cpp's x86 backend multiplies
	// with its repacked kernels (Q4_0 and Q4_K with a multiple of 8 rows):
	// the engine keeps the file's layout but follows their float order.
	Repacked bool
}

// Layer is one transformer block.
type Layer struct {
	AttnNorm       []float32 // attn_norm
	Wq, Wk, Wv, Wo Matrix    // attn_q, attn_k, attn_v, attn_output
	FFNNorm        []float32 // ffn_norm
	Gate, Up, Down Matrix    // ffn_gate, ffn_up, ffn_down (SwiGLU)
}

// Model is the whole network.
type Model struct {
	Config
	Embed   Matrix // token_embd: one row per token
	Layers  []Layer
	OutNorm []float32 // output_norm
	Output  Matrix    // output (or token_embd when tied)
}

// FromGGUF reads the hyperparameters and binds every tensor of a "llama"
// GGUF file, checking names, shapes and types.
func FromGGUF(f *gguf.File) (*Model, error) {
	arch, _ := f.String("general.architecture")
	if arch != "llama" {
		return nil, fmt.Errorf("architecture %q is not supported (only \"llama\", e.g. Mistral 7B)", arch)
	}
	var c Config
	var err error
	num := func(key string) int {
		v, ok := f.Uint("llama." + key)
		if !ok && err == nil {
			err = fmt.Errorf("missing metadata key llama.%s", key)
		}
		return int(v)
	}
	c.Dim = num("embedding_length")
	c.Layers = num("block_count")
	c.Heads = num("attention.head_count")
	c.FFN = num("feed_forward_length")
	c.CtxTrain = num("context_length")
	if err != nil {
		return nil, err
	}
	c.KVHeads = c.Heads
	if v, ok := f.Uint("llama.attention.head_count_kv"); ok {
		c.KVHeads = int(v)
	}
	c.RopeTheta = 10000
	if v, ok := f.Float("llama.rope.freq_base"); ok {
		c.RopeTheta = float32(v)
	}
	c.Eps = 1e-5
	if v, ok := f.Float("llama.attention.layer_norm_rms_epsilon"); ok {
		c.Eps = float32(v)
	}
	if c.Dim <= 0 || c.Layers <= 0 || c.Heads <= 0 || c.KVHeads <= 0 || c.FFN <= 0 {
		return nil, fmt.Errorf("bad hyperparameters %+v", c)
	}
	if c.Dim%c.Heads != 0 || c.Heads%c.KVHeads != 0 {
		return nil, fmt.Errorf("embedding_length %d, head_count %d and head_count_kv %d do not divide evenly", c.Dim, c.Heads, c.KVHeads)
	}
	c.HeadDim = c.Dim / c.Heads
	if c.HeadDim%2 != 0 {
		return nil, fmt.Errorf("head dimension %d is odd; RoPE needs pairs", c.HeadDim)
	}
	if v, ok := f.Uint("llama.rope.dimension_count"); ok && int(v) != c.HeadDim {
		return nil, fmt.Errorf("rope.dimension_count %d != head dimension %d: partial RoPE is not supported", v, c.HeadDim)
	}
	if v, ok := f.Uint("llama.attention.key_length"); ok && int(v) != c.HeadDim {
		return nil, fmt.Errorf("attention.key_length %d != embedding_length/head_count %d is not supported", v, c.HeadDim)
	}
	if _, ok := f.Tensor("rope_freqs.weight"); ok {
		return nil, fmt.Errorf("rope_freqs.weight (llama3-style RoPE scaling) is not supported")
	}

	m := &Model{Config: c}
	b := binder{f: f}
	m.Embed = b.matrix("token_embd.weight", c.Dim, -1)
	m.Vocab = m.Embed.Rows
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		kv := c.KVDim()
		m.Layers = append(m.Layers, Layer{
			AttnNorm: b.vector(p+"attn_norm.weight", c.Dim),
			Wq:       b.matrix(p+"attn_q.weight", c.Dim, c.Dim),
			Wk:       b.matrix(p+"attn_k.weight", c.Dim, kv),
			Wv:       b.matrix(p+"attn_v.weight", c.Dim, kv),
			Wo:       b.matrix(p+"attn_output.weight", c.Dim, c.Dim),
			FFNNorm:  b.vector(p+"ffn_norm.weight", c.Dim),
			Gate:     b.matrix(p+"ffn_gate.weight", c.Dim, c.FFN),
			Up:       b.matrix(p+"ffn_up.weight", c.Dim, c.FFN),
			Down:     b.matrix(p+"ffn_down.weight", c.FFN, c.Dim),
		})
	}
	m.OutNorm = b.vector("output_norm.weight", c.Dim)
	if _, ok := f.Tensor("output.weight"); ok {
		m.Output = b.matrix("output.weight", c.Dim, m.Vocab)
	} else {
		m.Output = m.Embed // tied embeddings
	}
	if b.err != nil {
		return nil, b.err
	}
	return m, nil
}

// binder looks tensors up and keeps the first error, so FromGGUF reads as a
// list of tensors.
type binder struct {
	f   *gguf.File
	err error
}

func (b *binder) tensor(name string) *gguf.Tensor {
	if b.err != nil {
		return nil
	}
	t, ok := b.f.Tensor(name)
	if !ok {
		b.err = fmt.Errorf("tensor %s is missing: not a complete llama model", name)
		return nil
	}
	return t
}

// matrix binds a 2-D tensor with rows of cols elements (rows < 0: any).
func (b *binder) matrix(name string, cols, rows int) Matrix {
	t := b.tensor(name)
	if t == nil {
		return Matrix{}
	}
	if len(t.Dims) != 2 || t.Dims[0] != cols || (rows >= 0 && t.Dims[1] != rows) {
		b.err = fmt.Errorf("tensor %s has shape %v, want [%d %d]", name, t.Dims, cols, rows)
		return Matrix{}
	}
	if !t.Type.Supported() || t.Type == ggml.Q8_K {
		b.err = fmt.Errorf("tensor %s has type %v, which the engine does not support (use F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q5_K or Q6_K)", name, t.Type)
		return Matrix{}
	}
	if cols%t.Type.BlockSize() != 0 {
		b.err = fmt.Errorf("tensor %s: row length %d is not a multiple of the %v block size", name, cols, t.Type)
		return Matrix{}
	}
	m := Matrix{Type: t.Type, Rows: t.Dims[1], Cols: cols, Data: t.Data}
	m.Repacked = (m.Type == ggml.Q4_0 || m.Type == ggml.Q4_K) && m.Rows%8 == 0
	if want := m.Rows * t.Type.RowSize(cols); len(t.Data) < want {
		b.err = fmt.Errorf("tensor %s: %d bytes of data, want %d (truncated file?)", name, len(t.Data), want)
		return Matrix{}
	}
	m.Data = m.Data[:m.Rows*t.Type.RowSize(cols)]
	return m
}

// vector reads a 1-D F32 tensor (the norms) into a new slice.
func (b *binder) vector(name string, n int) []float32 {
	t := b.tensor(name)
	if t == nil {
		return nil
	}
	if len(t.Dims) != 1 || t.Dims[0] != n {
		b.err = fmt.Errorf("tensor %s has shape %v, want [%d]", name, t.Dims, n)
		return nil
	}
	if t.Type != ggml.F32 || len(t.Data) < 4*n {
		b.err = fmt.Errorf("tensor %s has type %v and %d bytes, want F32 with %d values", name, t.Type, len(t.Data), n)
		return nil
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return v
}

// Row returns the byte slice of row r.
func (m Matrix) Row(r int) []byte {
	rs := m.Type.RowSize(m.Cols)
	return m.Data[r*rs : (r+1)*rs]
}
