//go:build amd64 && !noasm

package quant

// AVX-512 kernels for the whole 16-lane blocks of SwiGLU and SoftMaxExp
// (expf_amd64.s): ggml_v_expf and ggml_v_silu with the real instructions,
// bit-identical to the portable lane-by-lane emulation in expf.go, which
// stays the oracle and the fallback.

// swigluBlocks sets y[i] = SiLU(x[i])·g[i] for i < len(y), a multiple of
// 16, with the AVX-512 kernel when that level is in use, and reports
// whether it did (false: the caller runs the portable loop).
func swigluBlocks(y, x, g []float32) bool {
	if simdLevel != levelAVX512VNNI {
		return false
	}
	n := len(y)
	if n == 0 {
		return true
	}
	x, g = x[:n], g[:n] // the assembly does no bounds checks
	swigluAVX512(&y[0], &x[0], &g[0], n/avx512Lanes)
	return true
}

// softMaxBlocks sets y[i] = Expf(x[i]-max) for i < len(x), a multiple of
// 16, with the AVX-512 kernel when that level is in use, and returns the
// sum in double, from 0, of each block's reduce16; ok is false when the
// caller must run the portable loop instead.
func softMaxBlocks(y, x []float32, max float32) (sum float64, ok bool) {
	if simdLevel != levelAVX512VNNI {
		return 0, false
	}
	n := len(x)
	if n == 0 {
		return 0, true
	}
	y = y[:n]
	return softMaxExpAVX512(&y[0], &x[0], max, n/avx512Lanes), true
}

// y[i] = x[i]/(1+expf(0-x[i]))·g[i] over nb > 0 blocks of 16.
//
//go:noescape
func swigluAVX512(y, x, gate *float32, nb int)

// y = expf(x-max) over nb > 0 blocks of 16; returns the double sum of the
// blocks' _mm512_reduce_add_ps.
//
//go:noescape
func softMaxExpAVX512(y, x *float32, max float32, nb int) float64
