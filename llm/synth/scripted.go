package synth

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/tokenizer"
)

// WriteScripted writes a model whose greedy continuation of any chat prompt
// is script, then EOS: a deterministic stand-in for a real model in
// end-to-end tests of streaming and citations.
//
// How: every layer's matrices are zero, so the residual stream stays the
// current token's embedding and the last hidden state is that embedding,
// normalized. The output row of each script token is the (scaled) embedding
// of the token before it, so each token predicts its chosen successor; the
// chain starts at the template's last prompt token ([/INST], a control
// token in the v3 vocabulary) and ends with EOS. The script's tokens must
// therefore be distinct. Weights are F32 and the vocabulary is v3.
func WriteScripted(path string, c Config, script string) error {
	c.Type, c.Vocab = "F32", "v3"
	if err := c.Check(); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".scripted-*.gguf")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := Write(tmp.Name(), c); err != nil {
		return err
	}
	f, err := gguf.Open(tmp.Name())
	if err != nil {
		return err
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return err
	}
	start, ok := tok.ID("[/INST]")
	if !ok {
		return fmt.Errorf("the v3 vocabulary has no [/INST] control token")
	}
	ids := tok.Encode(script, false)
	chain := append([]int{start}, ids...)
	chain = append(chain, tok.EOS())
	seen := map[int]bool{}
	for _, id := range chain[1:] {
		if seen[id] || id == start {
			return fmt.Errorf("script %q repeats the token %q: each token can have only one successor", script, tok.Piece(id))
		}
		seen[id] = true
	}

	embd, ok := f.Tensor("token_embd.weight")
	if !ok {
		return fmt.Errorf("no token_embd.weight")
	}
	dim := c.Dim
	row := func(id int) []float32 {
		out := make([]float32, dim)
		for j := range out {
			out[j] = math.Float32frombits(binary.LittleEndian.Uint32(embd.Data[4*(id*dim+j):]))
		}
		return out
	}
	// output[next] = scale * embd[prev]: its logit is scale*|e|^2/rms(e) =
	// scale*dim*rms(e), far above any other row's.
	outRows := map[int][]float32{}
	for i := 0; i+1 < len(chain); i++ {
		e := row(chain[i])
		var ss float64
		for _, v := range e {
			ss += float64(v) * float64(v)
		}
		scale := float32(4 / math.Sqrt(ss/float64(dim)))
		for j := range e {
			e[j] *= scale
		}
		outRows[chain[i+1]] = e
	}

	w := gguf.NewWriter()
	for _, kv := range f.KVs {
		if kv.Key == gguf.KeyAlignment {
			continue
		}
		w.Set(kv.Key, kv.Value)
	}
	w.Set("general.name", c.Name+"-scripted")
	for _, t := range f.Tensors {
		t := t
		var data func(io.Writer) error
		switch {
		case t.Name == "token_embd.weight":
			data = func(out io.Writer) error { _, err := out.Write(t.Data); return err }
		case t.Name == "output.weight":
			data = func(out io.Writer) error {
				buf := make([]byte, 4*dim)
				for r := 0; r < t.Dims[1]; r++ {
					clear(buf)
					if v, ok := outRows[r]; ok {
						for j, x := range v {
							binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(x))
						}
					}
					if _, err := out.Write(buf); err != nil {
						return err
					}
				}
				return nil
			}
		case strings.HasSuffix(t.Name, "norm.weight"):
			data = func(out io.Writer) error { return writeConst(out, len(t.Data)/4, 1) }
		default: // every layer matrix
			data = func(out io.Writer) error { return writeConst(out, len(t.Data)/4, 0) }
		}
		w.AddTensor(t.Name, ggml.F32, t.Dims, data)
	}
	return w.WriteFile(path)
}

func writeConst(out io.Writer, n int, v float32) error {
	buf := make([]byte, 4*min(n, 1<<14))
	for i := 0; i < len(buf); i += 4 {
		binary.LittleEndian.PutUint32(buf[i:], math.Float32bits(v))
	}
	for n > 0 {
		k := min(n, len(buf)/4)
		if _, err := out.Write(buf[:4*k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
