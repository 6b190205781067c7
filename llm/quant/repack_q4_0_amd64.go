//go:build amd64 && !noasm

package quant

import (
	"fmt"

	"golang.org/x/sys/cpu"
)

// Q4_0 x Q8_0 kernels in llama.cpp's repacked float order (repack.go):
// per output one float accumulator, per block acc = fma(float(isum),
// d_w*d_a, acc) with isum the exact integer sum of (q-8)*y (for y = -128
// with q < 8 the product of _mm256_sign_epi8, as signedDot32 takes it).
//
// gemv (repack_q4_0_amd64.s) runs eight weight rows at a time, one row per
// float lane of one vector FMA per block: each activation block is loaded
// once for the eight rows, two rows share a 256-bit register (row r in the
// low half, r+4 in the high one), and the per-row int32 lanes are folded
// by unpack-and-add into one lane per row. The nibbles are multiplied
// unsigned (q in 0..15) and 8*Σy, computed once per activation block by
// q4_0RepackPrep, is subtracted; that is exact for y in -127..127, all
// the quantizer makes, and an activation row holding a -128 goes to the
// sign kernels instead (|x| * sign(y, x) in every block, as the oracle).
// Each group prefetches the next one's rows (on Intel row by row, see
// gemvRowPF). The avx512vnni gemv uses VPDPBUSD and GFNI (on a CPU
// without GFNI the AVX2 one runs).
//
// k4 and k8 run one weight row against four or eight activation rows with
// the sign products (the weight block is decoded once): k8 at both levels
// (faster per pair than k4 here), its VNNI form with VPDPBUSD.

// q4_0Pre is what q4_0RepackPrep derives from one Q8_0 activation block.
type q4_0Pre struct {
	d    float32 // d_a as float32
	corr int32   // 8*Σy
}

// q4_0PreStack is how many blocks gemv's prepared activation keeps on the
// stack (32768 columns); longer rows allocate.
const q4_0PreStack = 1024

var (
	repackQ4_0AVX2 = &repackedKernels{gemv: gemvQ4_0AVX2, k4: q4_0Dot4RepAVX2, k8: q4_0Dot8RepAVX2}
	repackQ4_0VNNI = &repackedKernels{gemv: gemvQ4_0VNNI, k4: q4_0Dot4RepAVX2, k8: q4_0Dot8RepVNNI}
	// repackQ4_0VNNINoGFNI is the avx512vnni level on a CPU without GFNI
	// (Cascade Lake): the AVX2 gemv.
	repackQ4_0VNNINoGFNI = &repackedKernels{gemv: gemvQ4_0AVX2, k4: q4_0Dot4RepAVX2, k8: q4_0Dot8RepVNNI}
)

// q4_0GFNI reports GFNI, which the avx512vnni gemv needs (x/sys/cpu sets
// HasAVX512GFNI from the GFNI bit when AVX-512 is usable); tests clear it.
var q4_0GFNI = cpu.X86.HasAVX512GFNI

// repackedQ4_0Kernels returns the Q4_0 kernels for level, nil for none.
func repackedQ4_0Kernels(level string) *repackedKernels {
	switch level {
	case levelAVX2:
		return repackQ4_0AVX2
	case levelAVX512VNNI:
		// The tile kernel for MatMulRowsRepacked: repack_tile_q4_0_amd64.go.
		if !q4_0GFNI {
			if q4_0TileOn {
				return repackQ4_0VNNINoGFNITile
			}
			return repackQ4_0VNNINoGFNI
		}
		if q4_0TileOn {
			return repackQ4_0VNNITile
		}
		return repackQ4_0VNNI
	}
	return nil
}

func gemvQ4_0AVX2(w []byte, rs int, a []byte, nb int, out []float32) {
	gemvQ4_0(false, w, rs, a, nb, out)
}

func gemvQ4_0VNNI(w []byte, rs int, a []byte, nb int, out []float32) {
	gemvQ4_0(true, w, rs, a, nb, out)
}

