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

// simdTypes are the weight types with SIMD kernels.
var simdTypes = []ggml.Type{ggml.Q4_0, ggml.Q8_0, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K, ggml.F16}

// simdLevelsToTest are the SIMD levels of this CPU (without "none").
func simdLevelsToTest() []string {
	var out []string
	for _, l := range simdLevelsAvailable() {
		if l != levelNone {
			out = append(out, l)
		}
	}
	return out
}

// simdDot runs the kernel of level for t; the level must have one.
func simdDot(t *testing.T, level string, typ ggml.Type, w, a []byte, n int) float32 {
	t.Helper()
	restore := setSIMDLevel(level)
	defer restore()
	k := fastDot(typ)
	require.NotNil(t, k, "no %s kernel for %v", level, typ)
	return k(w, a, n)
}

// requireSameDot compares a SIMD result with the portable one bit for bit
// (every kernel keeps the portable float order); NaN matches any NaN, since
// NaN payloads and signs are not part of the contract.
func requireSameDot(t *testing.T, level string, typ ggml.Type, want, got float32, msg string) {
	t.Helper()
	if want != want {
		require.True(t, got != got, "%s %v %s: portable NaN, SIMD %v", level, typ, msg, got)
		return
	}
	require.Equal(t, math.Float32bits(want), math.Float32bits(got), "%s %v %s: portable %v (%#x), SIMD %v (%#x)",
		level, typ, msg, want, math.Float32bits(want), got, math.Float32bits(got))
}

// simdRow makes a random weight row and activation row of n elements: all
// quant bytes random, every scale a finite random value (random bytes would
// make most long rows NaN); bsums are left random as well, since kernels
// must take them as stored.
func simdRow(rng *rand.Rand, typ ggml.Type, n int) (w, a []byte) {
	at := VecDotType(typ)
	w = make([]byte, typ.RowSize(n))
	a = make([]byte, at.RowSize(n))
	for i := range w {
		w[i] = byte(rng.Uint32())
	}
	for i := range a {
		a[i] = byte(rng.Uint32())
	}
	halfAt := func(b []byte) { putLE16(b, FP32ToFP16(float32(rng.NormFloat64()*0.05))) }
	switch typ {
	case ggml.F16:
		for i := 0; i < n; i++ {
			halfAt(w[2*i:])
			halfAt(a[2*i:])
		}
		return w, a
	case ggml.Q4_0, ggml.Q8_0:
		for b := 0; b < n/32; b++ {
			halfAt(w[b*typ.TypeSize():])
		}
	case ggml.Q4_K, ggml.Q5_K:
		for b := 0; b < n/256; b++ {
			halfAt(w[b*typ.TypeSize():])
			halfAt(w[b*typ.TypeSize()+2:])
		}
	case ggml.Q6_K:
		for b := 0; b < n/256; b++ {
			halfAt(w[b*q6KSize+208:])
		}
	}
	switch at {
	case ggml.Q8_0:
		for b := 0; b < n/32; b++ {
			putLE16(a[b*q8_0Size:], FP32ToFP16(float32(rng.Float64()*0.1)))
		}
	case ggml.Q8_K:
		for b := 0; b < n/256; b++ {
			binary.LittleEndian.PutUint32(a[b*q8KSize:], math.Float32bits(float32(rng.Float64()*0.1)))
		}
	}
	return w, a
}

// simdLengths are the row lengths tested per type: one block up to
// Mistral's FFN width, odd block counts (the tail of the VNNI kernels' two-block loop), and
// for F16 lengths with a tail past the last 64.
func simdLengths(typ ggml.Type) []int {
	switch typ.BlockSize() {
	case 32:
		return []int{32, 64, 96, 224, 4096, 4128, 14336}
	case 256:
		return []int{256, 512, 768, 4096, 14336}
	}
	return []int{1, 63, 64, 65, 100, 128, 4096, 4097, 14336}
}

