package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// TestVecDotBlocksNearVecDot checks that block order is the same sum as
// VecDot up to float rounding: the integers are the same, only the order
// of the float additions differs. A wrong quant decoding would miss by far
// more.
func TestVecDotBlocksNearVecDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for _, typ := range []ggml.Type{ggml.Q8_0, ggml.Q6_K} {
		for _, cols := range []int{256, 4096, 14336} {
			w, acts := gemmQuantized(t, rng, typ, 8, cols, 4)
			rs, as := typ.RowSize(cols), VecDotType(typ).RowSize(cols)
			for r := range 8 {
				for j := range 4 {
					wr, a := w[r*rs:(r+1)*rs], acts[j*as:(j+1)*as]
					want := float64(VecDot(typ, wr, a, cols))
					got := float64(VecDotBlocks(typ, wr, a, cols))
					// Each of the cols products is about 0.05*2; their
					// float sums round at about 1e-7 of the partial sums.
					require.InDelta(t, want, got, 1e-5*math.Sqrt(float64(cols)), "%v cols %d row %d act %d", typ, cols, r, j)
				}
			}
		}
	}
	// Other types are VecDot's own.
	w, acts := gemmQuantized(t, rng, ggml.Q4_K, 1, 256, 1)
	require.Equal(t, VecDot(ggml.Q4_K, w, acts, 256), VecDotBlocks(ggml.Q4_K, w, acts, 256))
}
