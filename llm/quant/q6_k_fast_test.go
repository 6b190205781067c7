package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// Tests of the four-weight-row Q6_K kernel of MatVec (q6_k_fast_amd64.go),
// bit for bit against the portable dotQ6KQ8K at every SIMD level.

// q6KFastLengths are the row lengths tested: one super-block up to
// Mistral's FFN width.
var q6KFastLengths = []int{256, 512, 768, 1280, 4096, 14336}

// q6KEdge rewrites a Q6_K weight row and a Q8_K activation row: quant and
// high-bit bytes, int8 scales, halves d, activation quants, bsums and
// float d_a drawn from sets of extremes, so that the largest products
// (q 63 against -128, scale -128), zero and special scales (subnormal,
// largest half, infinities, NaN) meet.
func q6KEdge(rng *rand.Rand, w, a []byte) {
	pick := func(s []byte) byte { return s[rng.IntN(len(s))] }
	// The last three d of each list are infinities and NaN: in a row of
	// nb > 1 blocks they can be drawn for a block with probability
	// 1/(2*nb), so that long rows are not all NaN.
	nb := len(w) / q6KSize
	special := func(nb int) int {
		if nb == 1 || rng.IntN(2*nb) == 0 {
			return 0
		}
		return 3
	}
	for b := 0; b < len(w)/q6KSize; b++ {
		blk := w[b*q6KSize : (b+1)*q6KSize]
		for i := 0; i < 192; i++ {
			blk[i] = pick(q6KEdgeQuants)
		}
		for i := 192; i < 208; i++ {
			blk[i] = pick(q6KEdgeScales)
		}
		putLE16(blk[208:], q6KEdgeHalves[rng.IntN(len(q6KEdgeHalves)-special(nb))])
	}
	for b := 0; b < len(a)/q8KSize; b++ {
		blk := a[b*q8KSize : (b+1)*q8KSize]
		binary.LittleEndian.PutUint32(blk, math.Float32bits(q6KEdgeActD[rng.IntN(len(q6KEdgeActD)-special(nb))]))
		for i := 4; i < 4+256; i++ {
			blk[i] = pick(q6KEdgeActs)
		}
		for k := 0; k < 16; k++ {
			putLE16(blk[4+256+2*k:], q6KEdgeBsums[rng.IntN(len(q6KEdgeBsums))])
		}
	}
}

var (
	q6KEdgeQuants = []byte{0x00, 0xff, 0x0f, 0xf0, 0x55, 0xaa}
	q6KEdgeScales = []byte{0x80, 0x81, 0xff, 0x00, 0x01, 0x7f}
	q6KEdgeHalves = []uint16{FP32ToFP16(1), FP32ToFP16(-0.5), 0x7bff, 0xfbff, 0, 0x8000, 0x0001, 0x7c00, 0xfc00, 0x7e00}
	q6KEdgeActs   = []byte{0x80, 0x81, 0xff, 0x00, 0x01, 0x7f}
	q6KEdgeBsums  = []uint16{0x8000, 0x7fff, 0, 0xffff, 0x1000}
	q6KEdgeActD   = []float32{1, -0.25, 0, float32(math.Copysign(0, -1)), 1e-40, 3e38, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
)

// MatVec on Q6_K at every level against the portable dot per row: row
// counts with every remainder of the four-row kernel, every length,
// random, quantized and edge values.
func TestMatVecQ6KFast(t *testing.T) {
	for _, cols := range q6KFastLengths {
		for _, rows := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 13} {
			if cols > 1280 && rows != 1 && rows != 4 && rows != 9 && rows != 13 {
				continue
			}
			for _, kind := range []string{"random", "edge", "quantized"} {
				t.Run(fmt.Sprintf("cols=%d/rows=%d/%s", cols, rows, kind), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(cols), uint64(rows)))
					var w, a []byte
					switch kind {
					case "quantized":
						w, a = gemmQuantized(t, rng, ggml.Q6_K, rows, cols, 1)
					default:
						w, a = gemmRandom(rng, ggml.Q6_K, rows, cols, 1)
						if kind == "edge" {
							q6KEdge(rng, w, a)
						}
					}
					requireMatVecQ6K(t, w, rows, cols, a)
				})
			}
		}
	}
}

