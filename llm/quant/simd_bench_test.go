package quant

import (
	"fmt"
	"math/rand/v2"
	"testing"
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
