package quant

import (
	"math/rand/v2"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
)

// BenchmarkVecDot times one 4096-long row of each weight type against its
// activation type: the portable reference, for the record next to the SIMD
// kernels to come.
func BenchmarkVecDot(b *testing.B) {
	const n = 4096
	rng := rand.New(rand.NewPCG(1, 2))
	for _, typ := range weightTypes {
		w, err := Quantize(typ, gaussRow(rng, n, 0.05))
		if err != nil {
			b.Fatal(err)
		}
		at := VecDotType(typ)
		a := make([]byte, at.RowSize(n))
		QuantizeActivations(at, gaussRow(rng, n, 1), a)
		b.Run(typ.String(), func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			var sink float32
			for b.Loop() {
				sink += VecDot(typ, w, a, n)
			}
			_ = sink
		})
	}
}

// BenchmarkQuantizeActivations times converting one 4096-long activation row.
func BenchmarkQuantizeActivations(b *testing.B) {
	const n = 4096
	x := gaussRow(rand.New(rand.NewPCG(3, 4)), n, 1)
	for _, at := range []ggml.Type{ggml.Q8_0, ggml.Q8_K, ggml.F16, ggml.BF16} {
		dst := make([]byte, at.RowSize(n))
		b.Run(at.String(), func(b *testing.B) {
			for b.Loop() {
				QuantizeActivations(at, x, dst)
			}
		})
	}
}

// BenchmarkQuantize times the reference weight quantizers on a 4096 row.
func BenchmarkQuantize(b *testing.B) {
	const n = 4096
	x := gaussRow(rand.New(rand.NewPCG(5, 6)), n, 1)
	for _, typ := range []ggml.Type{ggml.Q4_0, ggml.Q8_0, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K} {
		b.Run(typ.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := Quantize(typ, x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVecDotRepacked times the repacked-GEMV float order (Q4_0, Q4_K).
func BenchmarkVecDotRepacked(b *testing.B) {
	const n = 4096
	rng := rand.New(rand.NewPCG(1, 2))
	for _, typ := range []ggml.Type{ggml.Q4_0, ggml.Q4_K} {
		w, err := Quantize(typ, gaussRow(rng, n, 0.05))
		if err != nil {
			b.Fatal(err)
		}
		at := VecDotType(typ)
		a := make([]byte, at.RowSize(n))
		QuantizeActivations(at, gaussRow(rng, n, 1), a)
		b.Run(typ.String(), func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			var sink float32
			for b.Loop() {
				sink += VecDotRepacked(typ, w, a, n)
			}
			_ = sink
		})
	}
}
