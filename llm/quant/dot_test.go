package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

var weightTypes = []ggml.Type{ggml.F32, ggml.F16, ggml.BF16, ggml.Q4_0, ggml.Q8_0, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K}

func TestVecDotType(t *testing.T) {
	want := map[ggml.Type]ggml.Type{
		ggml.F32: ggml.F32, ggml.F16: ggml.F16, ggml.BF16: ggml.BF16,
		ggml.Q4_0: ggml.Q8_0, ggml.Q8_0: ggml.Q8_0,
		ggml.Q4_K: ggml.Q8_K, ggml.Q5_K: ggml.Q8_K, ggml.Q6_K: ggml.Q8_K,
	}
	for w, a := range want {
		require.Equal(t, a, VecDotType(w), "%v", w)
	}
}

// repeat builds n blocks from one block.
func repeat(block []byte, n int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		b = append(b, block...)
	}
	return b
}

// Hand-computed dot products: uniform blocks whose products are exact.
func TestVecDotHandComputed(t *testing.T) {
	// Q8_0 activations: d = 0.25, every q = 2 -> every value 0.5.
	actQ8_0 := repeat(append(half(0.25), repeat([]byte{2}, 32)...), 2)
	// Q8_K activations: d = 0.5, every q = 2 -> 1.0; bsums 16*2 = 32.
	q8k := binary.LittleEndian.AppendUint32(nil, math.Float32bits(0.5))
	q8k = append(q8k, repeat([]byte{2}, 256)...)
	q8k = append(q8k, repeat([]byte{32, 0}, 16)...)
	actQ8K := repeat(q8k, 2)

	// Q4_K/Q5_K with all scales and mins 1: bytes 0-7 = 1, bytes 8-11 = 1|1<<4.
	ones := []byte{1, 1, 1, 1, 1, 1, 1, 1, 0x11, 0x11, 0x11, 0x11}
	q4k := append(append(append(half(1), half(0.5)...), ones...), repeat([]byte{3 | 3<<4}, 128)...)
	// Q5_K: q = 17 = 16 + 1: every high bit set.
	q5k := append(append(append(half(1), half(0.5)...), ones...), repeat([]byte{0xff}, 32)...)
	q5k = append(q5k, repeat([]byte{1 | 1<<4}, 128)...)
	// Q6_K: q = 40 (low nibble 8, high bits 2), scales 4, d = 0.25 -> 0.25*4*(40-32) = 8.
	q6k := append(repeat([]byte{8 | 8<<4}, 128), repeat([]byte{0xaa}, 64)...)
	q6k = append(append(q6k, repeat([]byte{4}, 16)...), half(0.25)...)

	tests := []struct {
		name string
		typ  ggml.Type
		w    []byte
		a    []byte
		n    int
		want float32
	}{
		// 0.5*(9-8) = 0.5 times 0.5, 64 elements
		{"Q4_0", ggml.Q4_0, repeat(append(half(0.5), repeat([]byte{9 | 9<<4}, 16)...), 2), actQ8_0, 64, 16},
		// (-0.5*-3) = 1.5 times 0.5, 64 elements
		{"Q8_0", ggml.Q8_0, repeat(append(half(-0.5), repeat([]byte{0xfd}, 32)...), 2), actQ8_0, 64, 48},
		// (1*1*3 - 0.5*1) = 2.5 times 1.0, 512 elements
		{"Q4_K", ggml.Q4_K, repeat(q4k, 2), actQ8K, 512, 1280},
		// (1*1*17 - 0.5) = 16.5 times 1.0, 512 elements
		{"Q5_K", ggml.Q5_K, repeat(q5k, 2), actQ8K, 512, 8448},
		// 8 times 1.0, 512 elements
		{"Q6_K", ggml.Q6_K, repeat(q6k, 2), actQ8K, 512, 4096},
		// 1.5 * -2 over 100 elements (64 in lanes, 36 in the tail)
		{"F16", ggml.F16, repeat([]byte{0x00, 0x3e}, 100), repeat([]byte{0x00, 0xc0}, 100), 100, -300},
		{"BF16", ggml.BF16, repeat([]byte{0xc0, 0x3f}, 100), repeat([]byte{0x00, 0xc0}, 100), 100, -300},
		{"F32", ggml.F32, repeat([]byte{0, 0, 0xc0, 0x3f}, 100), repeat([]byte{0, 0, 0, 0xc0}, 100), 100, -300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, VecDot(tt.typ, tt.w, tt.a, tt.n))
		})
	}
}

func gaussRow(rng *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * scale)
	}
	return x
}

// VecDot agrees with a float64 dot of the dequantized rows up to float
// rounding: the integer work is exact, only the float sums differ in order.
func TestVecDotMatchesDequantized(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, typ := range weightTypes {
		for _, n := range []int{256, 4096} {
			t.Run(fmt.Sprintf("%v/%d", typ, n), func(t *testing.T) {
				for trial := 0; trial < 5; trial++ {
					w, err := Quantize(typ, gaussRow(rng, n, 0.05))
					require.NoError(t, err)
					at := VecDotType(typ)
					a := make([]byte, at.RowSize(n))
					QuantizeActivations(at, gaussRow(rng, n, 2), a)
					wf, af := dq(t, typ, w), dq(t, at, a)
					var ref, mag float64
					for i := range wf {
						ref += float64(wf[i]) * float64(af[i])
						mag += math.Abs(float64(wf[i]) * float64(af[i]))
					}
					got := VecDot(typ, w, a, n)
					require.InDelta(t, ref, float64(got), 1e-6*mag, "trial %d", trial)
				}
			})
		}
	}
}

