//go:build amd64 && !noasm

package quant

import (
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// The Q8_0 tile kernel of MatMulRows (tileKernel in gemm.go) at the
// avx512vnni level: the same per-pair arithmetic as dotQ8_0Q8_0 (per
// block the eight exact int32 lanes, lane k = Σ x*y over positions
// 4k..4k+3, then acc[k] = fma(float(lane[k]), d_w*d_a, acc[k]), blocks in
// order, hsum8 at the end), without the per-pair folds of the k4/k8
// kernels.
//
// Each group of 16 weight rows is rearranged once into a per-thread
// scratch buffer (q8_0TilePack, 576 bytes per block: "interleaved by four
// bytes", vector k holding in each int32 lane one row's quants at
// positions 4k..4k+3, stored as x+128, the rows in the order of a 4x4
// transpose that the store undoes) and reused against all the activation
// rows, two at a time (q8_0TileVNNI): per block, activation row and k one
// VPDPBUSD with the activation's four bytes at 4k..4k+3 broadcast from
// memory, starting from -128*Σ of those four y (q8_0TilePrep, once per
// call and activation row), leaves lane k of all 16 pairs exactly (for y
// in -127..127); then VCVTDQ2PS and one VFMADD231PS into that row's
// accumulator k (16 rows in its lanes) with d_w*d_a, one VMULPS per block
// and activation row (rounded once, as the oracle's float32 product). At
// the end the eight accumulators are summed in hsum8's order and stored
// into the output rows (masked to the group's rows).
//
// An activation row holding a -128 (the quantizer never makes one) takes
// the k8/k4 kernels (q8_0Dot8AVX512, q8_0Dot4AVX2), which have the
// oracle's sign product. A last
// group of fewer than 16 rows repeats its last row in the extra lanes,
// which are not stored; an odd last activation row is paired with itself
// and its second output goes to a junk buffer.

const (
	// q8_0TileGroup is how many weight rows a packed group holds.
	q8_0TileGroup = 16
	// q8_0TileBlock is the bytes per block of a packed group: eight
	// 64-byte quant vectors and 16 float32 d_w.
	q8_0TileBlock = 8*64 + q8_0TileGroup*4
	// q8_0TilePre is the bytes per prepared activation block: eight
	// int32 corrections and d_a.
	q8_0TilePre = 36
)

// q8_0TileOn selects the tile kernel at the avx512vnni level (benchmarks
// and tests clear it to compare with k4/k8).
var q8_0TileOn = true

// q8_0TileKernel is MatMulRows' Q8_0 tile kernel (tileKernel): at the
// avx512vnni level (on AMX when amxOn, in block order), else nil.
func q8_0TileKernel() tileFunc {
	if simdLevel != levelAVX512VNNI || !q8_0TileOn {
		return nil
	}
	if amxOn {
		return tileQ8_0AMX
	}
	return tileQ8_0VNNI
}

// q8_0TileScratch is one thread's scratch, kept in q8_0TilePool.
type q8_0TileScratch struct {
	buf  []byte                 // the packed group, 64-byte aligned from off
	off  int                    // where the aligned group starts in buf
	pre  []byte                 // the fast rows' prepared blocks, nb*q8_0TilePre per row
	fast []int                  // the activation rows without -128, in order
	slow []int                  // the others
	junk [q8_0TileGroup]float32 // the output of a padding activation row
}

var q8_0TilePool = sync.Pool{New: func() any { return new(q8_0TileScratch) }}

// grow sizes s for nb blocks and nAct activation rows.
func (s *q8_0TileScratch) grow(nb, nAct int) {
	if n := nb*q8_0TileBlock + 64; len(s.buf) < n {
		s.buf = make([]byte, n)
		s.off = int((64 - uintptr(unsafe.Pointer(&s.buf[0]))%64) % 64)
	}
	if n := nAct * nb * q8_0TilePre; len(s.pre) < n {
		s.pre = make([]byte, n)
	}
	if cap(s.fast) < nAct {
		s.fast = make([]int, 0, nAct)
		s.slow = make([]int, 0, nAct)
	}
}

// tileQ8_0VNNI computes out[j][r] = dotQ8_0Q8_0(weight row r, activation
// row j) for rows [r0, r1) of w (row stride rs) over nb blocks and the
// nAct activation rows of acts (stride as).
func tileQ8_0VNNI(w []byte, rs, r0, r1, nb int, acts []byte, as, nAct int, out [][]float32) {
	if r1 <= r0 || nAct <= 0 || nb <= 0 {
		return
	}
	if r0 < 0 || rs < nb*q8_0Size || len(w) < (r1-1)*rs+nb*q8_0Size || as < nb*q8_0Size ||
		len(acts) < (nAct-1)*as+nb*q8_0Size || len(out) < nAct || q8_0TileGroup*rs > math.MaxInt32 {
		panic(fmt.Sprintf("quant: Q8_0 tile of rows [%d, %d) x %d blocks (row stride %d) x %d activation rows (stride %d) got %d weight and %d activation bytes, %d output rows",
			r0, r1, nb, rs, nAct, as, len(w), len(acts), len(out)))
	}
	for j := range nAct {
		if len(out[j]) < r1 {
			panic(fmt.Sprintf("quant: Q8_0 tile output row %d has length %d, need %d", j, len(out[j]), r1))
		}
	}
	s := q8_0TilePool.Get().(*q8_0TileScratch)
	defer q8_0TilePool.Put(s)
	s.grow(nb, nAct)

	pb := nb * q8_0TilePre
	s.fast, s.slow = s.fast[:0], s.slow[:0]
	for j := range nAct {
		if q8_0TilePrep(&acts[j*as], nb, &s.pre[len(s.fast)*pb]) != 0 {
			s.slow = append(s.slow, j)
			continue
		}
		s.fast = append(s.fast, j)
	}

	if nf := len(s.fast); nf > 0 {
		dst := &s.buf[s.off]
		var off [q8_0TileGroup]int32
		for g := r0; g < r1; g += q8_0TileGroup {
			n := min(q8_0TileGroup, r1-g)
			for r := range off {
				off[r] = int32(min(r, n-1) * rs)
			}
			q8_0TilePack(&w[g*rs], &off, nb, dst)
			// The first call prefetches the next group's rows.
			var pf uintptr
			if g2 := g + q8_0TileGroup; g2 < r1 {
				pf = uintptr(unsafe.Pointer(&w[g2*rs]))
			}
			mask := 1<<n - 1
			for f := 0; f < nf; f += 2 {
				j0, j1 := s.fast[f], s.fast[min(f+1, nf-1)]
				o1 := &s.junk[0]
				if f+1 < nf {
					o1 = &out[j1][g]
				}
				q8_0TileVNNI(dst, nb, &acts[j0*as], &acts[j1*as], &s.pre[f*pb], &s.pre[min(f+1, nf-1)*pb],
					&out[j0][g], o1, mask, pf)
				pf = 0
			}
		}
	}

	// Activation rows holding a -128: the sign products of the k8 and k4
	// kernels, as matMulTiles runs them (k8 for runs of eight adjacent
	// rows), over tiles of gemmTileRows rows.
	if len(s.slow) == nAct {
		matMulTiles(q8_0Dot4AVX2, q8_0Dot8AVX512, nb, w, rs, r0, r1, acts, as, nAct, out)
		return
	}
	var res [4]float32
	var res8 [8]float32
	for t0 := r0; t0 < r1; t0 += gemmTileRows {
		t1 := min(t0+gemmTileRows, r1)
		for k := 0; k < len(s.slow); {
			if j := s.slow[k]; k+8 <= len(s.slow) && s.slow[k+7] == j+7 {
				for r := t0; r < t1; r++ {
					q8_0Dot8AVX512(&w[r*rs], &acts[j*as], as, nb, &res8)
					for i := range res8 {
						out[j+i][r] = res8[i]
					}
				}
				k += 8
				continue
			}
			n := min(4, len(s.slow)-k)
			var a [4]*byte
			for i := range a {
				a[i] = &acts[s.slow[k+min(i, n-1)]*as]
			}
			for r := t0; r < t1; r++ {
				q8_0Dot4AVX2(&w[r*rs], a[0], a[1], a[2], a[3], nb, &res)
				for i := range n {
					out[s.slow[k+i]][r] = res[i]
				}
			}
			k += n
		}
	}
}

// q8_0TilePack packs the 16 weight rows at w+off[r] over nb blocks into
// dst (64-byte aligned, nb*q8_0TileBlock bytes), row 4i+m in lane 4m+i.
//
//go:noescape
func q8_0TilePack(w *byte, off *[q8_0TileGroup]int32, nb int, dst *byte)

// q8_0TilePrep writes the q8_0TilePre of each of the nb activation blocks
// at a to pre; slow is nonzero when a block holds a -128.
//
//go:noescape
func q8_0TilePrep(a *byte, nb int, pre *byte) (slow int)

// q8_0TileVNNI computes o0[r] and o1[r] for the packed group at wt (rows
// r = 0..15, those whose bit is set in mask) against the activation rows
// a0 and a1, prepared in p0 and p1, over nb > 0 blocks; when pf is not
// zero it prefetches the 576*nb bytes at pf into L2.
//
//go:noescape
func q8_0TileVNNI(wt *byte, nb int, a0, a1, p0, p1 *byte, o0, o1 *float32, mask int, pf uintptr)
