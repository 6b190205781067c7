package quant

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// TestQ4KTile checks MatMulRowsRepacked for Q4_K at every SIMD level (the
// tile kernel at avx512vnni, and the AMX one) against VecDotRepacked bit for bit, with
// activations made by QuantizeActivations (and random bytes, random
// bsums included), 1 to 33 activation rows, and row ranges that leave
// every remainder of the 16-row groups and the tiles.
func TestQ4KTile(t *testing.T) {
	typ := ggml.Q4_K
	rs := func(cols int) int { return typ.RowSize(cols) }
	as := func(cols int) int { return ggml.Q8_K.RowSize(cols) }
	rng := rand.New(rand.NewPCG(4, 11))
	type tc struct{ cols, rows, r0, r1, nAct int }
	var cases []tc
	for _, cols := range []int{256, 512, 768, 4096, 14336} {
		for _, nAct := range []int{1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 31, 32, 33} {
			if cols == 14336 && nAct%4 != 1 {
				continue
			}
			rows := 1 + rng.IntN(150)
			r0 := rng.IntN(rows)
			cases = append(cases, tc{cols, rows, r0, rows - rng.IntN(rows-r0), nAct})
		}
	}
	cases = append(cases, tc{256, 200, 0, 200, 17}, tc{512, 16, 0, 16, 4}, tc{256, 64, 3, 64, 6}, tc{256, 129, 0, 129, 32})
	for i, c := range cases {
		w, actsRand := repackMatrix(rng, typ, c.rows, c.nAct, c.cols)
		actsQ := make([]byte, c.nAct*as(c.cols))
		x := make([]float32, c.cols)
		for j := 0; j < c.nAct; j++ {
			for k := range x {
				x[k] = float32(rng.NormFloat64())
				if k%97 == 0 {
					x[k] *= 30
				}
			}
			QuantizeActivations(ggml.Q8_K, x, actsQ[j*as(c.cols):(j+1)*as(c.cols)])
		}
		for _, acts := range [][]byte{actsQ, actsRand} {
			want := make([][]float32, c.nAct)
			for j := range want {
				want[j] = make([]float32, c.rows)
				for r := c.r0; r < c.r1; r++ {
					want[j][r] = VecDotRepacked(typ, w[r*rs(c.cols):(r+1)*rs(c.cols)], acts[j*as(c.cols):(j+1)*as(c.cols)], c.cols)
				}
			}
			for _, level := range tileVariants() {
				restore := level.set()
				out := make([][]float32, c.nAct)
				for j := range out {
					out[j] = make([]float32, c.rows)
					for r := range out[j] {
						out[j][r] = -7 // rows outside [r0, r1) stay untouched
					}
				}
				MatMulRowsRepacked(typ, w, c.cols, c.r0, c.r1, acts, c.nAct, out)
				restore()
				for j := range out {
					for r := range out[j] {
						if r < c.r0 || r >= c.r1 {
							require.Equal(t, float32(-7), out[j][r], "case %d %+v %s: row %d outside the range written", i, c, level, r)
							continue
						}
						requireSameDot(t, level.String(), typ, want[j][r], out[j][r], "MatMulRowsRepacked tile")
					}
				}
			}
		}
	}
}

// TestQ4KTileAllocs checks that the tile kernel allocates nothing per call
// in steady state (scratch from the pool).
func TestQ4KTileAllocs(t *testing.T) {
	if k := repackedKernel(ggml.Q4_K); k == nil || k.tile == nil {
		t.Skip("no Q4_K tile kernel at this level")
	}
	w, acts := gemmBenchMatrix(ggml.Q4_K, 64, 4096, 32)
	out := make([][]float32, 32)
	for j := range out {
		out[j] = make([]float32, 64)
	}
	MatMulRowsRepacked(ggml.Q4_K, w, 4096, 0, 64, acts, 32, out)
	n := testing.AllocsPerRun(20, func() { MatMulRowsRepacked(ggml.Q4_K, w, 4096, 0, 64, acts, 32, out) })
	require.Zero(t, n)
}
