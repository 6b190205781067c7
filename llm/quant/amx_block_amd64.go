//go:build amd64 && !noasm

package quant

import (
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
	"math"
	"sync"
	"unsafe"
)

// The AMX tile kernels in per-block float order (see amx_amd64.go): Q4_0
// (replacing tileQ4_0VNNI when amxOn, same results) and Q8_0 (replacing
// tileQ8_0VNNI, in block order: VecDotBlocks). Per group of 16 weight rows, amxQ4_0Pack writes each block
// as a TDPBSSD operand in VNNI order: eight 64-byte rows, row k holding
// the four values 4k..4k+3 (q-8, as int8) of each weight row, and then the
// rows' d_w as float32. Per 16 activation rows, amxBlockTile loads each
// block's 32 activation bytes straight from the Q8_0 rows (a tile load
// with the row stride), takes TDPBSSD into a zeroed tile for the exact
// per-block sums, stores the tile and, per activation row, does what
// gemvQ4_0Q8_0 does per block: p = d_w*d_a (float32), acc = fma(float(sum),
// p, acc), with the 16 weight rows in the lanes. Two blocks are in flight
// at once (tiles 0-2 and 4,5,3). float(sum) is computed as the bits of
// sum + 0x4b400000 minus 12582912.0, exact for |sum| < 2^22 (a block's sum
// is at most 32*128*128 = 2^19): unlike VCVTDQ2PS, both run on either
// vector port, which the tile unit leaves freer (3% measured).

const (
	amxQ4_0Group = 16        // weight rows per packed group
	amxQ4_0Block = 8*64 + 64 // packed bytes per block: the tile, then 16 d_w
)

// amxQ4_0Configs holds the tile configurations by activation rows (1-16).
var amxQ4_0Configs = func() (c [17]amxConfig) {
	for m := 1; m <= 16; m++ {
		c[m] = amxTiles(m, 32)
	}
	return c
}()

// amxScratch is one thread's buffers for the AMX tile kernels.
type amxScratch struct {
	wt    []byte    // the packed weight group
	hl    []byte    // Q4_K: its h and l operand tiles
	pairs []byte    // Q4_K: the activations' bsum pairs
	accm  []float32 // Q4_K: the mins' accumulators
	da    []float32 // activation scales, [tile of 16 rows][block][16]
	cbuf  []byte    // two int32 tiles
	obuf  []float32 // one 16x16 result
	slow  []int     // activation rows holding a -128
	aq    []byte    // activation quants in tile order (amxActPack, amxActsK)
	s16   []byte    // Q6_K: the scales of a super-block, for amxQ6KPack
}

var amxPool = sync.Pool{New: func() any { return new(amxScratch) }}

// tileQ4_0AMX is repackedKernels.tile for Q4_0 on AMX.
func tileQ4_0AMX(w []byte, rs, r0, r1, nb int, acts []byte, as, nAct int, out [][]float32) {
	s := amxPool.Get().(*amxScratch)
	defer amxPool.Put(s)
	if !amxBlockProduct(s, true, w, rs, r0, r1, nb, acts, as, nAct, out) {
		return
	}
	// Activation rows holding a -128 (the quantizer never makes one): the
	// sign products of the k4 kernel, which ggml's repacked GEMV has too.
	var res [4]float32
	for k := 0; k < len(s.slow); k += 4 {
		n := min(4, len(s.slow)-k)
		var a [4]*byte
		for i := range a {
			a[i] = &acts[s.slow[k+min(i, n-1)]*as]
		}
		for r := r0; r < r1; r++ {
			q4_0Dot4RepAVX2(&w[r*rs], a[0], a[1], a[2], a[3], nb, &res)
			for i := range n {
				out[s.slow[k+i]][r] = res[i]
			}
		}
	}
}

// tileQ8_0AMX is MatMulRows' Q8_0 tile kernel on AMX: each pair as
// VecDotBlocks computes it. amxQ8_0Pack gathers each block's 32 quants of
// 16 weight rows into the VNNI operand (no unpacking: they are int8
// already) and amxBlockTile does the rest as for Q4_0; TDPBSSD multiplies
// signed by signed, so a -128 needs no other path.
func tileQ8_0AMX(w []byte, rs, r0, r1, nb int, acts []byte, as, nAct int, out [][]float32) {
	s := amxPool.Get().(*amxScratch)
	defer amxPool.Put(s)
	amxBlockProduct(s, false, w, rs, r0, r1, nb, acts, as, nAct, out)
}

