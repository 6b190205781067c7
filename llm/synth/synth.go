// Package synth writes Mistral-architecture GGUF files with seeded random
// weights: any shape, any supported quantization mix, the same bytes for the
// same Config. They let the engine be tested against llama.cpp without
// shipping real models.
package synth

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/quant"
	"github.com/quirehq/quire/llm/tokenizer"
	"github.com/quirehq/quire/llm/tokenizer/mistral"
)

// Config describes a synthetic model.
type Config struct {
	Name        string  `json:"name,omitempty"` // general.name; default derived from the shape
	Dim         int     `json:"dim"`            // embedding_length
	Layers      int     `json:"layers"`         // block_count
	Heads       int     `json:"heads"`          // attention.head_count
	KVHeads     int     `json:"kv_heads"`       // attention.head_count_kv
	FFN         int     `json:"ffn"`            // feed_forward_length
	Vocab       string  `json:"vocab"`          // "v1" (Mistral 32000) or "v3" (synthetic 32768)
	RopeTheta   float64 `json:"rope_theta"`     // rope.freq_base
	CtxLen      int     `json:"ctx_len"`        // context_length
	Type        string  `json:"type"`           // F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, Q4_K_M, Q5_K_M
	Seed        uint64  `json:"seed"`
	WeightScale float64 `json:"weight_scale,omitempty"` // multiplies every matrix's spread; 0 means 1

	// Progress, if set, is called with bytes of tensor data written so far.
	Progress func(done, total int64) `json:"-"`
}

// Tiny is a small model for tests: 2 layers, head dim 64, GQA 4, vocab v1.
func Tiny() Config {
	return Config{Dim: 256, Layers: 2, Heads: 4, KVHeads: 1, FFN: 512, Vocab: "v1",
		RopeTheta: 1e6, CtxLen: 4096, Type: "F32", Seed: 1}
}

// Mistral7B has Mistral 7B v0.2's shapes.
func Mistral7B() Config {
	return Config{Name: "synthetic-mistral-7b", Dim: 4096, Layers: 32, Heads: 32, KVHeads: 8, FFN: 14336,
		Vocab: "v1", RopeTheta: 1e6, CtxLen: 32768, Type: "Q4_K_M", Seed: 1}
}

const rmsEps = 1e-5

// tensorSpec is one tensor to write.
type tensorSpec struct {
	name  string
	typ   ggml.Type
	cols  int // row length (ggml ne0)
	rows  int // 1 for vectors
	norm  bool
	sigma float64
}

// Check validates c and fills defaults.
func (c *Config) Check() error {
	if c.Dim <= 0 || c.Layers <= 0 || c.Heads <= 0 || c.FFN <= 0 || c.CtxLen <= 0 {
		return fmt.Errorf("dim, layers, heads, ffn and ctx_len must be positive: %+v", *c)
	}
	if c.KVHeads == 0 {
		c.KVHeads = c.Heads
	}
	if c.Dim%c.Heads != 0 || c.Heads%c.KVHeads != 0 || (c.Dim/c.Heads)%2 != 0 {
		return fmt.Errorf("dim %d must split into an even head size over %d heads, and heads over %d KV heads", c.Dim, c.Heads, c.KVHeads)
	}
	if c.RopeTheta == 0 {
		c.RopeTheta = 1e6
	}
	if c.WeightScale == 0 {
		c.WeightScale = 1
	}
	if c.Vocab == "" {
		c.Vocab = "v1"
	}
	if c.Vocab != "v1" && c.Vocab != "v3" {
		return fmt.Errorf("vocab %q: use v1 (Mistral 32000) or v3 (32768)", c.Vocab)
	}
	m, err := findMix(c.Type)
	if err != nil {
		return err
	}
	for _, n := range []int{c.Dim, c.FFN} { // row lengths
		for _, t := range []ggml.Type{m.base, m.typeOf("output", 0, 1), m.typeOf("attn_v", 0, c.Layers)} {
			if n%t.BlockSize() != 0 {
				return fmt.Errorf("type %s needs dim and ffn to be multiples of %d (got dim %d, ffn %d)", c.Type, t.BlockSize(), c.Dim, c.FFN)
			}
		}
	}
	if c.Name == "" {
		c.Name = fmt.Sprintf("synth-%dx%d-h%d-kv%d-ffn%d-%s-%s-s%d", c.Layers, c.Dim, c.Heads, c.KVHeads, c.FFN, c.Vocab, c.Type, c.Seed)
	}
	return nil
}

func vocab(name string) tokenizer.Vocab {
	if name == "v3" {
		return mistral.V3()
	}
	return mistral.V1()
}

