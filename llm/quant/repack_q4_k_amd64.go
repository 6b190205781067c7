//go:build amd64 && !noasm

package quant

import "fmt"

// Q4_K kernels in the float order of ggml's repacked GEMV/GEMM
// (ggml_gemv_q4_K_8x8_q8_K; repack_q4_k_amd64.s): per output and
// super-block the exact int32 sums sum = Σ sc*q4*q8 and summ = Σ m*(bsum
// pairs), then acc = fma(float(sum), d_w*d_a, acc) and accm =
// fma(float(summ), dmin_w*d_a, accm); the result is acc - accm (gemvQ4KQ8K
// is the oracle). The integer lanes are the vec_dot kernels', folded per
// output to one int32 each super-block; four outputs share one float
// vector, so each output's FMA is one lane of a vector FMA.
//
// gemv runs four weight rows at a time and reads each activation block
// once for them; k4 and k8 run one weight row against four or eight
// activation rows, decoding the weights once. At the avx512vnni level
// VPDPWSSD does the scale multiply-add, and gemv keeps its constants in
// registers Y16-Y28.

var (
	q4KRepackedAVX2 = repackedKernels{gemv: q4KGemvAVX2, k4: q4KRDot4AVX2}
	q4KRepackedVNNI = repackedKernels{gemv: q4KGemvVNNI, k4: q4KRDot4VNNI, k8: q4KRDot8VNNI,
		tile: q4KTileVNNI, tileRows: 64}
)

// repackedQ4KKernels returns the repacked-order Q4_K kernels for a SIMD
// level, nil for levelNone.
func repackedQ4KKernels(level string) *repackedKernels {
	switch level {
	case levelAVX2:
		return &q4KRepackedAVX2
	case levelAVX512VNNI:
		return &q4KRepackedVNNI
	}
	return nil
}

// q4KGemvCheck panics unless w holds len(out) rows rs bytes apart of nb
// super-blocks each and a holds nb Q8_K blocks (the assembly reads no
// further, and does no bounds checks).
func q4KGemvCheck(w []byte, rs int, a []byte, nb int, out []float32) {
	rows := len(out)
	if nb < 0 || rs < nb*q4KSize || len(a) < nb*q8KSize || (rows > 0 && len(w) < (rows-1)*rs+nb*q4KSize) {
		panic(fmt.Sprintf("quant: Q4_K repacked gemv of %d rows x %d blocks (row stride %d) needs %d weight and %d activation bytes, got %d and %d",
			rows, nb, rs, max(0, rows-1)*rs+nb*q4KSize, nb*q8KSize, len(w), len(a)))
	}
}

// q4KGemvKernel is the signature of the gemv kernels.
type q4KGemvKernel func(w *byte, rs int, a *byte, nb int, out *float32, groups int)

// q4KGemv runs a four-row gemv kernel over out: whole groups, then the
// last four rows again when one to three are left (those rows come out the
// same twice), and for fewer than four rows each row alone with stride 0.
func q4KGemv(kernel q4KGemvKernel, w []byte, rs int, a []byte, nb int, out []float32) {
	q4KGemvCheck(w, rs, a, nb, out)
	rows := len(out)
	if rows == 0 {
		return
	}
	if nb == 0 {
		clear(out)
		return
	}
	if rows < 4 {
		var tmp [4]float32
		for r := range out {
			kernel(&w[r*rs], 0, &a[0], nb, &tmp[0], 1)
			out[r] = tmp[0]
		}
		return
	}
	kernel(&w[0], rs, &a[0], nb, &out[0], rows/4)
	if rows%4 != 0 {
		kernel(&w[(rows-4)*rs], rs, &a[0], nb, &out[rows-4], 1)
	}
}

// q4KGemvL1 is the largest group of four rows (4*rs bytes) whose
// prefetch goes into L1: beyond it the kernels prefetch into L2 (the
// next group would not fit in L1 beside the current one; measured on
// Mistral's 4096- and 14336-wide rows, 9 and 32 KiB groups).
const q4KGemvL1 = 16 << 10

func q4KGemvAVX2(w []byte, rs int, a []byte, nb int, out []float32) {
	if 4*rs <= q4KGemvL1 {
		q4KGemv(q4KGemv4AVX2, w, rs, a, nb, out)
	} else {
		q4KGemv(q4KGemv4AVX2L, w, rs, a, nb, out)
	}
}

func q4KGemvVNNI(w []byte, rs int, a []byte, nb int, out []float32) {
	if 4*rs <= q4KGemvL1 {
		q4KGemv(q4KGemv4VNNI, w, rs, a, nb, out)
	} else {
		q4KGemv(q4KGemv4VNNIL, w, rs, a, nb, out)
	}
}

// Assembly kernels. The gemv ones compute groups*4 outputs: out[i] for the
// weight row at w+i*rs against the activation row a, over nb super-blocks
// (nb > 0, groups > 0); the "L" ones prefetch into L2 instead of L1. The
// others have the gemm4 and gemm8 signatures. The VNNI ones need the
// avx512vnni level (AVX512BW, VL, VNNI).

//go:noescape
func q4KGemv4AVX2(w *byte, rs int, a *byte, nb int, out *float32, groups int)

//go:noescape
func q4KGemv4AVX2L(w *byte, rs int, a *byte, nb int, out *float32, groups int)

//go:noescape
func q4KGemv4VNNI(w *byte, rs int, a *byte, nb int, out *float32, groups int)

//go:noescape
func q4KGemv4VNNIL(w *byte, rs int, a *byte, nb int, out *float32, groups int)

//go:noescape
func q4KRDot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)

//go:noescape
func q4KRDot4VNNI(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)

//go:noescape
func q4KRDot8VNNI(w, a *byte, stride, nb int, out *[8]float32)
