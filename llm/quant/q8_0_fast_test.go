package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// Tests of the multi-row Q8_0 kernels (q8_0_fast_amd64.go): the
// eight-activation-row kernel of MatMulRows and the four-weight-row one of
// MatVec, bit for bit against the portable dotQ8_0Q8_0 at every SIMD level.

// q8_0FastLengths are the row lengths tested: one block up to Mistral's
// FFN width, block counts around the eight-row kernel's 7-block lookahead
// (1-6 blocks run only its tail, 7 exactly fill it, 8 and 9 reach its main
// loop) and odd ones.
var q8_0FastLengths = []int{32, 64, 96, 192, 224, 256, 288, 480, 4096, 4128, 14336}

// q8_0Edge rewrites a Q8_0 row's blocks: quants from bytes, scales from
// halves (both cycled), so that extreme quants (-128 against -128, 127)
// and special scales (zero, subnormal, the largest half, infinities, NaN)
// meet in every combination.
func q8_0Edge(rng *rand.Rand, row []byte, quants []byte, halves []uint16) {
	for b := 0; b < len(row)/q8_0Size; b++ {
		blk := row[b*q8_0Size : (b+1)*q8_0Size]
		putLE16(blk, halves[rng.IntN(len(halves))])
		for i := 2; i < q8_0Size; i++ {
			blk[i] = quants[rng.IntN(len(quants))]
		}
	}
}

var (
	q8_0EdgeQuants = []byte{0x80, 0x81, 0xff, 0x00, 0x01, 0x7f}
	q8_0EdgeHalves = []uint16{FP32ToFP16(1), FP32ToFP16(-0.5), 0x7bff, 0xfbff, 0, 0x8000, 0x0001, 0x7c00, 0xfc00, 0x7e00}
)

// requireQ8_0Same compares a kernel result with the portable dot bit for
// bit (any NaN matches any NaN, as in requireSameDot).
func requireQ8_0Same(t *testing.T, want, got float32, msg string, args ...any) {
	t.Helper()
	if want != want {
		require.True(t, got != got, "%s: portable NaN, kernel %v", fmt.Sprintf(msg, args...), got)
		return
	}
	require.Equal(t, math.Float32bits(want), math.Float32bits(got), "%s: portable %v, kernel %v", fmt.Sprintf(msg, args...), want, got)
}

// The eight-row kernel called directly: random and edge rows, activation
// rows at a stride larger than a row (as MatMulRows never passes, but the
// contract allows), every length.
func TestQ8_0FastGemm8(t *testing.T) {
	for _, level := range simdLevelsAvailable() {
		restore := setSIMDLevel(level)
		var k8 gemm8
		if gemmKernel != nil {
			_, k8, _ = gemmKernel(ggml.Q8_0)
		}
		restore()
		if level == "avx512vnni" { // levelAVX512VNNI, not defined in noasm builds
			require.NotNil(t, k8, "the avx512vnni level has the eight-row Q8_0 kernel")
		}
		if k8 == nil {
			continue
		}
		for _, n := range q8_0FastLengths {
			for _, edge := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/n=%d/edge=%v", level, n, edge), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(n), 8))
					rs := ggml.Q8_0.RowSize(n)
					stride := rs + 34*rng.IntN(3) + rng.IntN(5)
					w, _ := simdRow(rng, ggml.Q8_0, n)
					acts := make([]byte, 7*stride+rs)
					for j := 0; j < 8; j++ {
						_, a := simdRow(rng, ggml.Q8_0, n)
						copy(acts[j*stride:], a)
					}
					if edge {
						q8_0Edge(rng, w, q8_0EdgeQuants, q8_0EdgeHalves)
						for j := 0; j < 8; j++ {
							q8_0Edge(rng, acts[j*stride:j*stride+rs], q8_0EdgeQuants, q8_0EdgeHalves)
						}
					}
					var out [8]float32
					k8(&w[0], &acts[0], stride, n/32, &out)
					for j := 0; j < 8; j++ {
						want := dotQ8_0Q8_0(w, acts[j*stride:j*stride+rs], n)
						requireQ8_0Same(t, want, out[j], "row %d", j)
					}
				})
			}
		}
	}
}

// MatMulRows on Q8_0 with activation counts that use the eight-row kernel
// zero to four times with every remainder, long rows, and edge values.
func TestMatMulRowsQ8_0Fast(t *testing.T) {
	for _, cols := range []int{32, 224, 288, 4128} {
		for _, nAct := range []int{7, 8, 9, 12, 15, 16, 17, 24, 27, 32, 33} {
			if cols > 300 && nAct%8 != 0 && nAct != 33 {
				continue
			}
			t.Run(fmt.Sprintf("cols=%d/nAct=%d", cols, nAct), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(cols), uint64(nAct)))
				rows := 5
				w, acts := gemmRandom(rng, ggml.Q8_0, rows, cols, nAct)
				requireGemm(t, ggml.Q8_0, w, cols, 0, rows, acts, nAct, "random")
				q8_0Edge(rng, w, q8_0EdgeQuants, q8_0EdgeHalves)
				q8_0Edge(rng, acts, q8_0EdgeQuants, q8_0EdgeHalves)
				requireGemm(t, ggml.Q8_0, w, cols, 1, rows, acts, nAct, "edge")
			})
		}
	}
	t.Run("quantized", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		w, acts := gemmQuantized(t, rng, ggml.Q8_0, 3, 14336, 16)
		requireGemm(t, ggml.Q8_0, w, 14336, 0, 3, acts, 16, "quantized")
	})
}

