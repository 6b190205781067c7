package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

// rmseBound is the largest RMSE, relative to the data's RMS, each weight
// format may show on Gaussian rows (measured values are in the report and
// in -v output; bounds leave ~20% room).
var rmseBound = map[ggml.Type]float64{
	ggml.F32:  0,
	ggml.F16:  2.5e-4,  // measured 2.07e-4
	ggml.BF16: 2e-3,    // 1.65e-3
	ggml.Q8_0: 6.5e-3,  // 5.35e-3
	ggml.Q6_K: 2.1e-2,  // 1.76e-2
	ggml.Q5_K: 4.3e-2,  // 3.59e-2
	ggml.Q4_K: 8.5e-2,  // 7.09e-2
	ggml.Q4_0: 1.05e-1, // 8.59e-2
}

// TestQuantizeRMSE measures quantize -> dequantize error per format on
// Gaussian rows, and for reference on ggml's test-quantize-fns data
// (0.1 + 2*cos(i + offset)).
func TestQuantizeRMSE(t *testing.T) {
	const n = 256 * 64
	rng := rand.New(rand.NewPCG(11, 12))
	gauss := gaussRow(rng, n, 1)
	cosine := make([]float32, n)
	for i := range cosine {
		cosine[i] = float32(0.1 + 2*math.Cos(float64(i)+0.5))
	}
	for _, typ := range []ggml.Type{ggml.F32, ggml.F16, ggml.BF16, ggml.Q8_0, ggml.Q6_K, ggml.Q5_K, ggml.Q4_K, ggml.Q4_0} {
		t.Run(typ.String(), func(t *testing.T) {
			g := relRMSE(t, typ, gauss)
			c := relRMSE(t, typ, cosine)
			t.Logf("%-5v relative RMSE: gaussian %.3e, cosine %.3e (%.4f bits/weight)", typ, g, c, 8*float64(typ.TypeSize())/float64(typ.BlockSize()))
			require.LessOrEqual(t, g, rmseBound[typ])
		})
	}
}

func relRMSE(t *testing.T, typ ggml.Type, x []float32) float64 {
	q, err := Quantize(typ, x)
	require.NoError(t, err)
	require.Len(t, q, typ.RowSize(len(x)))
	y := dq(t, typ, q)
	var se, ss float64
	for i := range x {
		d := float64(x[i]) - float64(y[i])
		se += d * d
		ss += float64(x[i]) * float64(x[i])
	}
	return math.Sqrt(se / ss)
}

// Quantizing what a format dequantized to gives back the same bytes for the
// formats whose quantizer reproduces an exact grid (floats, Q8_0, Q4_0).
func TestQuantizeIdempotent(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, typ := range []ggml.Type{ggml.F32, ggml.F16, ggml.BF16, ggml.Q8_0, ggml.Q4_0} {
		t.Run(typ.String(), func(t *testing.T) {
			q, err := Quantize(typ, gaussRow(rng, 1024, 0.3))
			require.NoError(t, err)
			q2, err := Quantize(typ, dq(t, typ, q))
			require.NoError(t, err)
			require.Equal(t, q, q2)
		})
	}
}

// Special blocks quantize to the values ggml's definitions give.
func TestQuantizeSpecialBlocks(t *testing.T) {
	for _, typ := range []ggml.Type{ggml.Q4_0, ggml.Q8_0, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K} {
		t.Run(typ.String(), func(t *testing.T) {
			zeros := make([]float32, 256)
			q, err := Quantize(typ, zeros)
			require.NoError(t, err)
			for _, v := range dq(t, typ, q) {
				require.Zero(t, v)
			}
			// A constant block comes back exactly when the constant is a
			// representable grid point: 0.5 = d*q for all these formats.
			c := make([]float32, 256)
			for i := range c {
				c[i] = -0.5
			}
			q, err = Quantize(typ, c)
			require.NoError(t, err)
			for i, v := range dq(t, typ, q) {
				require.InDelta(t, -0.5, v, 2e-3, "element %d", i)
			}
		})
	}
}
