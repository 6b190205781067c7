package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExpf checks ggml's vector exponential: within 2.5 ulps of e^x where
// the result is normal, the documented flush to 0 and +Inf at the ends,
// and NaN through.
func TestExpf(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for range 200000 {
		x := float32(rng.Float64()*190 - 102)
		got := Expf(x)
		want := math.Exp(float64(x))
		if want < 0x1p-126 {
			continue
		}
		ulp := float64(math.Nextafter32(float32(want), float32(math.Inf(1)))) - float64(float32(want))
		require.LessOrEqual(t, math.Abs(float64(got)-want), 2.5*ulp, "Expf(%v) = %v, e^x = %v", x, got, want)
	}
	require.Equal(t, float32(1), Expf(0))
	require.Equal(t, float32(0), Expf(float32(math.Inf(-1))))
	require.Equal(t, float32(0), Expf(-200))
	require.True(t, math.IsInf(float64(Expf(200)), 1))
	require.True(t, math.IsInf(float64(Expf(float32(math.Inf(1)))), 1))
	require.True(t, Expf(float32(math.NaN())) != Expf(float32(math.NaN())))
}

// TestSwiGLU checks the vector part against SiLU and the tail against libm.
func TestSwiGLU(t *testing.T) {
	x := []float32{-3, -1, -0.5, 0, 0.25, 1, 2, 5, -7, 3, 0.1, -0.1, 8, -8, 4, 0.75 /* tail: */, 1.5, -2.5}
	g := make([]float32, len(x))
	for i := range g {
		g[i] = float32(i) - 4
	}
	y := make([]float32, len(x))
	SwiGLU(y, x, g)
	for i := range x {
		want := SiLU(x[i]) * g[i]
		if i >= 16 {
			want = x[i] / (1 + float32(math.Exp(float64(-x[i])))) * g[i]
		}
		require.Equal(t, want, y[i], "element %d", i)
		require.InDelta(t, float64(x[i])/(1+math.Exp(-float64(x[i])))*float64(g[i]), float64(y[i]), 1e-5*math.Abs(float64(y[i]))+1e-7)
	}
}

// TestSoftMaxExp checks that masked padding adds nothing but changes the
// block structure of the sum, and that the unmasked tail uses libm.
func TestSoftMaxExp(t *testing.T) {
	x := make([]float32, 20)
	for i := range x {
		x[i] = float32(i%7) * 0.3
	}
	y := make([]float32, len(x))
	sum := SoftMaxExp(y, x, 1.8, 32) // a row of 32, the last 12 masked
	var want float64
	for i := range x {
		require.Equal(t, Expf(x[i]-1.8), y[i])
		want += float64(y[i])
	}
	require.InDelta(t, want, sum, 1e-6)
	sum20 := SoftMaxExp(y, x, 1.8, 20) // 16 in lanes, 4 with libm
	for i := 16; i < 20; i++ {
		require.Equal(t, float32(math.Exp(float64(x[i]-1.8))), y[i])
	}
	require.InDelta(t, want, sum20, 1e-6)
}