// Write writes the model described by c to path (atomically).
func Write(path string, c Config) error {
	if err := c.Check(); err != nil {
		return err
	}
	m, _ := findMix(c.Type)
	v := vocab(c.Vocab)
	nv := len(v.Tokens)

	w := gguf.NewWriter()
	w.Set("general.architecture", "llama")
	w.Set("general.name", c.Name)
	w.Set("general.file_type", m.fileType)
	w.Set("general.quantization_version", uint32(2))
	w.Set("llama.context_length", uint32(c.CtxLen))
	w.Set("llama.embedding_length", uint32(c.Dim))
	w.Set("llama.block_count", uint32(c.Layers))
	w.Set("llama.feed_forward_length", uint32(c.FFN))
	w.Set("llama.attention.head_count", uint32(c.Heads))
	w.Set("llama.attention.head_count_kv", uint32(c.KVHeads))
	w.Set("llama.rope.dimension_count", uint32(c.Dim/c.Heads))
	w.Set("llama.rope.freq_base", float32(c.RopeTheta))
	w.Set("llama.attention.layer_norm_rms_epsilon", float32(rmsEps))
	w.Set("llama.vocab_size", uint32(nv))
	v.SetGGUF(w)
	if c.Vocab == "v3" {
		w.Set("tokenizer.chat_template", chatTemplateV3)
	} else {
		w.Set("tokenizer.chat_template", chatTemplateV1)
	}

	specs := tensorList(c, m, nv)
	var total int64
	for _, s := range specs {
		total += int64(s.rows) * int64(s.typ.RowSize(s.cols))
	}
	var done int64
	for _, s := range specs {
		dims := []int{s.cols}
		if s.rows > 1 || !s.norm {
			dims = append(dims, s.rows)
		}
		w.AddTensor(s.name, s.typ, dims, func(out io.Writer) error {
			return writeTensor(out, c.Seed, s, func(n int64) {
				done += n
				if c.Progress != nil {
					c.Progress(done, total)
				}
			})
		})
	}
	if err := w.WriteFile(path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// tensorList is every tensor of the model in llama.cpp's order with its type
// and the spread of its random values: matrices ~ scale/sqrt(fan_in) so that
// activations keep their size through many layers, norms around 1.
func tensorList(c Config, m mix, nv int) []tensorSpec {
	s := c.WeightScale
	kv := c.Dim / c.Heads * c.KVHeads
	mat := func(name, kind string, layer, cols, rows int) tensorSpec {
		return tensorSpec{name: name, typ: m.typeOf(kind, layer, c.Layers), cols: cols, rows: rows,
			sigma: s / math.Sqrt(float64(cols))}
	}
	norm := func(name string) tensorSpec {
		return tensorSpec{name: name, typ: ggml.F32, cols: c.Dim, rows: 1, norm: true, sigma: 0.1}
	}
	embd := mat("token_embd.weight", "token_embd", 0, c.Dim, nv)
	embd.sigma = 1
	out := mat("output.weight", "output", 0, c.Dim, nv)
	out.sigma = 2 * s / math.Sqrt(float64(c.Dim)) // a peakier next-token distribution
	list := []tensorSpec{embd, norm("output_norm.weight"), out}
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		list = append(list,
			norm(p+"attn_norm.weight"),
			mat(p+"attn_q.weight", "attn_q", i, c.Dim, c.Dim),
			mat(p+"attn_k.weight", "attn_k", i, c.Dim, kv),
			mat(p+"attn_v.weight", "attn_v", i, c.Dim, kv),
			mat(p+"attn_output.weight", "attn_output", i, c.Dim, c.Dim),
			norm(p+"ffn_norm.weight"),
			mat(p+"ffn_gate.weight", "ffn_gate", i, c.Dim, c.FFN),
			mat(p+"ffn_up.weight", "ffn_up", i, c.Dim, c.FFN),
			mat(p+"ffn_down.weight", "ffn_down", i, c.FFN, c.Dim),
		)
	}
	return list
}

// chunkRows is how many rows share one random stream: chunks are generated
// in parallel, and the bytes do not depend on the number of CPUs.
const chunkRows = 64

// writeTensor generates, quantizes and writes one tensor chunk by chunk,
// CPUs working on consecutive chunks and the writer keeping their order.
func writeTensor(out io.Writer, seed uint64, s tensorSpec, progress func(int64)) error {
	h := fnv.New64a()
	h.Write([]byte(s.name))
	tseed := h.Sum64()
	nchunks := (s.rows + chunkRows - 1) / chunkRows
	workers := min(runtime.GOMAXPROCS(0), nchunks)
	results := make([][]byte, workers)
	errs := make([]error, workers)
	for first := 0; first < nchunks; first += workers {
		var wg sync.WaitGroup
		for j := 0; j < workers && first+j < nchunks; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[j], errs[j] = chunk(seed, tseed, first+j, s)
			}()
		}
		wg.Wait()
		for j := 0; j < workers && first+j < nchunks; j++ {
			if errs[j] != nil {
				return fmt.Errorf("tensor %s: %w", s.name, errs[j])
			}
			if _, err := out.Write(results[j]); err != nil {
				return err
			}
			progress(int64(len(results[j])))
		}
	}
	return nil
}

// chunk makes rows [i*chunkRows, ...) of a tensor: uniform values with
// standard deviation sigma (around 1 for norms), encoded as s.typ.
func chunk(seed, tseed uint64, i int, s tensorSpec) ([]byte, error) {
	r0 := i * chunkRows
	r1 := min(r0+chunkRows, s.rows)
	rng := rand.New(rand.NewPCG(seed, tseed^uint64(i)*0x9e3779b97f4a7c15))
	x := make([]float32, (r1-r0)*s.cols)
	a := s.sigma * math.Sqrt(3) // uniform on [-a, a] has standard deviation sigma
	for j := range x {
		v := (2*rng.Float64() - 1) * a
		if s.norm {
			v += 1
		}
		x[j] = float32(v)
	}
	if s.typ == ggml.F32 {
		b := make([]byte, 4*len(x))
		for j, v := range x {
			binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(v))
		}
		return b, nil
	}
	return quant.Quantize(s.typ, x)
}
