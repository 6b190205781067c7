//go:build amd64 && !noasm

package quant

import (
	"fmt"
	"math"
	"unsafe"
)

// The Q4_K tile kernel on AMX (see amx_amd64.go), replacing q4KTileVNNI
// when amxOn. A super-block's sum Σ sc_s*q*y needs each sub-block's scale
// sc_s (6 bits) inside the product, and TDPBSSD takes int8: so
// amxQ4KScale turns each weight quant into sc*q <= 945 = 64h + l and writes
// h and l (both int8) as two operand tiles per 64 columns. Two TDPBSSD per
// 64 columns (into the h and the l sums) then cover a super-block in eight
// tile products and two tile stores, and sum = 64*sum_h + sum_l is exact.
// The rest is gemvQ4KQ8K's float order, per activation row and
// super-block: d_w*d_a and dmin_w*d_a (float32), acc = fma(float(sum),
// that, acc), accm likewise with the mins (summed with VPDPWSSD from the
// activation's bsum pairs), and acc - accm at the end.
//
// Weights come in through q4KTilePack (the avx512vnni tile kernel's
// layout, whose nibble vectors are already the operand's VNNI order).

const amxQ4KHL = 8192 // bytes of h and l tiles per super-block

var amxQ4KConfigs = func() (c [17]amxConfig) {
	for m := 1; m <= 16; m++ {
		c[m] = amxTiles(m, 64)
	}
	return c
}()

// tileQ4KAMX is repackedKernels.tile for Q4_K on AMX.
func tileQ4KAMX(w []byte, rs, r0, r1, nb int, acts []byte, as, nAct int, out [][]float32) {
	if r1 <= r0 || nAct <= 0 || nb <= 0 {
		return
	}
	if r0 < 0 || nb*q4KSize > rs || len(w) < (r1-1)*rs+nb*q4KSize || nb*q8KSize > as ||
		len(acts) < (nAct-1)*as+nb*q8KSize || len(out) < nAct || 16*rs > math.MaxInt32 {
		panic(fmt.Sprintf("quant: Q4_K AMX tile of rows [%d, %d) x %d activation rows of %d blocks (strides %d, %d): got %d weight and %d activation bytes",
			r0, r1, nAct, nb, rs, as, len(w), len(acts)))
	}
	s := amxPool.Get().(*amxScratch)
	defer amxPool.Put(s)
	tiles := (nAct + 15) / 16
	wt := alignedBytes(&s.wt, nb*q4KTileBlock)
	hl := alignedBytes(&s.hl, nb*amxQ4KHL)
	da := alignedFloats(&s.da, tiles*nb*16)
	pairs := alignedBytes(&s.pairs, tiles*nb*256)
	cbuf := alignedBytes(&s.cbuf, 4096)
	accm := alignedFloats(&s.accm, 256)
	obuf := alignedFloats(&s.obuf, 256)
	// Per tile of 16 activation rows and block: d_a, and each row's eight
	// bsum pairs (int16, wrapping as the oracle adds them) at 16m.
	for j := range nAct {
		t, m := j/16, j%16
		amxQ8KPrep(&acts[j*as], nb, &da[t*nb*16+m], &pairs[t*nb*256+16*m])
	}
	aq := amxActsK(s, acts, as, nAct, nb)
	var idx [16]int32
	for g := r0; g < r1; g += 16 {
		n := min(16, r1-g)
		amxGroupOffsets(&idx, n, rs)
		q4KTilePack(&w[g*rs], &idx, nb, &wt[0])
		amxQ4KScale(&wt[0], nb, &hl[0])
		for t := range tiles {
			mt := min(16, nAct-t*16)
			amxQ4KMins(&wt[0], &pairs[t*nb*256], &da[t*nb*16], nb, &accm[0])
			amxQ4KTile(&amxQ4KConfigs[mt], &aq[t*nb*4096], 64, &da[t*nb*16],
				&wt[0], &hl[0], nb, (*int32)(unsafe.Pointer(&cbuf[0])), &accm[0], &obuf[0])
			amxStore(out, t, mt, g, n, obuf)
		}
	}
}

// amxQ4KScale writes the h and l operand tiles (amxQ4KHL bytes per
// super-block) of the nb packed super-blocks at wt to hl.
//
//go:noescape
func amxQ4KScale(wt *byte, nb int, hl *byte)

// amxQ4KMins computes accm (16x16) = each activation row's mins part,
// accm = fma(float(Σ m*(bsum pairs)), dmin_w*d_a, accm) over the nb > 0
// super-blocks packed at wt (pairs and da: that tile's, per block). It
// runs apart from amxQ4KTile: interleaved with the tile products, its
// VPDPWSSD slowed both down by a third.
//
//go:noescape
func amxQ4KMins(wt *byte, pairs *byte, da *float32, nb int, accm *float32)

// amxQ4KTile computes the 16x16 results of up to 16 activation rows (cfg
// says how many; their quants at a as amxActsK lays them out, as = 64,
// scales da per block) against the 16 weight rows packed at wt with their
// h and l tiles at hl, over nb > 0 super-blocks: acc - accm into out,
// accm from amxQ4KMins. cbuf (4 KiB: two buffers of h and l sums) is
// 64-byte aligned scratch.
//
//go:noescape
func amxQ4KTile(cfg *amxConfig, a *byte, as int, da *float32, wt *byte, hl *byte, nb int, cbuf *int32, accm *float32, out *float32)

// amxQ8KPrep writes the d_a (64 bytes apart) and the eight bsum pairs
// (int16, wrapping; 256 bytes apart) of the nb > 0 Q8_K blocks at a.
//
//go:noescape
func amxQ8KPrep(a *byte, nb int, da *float32, pairs *byte)

// amxActsK copies the quants of the nAct Q8_K activation rows at acts (as
// bytes apart) to scratch as [tile of 16 rows][block][64 columns][row][64],
// so that each tile load reads 1 KiB of contiguous, aligned bytes.
func amxActsK(s *amxScratch, acts []byte, as, nAct, nb int) []byte {
	tiles := (nAct + 15) / 16
	aq := alignedBytes(&s.aq, tiles*nb*4096)
	for t := range tiles {
		amxActPackK(&acts[t*16*as], as, min(16, nAct-t*16), nb, &aq[t*nb*4096])
	}
	return aq
}

// amxActPackK copies the quants of rows (at most 16) Q8_K activation rows
// at a, as bytes apart, to dst as [block][64 columns][row][64].
//
//go:noescape
func amxActPackK(a *byte, as int, rows int, nb int, dst *byte)
