package synth

import (
	"fmt"
	"strings"

	"github.com/quirehq/quire/llm/ggml"
)

// mix is a file type: the base type of the weight matrices and llama.cpp's
// per-tensor exceptions (llama-quant.cpp, llama_tensor_get_type).
type mix struct {
	name     string
	base     ggml.Type
	fileType uint32 // general.file_type (llama_ftype)
	more     bool   // Q4_K_M / Q5_K_M: attn_v and ffn_down get Q6_K in some layers
}

var mixes = []mix{
	{"F32", ggml.F32, 0, false},
	{"F16", ggml.F16, 1, false},
	{"BF16", ggml.BF16, 32, false},
	{"Q4_0", ggml.Q4_0, 2, false},
	{"Q8_0", ggml.Q8_0, 7, false},
	{"Q4_K", ggml.Q4_K, 14, false}, // written as Q4_K_S's file type
	{"Q5_K", ggml.Q5_K, 16, false}, // written as Q5_K_S's file type
	{"Q6_K", ggml.Q6_K, 18, false},
	{"Q4_K_M", ggml.Q4_K, 15, true},
	{"Q5_K_M", ggml.Q5_K, 17, true},
}

// Types lists the accepted Config.Type names.
func Types() []string {
	var s []string
	for _, m := range mixes {
		s = append(s, m.name)
	}
	return s
}

func findMix(name string) (mix, error) {
	for _, m := range mixes {
		if strings.EqualFold(m.name, name) {
			return m, nil
		}
	}
	return mix{}, fmt.Errorf("unknown type %q (one of %s)", name, strings.Join(Types(), ", "))
}

// quantized reports whether the base type is a block quantization.
func (m mix) quantized() bool { return m.base.BlockSize() > 1 }

// useMoreBits is llama.cpp's layer choice for the higher-precision tensors of
// the _M mixes: the first and last eighth and every third layer between.
func useMoreBits(layer, layers int) bool {
	return layer < layers/8 || layer >= 7*layers/8 || (layer-layers/8)%3 == 2
}

// typeOf returns the type of a matrix: kind is "token_embd", "output",
// "attn_v", "ffn_down" or another matrix name, layer its block index.
func (m mix) typeOf(kind string, layer, layers int) ggml.Type {
	switch {
	case kind == "output" && m.quantized() && m.base != ggml.Q8_0:
		return ggml.Q6_K // llama-quantize keeps the output head at Q6_K
	case (kind == "attn_v" || kind == "ffn_down") && m.more && useMoreBits(layer, layers):
		return ggml.Q6_K
	}
	return m.base
}