// amxBlockProduct runs amxBlockTile for rows [r0, r1) of Q4_0 (q4) or Q8_0
// weights against nAct Q8_0 activation rows. It reports false when there
// was nothing to do; otherwise s.slow lists the activation rows holding a
// -128, whose Q4_0 outputs the caller must redo.
func amxBlockProduct(s *amxScratch, q4 bool, w []byte, rs, r0, r1, nb int, acts []byte, as, nAct int, out [][]float32) bool {
	if r1 <= r0 || nAct <= 0 || nb <= 0 {
		return false
	}
	typ, bs := ggml.Q8_0, q8_0Size
	if q4 {
		typ, bs = ggml.Q4_0, q4_0Size
	}
	if r0 < 0 || rs < nb*bs || len(w) < (r1-1)*rs+nb*bs || as < nb*q8_0Size ||
		len(acts) < (nAct-1)*as+nb*q8_0Size || len(out) < nAct || amxQ4_0Group*rs > math.MaxInt32 {
		panic(fmt.Sprintf("quant: %v AMX tile of rows [%d, %d) x %d blocks (row stride %d) x %d activation rows (stride %d) got %d weight and %d activation bytes, %d output rows",
			typ, r0, r1, nb, rs, nAct, as, len(w), len(acts), len(out)))
	}
	tiles := (nAct + 15) / 16
	wt := alignedBytes(&s.wt, nb*amxQ4_0Block)
	da := alignedFloats(&s.da, tiles*nb*16)
	cbuf := alignedBytes(&s.cbuf, 2048)
	obuf := alignedFloats(&s.obuf, 256)
	aq := alignedBytes(&s.aq, tiles*nb*512)
	for t := range tiles {
		amxActPack(&acts[t*16*as], as, min(16, nAct-t*16), nb, &aq[t*nb*512])
	}
	s.slow = s.slow[:0]
	for j := range nAct {
		if amxQ8_0Prep(&acts[j*as], nb, &da[(j/16*nb)*16+j%16], 64) != 0 {
			s.slow = append(s.slow, j)
		}
	}
	var off [amxQ4_0Group]int32
	for g := r0; g < r1; g += amxQ4_0Group {
		n := min(amxQ4_0Group, r1-g)
		amxGroupOffsets(&off, n, rs)
		if q4 {
			amxQ4_0Pack(&w[g*rs], &off, nb, &wt[0])
		} else {
			amxQ8_0Pack(&w[g*rs], &off, nb, &wt[0])
		}
		for t := range tiles {
			mt := min(16, nAct-t*16)
			amxBlockTile(&amxQ4_0Configs[mt], &aq[t*nb*512], 32, &da[t*nb*16], &wt[0], nb,
				(*int32)(unsafe.Pointer(&cbuf[0])), &obuf[0])
			amxStore(out, t, mt, g, n, obuf)
		}
	}
	return true
}

// amxQ8_0Prep writes the nb block scales d_a of the Q8_0 row a as float32,
// stride bytes apart, from da; slow is nonzero when a block holds a -128.
//
//go:noescape
func amxQ8_0Prep(a *byte, nb int, da *float32, stride int) (slow int)

// amxQ4_0Pack packs the 16 weight rows at w+off[r] over nb blocks into dst
// (nb*amxQ4_0Block bytes).
//
//go:noescape
func amxQ4_0Pack(w *byte, off *[amxQ4_0Group]int32, nb int, dst *byte)

// amxBlockTile computes the 16x16 results (row m: activation row m against
// the 16 packed weight rows) of up to 16 activation rows (cfg says how
// many) whose first block's quants are at a, as bytes apart, with scales
// da ([block][16]), against the packed group wt, over nb > 0 blocks, into
// out; cbuf is 2 KiB of 64-byte aligned scratch.
//
//go:noescape
func amxBlockTile(cfg *amxConfig, a *byte, as int, da *float32, wt *byte, nb int, cbuf *int32, out *float32)

// amxQ8_0Pack packs the 16 Q8_0 weight rows at w+off[r] over nb blocks
// into dst (nb*amxQ4_0Block bytes), as amxQ4_0Pack does Q4_0 rows.
//
//go:noescape
func amxQ8_0Pack(w *byte, off *[amxQ4_0Group]int32, nb int, dst *byte)

// amxActPack copies the quants of rows (at most 16) Q8_0 activation rows
// at a, as bytes apart, to dst as [block][row][32] (512 bytes a block),
// so that each tile load reads 512 contiguous bytes.
//
//go:noescape
func amxActPack(a *byte, as int, rows int, nb int, dst *byte)
