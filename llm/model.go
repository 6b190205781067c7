// Package llm is Quire's inference engine: load a GGUF model once, open a
// session per conversation, evaluate tokens and generate text. The model is
// memory-mapped and shared read-only; each Session owns its KV cache.
package llm

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/quirehq/quire/llm/chat"
	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/llama"
	"github.com/quirehq/quire/llm/tokenizer"
)

// LoadOptions tune Load.
type LoadOptions struct {
	// Progress, if set, is called while the weights are paged in, with bytes
	// done and the total. Without it Load only maps the file and pages
	// fault in on first use.
	Progress func(done, total int64)
}

// ModelInfo describes a loaded model.
type ModelInfo struct {
	Name      string // general.name
	Arch      string // general.architecture
	File      string // path as given to Load
	FileSize  int64
	FileType  string // the dominant matrix type, e.g. Q4_K
	CtxTrain  int    // context_length
	VocabSize int
	Dim       int
	Layers    int
	Heads     int
	KVHeads   int
	FFN       int
	RopeTheta float32
}

// Model is a loaded model. It is safe for concurrent use by many Sessions.
type Model struct {
	file *gguf.File
	net  *llama.Model
	tok  *tokenizer.Tokenizer
	tmpl chat.Template
	info ModelInfo
}

// Load maps a GGUF file and checks that the engine can run it.
func Load(path string, opt LoadOptions) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	m, err := newModel(f, path, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("load model %s: %w", filepath.Base(path), err)
	}
	if opt.Progress != nil {
		m.pageIn(opt.Progress)
	}
	return m, nil
}

func newModel(f *gguf.File, path string, size int64) (*Model, error) {
	net, err := llama.FromGGUF(f)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if tok.VocabSize() != net.Vocab {
		return nil, fmt.Errorf("tokenizer has %d tokens but token_embd has %d rows", tok.VocabSize(), net.Vocab)
	}
	tmplText, _ := f.String("tokenizer.chat_template")
	m := &Model{file: f, net: net, tok: tok, tmpl: chat.Detect(tmplText, tok)}
	name, _ := f.String("general.name")
	arch, _ := f.String("general.architecture")
	c := net.Config
	m.info = ModelInfo{Name: name, Arch: arch, File: path, FileSize: size, FileType: dominantType(net).String(),
		CtxTrain: c.CtxTrain, VocabSize: c.Vocab, Dim: c.Dim, Layers: c.Layers, Heads: c.Heads,
		KVHeads: c.KVHeads, FFN: c.FFN, RopeTheta: c.RopeTheta}
	return m, nil
}

// pageIn touches every page of tensor data so the first tokens do not pay
// for disk reads, reporting progress as it goes.
func (m *Model) pageIn(progress func(done, total int64)) {
	var total, done int64
	for _, t := range m.file.Tensors {
		total += int64(len(t.Data))
	}
	const page = 4096
	var sink byte
	for _, t := range m.file.Tensors {
		for i := 0; i < len(t.Data); i += page {
			sink ^= t.Data[i]
		}
		done += int64(len(t.Data))
		progress(done, total)
	}
	_ = sink
}

// dominantType is the type of the most bytes of weight matrices.
func dominantType(net *llama.Model) (t ggml.Type) {
	bytes := map[ggml.Type]int{}
	add := func(w llama.Matrix) { bytes[w.Type] += len(w.Data) }
	for _, l := range net.Layers {
		for _, w := range []llama.Matrix{l.Wq, l.Wk, l.Wv, l.Wo, l.Gate, l.Up, l.Down} {
			add(w)
		}
	}
	best := -1
	for k, v := range bytes {
		if v > best || (v == best && k < t) {
			t, best = k, v
		}
	}
	return t
}

// Tokenizer is the model's tokenizer.
func (m *Model) Tokenizer() *tokenizer.Tokenizer { return m.tok }

// Template is the chat template the model expects.
func (m *Model) Template() chat.Template { return m.tmpl }

// Info describes the model.
func (m *Model) Info() ModelInfo { return m.info }

// Close unmaps the file. No Session of m may be used afterwards.
func (m *Model) Close() error { return m.file.Close() }
