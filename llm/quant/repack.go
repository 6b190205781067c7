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

// repackedKernels are the SIMD kernels in the repacked float order, per
// type, set by the SIMD files at start (and by tests that force a level).
// Each must return exactly what VecDotRepacked returns for every pair.
type repackedKernels struct {
	// gemv computes out[i] = VecDotRepacked(row i, a) for len(out)
	// consecutive weight rows rs bytes apart, over nb blocks.
	gemv func(w []byte, rs int, a []byte, nb int, out []float32)
	// k4 and k8 are MatMulRows kernels (one weight row against four or
	// eight activation rows, see gemm4 and gemm8); k8 may be nil.
	k4 gemm4
	k8 gemm8
	// tile, when set, replaces k4/k8 in MatMulRowsRepacked: it computes
	// out[j][r] for weight rows r in [r0, r1) (at most tileRows of them)
	// and all nAct activation rows (as bytes apart), exactly as
	// VecDotRepacked would, reusing each weight block across all the
	// activation rows (it may rearrange the tile's weights into scratch).
	tile     func(w []byte, rs, r0, r1, nb int, acts []byte, as, nAct int, out [][]float32)
	tileRows int
}

// repackedKernel returns the kernels for t at the current SIMD level, or
// nil when only the portable code exists. Set by the amd64 files.
var repackedKernel = func(t ggml.Type) *repackedKernels { return nil }

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
	if k := repackedKernel(t); k != nil && k.gemv != nil && cols > 0 {
		k.gemv(w, rs, a, cols/t.BlockSize(), out)
		return
	}
	for r := 0; r < rows; r++ {
		out[r] = VecDotRepacked(t, w[r*rs:(r+1)*rs], a, cols)
	}
}

// MatMulRowsRepacked is MatMulRows computed with VecDotRepacked: what
// llama.cpp's repacked GEMM gives for a batch of Q4_0 or Q4_K activations
// (the same per-pair arithmetic as its GEMV). Other types go to MatMulRows.
func MatMulRowsRepacked(t ggml.Type, w []byte, cols, r0, r1 int, acts []byte, nAct int, out [][]float32) {
	if t != ggml.Q4_0 && t != ggml.Q4_K {
		MatMulRows(t, w, cols, r0, r1, acts, nAct, out)
		return
	}
	at := VecDotType(t)
	rs, as := t.RowSize(cols), at.RowSize(cols)
	if cols < 0 || cols%t.BlockSize() != 0 || r0 < 0 || r1 < r0 || len(w) < r1*rs || nAct < 0 || len(acts) < nAct*as || len(out) < nAct {
		panic(fmt.Sprintf("quant: MatMulRowsRepacked(%v) rows [%d, %d) x %d activation rows of %d columns: got %d weight bytes, %d activation bytes, %d output rows",
			t, r0, r1, nAct, cols, len(w), len(acts), len(out)))
	}
	for j := 0; j < nAct; j++ {
		if len(out[j]) < r1 {
			panic(fmt.Sprintf("quant: MatMulRowsRepacked(%v) output row %d has length %d, need %d", t, j, len(out[j]), r1))
		}
	}
	if r0 == r1 || nAct == 0 || cols == 0 {
		return
	}
	switch k := repackedKernel(t); {
	case k != nil && k.tile != nil:
		for t0 := r0; t0 < r1; t0 += k.tileRows {
			k.tile(w, rs, t0, min(t0+k.tileRows, r1), cols/t.BlockSize(), acts, as, nAct, out)
		}
		return
	case k != nil && k.k4 != nil:
		matMulTiles(k.k4, k.k8, cols/t.BlockSize(), w, rs, r0, r1, acts, as, nAct, out)
		return
	}
	for r := r0; r < r1; r++ {
		wr := w[r*rs : (r+1)*rs]
		for j := 0; j < nAct; j++ {
			out[j][r] = VecDotRepacked(t, wr, acts[j*as:(j+1)*as], cols)
		}
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
