//go:build amd64 && !noasm

package quant

import (
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
)

// Q8_0 kernels beyond the single-row ones of simd_amd64.go: the
// eight-activation-row kernel MatMulRows uses at the avx512vnni level
// (gemm_q8_0_amd64.s, registered in gemm_amd64.go) and the four-weight-row
// kernels MatVec uses (q8_0_rows_amd64.s). Each returns for every row
// exactly what the single-row kernels, and so the portable dotQ8_0Q8_0,
// return.

func init() { matVecRows[ggml.Q8_0] = matVecQ8_0Rows }

// matVecQ8_0Rows computes out[r] = dot(row r, a) for the len(out) rows of
// a Q8_0 matrix at w (row r at bytes [r*rs, r*rs + nb*34), rs >= nb*34)
// against one Q8_0 activation row a of nb blocks: four rows per kernel
// call, the last len(out)%4 rows with the single-row kernel. It uses the
// kernels of the current SIMD level, and the portable code at level none.
// Short slices panic.
func matVecQ8_0Rows(w []byte, rs int, a []byte, nb int, out []float32) {
	rows := len(out)
	if nb < 0 || rs < nb*q8_0Size || len(a) < nb*q8_0Size || (rows > 0 && len(w) < (rows-1)*rs+nb*q8_0Size) {
		panic(fmt.Sprintf("quant: Q8_0 matrix-vector product of %d rows of %d blocks (row stride %d) got %d weight and %d activation bytes",
			rows, nb, rs, len(w), len(a)))
	}
	if nb == 0 {
		clear(out)
		return
	}
	var k4 func(w *byte, rs int, a *byte, nb int, out *[4]float32)
	var k1 func(w, a *byte, nb int) float32
	switch simdLevel {
	case levelAVX512VNNI:
		k4, k1 = q8_0Rows4VNNI, q8_0DotVNNI
		if gemvRowPF {
			k4 = q8_0Rows4RowPFVNNI
		}
	case levelAVX2:
		k4, k1 = q8_0Rows4AVX2, q8_0DotAVX2
	default:
		n := nb * 32
		for r := range out {
			out[r] = dotQ8_0Q8_0(w[r*rs:], a, n)
		}
		return
	}
	r := 0
	for ; r+4 <= rows; r += 4 {
		k4(&w[r*rs], rs, &a[0], nb, (*[4]float32)(out[r:r+4]))
	}
	for ; r < rows; r++ {
		out[r] = k1(&w[r*rs], &a[0], nb)
	}
}

// The eight-row kernel needs AVX512VL (EVEX embedded broadcast) and
// AVX512VNNI (VPDPBUSD): the avx512vnni level.

//go:noescape
func q8_0Dot8AVX512(w, a *byte, stride, nb int, out *[8]float32)

// The four-row kernels: VNNI at the avx512vnni level, AVX2+FMA+F16C at
// avx2. They read the four rows w, w+rs, w+2*rs, w+3*rs of nb blocks each
// (and prefetch, which never faults, beyond them).

//go:noescape
func q8_0Rows4VNNI(w *byte, rs int, a *byte, nb int, out *[4]float32)

// q8_0Rows4RowPFVNNI is q8_0Rows4VNNI with the row-by-row prefetch of
// gemvRowPF (Intel).
//
//go:noescape
func q8_0Rows4RowPFVNNI(w *byte, rs int, a *byte, nb int, out *[4]float32)

//go:noescape
func q8_0Rows4AVX2(w *byte, rs int, a *byte, nb int, out *[4]float32)