// requireMatVecQ6K runs MatVec at every level and compares each output
// with the portable dot, and checks that nothing past out is written.
func requireMatVecQ6K(t *testing.T, w []byte, rows, cols int, a []byte) {
	t.Helper()
	rs := ggml.Q6_K.RowSize(cols)
	for _, level := range simdLevelsAvailable() {
		restore := setSIMDLevel(level)
		buf := make([]float32, rows+1)
		buf[rows] = gemmSentinel
		MatVec(ggml.Q6_K, w, rows, cols, a, buf[:rows])
		restore()
		require.Equal(t, math.Float32bits(gemmSentinel), math.Float32bits(buf[rows]), "%s: written past the output", level)
		for r := 0; r < rows; r++ {
			want := dotQ6KQ8K(w[r*rs:(r+1)*rs], a, cols)
			requireSameDot(t, level, ggml.Q6_K, want, buf[r], fmt.Sprintf("MatVec row %d of %d, %d columns", r, rows, cols))
		}
	}
}

// The hook called directly with a row stride larger than a row (MatVec
// never passes one, but the contract allows it): the bytes between rows
// must not be read into the sums.
func TestMatVecQ6KFastStride(t *testing.T) {
	if matVecRows[ggml.Q6_K] == nil {
		t.Skip("no multi-row Q6_K kernel in this build")
	}
	for _, cols := range []int{256, 1280, 4096} {
		for _, rows := range []int{4, 7, 13} {
			rng := rand.New(rand.NewPCG(uint64(cols), 77))
			n := ggml.Q6_K.RowSize(cols)
			rs := n + q6KSize*rng.IntN(3) + 1 + rng.IntN(9)
			w := make([]byte, (rows-1)*rs+n)
			for i := range w {
				w[i] = 0xff // garbage between the rows
			}
			for r := 0; r < rows; r++ {
				wr, _ := simdRow(rng, ggml.Q6_K, cols)
				copy(w[r*rs:], wr)
			}
			_, a := simdRow(rng, ggml.Q6_K, cols)
			for _, level := range simdLevelsAvailable() {
				restore := setSIMDLevel(level)
				out := make([]float32, rows+1)
				out[rows] = gemmSentinel
				matVecRows[ggml.Q6_K](w, rs, a, cols/256, out[:rows])
				restore()
				require.Equal(t, math.Float32bits(gemmSentinel), math.Float32bits(out[rows]), "%s: written past the output", level)
				for r := 0; r < rows; r++ {
					want := dotQ6KQ8K(w[r*rs:r*rs+n], a, cols)
					requireSameDot(t, level, ggml.Q6_K, want, out[r], fmt.Sprintf("stride %d row %d of %d, %d columns", rs, r, rows, cols))
				}
			}
		}
	}
}

// Degenerate and bad shapes: no rows, no columns, short slices.
func TestMatVecQ6KFastShapes(t *testing.T) {
	rs, as := ggml.Q6_K.RowSize(512), ggml.Q8_K.RowSize(512)
	for _, level := range simdLevelsAvailable() {
		restore := setSIMDLevel(level)
		MatVec(ggml.Q6_K, nil, 0, 512, make([]byte, as), nil)
		out := []float32{1, 2, 3, 4, 5}
		MatVec(ggml.Q6_K, nil, 5, 0, nil, out)
		require.Equal(t, []float32{0, 0, 0, 0, 0}, out, "%s: zero columns give zeros", level)
		w, a := make([]byte, 5*rs), make([]byte, as)
		require.Panics(t, func() { MatVec(ggml.Q6_K, w[:5*rs-1], 5, 512, a, make([]float32, 5)) }, level)
		require.Panics(t, func() { MatVec(ggml.Q6_K, w, 5, 512, a[:as-1], make([]float32, 5)) }, level)
		require.Panics(t, func() { MatVec(ggml.Q6_K, w, 5, 512, a, make([]float32, 4)) }, level)
		if matVecRows[ggml.Q6_K] != nil {
			require.Panics(t, func() { matVecRows[ggml.Q6_K](w[:5*rs-1], rs, a, 2, make([]float32, 5)) }, "%s: short weights", level)
			require.Panics(t, func() { matVecRows[ggml.Q6_K](w, rs, a[:as-1], 2, make([]float32, 5)) }, "%s: short activations", level)
			require.Panics(t, func() { matVecRows[ggml.Q6_K](w, rs-1, a, 2, make([]float32, 5)) }, "%s: stride below a row", level)
		}
		restore()
	}
}

