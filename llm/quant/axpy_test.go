package quant

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAxpyF16 compares the SIMD kernel with the portable loop bit for bit
// on F16 multipliers (the case it is exact for) and every length remainder.
func TestAxpyF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{1, 7, 8, 9, 31, 32, 33, 64, 100, 128} {
		v := make([]uint16, n)
		dst := make([]float32, n)
		for i := range v {
			v[i] = FP32ToFP16(float32(rng.NormFloat64()))
			dst[i] = float32(rng.NormFloat64())
		}
		a := FP16ToFP32(FP32ToFP16(rng.Float32()))
		want := append([]float32(nil), dst...)
		for i := range want {
			want[i] += FP16ToFP32(v[i]) * a
		}
		AxpyF16(dst, v, a)
		require.Equal(t, want, dst, "n=%d", n)
	}
	require.Panics(t, func() { AxpyF16(make([]float32, 3), make([]uint16, 4), 1) })
}

// TestFoldLanes64 compares the SIMD fold with ReduceF16Lanes per column.
func TestFoldLanes64(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, hd := range []int{1, 7, 8, 64, 100, 128} {
		lanes := make([]float32, 64*hd)
		for i := range lanes {
			lanes[i] = float32(rng.NormFloat64()) * float32(1+i%5)
		}
		out := make([]float32, hd)
		FoldLanes64(out, lanes)
		for d := range hd {
			var acc [4][16]float32
			for j := range acc {
				for l := range acc[j] {
					acc[j][l] = lanes[(16*j+l)*hd+d]
				}
			}
			require.Equal(t, ReduceF16Lanes(&acc), out[d], "hd %d column %d", hd, d)
		}
	}
}