func TestSIMDLevel(t *testing.T) {
	levels := simdLevelsAvailable()
	require.Equal(t, levelNone, levels[0])
	require.Contains(t, levels, simdLevel, "the level in use is one the CPU has")
	require.Equal(t, levels[len(levels)-1], simdLevel, "the fastest level is picked")
	require.Panics(t, func() { setSIMDLevel("avx9000") })
	for _, level := range levels {
		restore := setSIMDLevel(level)
		for _, typ := range []ggml.Type{ggml.F32, ggml.BF16, ggml.Q8_K} {
			require.Nil(t, fastDot(typ), "%s has no %v kernel", level, typ)
		}
		for _, typ := range simdTypes {
			if level == levelNone {
				require.Nil(t, fastDot(typ), "%v", typ)
			} else {
				require.NotNil(t, fastDot(typ), "%s %v", level, typ)
			}
		}
		restore()
	}
}

// Random rows of every length, every type, every level against the
// portable code.
func TestSIMDRandom(t *testing.T) {
	levels := simdLevelsToTest()
	for _, typ := range simdTypes {
		for _, n := range simdLengths(typ) {
			t.Run(fmt.Sprintf("%v/%d", typ, n), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(typ), uint64(n)))
				for trial := 0; trial < 4; trial++ {
					w, a := simdRow(rng, typ, n)
					want := vecDot(typ, w, a, n)
					for _, level := range levels {
						got := simdDot(t, level, typ, w, a, n)
						requireSameDot(t, level, typ, want, got, fmt.Sprintf("trial %d", trial))
					}
				}
			})
		}
	}
}

// Rows made by the real quantizers (what a model file holds), where the
// Q8_K bsums are the true sums.
func TestSIMDQuantized(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, typ := range simdTypes {
		for _, n := range []int{256, 4096} {
			w, err := Quantize(typ, gaussRow(rng, n, 0.05))
			require.NoError(t, err)
			at := VecDotType(typ)
			a := make([]byte, at.RowSize(n))
			QuantizeActivations(at, gaussRow(rng, n, 2), a)
			want := vecDot(typ, w, a, n)
			for _, level := range simdLevelsToTest() {
				got := simdDot(t, level, typ, w, a, n)
				requireSameDot(t, level, typ, want, got, fmt.Sprintf("n=%d", n))
			}
		}
	}
}

// fill sets every byte of b to v.
func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// setScales writes the half h into every block's scale fields of a weight
// row (d, and dmin for Q4_K/Q5_K) and d into every activation block.
func setScales(typ ggml.Type, w, a []byte, n int, h uint16, ad float32) {
	ts := typ.TypeSize()
	switch typ {
	case ggml.Q4_0, ggml.Q8_0:
		for b := 0; b < n/32; b++ {
			putLE16(w[b*ts:], h)
			putLE16(a[b*q8_0Size:], FP32ToFP16(ad))
		}
	case ggml.Q4_K, ggml.Q5_K, ggml.Q6_K:
		for b := 0; b < n/256; b++ {
			if typ == ggml.Q6_K {
				putLE16(w[b*ts+208:], h)
			} else {
				putLE16(w[b*ts:], h)
				putLE16(w[b*ts+2:], h)
			}
			binary.LittleEndian.PutUint32(a[b*q8KSize:], math.Float32bits(ad))
		}
	}
}

