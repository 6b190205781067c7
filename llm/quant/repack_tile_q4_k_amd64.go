//go:build amd64 && !noasm

package quant

import (
	"fmt"
	"sync"
	"unsafe"
)

// Q4_K tile kernel for MatMulRowsRepacked at the avx512vnni level
// (repackedKernels.tile; repack_tile_q4_k_amd64.s). Each group of 16
// weight rows is first rearranged into a per-thread scratch copy
// (q4KTilePack, once per group and call), then every activation row runs
// against it four at a time (q4KTile4) with VPDPBUSD: lane r of a vector
// is weight row r, so a sub-block's sum Σ q4*q8 needs no horizontal fold.
//
// Scratch layout per super-block (q4KTileBlock bytes), lane r = row r:
//
//	0     quants: for sub-block s (0-7) and step t (0-7), 64 bytes at
//	      (8s+t)*64: row r's four unsigned nibbles (as bytes) at positions
//	      32s+4t..32s+4t+3 in bytes 4r..4r+3
//	4096  scales: sub-block s's scale as int32 at 4096+64s+4r
//	4608  mins: sub-blocks 2i, 2i+1 as int16 pair at 4608+64i+4r
//	4864  d_w as float32 at 4864+4r
//	4928  dmin_w as float32 at 4928+4r
//
// The activations' bsum pairs (int16, added wrapping as the oracle does)
// are precomputed per call, 64 bytes per block and group of four
// activation rows (row a's eight pairs at 16a).
//
// Per output the float operations are exactly gemvQ4KQ8K's: per
// super-block d_w*d_a (one float32 rounding), acc = fma(float(sum), that,
// acc), the same for the mins, and acc - accm at the end.

const (
	q4KTileBlock = 4992
	// q4KTileMinAct: below this many activation rows the rearrangement
	// does not pay; the k4/k8 kernels run instead.
	q4KTileMinAct = 4
	// q4KTilePrefetch is the bytes q4KTile4 prefetches per block.
	q4KTilePrefetch = 320
)

type q4KTileScratch struct {
	wt    []byte
	pairs []byte
}

var q4KTilePool = sync.Pool{New: func() any { return new(q4KTileScratch) }}

func q4KTileVNNI(w []byte, rs, r0, r1, nb int, acts []byte, as, nAct int, out [][]float32) {
	if r0 >= r1 || nAct <= 0 || nb <= 0 {
		return
	}
	if nb*q4KSize > rs || len(w) < (r1-1)*rs+nb*q4KSize || nb*q8KSize > as || len(acts) < nAct*as || len(out) < nAct {
		panic(fmt.Sprintf("quant: Q4_K tile of rows [%d, %d) x %d activation rows of %d blocks (strides %d, %d): got %d weight and %d activation bytes",
			r0, r1, nAct, nb, rs, as, len(w), len(acts)))
	}
	if nAct < q4KTileMinAct {
		matMulTiles(q4KRDot4VNNI, q4KRDot8VNNI, nb, w, rs, r0, r1, acts, as, nAct, out)
		return
	}
	sc := q4KTilePool.Get().(*q4KTileScratch)
	defer q4KTilePool.Put(sc)
	if n := nb * q4KTileBlock; cap(sc.wt) < n {
		sc.wt = make([]byte, n)
	}
	nq := (nAct + 3) / 4
	if n := nq * nb * 64; cap(sc.pairs) < n {
		sc.pairs = make([]byte, n)
	}
	wt, pairs := sc.wt[:nb*q4KTileBlock], sc.pairs[:nq*nb*64]
	for q := 0; q < nq; q++ {
		for a := 0; a < 4; a++ {
			j := min(4*q+a, nAct-1)
			for b := 0; b < nb; b++ {
				bs := acts[j*as+b*q8KSize+4+256 : j*as+b*q8KSize+q8KSize]
				p := pairs[(q*nb+b)*64+16*a : (q*nb+b)*64+16*a+16]
				for s := 0; s < 8; s++ {
					v := int16(le16(bs[4*s:])) + int16(le16(bs[4*s+2:]))
					putLE16(p[2*s:], uint16(v))
				}
			}
		}
	}
	var idx [16]int32
	var res [64]float32
	for g0 := r0; g0 < r1; g0 += 16 {
		n := min(16, r1-g0)
		for r := range idx {
			idx[r] = int32(min(r, n-1) * rs)
		}
		q4KTilePack(&w[g0*rs], &idx, nb, &wt[0])
		// The next group's rows (16*rs bytes from here) are prefetched
		// while the activation rows run against this one.
		next := uintptr(unsafe.Pointer(&w[0])) + uintptr((g0+16)*rs)
		for q := 0; q < nq; q++ {
			j := 4 * q
			m := min(4, nAct-j)
			q4KTile4(&wt[0], nb, &acts[j*as], &acts[(j+min(1, m-1))*as], &acts[(j+min(2, m-1))*as], &acts[(j+min(3, m-1))*as],
				&pairs[q*nb*64], &res, next+uintptr(q*nb*q4KTilePrefetch))
			for a := 0; a < m; a++ {
				copy(out[j+a][g0:g0+n], res[16*a:16*a+n])
			}
		}
	}
}

// q4KTilePack rearranges nb super-blocks of the 16 weight rows at w+idx[r]
// into dst (nb*q4KTileBlock bytes), nb > 0.
//
//go:noescape
func q4KTilePack(w *byte, idx *[16]int32, nb int, dst *byte)

// q4KTile4 computes out[16a+r] for the activation rows a0..a3 (nb Q8_K
// blocks each) against the 16 rows rearranged at wt, with the activations'
// bsum pairs at pairs (64 bytes a block), nb > 0. It prefetches 320 bytes
// from pf on per block (only a hint: pf may point anywhere).
//
//go:noescape
func q4KTile4(wt *byte, nb int, a0, a1, a2, a3 *byte, pairs *byte, out *[64]float32, pf uintptr)
