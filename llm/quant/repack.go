package quant

import (
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
)

// llama.cpp's x86 CPU backend (AVX2 and up, so the build node-llama-cpp runs
// here) stores Q4_0 and Q4_K weight matrices whose row count is a multiple
// of 8 in an interleaved "repacked" layout and multiplies them with its own
// GEMV kernels (ggml_gemv_q4_0_8x8_q8_0, ggml_gemv_q4_K_8x8_q8_K), not with
// vec_dot. Activations are quantized the same way and the integer sums are
// the same; only the float order differs: each output row keeps a single
// accumulator with one FMA per block. VecDotRepacked reproduces that order,
// so a Q4_K_M model's Q4_K matrices give llama.cpp's generation results bit
// for bit (checked through ggml's own mul_mat graph in golden_test.go).

// VecDotRepacked is VecDot in the float order of ggml's repacked GEMV for
// Q4_0 and Q4_K; every other type has no repacked kernel on x86 and gets
// VecDot. Use it for matrices with a multiple of 8 rows, as llama.cpp
// repacks exactly those.
func VecDotRepacked(t ggml.Type, w, a []byte, n int) float32 {
	switch t {
	case ggml.Q4_0, ggml.Q4_K:
		at := VecDotType(t)
		if len(w) != t.RowSize(n) || len(a) != at.RowSize(n) || n%t.BlockSize() != 0 {
			panic(fmt.Sprintf("quant: VecDotRepacked(%v, n=%d) got %d weight bytes (want %d) and %d activation bytes (want %d)",
				t, n, len(w), t.RowSize(n), len(a), at.RowSize(n)))
		}
		if t == ggml.Q4_0 {
			return gemvQ4_0Q8_0(w, a, n)
		}
		return gemvQ4KQ8K(w, a, n)
	}
	return VecDot(t, w, a, n)
}

// MatVecRepacked is MatVec computed with VecDotRepacked.
func MatVecRepacked(t ggml.Type, w []byte, rows, cols int, a []byte, out []float32) {
	if t != ggml.Q4_0 && t != ggml.Q4_K {
		MatVec(t, w, rows, cols, a, out)
		return
	}
	rs := t.RowSize(cols)
	if len(w) != rows*rs || len(out) != rows || len(a) != VecDotType(t).RowSize(cols) || cols%t.BlockSize() != 0 {
		panic(fmt.Sprintf("quant: MatVecRepacked(%v, %dx%d) got %d weight bytes (want %d), %d activation bytes, %d outputs",
			t, rows, cols, len(w), rows*rs, len(a), len(out)))
	}
	for r := 0; r < rows; r++ {
		out[r] = VecDotRepacked(t, w[r*rs:(r+1)*rs], a, cols)
	}
}

// gemvQ4_0Q8_0: per block the exact sum of (q-8)*q8, then
// acc = fma(sum, d_w*d_a, acc).
func gemvQ4_0Q8_0(w, a []byte, n int) float32 {
	var acc float32
	var lane [8]int32
	var xq, yq [32]int8
	for ib := 0; ib < n/32; ib++ {
		x := w[ib*q4_0Size:]
		y := a[ib*q8_0Size:]
		for j := 0; j < 16; j++ {
			xq[j] = int8(x[2+j]&0xf) - 8
			xq[j+16] = int8(x[2+j]>>4) - 8
		}
		for j := 0; j < 32; j++ {
			yq[j] = int8(y[2+j])
		}
		signedDot32(xq[:], yq[:], &lane)
		var sum int32
		for _, v := range lane {
			sum += v
		}
		acc = fma32(float32(sum), float32(f16at(x)*f16at(y)), acc)
	}
	return acc
}

// gemvQ4KQ8K: per super-block the exact sums Σ sc*q4*q8 and
// Σ m*(bsum pairs), then acc = fma(sum, d_w*d_a, acc) and
// accm = fma(summ, dmin_w*d_a, accm); the result is acc - accm.
func gemvQ4KQ8K(w, a []byte, n int) float32 {
	var acc, accm float32
	for ib := 0; ib < n/ggml.QK_K; ib++ {
		x := w[ib*q4KSize:]
		y := a[ib*q8KSize:]
		scales, mins := unpackScalesK4(x[4:16])
		prod := minsLanesK4(y, &mins)
		summ := (prod[0] + prod[1]) + (prod[2] + prod[3])
		q8 := y[4 : 4+ggml.QK_K]
		q := x[16:]
		var sum int32
		for j := 0; j < 4; j++ {
			var pl, ph int32
			for l := 0; l < 32; l++ {
				pl += int32(q[32*j+l]&0xf) * int32(int8(q8[64*j+l]))
				ph += int32(q[32*j+l]>>4) * int32(int8(q8[64*j+32+l]))
			}
			sum += scales[2*j]*pl + scales[2*j+1]*ph
		}
		da := q8KD(y)
		acc = fma32(float32(sum), float32(f16at(x[0:])*da), acc)
		accm = fma32(float32(summ), float32(f16at(x[2:])*da), accm)
	}
	return acc - accm
}
