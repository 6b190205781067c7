package llama

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/quant"
)

// ropePerHead is rope as first written: the angles recomputed for every
// head. rope must give the same bits.
func ropePerHead(x []float32, pos, headDim int, theta float32) {
	scale := float32(math.Pow(float64(theta), -2.0/float64(headDim)))
	for h := 0; h < len(x); h += headDim {
		t := float32(pos)
		for i := 0; i < headDim; i += 2 {
			sin, cos := math.Sincos(float64(t))
			cs, sn := float32(cos), float32(sin)
			x0, x1 := x[h+i], x[h+i+1]
			x[h+i] = quant.FMA32(x0, cs, -(x1 * sn))
			x[h+i+1] = quant.FMA32(x0, sn, x1*cs)
			t *= scale
		}
	}
}

func TestRopeSharedAngles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, headDim := range []int{2, 64, 80, 128, 512, 1024} {
		for _, theta := range []float32{10000, 1e6} {
			for _, pos := range []int{0, 1, 2, 127, 4095, 32767, 1 << 20} {
				x := make([]float32, 4*headDim)
				for i := range x {
					x[i] = float32(rng.NormFloat64() * 3)
				}
				want := append([]float32(nil), x...)
				ropePerHead(want, pos, headDim, theta)
				rope(x, pos, headDim, theta)
				for i := range x {
					require.Equal(t, math.Float32bits(want[i]), math.Float32bits(x[i]), "headDim=%d theta=%g pos=%d i=%d", headDim, theta, pos, i)
				}
			}
		}
	}
}

func BenchmarkRope(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	b.Run("shared", func(b *testing.B) {
		for b.Loop() {
			rope(x, 100, 128, 1e6)
		}
	})
	b.Run("perhead", func(b *testing.B) {
		for b.Loop() {
			ropePerHead(x, 100, 128, 1e6)
		}
	})
}

// softmaxScalar is softmax as first written: one running max, no padding.
func softmaxScalar(x []float32, nkv int) {
	mx := float32(math.Inf(-1))
	for _, v := range x {
		mx = max(mx, v)
	}
	sum := quant.SoftMaxExp(x, x, mx, nkv)
	inv := float32(1 / sum)
	for i := range x {
		x[i] *= inv
	}
}

// TestSoftmaxSame checks softmax (four running maxima, the last block
// padded with -Inf in the row's spare capacity) against the plain version
// bit for bit, with and without spare capacity, for short caches whose
// length is not a multiple of 16, and with specials in the row.
func TestSoftmaxSame(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	specials := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), float32(math.Copysign(0, -1)), 0}
	for n := 1; n <= 300; n++ {
		for _, cells := range []int{n, n + 5, 4096} {
			nkv := kvLen(n, cells)
			for round := 0; round < 3; round++ {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64() * 4)
				}
				if round == 2 {
					x[rng.IntN(n)] = specials[rng.IntN(len(specials))]
				}
				want := append([]float32(nil), x...)
				softmaxScalar(want, nkv)
				spare := make([]float32, n, cells)
				copy(spare, x)
				softmax(spare, nkv)
				tight := append([]float32(nil), x...)
				softmax(tight, nkv)
				for i := range want {
					if want[i] != want[i] {
						require.True(t, spare[i] != spare[i] && tight[i] != tight[i], "n=%d i=%d", n, i)
						continue
					}
					require.Equal(t, math.Float32bits(want[i]), math.Float32bits(spare[i]), "n=%d cells=%d i=%d", n, cells, i)
					require.Equal(t, math.Float32bits(want[i]), math.Float32bits(tight[i]), "n=%d cells=%d i=%d", n, cells, i)
				}
			}
		}
	}
	// Go's max: +0 over -0, whichever comes first.
	require.Equal(t, uint32(0), math.Float32bits(maxF32([]float32{float32(math.Copysign(0, -1)), 0, -1, -2, -3})))
	require.Equal(t, uint32(0), math.Float32bits(maxF32([]float32{0, -1, -2, -3, float32(math.Copysign(0, -1))})))
	require.True(t, math.IsNaN(float64(maxF32([]float32{1, 2, 3, 4, 5, float32(math.NaN()), 1}))))
}

// TestRopeAttentionNoAllocs: the per-token helpers allocate nothing (rope's
// angle tables stay on the stack: the quant kernels are plain functions).
func TestRopeAttentionNoAllocs(t *testing.T) {
	const hd, kvDim, n = 128, 256, 100
	x := make([]float32, 4*hd)
	k := make([]uint16, n*kvDim)
	v := make([]uint16, n*kvDim)
	att := make([]float32, n, 256)
	q := make([]float32, hd)
	q16 := make([]byte, 2*hd)
	o := make([]float32, hd)
	lanes := make([]float32, 64*hd)
	allocs := testing.AllocsPerRun(20, func() {
		rope(x, 77, hd, 10000)
		roundF16(q)
		scoresF16Vec(att, q, q16, k, hd, kvDim, 0.125)
		softmax(att, 256)
		roundF16(att)
		weighF16Vec(o, att, v, hd, kvDim, lanes, 256)
	})
	require.Zero(t, allocs)
}
