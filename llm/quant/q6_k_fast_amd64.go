//go:build amd64 && !noasm

package quant

import (
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
)

// The four-weight-row Q6_K kernels MatVec uses (q6_k_rows_amd64.s): AVX2
// at the avx2 level, AVX-512VL+VNNI at the avx512vnni level (fewer
// instructions: VPTERNLOGD builds q, VPDPWSSD scales and adds; 10-20%
// faster in cache), each with a single-row kernel for the rows left over.
// They return for every row exactly what the single-row q6KDotAVX2, and so
// the portable dotQ6KQ8K, returns.

func init() { matVecRows[ggml.Q6_K] = matVecQ6KRows }

// matVecQ6KRows computes out[r] = dot(row r, a) for the len(out) rows of
// a Q6_K matrix at w (row r at bytes [r*rs, r*rs + nb*210), rs >= nb*210)
// against one Q8_K activation row a of nb super-blocks: four rows per
// kernel call, the last len(out)%4 rows with the single-row kernel. It
// uses the kernels of the current SIMD level, and the portable code at
// level none. Short slices panic.
func matVecQ6KRows(w []byte, rs int, a []byte, nb int, out []float32) {
	rows := len(out)
	if nb < 0 || rs < nb*q6KSize || len(a) < nb*q8KSize || (rows > 0 && len(w) < (rows-1)*rs+nb*q6KSize) {
		panic(fmt.Sprintf("quant: Q6_K matrix-vector product of %d rows of %d super-blocks (row stride %d) got %d weight and %d activation bytes",
			rows, nb, rs, len(w), len(a)))
	}
	if nb == 0 {
		clear(out)
		return
	}
	if simdLevel == levelNone {
		n := nb * 256
		for r := range out {
			out[r] = dotQ6KQ8K(w[r*rs:], a, n)
		}
		return
	}
	k4, k1 := q6KRows4AVX2, q6KDotAVX2
	if simdLevel == levelAVX512VNNI {
		k4, k1 = q6KRows4VNNI, q6KDotVNNI
		if gemvRowPF {
			k4 = q6KRows4RowPFVNNI
		}
	}
	r := 0
	for ; r+4 <= rows; r += 4 {
		k4(&w[r*rs], rs, &a[0], nb, (*[4]float32)(out[r:r+4]))
	}
	for ; r < rows; r++ {
		out[r] = k1(&w[r*rs], &a[0], nb)
	}
}

// q6KDotVNNI is one row with the avx512vnni level's super-block code.
//
//go:noescape
func q6KDotVNNI(w, a *byte, nb int) float32

// q6KRows4VNNI needs AVX512F, BW, VL and VNNI (the avx512vnni level).
//
//go:noescape
func q6KRows4VNNI(w *byte, rs int, a *byte, nb int, out *[4]float32)

// q6KRows4RowPFVNNI is q6KRows4VNNI with the row-by-row prefetch of
// gemvRowPF (Intel).
//
//go:noescape
func q6KRows4RowPFVNNI(w *byte, rs int, a *byte, nb int, out *[4]float32)

// q6KRows4AVX2 needs AVX2, FMA and F16C (the avx2 level). It reads the
// four rows w, w+rs, w+2*rs, w+3*rs of nb super-blocks each (and
// prefetches, which never faults, beyond them).
//
//go:noescape
func q6KRows4AVX2(w *byte, rs int, a *byte, nb int, out *[4]float32)
