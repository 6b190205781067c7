package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAttn4MatchesOneHead checks DotF16Rows4 and AxpyF16Rows4 bit for bit
// against DotF16Rows and AxpyF16Rows run per head, on random F16 rows
// (head sizes 64 and 128, 1 to 300 positions, KV strides of several
// heads).
func TestAttn4MatchesOneHead(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	f16 := func() uint16 { return FP32ToFP16(float32(rng.NormFloat64())) }
	for _, hd := range []int{64, 128} {
		for _, rows := range []int{1, 2, 63, 64, 65, 130, 300} {
			stride := 3 * hd
			w := make([]uint16, rows*stride)
			for i := range w {
				w[i] = f16()
			}
			var a [4][]byte
			for i := range a {
				a[i] = make([]byte, 2*hd)
				for d := 0; d < hd; d++ {
					putLE16(a[i][2*d:], f16())
				}
			}
			// Scores: four outputs of one buffer, as attention lays them out.
			buf := make([]float32, 4*rows)
			var out [4][]float32
			for i := range out {
				out[i] = buf[i*rows : (i+1)*rows]
			}
			DotF16Rows4(&out, w[hd:], stride, &a, make([]float32, 4*hd))
			for i := range out {
				want := make([]float32, rows)
				DotF16Rows(want, w[hd:], stride, a[i])
				for r := range want {
					require.Equal(t, math.Float32bits(want[r]), math.Float32bits(out[i][r]), "scores hd %d rows %d head %d row %d", hd, rows, i, r)
				}
			}
			// Softmax·V: weights and lanes of the four heads.
			abuf := make([]float32, 4*rows)
			lbuf := make([]float32, 4*64*hd)
			var att, lanes, want [4][]float32
			for i := range att {
				att[i] = abuf[i*rows : (i+1)*rows]
				for r := range att[i] {
					att[i][r] = float32(rng.Float64())
				}
				lanes[i] = lbuf[i*64*hd : (i+1)*64*hd]
				want[i] = make([]float32, 64*hd)
				for j := range lanes[i] {
					lanes[i][j] = float32(rng.NormFloat64())
					want[i][j] = lanes[i][j]
				}
				AxpyF16Rows(want[i], w[2*hd:], stride, att[i])
			}
			AxpyF16Rows4(&lanes, w[2*hd:], stride, &att)
			for i := range lanes {
				for j := range lanes[i] {
					require.Equal(t, math.Float32bits(want[i][j]), math.Float32bits(lanes[i][j]), "lanes hd %d rows %d head %d at %d", hd, rows, i, j)
				}
			}
		}
	}
}
