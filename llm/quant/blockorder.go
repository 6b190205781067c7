package quant

import (
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
)

// VecDotBlocks is VecDot for Q8_0 and Q6_K in block order: per block
// (Q6_K: super-block) the exact integer sum (Q6_K: Σ sc*(q-32)*y), then
// acc = fma(float(sum), d_w*d_a, acc), one accumulator, blocks in order. That is the order of the AMX tile kernels (amx_*.go),
// which give each block's sum at once but not ggml's eight partial lanes;
// batches run in it on CPUs with AMX, so they differ from the one-token
// path (VecDot) in the last bits of the float sum. Other types are
// VecDot's.
func VecDotBlocks(t ggml.Type, w, a []byte, n int) float32 {
	if t == ggml.Q6_K {
		return blockDotQ6K(w, a, n)
	}
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

func blockDotQ6K(w, a []byte, n int) float32 {
	if len(w) != ggml.Q6_K.RowSize(n) || len(a) != ggml.Q8_K.RowSize(n) || n%ggml.QK_K != 0 {
		panic(fmt.Sprintf("quant: VecDotBlocks(Q6_K, n=%d) got %d weight and %d activation bytes, want %d and %d",
			n, len(w), len(a), ggml.Q6_K.RowSize(n), ggml.Q8_K.RowSize(n)))
	}
	var acc float32
	for ib := 0; ib < n/ggml.QK_K; ib++ {
		x, y := w[ib*q6KSize:][:q6KSize], a[ib*q8KSize:][:q8KSize]
		ql, qh, sc, q8 := x[0:128], x[128:192], x[192:208], y[4:4+ggml.QK_K]
		var sum int32
		for e := 0; e < ggml.QK_K; e++ {
			half, j, l := e/128, e%128/32, e%32
			lo := ql[64*half+32*(j%2)+l]
			if j >= 2 {
				lo >>= 4
			}
			q := int32(lo&0xf|(qh[32*half+l]>>(2*j)&3)<<4) - 32
			sum += int32(int8(sc[e/16])) * q * int32(int8(q8[e]))
		}
		acc = fma32(float32(sum), float32(f16at(x[208:])*q8KD(y)), acc)
	}
	return acc
}

// BatchesInBlockOrder says whether MatMulRows runs Q8_0 and Q6_K batches
// on the AMX kernels, in block order (VecDotBlocks): then a batch's
// numbers equal one token at a time's only up to float rounding.
func BatchesInBlockOrder() bool { return amxActive() }

// amxActive says whether the AMX tile kernels run: AMX is on and the SIMD
// level is the one they extend.
func amxActive() bool { return amxOn && simdLevel == amxLevel }
