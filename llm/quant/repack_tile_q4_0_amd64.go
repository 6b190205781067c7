//go:build amd64 && !noasm

package quant

import (
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// The Q4_0 tile kernel of MatMulRowsRepacked (repackedKernels.tile) at the
// avx512vnni level: the same per-pair arithmetic as gemvQ4_0Q8_0 (per
// block the exact isum, then acc = fma(float(isum), d_w*d_a, acc), blocks
// in order), without the horizontal fold of the k4/k8 kernels.
//
// Each group of 16 weight rows is rearranged once into a per-thread
// scratch buffer (q4_0TilePack, 576 bytes per block: "interleaved by four
// bytes", each int32 lane holding one row's nibbles, the rows in the
// order of a 4x4 transpose that the store undoes) and reused against all
// the activation rows, eight at a time (q4_0TileVNNI; four,
// q4_0Tile4VNNI, for a last chunk of at most four): per block and
// activation row, eight VPDPBUSD with the activation's four bytes at
// positions 4k..4k+3 broadcast from memory leave Σ q*y of each row in its
// lane, starting from -8*Σy (q4_0TilePrep, once per tile call and
// activation row), so the lane holds Σ (q-8)*y exactly for y in
// -127..127. Then one VCVTDQ2PS, one VMULPS (d_w*d_a rounded once per
// lane, as the oracle's float32 product) and one VFMADD231PS into the
// 16-lane accumulator; at the end the accumulators are stored straight
// into the output rows (masked to the group's rows).
//
// On Zen 4 the kernel runs at about one 512-bit VPDPBUSD per cycle (its
// bound: 64 of them plus 16 multiplies and FMAs per block for 16 rows x 8
// activation rows); packing takes about 15% of the time at 32 activation
// rows.
//
// An activation row holding a -128 (the quantizer never makes one) takes
// the k4 kernel with the sign products (see repack_q4_0_amd64.go). A last
// group of fewer than 16 rows repeats its last row in the extra lanes,
// which are not stored; a last chunk of fewer than eight activation rows
// repeats its last row likewise.

const (
	// q4_0TileGroup is how many weight rows a packed group holds.
	q4_0TileGroup = 16
	// q4_0TileBlock is the bytes per block of a packed group: eight
	// 64-byte nibble vectors and 16 float32 d_w.
	q4_0TileBlock = 8*64 + q4_0TileGroup*4
	// q4_0TileRows is the rows per tile call. Only one group is packed at
	// a time (4096 columns: 72 KiB, 14336: 252 KiB, in L2), so the tile
	// size only amortizes the activation preparation.
	q4_0TileRows = 512
)

// q4_0TileOn selects the tile kernel at the avx512vnni level (benchmarks
// and tests clear it to compare with k4/k8).
var q4_0TileOn = true

// The avx512vnni kernels with the tile kernel added.
var (
	repackQ4_0VNNITile       = q4_0WithTile(repackQ4_0VNNI)
	repackQ4_0VNNINoGFNITile = q4_0WithTile(repackQ4_0VNNINoGFNI)
)

func q4_0WithTile(k *repackedKernels) *repackedKernels {
	t := *k
	t.tile = tileQ4_0VNNI
	t.tileRows = q4_0TileRows
	return &t
}

// q4_0TileScratch is one thread's scratch, kept in q4_0TilePool.
type q4_0TileScratch struct {
	buf  []byte                 // the packed group, 64-byte aligned from off
	off  int                    // where the aligned group starts in buf
	pre  []q4_0Pre              // per chunk of eight fast rows, [block][row]
	ptrs [][8]*byte             // per chunk, the activation rows
	fast []int                  // the activation rows without -128, in order
	slow []int                  // the others
	junk [q4_0TileGroup]float32 // the output of padding rows
}

var q4_0TilePool = sync.Pool{New: func() any { return new(q4_0TileScratch) }}

// grow sizes s for nb blocks and nAct activation rows.
func (s *q4_0TileScratch) grow(nb, nAct int) {
	if n := nb*q4_0TileBlock + 64; len(s.buf) < n {
		s.buf = make([]byte, n)
		s.off = int((64 - uintptr(unsafe.Pointer(&s.buf[0]))%64) % 64)
	}
	chunks := (nAct + 7) / 8
	if n := chunks * nb * 8; len(s.pre) < n {
		s.pre = make([]q4_0Pre, n)
	}
	if len(s.ptrs) < chunks {
		s.ptrs = make([][8]*byte, chunks)
	}
	if cap(s.fast) < nAct {
		s.fast = make([]int, 0, nAct)
		s.slow = make([]int, 0, nAct)
	}
}

// tileQ4_0VNNI is repackedKernels.tile for Q4_0 (see repack.go).
func tileQ4_0VNNI(w []byte, rs, r0, r1, nb int, acts []byte, as, nAct int, out [][]float32) {
	if r1 <= r0 || nAct <= 0 || nb <= 0 {
		return
	}
	if r0 < 0 || rs < nb*q4_0Size || len(w) < (r1-1)*rs+nb*q4_0Size || as < nb*q8_0Size ||
		len(acts) < (nAct-1)*as+nb*q8_0Size || len(out) < nAct || q4_0TileGroup*rs > math.MaxInt32 {
		panic(fmt.Sprintf("quant: Q4_0 tile of rows [%d, %d) x %d blocks (row stride %d) x %d activation rows (stride %d) got %d weight and %d activation bytes, %d output rows",
			r0, r1, nb, rs, nAct, as, len(w), len(acts), len(out)))
	}
	s := q4_0TilePool.Get().(*q4_0TileScratch)
	defer q4_0TilePool.Put(s)
	s.grow(nb, nAct)

	// Prepare the activation rows: the fast ones into chunks of eight.
	chunkPre := nb * 8
	s.fast, s.slow = s.fast[:0], s.slow[:0]
	for j := range nAct {
		nf := len(s.fast)
		a := &acts[j*as]
		if q4_0TilePrep(a, nb, &s.pre[nf/8*chunkPre+nf%8], 64) != 0 {
			s.slow = append(s.slow, j)
			continue
		}
		s.ptrs[nf/8][nf%8] = a
		s.fast = append(s.fast, j)
	}
	nf := len(s.fast)
	if nf%8 != 0 {
		last := nf - 1
		c := s.pre[last/8*chunkPre:]
		for i := nf; i%8 != 0; i++ {
			for b := 0; b < chunkPre; b += 8 {
				c[b+i%8] = c[b+last%8]
			}
			s.ptrs[i/8][i%8] = s.ptrs[last/8][last%8]
		}
	}

	if nf > 0 {
		dst := &s.buf[s.off]
		var off [q4_0TileGroup]int32
		var o [8]*float32
		for g := r0; g < r1; g += q4_0TileGroup {
			n := min(q4_0TileGroup, r1-g)
			for r := range off {
				off[r] = int32(min(r, n-1) * rs)
			}
			q4_0TilePack(&w[g*rs], &off, nb, dst)
			// The kernels prefetch the next group's rows (or this one's
			// again at the end of w).
			pf := uintptr(unsafe.Pointer(&w[g*rs]))
			if (g+2*q4_0TileGroup)*rs <= len(w) {
				pf += uintptr(q4_0TileGroup * rs)
			}
			for c := 0; c*8 < nf; c++ {
				for i := range o {
					o[i] = &s.junk[0]
					if f := c*8 + i; f < nf {
						o[i] = &out[s.fast[f]][g : g+n][0]
					}
				}
				if nf-c*8 <= 4 {
					q4_0Tile4VNNI(dst, nb, (*[4]*byte)(s.ptrs[c][:4]), &s.pre[c*chunkPre], (*[4]*float32)(o[:4]), 1<<n-1, pf)
					continue
				}
				q4_0TileVNNI(dst, nb, &s.ptrs[c], &s.pre[c*chunkPre], &o, 1<<n-1, pf)
			}
		}
	}

	// Activation rows holding a -128: the sign products of k4.
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
	clear(s.ptrs)
}

// q4_0TilePack packs the 16 weight rows at w+off[r] over nb blocks into
// dst (64-byte aligned, nb*q4_0TileBlock bytes), row 4i+m in lane 4m+i.
//
//go:noescape
func q4_0TilePack(w *byte, off *[q4_0TileGroup]int32, nb int, dst *byte)

// q4_0TilePrep writes d_a and -8*Σy of the nb activation blocks at a to
// pre, stride bytes apart; slow is nonzero when a block holds a -128.
//
//go:noescape
func q4_0TilePrep(a *byte, nb int, pre *q4_0Pre, stride int) (slow int)

// q4_0TileVNNI computes out[i][r] for the packed group at wt (rows
// r = 0..15, those whose bit is set in mask) against the eight activation
// rows a[i], prepared in pre ([block][i]), over nb > 0 blocks; it
// prefetches the 320*nb bytes at pf into L2 (for the next group).
//
//go:noescape
func q4_0TileVNNI(wt *byte, nb int, a *[8]*byte, pre *q4_0Pre, out *[8]*float32, mask int, pf uintptr)

// q4_0Tile4VNNI is q4_0TileVNNI for four activation rows (pre keeps its
// layout of eight per block).
//
//go:noescape
func q4_0Tile4VNNI(wt *byte, nb int, a *[4]*byte, pre *q4_0Pre, out *[4]*float32, mask int, pf uintptr)
