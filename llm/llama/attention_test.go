package llama

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/quant"
)

// TestOneTokenAttentionOrder checks the one-token path against its
// definition: each score is quant.VecDot(F16) of a key row and the query,
// and each output dimension is quant.VecDot(F16) of V's column and the
// probabilities over the padded KV length (kvLen), in caches of several
// sizes (a size that is not a multiple of 64 leaves a tail in double).
func TestOneTokenAttentionOrder(t *testing.T) {
	const hd, kvDim, kvo = 64, 128, 64
	for _, c := range []struct{ n, cells int }{{1, 512}, {31, 512}, {33, 512}, {64, 512}, {65, 100},
		{96, 100}, {130, 4096}, {257, 4096}, {257, 300}, {300, 300}} {
		n := c.n
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
		nkv := kvLen(n, c.cells)
		softmax(att, nkv)
		roundF16(att)
		o := make([]float32, hd)
		weighF16Vec(o, att, v, kvo, kvDim, make([]float32, 64*hd), nkv)
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

// TestFourHeadAttention checks that attend4 (four query heads of one KV
// head at once) gives every head exactly what the one-head path gives, in
// caches of several lengths (tails past the last 64-block included).
func TestFourHeadAttention(t *testing.T) {
	const heads, kvHeads, hd = 8, 2, 64
	c := Config{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Dim: heads * hd}
	m := &Model{Config: c}
	for _, n := range []int{1, 40, 64, 65, 200, 300} {
		rng := rand.New(rand.NewPCG(uint64(n), 9))
		kc := &Cache{Type: ggml.F16, Len: 512, kvDim: c.KVDim(),
			k16: [][]uint16{make([]uint16, 512*c.KVDim())}, v16: [][]uint16{make([]uint16, 512*c.KVDim())}}
		for i := range n * c.KVDim() {
			kc.k16[0][i] = toF16(float32(rng.NormFloat64()))
			kc.v16[0][i] = toF16(float32(rng.NormFloat64()))
		}
		q := make([]float32, heads*hd)
		for i := range q {
			q[i] = float32(rng.NormFloat64())
		}
		hs := headScratch{att: make([]float32, 512), qh: make([]float32, hd), q16: make([]byte, 2*hd),
			lanes: make([]float32, 64*hd), att4: make([]float32, 4*512), qh4: make([]float32, 4*hd),
			q164: make([]byte, 8*hd), lanes4: make([]float32, 4*64*hd), q32: make([]float32, 4*hd)}
		four := make([]float32, heads*hd)
		m.attendHeads(hs, kc, 0, n-1, q, four, 0, heads)
		one := make([]float32, heads*hd)
		hs.att4 = nil // the one-head path
		m.attendHeads(hs, kc, 0, n-1, q, one, 0, heads)
		require.Equal(t, one, four, "n %d", n)
	}
}
