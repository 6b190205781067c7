//go:build amd64 && !noasm

package quant

import (
	"fmt"
	"math"
	"unsafe"
)

// The Q6_K tile kernel on AMX (see amx_amd64.go), for MatMulRows when
// amxOn, in block order (VecDotBlocks: per super-block the exact
// Σ sc*(q-32)*y, then one FMA). As for Q4_K (amx_q4_k_amd64.go), each
// weight times its sub-block's scale, sc*(q-32) in -4064..4096, is split
// into 64h + l with h and l int8, so a super-block takes eight TDPBSSD and
// two tile stores; amxQ6KPack decodes the 6-bit quants of 16 rows straight
// into those h and l operand tiles (gathering four bytes of each row at a
// time) and the rows' d_w after them.

const amxQ6KHL = 8192 + 64 // bytes per super-block: h and l tiles, d_w

// tileQ6KAMX computes out[j][r] = VecDotBlocks(Q6_K, row r, act j) for
// rows [r0, r1) of w (row stride rs, nb super-blocks) and nAct Q8_K
// activation rows as bytes apart.
func tileQ6KAMX(w []byte, rs, r0, r1, nb int, acts []byte, as, nAct int, out [][]float32) {
	if r1 <= r0 || nAct <= 0 || nb <= 0 {
		return
	}
	if r0 < 0 || nb*q6KSize > rs || len(w) < (r1-1)*rs+nb*q6KSize || nb*q8KSize > as ||
		len(acts) < (nAct-1)*as+nb*q8KSize || len(out) < nAct || 16*rs > math.MaxInt32 {
		panic(fmt.Sprintf("quant: Q6_K AMX tile of rows [%d, %d) x %d activation rows of %d blocks (strides %d, %d): got %d weight and %d activation bytes",
			r0, r1, nAct, nb, rs, as, len(w), len(acts)))
	}
	s := amxPool.Get().(*amxScratch)
	defer amxPool.Put(s)
	tiles := (nAct + 15) / 16
	hl := alignedBytes(&s.hl, nb*amxQ6KHL)
	da := alignedFloats(&s.da, tiles*nb*16)
	cbuf := alignedBytes(&s.cbuf, 2048)
	obuf := alignedFloats(&s.obuf, 256)
	s16 := alignedBytes(&s.s16, 1024)
	for j := range nAct {
		t, m := j/16, j%16
		for b := range nb {
			da[(t*nb+b)*16+m] = q8KD(acts[j*as+b*q8KSize:])
		}
	}
	aq := amxActsK(s, acts, as, nAct, nb)
	var idx [16]int32
	for g := r0; g < r1; g += 16 {
		n := min(16, r1-g)
		amxGroupOffsets(&idx, n, rs)
		amxQ6KPack(&w[g*rs], &idx, nb, &hl[0], (*[16][16]uint32)(unsafe.Pointer(&s16[0])))
		for t := range tiles {
			mt := min(16, nAct-t*16)
			amxQ6KTile(&amxQ4KConfigs[mt], &aq[t*nb*4096], 64, &da[t*nb*16], &hl[0], nb,
				(*int32)(unsafe.Pointer(&cbuf[0])), &obuf[0])
			amxStore(out, t, mt, g, n, obuf)
		}
	}
}

// amxQ6KPack writes the h and l operand tiles and d_w (amxQ6KHL bytes per
// super-block) of the 16 Q6_K rows at w+off[r] over nb super-blocks to hl;
// s16 is scratch for the scales.
//
//go:noescape
func amxQ6KPack(w *byte, off *[16]int32, nb int, hl *byte, s16 *[16][16]uint32)

// amxQ6KTile computes the 16x16 results of up to 16 activation rows (cfg
// says how many; the first one's quants at a, rows as bytes apart, scales
// da per block) against the 16 weight rows packed at hl, over nb > 0
// super-blocks, into out; cbuf is 2 KiB of 64-byte aligned scratch.
//
//go:noescape
func amxQ6KTile(cfg *amxConfig, a *byte, as int, da *float32, hl *byte, nb int, cbuf *int32, out *float32)