func TestVecDotMisuse(t *testing.T) {
	w := make([]byte, ggml.Q4_K.RowSize(256))
	a := make([]byte, ggml.Q8_K.RowSize(256))
	require.Panics(t, func() { VecDot(ggml.Q4_K, w[:100], a, 256) })
	require.Panics(t, func() { VecDot(ggml.Q4_K, w, a[:10], 256) })
	require.Panics(t, func() { VecDot(ggml.Q4_K, w, a, 255) })
	require.Panics(t, func() { VecDot(ggml.Q2_K, w, a, 256) })
}

func TestMatVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const rows, cols = 7, 512
	for _, typ := range weightTypes {
		t.Run(typ.String(), func(t *testing.T) {
			var w []byte
			for r := 0; r < rows; r++ {
				q, err := Quantize(typ, gaussRow(rng, cols, 1))
				require.NoError(t, err)
				w = append(w, q...)
			}
			at := VecDotType(typ)
			a := make([]byte, at.RowSize(cols))
			QuantizeActivations(at, gaussRow(rng, cols, 1), a)
			out := make([]float32, rows)
			MatVec(typ, w, rows, cols, a, out)
			rs := typ.RowSize(cols)
			for r := 0; r < rows; r++ {
				require.Equal(t, VecDot(typ, w[r*rs:(r+1)*rs], a, cols), out[r], "row %d", r)
			}
			require.Panics(t, func() { MatVec(typ, w[:len(w)-1], rows, cols, a, out) })
			require.Panics(t, func() { MatVec(typ, w, rows, cols, a, out[:rows-1]) })
		})
	}
}

func TestFMA32(t *testing.T) {
	tests := []struct {
		x, y, z, want float32
	}{
		{2, 3, 1, 7},
		// (1+2^-12)^2 - 1 = 2^-11 + 2^-24: only an exact FMA keeps the 2^-24.
		{1 + 1.0/4096, 1 + 1.0/4096, -1, 1.0/2048 + 1.0/(1<<24)},
		// x*y + z = 2^30 + 192 - 2^-40: float64 rounding lands on the float32
		// midpoint 2^30+192, whose tie would go to 2^30+256; the exact value
		// is below it, so the answer is 2^30+128.
		{8 + 1.0/(1<<20), 8 - 1.0/(1<<20), 1<<30 + 128, 1<<30 + 128},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, fma32(tt.x, tt.y, tt.z), "fma32(%v, %v, %v)", tt.x, tt.y, tt.z)
	}
	// Against math.FMA where float64 rounding is exact (products of
	// 12-bit mantissas, sums that fit).
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 100000; i++ {
		x := float32(rng.IntN(1<<12)) / 256
		y := float32(rng.IntN(1<<12)) / 256
		z := float32(rng.IntN(1<<20)-1<<19) / 512
		require.Equal(t, float32(math.FMA(float64(x), float64(y), float64(z))), fma32(x, y, z))
	}
}

// VecDotRepacked differs from VecDot only in float order: equal on exact
// hand-built blocks, within rounding on random rows, VecDot for other types.
func TestVecDotRepacked(t *testing.T) {
	ones := []byte{1, 1, 1, 1, 1, 1, 1, 1, 0x11, 0x11, 0x11, 0x11}
	q4k := append(append(append(half(1), half(0.5)...), ones...), repeat([]byte{3 | 3<<4}, 128)...)
	q8k := binary.LittleEndian.AppendUint32(nil, math.Float32bits(0.5))
	q8k = append(append(q8k, repeat([]byte{2}, 256)...), repeat([]byte{32, 0}, 16)...)
	require.Equal(t, float32(1280), VecDotRepacked(ggml.Q4_K, repeat(q4k, 2), repeat(q8k, 2), 512))
	q40 := repeat(append(half(0.5), repeat([]byte{9 | 9<<4}, 16)...), 2)
	q80 := repeat(append(half(0.25), repeat([]byte{2}, 32)...), 2)
	require.Equal(t, float32(16), VecDotRepacked(ggml.Q4_0, q40, q80, 64))

	rng := rand.New(rand.NewPCG(9, 10))
	for _, typ := range weightTypes {
		w, err := Quantize(typ, gaussRow(rng, 4096, 0.05))
		require.NoError(t, err)
		at := VecDotType(typ)
		a := make([]byte, at.RowSize(4096))
		QuantizeActivations(at, gaussRow(rng, 4096, 2), a)
		got, want := VecDotRepacked(typ, w, a, 4096), VecDot(typ, w, a, 4096)
		if typ != ggml.Q4_0 && typ != ggml.Q4_K {
			require.Equal(t, want, got, "%v", typ)
			continue
		}
		require.InDelta(t, want, got, 1e-5*math.Abs(float64(want))+1e-6, "%v", typ)
	}
	require.Panics(t, func() { VecDotRepacked(ggml.Q4_K, make([]byte, 10), make([]byte, 292), 256) })
	require.Panics(t, func() { MatVecRepacked(ggml.Q4_0, make([]byte, 18), 2, 32, make([]byte, 34), make([]float32, 2)) })
}