// BenchmarkQ6KMatVec times MatVec on Q6_K matrices against one activation
// row, one thread, at each SIMD level ("matvec"), and the per-row loop over
// the single-row AVX2 kernel ("rows", what MatVec did before the four-row
// kernels). Shapes: 14336x4096 (49 MB) and Mistral's output 32000x4096
// (110 MB), far larger than the caches, Mistral's ffn_down (4096 rows of
// 14336, 48 MB, whose 16 KB activation row the row-by-row loop reads
// again per row) and 64x4096 (215 KB, in L2: the kernels' compute rate).
// MB/s is the weight streaming rate.
func BenchmarkQ6KMatVec(b *testing.B) {
	typ := ggml.Q6_K
	for _, sh := range []struct{ rows, cols int }{{14336, 4096}, {32000, 4096}, {4096, 14336}, {64, 4096}} {
		rows, cols := sh.rows, sh.cols
		w, a := gemmBenchMatrix(typ, rows, cols, 1)
		rs := typ.RowSize(cols)
		out := make([]float32, rows)
		name := fmt.Sprintf("%dx%d", rows, cols)
		for _, level := range simdLevelsAvailable()[1:] {
			b.Run(name+"/matvec-"+level, func(b *testing.B) {
				restore := setSIMDLevel(level)
				defer restore()
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					MatVec(typ, w, rows, cols, a, out)
				}
			})
			b.Run(name+"/rows-"+level, func(b *testing.B) {
				restore := setSIMDLevel(level)
				defer restore()
				dot := fastDot(typ) // the single-row AVX2 kernel at both levels
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					for r := range out {
						out[r] = dot(w[r*rs:(r+1)*rs], a, cols)
					}
				}
			})
		}
	}
}

// BenchmarkQ6KMatVecThreads times a one-token product as generation runs
// it (llama's matTask): two goroutines take chunks of 512 rows in turn,
// each a MatVec ("matvec") or the per-row loop over the single-row kernel
// ("rows"), at the default SIMD level. Shapes: Mistral's output
// (32000x4096) and ffn_down (4096 rows of 14336).
func BenchmarkQ6KMatVecThreads(b *testing.B) {
	typ := ggml.Q6_K
	const threads, per = 2, 512
	for _, sh := range []struct{ rows, cols int }{{32000, 4096}, {4096, 14336}} {
		w, a := gemmBenchMatrix(typ, sh.rows, sh.cols, 1)
		rs := typ.RowSize(sh.cols)
		out := make([]float32, sh.rows)
		dot := fastDot(typ)
		chunks := (sh.rows + per - 1) / per
		for _, mode := range []string{"matvec", "rows"} {
			b.Run(fmt.Sprintf("%dx%d/%s", sh.rows, sh.cols, mode), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					var next atomic.Int64
					var wg sync.WaitGroup
					for range threads {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
								r0, r1 := c*per, min((c+1)*per, sh.rows)
								if mode == "matvec" {
									MatVec(typ, w[r0*rs:r1*rs], r1-r0, sh.cols, a, out[r0:r1])
									continue
								}
								for r := r0; r < r1; r++ {
									out[r] = dot(w[r*rs:(r+1)*rs], a, sh.cols)
								}
							}
						}()
					}
					wg.Wait()
				}
			})
		}
	}
}
