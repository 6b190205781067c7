package quant

import (
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
)

// Batched matrix products for prompt processing: many activation rows
// against the same weight rows. The SIMD kernels (gemm_amd64.go) decode a
// weight block once and multiply it with four or eight activation rows,
// each with its own accumulators, so every output keeps the exact
// arithmetic of the single-row kernel: MatMulRows returns what VecDot returns for each pair,
// bit for bit, only with fewer instructions per pair. The weights stay in
// their GGUF layout (no repacked copy).

// gemm4 computes out[j] = dot(w, a[j]) for four activation rows (a[j] may
// repeat a row when fewer are wanted) over nb blocks of the weight type.
type gemm4 func(w, a0, a1, a2, a3 *byte, nb int, out *[4]float32)

// gemm8 computes out[j] = dot(w, a+j*stride) for eight activation rows
// stride bytes apart.
type gemm8 func(w, a *byte, stride, nb int, out *[8]float32)

// gemmKernel returns the four-row kernel for weight type t at the current
// SIMD level, an eight-row one where the level has it (else nil), and the
// block size their nb counts; k4 is nil when there is none. Set by
// gemm_amd64.go; nil elsewhere.
var gemmKernel func(t ggml.Type) (k4 gemm4, k8 gemm8, blockSize int)

// tileFunc computes out[j][r] for rows [r0, r1) of w (row stride rs, nb
// blocks) and the nAct activation rows of acts (stride as).
type tileFunc func(w []byte, rs, r0, r1, nb int, acts []byte, as, nAct int, out [][]float32)

// tileKernel returns MatMulRows' tile kernel for weight type t at the
// current SIMD level, or nil: each pair bit for bit as VecDot, or as
// VecDotBlocks for the AMX kernels of Q8_0 and Q6_K. Set by
// gemm_amd64.go; nil elsewhere.
var tileKernel func(t ggml.Type) tileFunc

// gemmTileRows is how many weight rows one tile holds: the tile is reused
// by every group of activation rows, so it should stay in L2 (128 rows of
// a 4096-wide Q4_K matrix are 288 KiB), while each group of activation
// rows (8 x 4.6 KiB at 4096 wide) stays in L1 across the tile. Sizing the
// tile by bytes instead (35 rows at 14336 wide) measured slower.
const gemmTileRows = 128

// MatMulRows computes out[j][r] = dot(weight row r, activation row j) for
// rows [r0, r1) of a weight matrix of type t with cols columns (w holds
// the matrix from row 0, row-major as in GGUF) and nAct activation rows
// already quantized to VecDotType(t) (acts holds them back to back, each
// at.RowSize(cols) bytes). out[j] has length >= r1. Results are
// bit-identical to calling VecDot per pair (VecDotBlocks with AMX). It runs on one thread; callers
// split [r0, r1) across threads. Mismatched lengths are a programming error
// and panic, as in MatVec.
func MatMulRows(t ggml.Type, w []byte, cols, r0, r1 int, acts []byte, nAct int, out [][]float32) {
	at := VecDotType(t)
	if !t.Supported() || cols < 0 || cols%t.BlockSize() != 0 || cols%at.BlockSize() != 0 {
		panic(fmt.Sprintf("quant: MatMulRows(%v) with %d columns: need a supported type and whole blocks", t, cols))
	}
	rs, as := t.RowSize(cols), at.RowSize(cols)
	if r0 < 0 || r1 < r0 || len(w) < r1*rs {
		panic(fmt.Sprintf("quant: MatMulRows(%v) rows [%d, %d) of %d columns need %d weight bytes, got %d", t, r0, r1, cols, r1*rs, len(w)))
	}
	if nAct < 0 || len(acts) < nAct*as || len(out) < nAct {
		panic(fmt.Sprintf("quant: MatMulRows(%v) of %d activation rows needs %d activation bytes and %d output rows, got %d and %d",
			t, nAct, nAct*as, nAct, len(acts), len(out)))
	}
	for j := 0; j < nAct; j++ {
		if len(out[j]) < r1 {
			panic(fmt.Sprintf("quant: MatMulRows(%v) output row %d has length %d, need %d", t, j, len(out[j]), r1))
		}
	}
	if r0 == r1 || nAct == 0 {
		return
	}
	if tileKernel != nil && cols > 0 {
		if tile := tileKernel(t); tile != nil {
			tile(w, rs, r0, r1, cols/t.BlockSize(), acts, as, nAct, out)
			return
		}
	}
	if gemmKernel != nil && cols > 0 {
		if k4, k8, bs := gemmKernel(t); k4 != nil {
			matMulTiles(k4, k8, cols/bs, w, rs, r0, r1, acts, as, nAct, out)
			return
		}
	}
	matMulPairs(t, w, rs, cols, r0, r1, acts, as, nAct, out)
}

// matMulPairs is the portable path: one VecDot per pair, weight row outer
// so that it is read from cache for every activation row.
func matMulPairs(t ggml.Type, w []byte, rs, cols, r0, r1 int, acts []byte, as, nAct int, out [][]float32) {
	dot := dotFunc(t)
	for r := r0; r < r1; r++ {
		wr := w[r*rs : (r+1)*rs]
		for j := 0; j < nAct; j++ {
			out[j][r] = dot(wr, acts[j*as:(j+1)*as], cols)
		}
	}
}

// matMulTiles runs the kernels over tiles of gemmTileRows weight rows:
// groups of eight activation rows with k8 when there is one, the rest in
// groups of four with k4; a last group of one to three activation rows
// repeats its last row in the unused slots (the extra results are
// dropped). Lengths are checked by MatMulRows, and nb > 0.
func matMulTiles(k4 gemm4, k8 gemm8, nb int, w []byte, rs, r0, r1 int, acts []byte, as, nAct int, out [][]float32) {
	var res [4]float32
	var res8 [8]float32
	n8 := 0
	if k8 != nil {
		n8 = nAct &^ 7
	}
	for t0 := r0; t0 < r1; t0 += gemmTileRows {
		t1 := min(t0+gemmTileRows, r1)
		for j := 0; j < n8; j += 8 {
			a := &acts[j*as]
			o := out[j : j+8]
			for r := t0; r < t1; r++ {
				k8(&w[r*rs], a, as, nb, &res8)
				for i := range o {
					o[i][r] = res8[i]
				}
			}
		}
		for j := n8; j < nAct; j += 4 {
			n := min(4, nAct-j)
			a0 := &acts[j*as]
			a1 := &acts[(j+min(1, n-1))*as]
			a2 := &acts[(j+min(2, n-1))*as]
			a3 := &acts[(j+min(3, n-1))*as]
			o := out[j : j+n]
			for r := t0; r < t1; r++ {
				k4(&w[r*rs], a0, a1, a2, a3, nb, &res)
				for i := range o {
					o[i][r] = res[i]
				}
			}
		}
	}
}
