package quant

import "math"

// ggml's CPU backend does not call libm for the exponentials of SiLU and
// softmax: it evaluates a polynomial in SIMD lanes (ggml_v_expf, the
// AVX-512 build that llama.cpp picks on this class of CPU). The engine
// matches llama.cpp number for number, so it evaluates the same polynomial
// with the same fused multiply-adds, one lane at a time.

// Expf is one lane of ggml_v_expf (AVX-512): e^x to within 2.3 ulps, 0 below
// about -104, +Inf above about 88.4.
func Expf(x float32) float32 {
	const r = 0x1.8p23
	z := fma32(x, 0x1.715476p+0, r)
	n := z - r
	b := fma32(-n, 0x1.7f7d1cp-20, fma32(-n, 0x1.62e4p-1, x))
	if abs32(n) > 192 {
		if n <= 0 {
			return 0
		}
		return float32(math.Inf(1))
	}
	u := b * b
	j := fma32(fma32(fma32(0x1.0e4020p-7, b, 0x1.573e2ep-5), u, fma32(0x1.555e66p-3, b, 0x1.fffdb6p-2)),
		u, fma32(0x1.ffffecp-1, b, 1))
	// _mm512_scalef_ps: j·2^n, rounded once.
	return float32(float64(j) * math.Ldexp(1, int(n)))
}

// SiLU is one lane of ggml_v_silu: x / (1 + e^-x).
func SiLU(x float32) float32 {
	return x / (1 + Expf(0-x))
}

// siluTail is ggml_silu_f32, which ggml uses past the last whole vector.
func siluTail(x float32) float32 {
	return x / (1 + float32(math.Exp(float64(-x))))
}

// SwiGLU sets y[i] = silu(x[i])·g[i] as ggml_vec_swiglu_f32 does: vector
// lanes over whole 16-element blocks, libm for the rest.
func SwiGLU(y, x, g []float32) {
	n := len(y)
	np := n &^ (avx512Lanes - 1)
	if !swigluBlocks(y[:np], x, g) { // AVX-512 assembly, same bits
		for i := range np {
			y[i] = SiLU(x[i]) * g[i]
		}
	}
	for i := np; i < n; i++ {
		y[i] = siluTail(x[i]) * g[i]
	}
}

// SoftMaxExp sets y[i] = e^(x[i]-max) and returns their sum as
// ggml_vec_soft_max_f32 does over a row of rowLen >= len(x) entries whose
// entries past len(x) are masked (-Inf, weight 0): each whole 16-entry
// block summed in its lanes (_mm512_reduce_add_ps) and added in double,
// the rest one by one with libm's exponential.
func SoftMaxExp(y, x []float32, max float32, rowLen int) float64 {
	n := len(x)
	np := min(rowLen&^(avx512Lanes-1), (n+avx512Lanes-1)&^(avx512Lanes-1))
	var sum float64
	i := 0
	// Whole blocks in AVX-512 assembly when available (same bits).
	if full := min(np, n&^(avx512Lanes-1)); full > 0 {
		if s, ok := softMaxBlocks(y, x[:full], max); ok {
			sum, i = s, full
		}
	}
	var v [avx512Lanes]float32
	for ; i < np; i += avx512Lanes {
		for l := range v {
			v[l] = 0 // e^-Inf
			if i+l < n {
				v[l] = Expf(x[i+l] - max)
				y[i+l] = v[l]
			}
		}
		sum += float64(reduce16(&v))
	}
	for i := np; i < n; i++ {
		e := float32(math.Exp(float64(x[i] - max)))
		y[i] = e
		sum += float64(e)
	}
	return sum
}

// FMA32 is x·y+z rounded once to float32, as the FMA instructions that
// ggml's compiled C uses (GCC contracts a*b+c into them).
func FMA32(x, y, z float32) float32 { return fma32(x, y, z) }
