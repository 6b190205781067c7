package quant

import (
	"math/rand/v2"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
)

// simdSplit cuts fuzz bytes into a weight row of type typ and an
// activation row of the paired type: as many whole blocks of both as the
// bytes hold (F16: n halves each).
func simdSplit(typ ggml.Type, data []byte) (w, a []byte, n int) {
	at := VecDotType(typ)
	if typ == ggml.F16 {
		n = len(data) / 4
		return data[:2*n], data[2*n : 4*n], n
	}
	ws := typ.TypeSize()
	as := at.TypeSize() * (typ.BlockSize() / at.BlockSize())
	nb := len(data) / (ws + as)
	return data[:nb*ws], data[nb*ws : nb*(ws+as)], nb * typ.BlockSize()
}

// fuzzSIMD compares every SIMD level with the portable kernel on rows cut
// from arbitrary bytes (any quants, scales, bsums, NaN and Inf halves).
func fuzzSIMD(f *testing.F, typ ggml.Type) {
	rng := rand.New(rand.NewPCG(uint64(typ), 99))
	for _, blocks := range []int{1, 2, 3} {
		bs := typ.BlockSize()
		if bs == 1 {
			bs = 64
		}
		w, a := simdRow(rng, typ, blocks*bs)
		f.Add(append(w, a...))
		all := make([]byte, len(w)+len(a))
		fill(all, 0xff)
		f.Add(all)
		fill(all, 0x80)
		f.Add(all)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		w, a, n := simdSplit(typ, data)
		if n == 0 {
			return
		}
		want := vecDot(typ, w, a, n)
		for _, level := range simdLevelsToTest() {
			got := simdDot(t, level, typ, w, a, n)
			requireSameDot(t, level, typ, want, got, "fuzz")
		}
	})
}

func FuzzSIMDQ4_0(f *testing.F) { fuzzSIMD(f, ggml.Q4_0) }
func FuzzSIMDQ8_0(f *testing.F) { fuzzSIMD(f, ggml.Q8_0) }
func FuzzSIMDQ4K(f *testing.F)  { fuzzSIMD(f, ggml.Q4_K) }
func FuzzSIMDQ5K(f *testing.F)  { fuzzSIMD(f, ggml.Q5_K) }
func FuzzSIMDQ6K(f *testing.F)  { fuzzSIMD(f, ggml.Q6_K) }
func FuzzSIMDF16(f *testing.F)  { fuzzSIMD(f, ggml.F16) }