// Edge values: the extremes of every quant field, -128 activations (where
// the sign trick keeps -128), zero, subnormal, infinite and NaN scales.
func TestSIMDEdgeValues(t *testing.T) {
	halves := map[string]uint16{
		"one":       FP32ToFP16(1),
		"max":       0x7bff, // 65504
		"zero":      0,
		"negzero":   0x8000,
		"subnormal": 0x0001,
		"inf":       0x7c00,
		"nan":       0x7e00,
	}
	quantBytes := map[string]byte{"00": 0x00, "ff": 0xff, "80": 0x80, "7f": 0x7f, "0f": 0x0f, "f0": 0xf0, "88": 0x88}
	actBytes := map[string]byte{"-128": 0x80, "127": 0x7f, "-1": 0xff, "0": 0, "1": 1}
	for _, typ := range simdTypes {
		if typ == ggml.F16 {
			continue // TestSIMDF16Specials
		}
		n := 2 * typ.BlockSize()
		if typ.BlockSize() == 32 {
			n = 3 * 32 // an odd count reaches the VNNI kernels' tail
		}
		for hn, h := range halves {
			for qn, qb := range quantBytes {
				for an, ab := range actBytes {
					at := VecDotType(typ)
					w := make([]byte, typ.RowSize(n))
					a := make([]byte, at.RowSize(n))
					fill(w, qb)
					fill(a, ab)
					setScales(typ, w, a, n, h, 0.5)
					want := vecDot(typ, w, a, n)
					for _, level := range simdLevelsToTest() {
						got := simdDot(t, level, typ, w, a, n)
						requireSameDot(t, level, typ, want, got, fmt.Sprintf("scale %s quants %s acts %s", hn, qn, an))
					}
				}
			}
		}
	}
}

// The Q8_K side's float32 d can be anything, including values whose
// products overflow; the kernels must still match.
func TestSIMDQ8KScales(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, typ := range []ggml.Type{ggml.Q4_K, ggml.Q5_K, ggml.Q6_K} {
		for _, d := range []float32{0, float32(math.Copysign(0, -1)), 1e-40, 3e38, -3e38, float32(math.Inf(1)), float32(math.NaN())} {
			n := 1024
			w, a := simdRow(rng, typ, n)
			for b := 0; b < n/256; b++ {
				binary.LittleEndian.PutUint32(a[b*q8KSize:], math.Float32bits(d))
			}
			want := vecDot(typ, w, a, n)
			for _, level := range simdLevelsToTest() {
				got := simdDot(t, level, typ, w, a, n)
				requireSameDot(t, level, typ, want, got, fmt.Sprintf("d_a=%g", d))
			}
		}
	}
}

// F16 rows with specials: subnormals, the largest half, infinities, NaN.
func TestSIMDF16Specials(t *testing.T) {
	specials := []uint16{0x0001, 0x03ff, 0x8001, 0x7bff, 0xfbff, 0x0000, 0x8000, 0x3c00}
	rng := rand.New(rand.NewPCG(31, 32))
	for _, n := range []int{64, 128, 192, 4096 + 17} {
		for _, extra := range []uint16{0, 0x7c00, 0xfc00, 0x7e00} {
			w := make([]byte, 2*n)
			a := make([]byte, 2*n)
			for i := 0; i < n; i++ {
				putLE16(w[2*i:], specials[rng.IntN(len(specials))])
				putLE16(a[2*i:], specials[rng.IntN(len(specials))])
			}
			if extra != 0 {
				putLE16(w[2*rng.IntN(n):], extra)
			}
			want := vecDot(ggml.F16, w, a, n)
			for _, level := range simdLevelsToTest() {
				got := simdDot(t, level, ggml.F16, w, a, n)
				requireSameDot(t, level, ggml.F16, want, got, fmt.Sprintf("n=%d extra %#x", n, extra))
			}
		}
	}
}

// Short slices panic with a message instead of being read past.
func TestSIMDShortInput(t *testing.T) {
	for _, level := range simdLevelsToTest() {
		restore := setSIMDLevel(level)
		for _, typ := range simdTypes {
			k := fastDot(typ)
			n := typ.BlockSize() * 2
			if typ == ggml.F16 {
				n = 64
			}
			w := make([]byte, typ.RowSize(n)-1)
			a := make([]byte, VecDotType(typ).RowSize(n))
			require.Panics(t, func() { k(w, a, n) }, "%s %v", level, typ)
			if typ.BlockSize() > 1 {
				require.Panics(t, func() { k(a, a, typ.BlockSize()+1) }, "%s %v: partial block", level, typ)
			}
			require.Equal(t, float32(0), k(nil, nil, 0), "%s %v: empty row", level, typ)
		}
		restore()
	}
}
