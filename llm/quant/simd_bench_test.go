package quant

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
)

// BenchmarkSIMDDot times one row of each SIMD type at n=4096 (Mistral's
// hidden size) and n=14336 (its FFN width), for every level this CPU has;
// level "none" is the portable code. Bytes are weight bytes, so MB/s is
// the weight streaming rate.
func BenchmarkSIMDDot(b *testing.B) {
	for _, n := range []int{4096, 14336} {
		for _, typ := range simdTypes {
			rng := rand.New(rand.NewPCG(uint64(typ), uint64(n)))
			w, a := simdRow(rng, typ, n)
			for _, level := range simdLevelsAvailable() {
				b.Run(fmt.Sprintf("%v/n=%d/%s", typ, n, level), func(b *testing.B) {
					restore := setSIMDLevel(level)
					defer restore()
					dot := fastDot(typ)
					if dot == nil {
						dot = func(w, a []byte, n int) float32 { return vecDot(typ, w, a, n) }
					}
					b.SetBytes(int64(len(w)))
					var sink float32
					for b.Loop() {
						sink += dot(w, a, n)
					}
					_ = sink
				})
			}
		}
	}
}

// BenchmarkSIMDMatVec times a whole 4096 x 14336 weight matrix (Mistral's
// ffn_down shape, 33 MB in Q4_K: far larger than the caches) against one
// activation row, single-threaded: the weight streaming rate from memory
// that generation is bound by.
func BenchmarkSIMDMatVec(b *testing.B) {
	const rows, cols = 4096, 14336
	for _, typ := range []ggml.Type{ggml.Q4_K, ggml.Q6_K, ggml.Q8_0} {
		rng := rand.New(rand.NewPCG(uint64(typ), 7))
		w, a := simdRow(rng, typ, cols)
		rs := len(w)
		mat := make([]byte, rows*rs)
		for r := 0; r < rows; r++ {
			copy(mat[r*rs:], w)
		}
		out := make([]float32, rows)
		for _, level := range simdLevelsAvailable()[1:] {
			b.Run(fmt.Sprintf("%v/%s", typ, level), func(b *testing.B) {
				restore := setSIMDLevel(level)
				defer restore()
				dot := fastDot(typ)
				b.SetBytes(int64(len(mat)))
				for b.Loop() {
					for r := range out {
						out[r] = dot(mat[r*rs:(r+1)*rs], a, cols)
					}
				}
			})
		}
	}
}