// MatVec on Q8_0 at every level against the portable dot per row: row
// counts with every remainder of the four-row kernel, every length, random,
// quantized and edge values.
func TestMatVecQ8_0Fast(t *testing.T) {
	for _, cols := range q8_0FastLengths {
		for _, rows := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 13} {
			if cols > 300 && rows != 1 && rows != 9 {
				continue
			}
			for _, kind := range []string{"random", "edge", "quantized"} {
				t.Run(fmt.Sprintf("cols=%d/rows=%d/%s", cols, rows, kind), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(cols), uint64(rows)))
					var w, a []byte
					switch kind {
					case "quantized":
						w, a = gemmQuantized(t, rng, ggml.Q8_0, rows, cols, 1)
					default:
						w, a = gemmRandom(rng, ggml.Q8_0, rows, cols, 1)
						if kind == "edge" {
							q8_0Edge(rng, w, q8_0EdgeQuants, q8_0EdgeHalves)
							q8_0Edge(rng, a, q8_0EdgeQuants, q8_0EdgeHalves)
						}
					}
					requireMatVecQ8_0(t, w, rows, cols, a)
				})
			}
		}
	}
}

// requireMatVecQ8_0 runs MatVec at every level and compares each output
// with the portable dot, and checks that nothing past out is written.
func requireMatVecQ8_0(t *testing.T, w []byte, rows, cols int, a []byte) {
	t.Helper()
	rs := ggml.Q8_0.RowSize(cols)
	for _, level := range simdLevelsAvailable() {
		restore := setSIMDLevel(level)
		buf := make([]float32, rows+1)
		buf[rows] = gemmSentinel
		MatVec(ggml.Q8_0, w, rows, cols, a, buf[:rows])
		restore()
		require.Equal(t, math.Float32bits(gemmSentinel), math.Float32bits(buf[rows]), "%s: written past the output", level)
		for r := 0; r < rows; r++ {
			want := dotQ8_0Q8_0(w[r*rs:(r+1)*rs], a, cols)
			requireQ8_0Same(t, want, buf[r], "%s row %d of %d, %d columns", level, r, rows, cols)
		}
	}
}

// Degenerate and bad shapes: no rows, no columns, short slices.
func TestMatVecQ8_0FastShapes(t *testing.T) {
	for _, level := range simdLevelsAvailable() {
		restore := setSIMDLevel(level)
		MatVec(ggml.Q8_0, nil, 0, 64, make([]byte, 68), nil)
		out := []float32{1, 2, 3, 4, 5}
		MatVec(ggml.Q8_0, nil, 5, 0, nil, out)
		require.Equal(t, []float32{0, 0, 0, 0, 0}, out, "%s: zero columns give zeros", level)
		w, a := make([]byte, 5*68), make([]byte, 68)
		require.Panics(t, func() { MatVec(ggml.Q8_0, w[:5*68-1], 5, 64, a, make([]float32, 5)) }, level)
		require.Panics(t, func() { MatVec(ggml.Q8_0, w, 5, 64, a[:67], make([]float32, 5)) }, level)
		require.Panics(t, func() { MatVec(ggml.Q8_0, w, 5, 64, a, make([]float32, 4)) }, level)
		if matVecRows[ggml.Q8_0] != nil {
			require.Panics(t, func() { matVecRows[ggml.Q8_0](w[:4*68+67], 68, a, 2, make([]float32, 5)) }, "%s: short weights", level)
			require.Panics(t, func() { matVecRows[ggml.Q8_0](w, 68, a[:67], 2, make([]float32, 5)) }, "%s: short activations", level)
			require.Panics(t, func() { matVecRows[ggml.Q8_0](w, 67, a, 2, make([]float32, 5)) }, "%s: stride below a row", level)
		}
		restore()
	}
}

// BenchmarkQ8_0MatVec times MatVec on a Q8_0 14336x4096 matrix (Mistral's
// ffn_gate/ffn_up, 62 MB: far larger than the caches) against one
// activation row, one thread, at each SIMD level ("matvec"), and the
// per-row loop over the single-row kernel ("rows", what MatVec did before
// the four-row kernels). MB/s is the weight streaming rate. The "l2"
// variants run a 64x4096 matrix (278 KB) that stays in L2.
func BenchmarkQ8_0MatVec(b *testing.B) {
	const cols = 4096
	typ := ggml.Q8_0
	for _, rows := range []int{14336, 64} {
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
				dot := fastDot(typ)
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
