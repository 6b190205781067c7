//go:build amd64 && !noasm

package quant

import "github.com/quirehq/quire/llm/ggml"

// Multi-row kernels in Go assembly (gemm_*_amd64.s): four-row ones for
// Q4_K, Q6_K, Q8_0 and Q4_0 (AVX2, FMA, F16C) and, at the avx512vnni
// level, eight-row ones for the K-quants and Q8_0 (1.1-1.6x faster per
// pair than four rows here). Each returns for every row exactly what the
// single-row kernel (and so the portable code) returns. The engine sends
// Q4_0 and Q4_K matrices to the repacked-order kernels instead
// (repack*.go); these serve MatMulRows' vec_dot order. 512-bit integer
// steps in the eight-row Q4_K kernel (a whole 64-element chunk per
// instruction) measured no faster than 256-bit on this Zen 4, nor did
// VPDPBUSD sub-block sums packed in pairs for one VPDPWSSD (bit-exact,
// 12 multiplies per row and block instead of 16, but 8 more other ops).

func init() {
	gemmKernel = fastGemm
	tileKernel = fastTile
}

// fastTile is tileKernel: the Q8_0 tile kernel, and on AMX the Q6_K one.
func fastTile(t ggml.Type) tileFunc {
	switch t {
	case ggml.Q8_0:
		return q8_0TileKernel()
	case ggml.Q6_K:
		if amxActive() {
			return tileQ6KAMX
		}
	}
	return nil
}

// fastGemm returns the four-row kernel for t at the current SIMD level, the
// eight-row one if the level has it, and the block size their nb counts;
// nils when t has none.
func fastGemm(t ggml.Type) (gemm4, gemm8, int) {
	if simdLevel == levelNone {
		return nil, nil, 0
	}
	avx512 := simdLevel == levelAVX512VNNI
	switch t {
	case ggml.Q4_K:
		if avx512 {
			return q4KDot4AVX2, q4KDot8AVX512, ggml.QK_K
		}
		return q4KDot4AVX2, nil, ggml.QK_K
	case ggml.Q6_K:
		if avx512 {
			return q6KDot4AVX2, q6KDot8AVX512, ggml.QK_K
		}
		return q6KDot4AVX2, nil, ggml.QK_K
	case ggml.Q8_0:
		if avx512 {
			return q8_0Dot4AVX2, q8_0Dot8AVX512, 32 // q8_0_fast_amd64.go
		}
		return q8_0Dot4AVX2, nil, 32
	case ggml.Q4_0:
		return q4_0Dot4AVX2, nil, 32
	}
	return nil, nil, 0
}

//go:noescape
func q4KDot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)

//go:noescape
func q6KDot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)

//go:noescape
func q8_0Dot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)

//go:noescape
func q4_0Dot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)

// The eight-row kernels need AVX512BW, AVX512VL (registers Y16-Y31) and
// AVX512VNNI (VPDPWSSD): the avx512vnni level.

//go:noescape
func q4KDot8AVX512(w, a *byte, stride, nb int, out *[8]float32)

//go:noescape
func q6KDot8AVX512(w, a *byte, stride, nb int, out *[8]float32)
