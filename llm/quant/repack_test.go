package quant

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// repackTypes are the types with llama.cpp's repacked float order.
var repackTypes = []ggml.Type{ggml.Q4_0, ggml.Q4_K}

// repackMatrix makes rows random weight rows and nAct activation rows.
func repackMatrix(rng *rand.Rand, typ ggml.Type, rows, nAct, cols int) (w, acts []byte) {
	for range rows {
		wr, _ := simdRow(rng, typ, cols)
		w = append(w, wr...)
	}
	for range nAct {
		_, ar := simdRow(rng, typ, cols)
		acts = append(acts, ar...)
	}
	return w, acts
}

// TestRepackedKernels checks MatVecRepacked and MatMulRowsRepacked at every
// SIMD level of this CPU against the portable VecDotRepacked, bit for bit,
// over row counts that leave every kind of remainder.
func TestRepackedKernels(t *testing.T) {
	for _, level := range simdLevelsAvailable() {
		for _, typ := range repackTypes {
			t.Run(level+"/"+typ.String(), func(t *testing.T) {
				restore := setSIMDLevel(level)
				defer restore()
				if level != levelNone {
					k := repackedKernel(typ)
					require.NotNil(t, k, "no repacked kernels for %v at %s", typ, level)
					require.NotNil(t, k.gemv)
					require.NotNil(t, k.k4)
				}
				rng := rand.New(rand.NewPCG(uint64(typ), 3))
				at := VecDotType(typ)
				for _, cols := range simdLengths(typ) {
					for _, rows := range []int{1, 3, 4, 7, 8, 9, 16, 37} {
						nAct := 1 + rng.IntN(13)
						w, acts := repackMatrix(rng, typ, rows, nAct, cols)
						rs, as := typ.RowSize(cols), at.RowSize(cols)
						got := make([]float32, rows)
						MatVecRepacked(typ, w, rows, cols, acts[:as], got)
						for r := range rows {
							want := VecDotRepacked(typ, w[r*rs:(r+1)*rs], acts[:as], cols)
							requireSameDot(t, level, typ, want, got[r], "MatVecRepacked")
						}
						out := make([][]float32, nAct)
						for j := range out {
							out[j] = make([]float32, rows)
						}
						r0 := rng.IntN(rows)
						MatMulRowsRepacked(typ, w, cols, r0, rows, acts, nAct, out)
						for j := range nAct {
							for r := r0; r < rows; r++ {
								want := VecDotRepacked(typ, w[r*rs:(r+1)*rs], acts[j*as:(j+1)*as], cols)
								requireSameDot(t, level, typ, want, out[j][r], "MatMulRowsRepacked")
							}
						}
					}
				}
			})
		}
	}
}
