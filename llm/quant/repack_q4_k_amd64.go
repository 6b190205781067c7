//go:build amd64 && !noasm

package quant

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// Q4_K kernels in the float order of ggml's repacked GEMV/GEMM
// (ggml_gemv_q4_K_8x8_q8_K; repack_q4_k_amd64.s): per output and
// super-block the exact int32 sums sum = Σ sc*q4*q8 and summ = Σ m*(bsum
// pairs), then acc = fma(float(sum), d_w*d_a, acc) and accm =
// fma(float(summ), dmin_w*d_a, accm); the result is acc - accm (gemvQ4KQ8K
// is the oracle). The integer lanes are the vec_dot kernels', folded per
// output to one int32 each super-block; four outputs share one float
// vector, so each output's FMA is one lane of a vector FMA.
//
// gemv at the avx2 level runs four weight rows at a time and reads each
// activation block once for them; at the avx512vnni level it runs rows of
// up to 4 KiB one after another (one weight stream in address order,
// which generation reads from memory faster than four short ones; longer
// rows four at a time), with constants in
// registers Y16-Y28 and the activation's bsum pairs and scales prepared
// once per call. k4 and k8 run one weight row against four or eight
// activation rows, decoding the weights once. At the avx512vnni level
// VPDPWSSD does the scale multiply-add.

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

// q4KGemvVNNI runs rows of up to q4KGemvL1/4 bytes through the one-row
// kernel (q4KGemv1VNNI; one weight stream in address order, measured
// faster from memory than the four-row kernel, whose four short streams
// the hardware prefetchers follow badly: on Mistral's 4096-wide rows 19
// against 10 GB/s on one thread, 31 against 22 on two), with the
// activation prepared by q4KPrepare into an aligned copy on the stack (16
// blocks at 4096 columns, against 8192 weight blocks in a call of 512
// rows). Longer rows (14336-wide: long streams, where the four-row
// kernel, less work per block, measured 17 against 13 GB/s) go four at a
// time. On Intel the four-row kernel prefetches row by row (gemvRowPF;
// Sapphire Rapids, one thread: 14.8 against 11.6 GB/s on 14336-wide rows,
// where the one-row kernel measured 11-12; on 4096-wide rows the one-row
// kernel stays ahead, 13.7 against 11.8).
func q4KGemvVNNI(w []byte, rs int, a []byte, nb int, out []float32) {
	if 4*rs > q4KGemvL1 {
		k := q4KGemv4VNNIL
		if gemvRowPF {
			k = q4KGemv4RowPFVNNI
		}
		q4KGemv(k, w, rs, a, nb, out)
		return
	}
	q4KGemvCheck(w, rs, a, nb, out)
	if len(out) == 0 {
		return
	}
	if nb == 0 {
		clear(out)
		return
	}
	var stack [q4KPreMax*q4KPreSize + 64]byte
	off := int(-uintptr(unsafe.Pointer(&stack[0])) & 63)
	pre := stack[off : off+nb*q4KPreSize]
	q4KPrepare(a, pre, nb)
	q4KGemv1VNNI(&w[0], rs, &pre[0], nb, &out[0], len(out))
}

// Assembly kernels. The four-row gemv ones compute groups*4 outputs:
// out[i] for the weight row at w+i*rs against the activation row a, over
// nb super-blocks (nb > 0, groups > 0); the "L" ones prefetch into L2
// instead of L1. q4KGemv1VNNI computes rows outputs the same way, with pre
// holding a's nb blocks prepared by q4KPrepare (0 < nb <= q4KPreMax,
// rows > 0). The others have the gemm4 and gemm8 signatures. The VNNI
// ones need the avx512vnni level (AVX512BW, VL, VNNI).

//go:noescape
func q4KGemv4AVX2(w *byte, rs int, a *byte, nb int, out *float32, groups int)

//go:noescape
func q4KGemv4AVX2L(w *byte, rs int, a *byte, nb int, out *float32, groups int)

//go:noescape
func q4KGemv4VNNIL(w *byte, rs int, a *byte, nb int, out *float32, groups int)

// q4KGemv4RowPFVNNI is q4KGemv4VNNIL with the row-by-row prefetch of
// gemvRowPF (Intel).
//
//go:noescape
func q4KGemv4RowPFVNNI(w *byte, rs int, a *byte, nb int, out *float32, groups int)

//go:noescape
func q4KGemv1VNNI(w *byte, rs int, pre *byte, nb int, out *float32, rows int)

//go:noescape
func q4KRDot4AVX2(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)

//go:noescape
func q4KRDot4VNNI(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)

//go:noescape
func q4KRDot8VNNI(w, a *byte, stride, nb int, out *[8]float32)

// q4KPreSize is the bytes per block of q4KPrepare's activation, and
// q4KPreMax the most blocks it holds (rows of up to q4KGemvL1/4 bytes).
const (
	q4KPreSize = 320
	q4KPreMax  = q4KGemvL1 / 4 / q4KSize
)

// q4KPreOrder is where each 32-quant sub-block of a Q8_K block goes in
// q4KPrepare's copy: the order of the nibble halves of the weights'
// 64-byte loads ([sb0 sb2 | sb1 sb3 | sb4 sb6 | sb5 sb7]).
var q4KPreOrder = [8]int{0, 2, 1, 3, 4, 6, 5, 7}

// q4KPrepare writes the nb Q8_K blocks of a into pre for q4KGemv1VNNI, 320
// bytes a block (pre 64-byte aligned): the quants in q4KPreOrder, the 8
// bsum pairs (int16, wrapping) at 256 and d_a at 272.
func q4KPrepare(a []byte, pre []byte, nb int) {
	for b := range nb {
		blk := a[b*q8KSize : (b+1)*q8KSize]
		p := pre[b*q4KPreSize : (b+1)*q4KPreSize]
		for i, s := range q4KPreOrder {
			copy(p[32*i:32*i+32], blk[4+32*s:4+32*s+32])
		}
		for s := range 8 {
			binary.LittleEndian.PutUint16(p[256+2*s:], binary.LittleEndian.Uint16(blk[260+4*s:])+binary.LittleEndian.Uint16(blk[262+4*s:]))
		}
		copy(p[272:276], blk[0:4])
	}
}
