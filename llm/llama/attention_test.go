package llama

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/quant"
)

// TestAttentionKernelsMatchPlainLoops checks the four-positions-at-a-time
// score and value loops against one position at a time, bit for bit, for
// lengths that leave every remainder.
func TestAttentionKernelsMatchPlainLoops(t *testing.T) {
	const hd, kvDim, kvo = 64, 192, 64 // the middle of three KV heads
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 13, 64} {
		q := make([]float32, hd)
		for i := range q {
			q[i] = float32(rng.NormFloat64())
		}
		k32, v32 := make([]float32, n*kvDim), make([]float32, n*kvDim)
		k16, v16 := make([]uint16, n*kvDim), make([]uint16, n*kvDim)
		for i := range k32 {
			k32[i], v32[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			k16[i], v16[i] = toF16(k32[i]), toF16(v32[i])
		}
		att := make([]float32, n)
		for i := range att {
			att[i] = rng.Float32()
		}
		const scale = 0.125

		wantS16, wantS32 := make([]float32, n), make([]float32, n)
		wantO16, wantO32 := make([]float32, hd), make([]float32, hd)
		for p := 0; p < n; p++ {
			var d16, d32 float32
			for i := range q {
				d16 += f16Table[k16[p*kvDim+kvo+i]] * q[i]
				d32 += k32[p*kvDim+kvo+i] * q[i]
			}
			wantS16[p], wantS32[p] = d16*scale, d32*scale
			for i := range wantO16 {
				wantO16[i] += f16Table[v16[p*kvDim+kvo+i]] * att[p]
				wantO32[i] += v32[p*kvDim+kvo+i] * att[p]
			}
		}

		got := make([]float32, n)
		scoresF16(got, q, k16, kvo, kvDim, scale)
		require.Equal(t, wantS16, got, "scoresF16 n=%d", n)
		scoresF32(got, q, k32, kvo, kvDim, scale)
		require.Equal(t, wantS32, got, "scoresF32 n=%d", n)
		o := make([]float32, hd)
		for i := range o {
			o[i] = 99 // must be overwritten, not added to
		}
		weighF16(o, att, v16, kvo, kvDim)
		require.Equal(t, wantO16, o, "weighF16 n=%d", n)
		weighF32(o, att, v32, kvo, kvDim)
		require.Equal(t, wantO32, o, "weighF32 n=%d", n)
	}
}

// TestOneTokenAttentionOrder checks the one-token path against its
// definition: each score is quant.VecDot(F16) of a key row and the query,
// and each output dimension is quant.VecDot(F16) of V's column and the
// probabilities over the KV length padded to kvPad.
func TestOneTokenAttentionOrder(t *testing.T) {
	const hd, kvDim, kvo = 64, 128, 64
	for _, n := range []int{1, 31, 32, 33, 63, 64, 65, 96, 130, 257} {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		k := make([]uint16, n*kvDim)
		v := make([]uint16, n*kvDim)
		for i := range k {
			k[i] = toF16(float32(rng.NormFloat64()))
			v[i] = toF16(float32(rng.NormFloat64()))
		}
		q := make([]float32, hd)
		for i := range q {
			q[i] = float32(rng.NormFloat64())
		}
		roundF16(q)
		att := make([]float32, n)
		scoresF16Vec(att, q, make([]byte, 2*hd), k, kvo, kvDim, 0.125)
		q16 := make([]byte, 2*hd)
		for i, x := range q {
			binary.LittleEndian.PutUint16(q16[2*i:], toF16(x))
		}
		for tpos := range att {
			want := quant.VecDot(ggml.F16, f16Bytes(k[tpos*kvDim+kvo:tpos*kvDim+kvo+hd]), q16, hd) * 0.125
			require.Equal(t, want, att[tpos], "score %d of %d", tpos, n)
		}
		softmax(att)
		roundF16(att)
		o := make([]float32, hd)
		weighF16Vec(o, att, v, kvo, kvDim, make([]float32, 64*hd))
		nkv := (n + kvPad - 1) / kvPad * kvPad
		a16 := make([]byte, 2*nkv)
		for i, x := range att {
			binary.LittleEndian.PutUint16(a16[2*i:], toF16(x))
		}
		col := make([]byte, 2*nkv)
		for d := range o {
			for tpos := 0; tpos < n; tpos++ {
				binary.LittleEndian.PutUint16(col[2*tpos:], v[tpos*kvDim+kvo+d])
			}
			require.Equal(t, quant.VecDot(ggml.F16, col, a16, nkv), o[d], "dim %d, n %d", d, n)
		}
	}
}
