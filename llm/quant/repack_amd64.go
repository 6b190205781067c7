//go:build amd64 && !noasm

package quant

import "github.com/quirehq/quire/llm/ggml"

// The SIMD kernels in llama.cpp's repacked float order (see repack.go):
// repack_q4_0_amd64.go for Q4_0, repack_q4_k_amd64.go for Q4_K. Each
// returns nil for a level it has no kernels for.

func init() { repackedKernel = fastRepacked }

// fastRepacked returns the repacked-order kernels for t at the current
// SIMD level, or nil when only the portable code exists.
func fastRepacked(t ggml.Type) *repackedKernels {
	switch simdLevel {
	case levelAVX2, levelAVX512VNNI:
	default:
		return nil
	}
	if amxActive() {
		if k := amxRepacked(t); k != nil {
			return k
		}
	}
	switch t {
	case ggml.Q4_0:
		return repackedQ4_0Kernels(simdLevel)
	case ggml.Q4_K:
		return repackedQ4KKernels(simdLevel)
	}
	return nil
}
