package quant

import (
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
)

// VecDotBlocks is VecDot for Q8_0 in block order: per block the exact
// integer sum, then acc = fma(float(sum), d_w*d_a, acc), one accumulator,
// blocks in order. That is the order of the AMX tile kernels (amx_*.go),
// which give each block's sum at once but not ggml's eight partial lanes;
// batches run in it on CPUs with AMX, so they differ from the one-token
// path (VecDot) in the last bits of the float sum. Other types are
// VecDot's.
func VecDotBlocks(t ggml.Type, w, a []byte, n int) float32 {
	if t != ggml.Q8_0 {
		return VecDot(t, w, a, n)
	}
	if len(w) != t.RowSize(n) || len(a) != t.RowSize(n) || n%32 != 0 {
		panic(fmt.Sprintf("quant: VecDotBlocks(%v, n=%d) got %d weight and %d activation bytes, want %d each",
			t, n, len(w), len(a), t.RowSize(n)))
	}
	var acc float32
	for ib := 0; ib < n/32; ib++ {
		x, y := w[ib*q8_0Size:], a[ib*q8_0Size:]
		var sum int32
		for j := 2; j < q8_0Size; j++ {
			sum += int32(int8(x[j])) * int32(int8(y[j]))
		}
		acc = fma32(float32(sum), float32(f16at(x)*f16at(y)), acc)
	}
	return acc
}