// gemvQ4_0Run calls the eight-row kernel of the level directly (not
// through a func value, so that the prepared activation on gemvQ4_0's
// stack does not escape to the heap: a func value hides //go:noescape).
func gemvQ4_0Run(vnni, sign bool, w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32) {
	switch {
	case vnni && sign && gemvRowPF:
		q4_0GemvSignRowPFVNNI(w, rs, a, pre, nb, groups, out)
	case vnni && gemvRowPF:
		q4_0GemvRowPFVNNI(w, rs, a, pre, nb, groups, out)
	case vnni && sign:
		q4_0GemvSignVNNI(w, rs, a, pre, nb, groups, out)
	case vnni:
		q4_0GemvVNNI(w, rs, a, pre, nb, groups, out)
	case sign:
		q4_0GemvSignAVX2(w, rs, a, pre, nb, groups, out)
	default:
		q4_0GemvAVX2(w, rs, a, pre, nb, groups, out)
	}
}

// gemvQ4_0 prepares the activation row and runs kern (sign when a block
// holds a -128) over the rows in groups of eight; a last partial group is
// run again over the last eight rows (rows are independent, so the
// overlap rewrites the same values), and a matrix of fewer than eight
// rows goes row by row through the four-row kernel.
func gemvQ4_0(vnni bool, w []byte, rs int, a []byte, nb int, out []float32) {
	rows := len(out)
	if rows == 0 || nb <= 0 {
		clear(out)
		return
	}
	if rs < nb*q4_0Size || len(w) < (rows-1)*rs+nb*q4_0Size || len(a) < nb*q8_0Size {
		panic(fmt.Sprintf("quant: Q4_0 repacked gemv of %d rows x %d blocks (row stride %d) got %d weight and %d activation bytes",
			rows, nb, rs, len(w), len(a)))
	}
	if rows < 8 {
		var res [4]float32
		for r := range out {
			q4_0Dot4RepAVX2(&w[r*rs], &a[0], &a[0], &a[0], &a[0], nb, &res)
			out[r] = res[0]
		}
		return
	}
	var stack [q4_0PreStack]q4_0Pre
	pre := stack[:]
	if nb > len(stack) {
		pre = make([]q4_0Pre, nb)
	}
	sign := q4_0RepackPrep(&a[0], nb, &pre[0]) != 0
	groups := rows / 8
	gemvQ4_0Run(vnni, sign, &w[0], rs, &a[0], &pre[0], nb, groups, &out[0])
	if rows%8 != 0 {
		gemvQ4_0Run(vnni, sign, &w[(rows-8)*rs], rs, &a[0], &pre[0], nb, 1, &out[rows-8])
	}
}

// q4_0RepackPrep fills pre[0:nb] from the nb Q8_0 blocks at a; slow is
// nonzero when one of them holds a -128.
//
//go:noescape
func q4_0RepackPrep(a *byte, nb int, pre *q4_0Pre) (slow int)

// q4_0GemvAVX2 and q4_0GemvVNNI compute out[8g+i] for groups of eight
// weight rows rs bytes apart (row 8g+i at w+(8g+i)*rs) against the
// activation row a prepared in pre, over nb blocks (nb > 0).
//
//go:noescape
func q4_0GemvAVX2(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)

//go:noescape
func q4_0GemvVNNI(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)

// q4_0GemvRowPFVNNI and q4_0GemvSignRowPFVNNI are q4_0GemvVNNI and
// q4_0GemvSignVNNI with the row-by-row prefetch of gemvRowPF (Intel).
//
//go:noescape
func q4_0GemvRowPFVNNI(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)

//go:noescape
func q4_0GemvSignRowPFVNNI(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)

// q4_0GemvSignAVX2 and q4_0GemvSignVNNI are the same for activations that
// may hold -128: every block takes the sign path.
//
//go:noescape
func q4_0GemvSignAVX2(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)

//go:noescape
func q4_0GemvSignVNNI(w *byte, rs int, a *byte, pre *q4_0Pre, nb, groups int, out *float32)

// q4_0Dot4RepAVX2 and q4_0Dot8RepAVX2 are gemm4 and gemm8 in the repacked
// order.
//
//go:noescape
func q4_0Dot4RepAVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)

//go:noescape
func q4_0Dot8RepAVX2(w, a *byte, stride, nb int, out *[8]float32)

// q4_0Dot8RepVNNI is q4_0Dot8RepAVX2 with VPDPBUSD (AVX512VNNI, VL).
//
//go:noescape
func q4_0Dot8RepVNNI(w, a *byte, stride, nb int, out *[8]float32)
