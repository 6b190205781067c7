package quant

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

func TestFP16Conversions(t *testing.T) {
	tests := []struct {
		name string
		f    float32
		h    uint16
	}{
		{"one", 1, 0x3c00},
		{"minus two", -2, 0xc000},
		{"max half", 65504, 0x7bff},
		{"just below overflow tie", 65519.996, 0x7bff},
		{"overflow tie rounds to even: Inf", 65520, 0x7c00},
		{"tie 1+2^-11 to even (down)", 1 + 1.0/2048, 0x3c00},
		{"tie 1+3*2^-11 to even (up)", 1 + 3.0/2048, 0x3c02},
		{"above tie rounds up", 1 + 1.0/2048 + 1.0/(1<<20), 0x3c01},
		{"smallest normal", 1.0 / (1 << 14), 0x0400},
		{"smallest subnormal", 1.0 / (1 << 24), 0x0001},
		{"half the smallest subnormal ties to 0", 1.0 / (1 << 25), 0x0000},
		{"1.5x smallest subnormal ties to even 2", 3.0 / (1 << 25), 0x0002},
		{"subnormal rounding up into normal", 0.99999994 / (1 << 14), 0x0400},
		{"negative zero", float32(math.Copysign(0, -1)), 0x8000},
		{"float32 subnormal", math.Float32frombits(1), 0x0000},
		{"inf", float32(math.Inf(-1)), 0xfc00},
		// NaNs as F16C's vcvtps2ph converts them (checked on this CPU)
		{"nan stays quiet nan", math.Float32frombits(0x7f800001), 0x7e00},
		{"signalling nan keeps top payload", math.Float32frombits(0xffa00000), 0xff00},
		{"quiet nan payload truncated", math.Float32frombits(0x7fc01234), 0x7e00},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.h, FP32ToFP16(tt.f), "FP32ToFP16(%v)", tt.f)
		})
	}
	// Every half survives the round trip; NaNs stay NaNs.
	for h := 0; h < 1<<16; h++ {
		f := FP16ToFP32(uint16(h))
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			require.True(t, f != f, "half %#04x should be NaN", h)
			continue
		}
		require.Equal(t, uint16(h), FP32ToFP16(f), "half %#04x -> %v", h, f)
	}
	// Nearest-even against a float64 oracle over random floats.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		f := math.Float32frombits(rng.Uint32())
		if f != f || math.IsInf(float64(f), 0) {
			continue
		}
		require.Equal(t, nearestHalf(float64(f)), FP32ToFP16(f), "FP32ToFP16(%v)", f)
	}
}

// nearestHalf is an independent oracle: the half nearest to v by brute
// comparison with its two neighbours, ties to the even encoding.
func nearestHalf(v float64) uint16 {
	sign := uint16(0)
	if math.Signbit(v) {
		sign, v = 0x8000, -v
	}
	if v >= 65520 {
		return sign | 0x7c00
	}
	// candidates: the largest half <= v and the next one
	lo := uint16(0)
	for step := uint16(1 << 14); step > 0; step >>= 1 {
		if c := lo + step; c < 0x7c00 && float64(FP16ToFP32(c)) <= v {
			lo = c
		}
	}
	hi := lo + 1
	dl, dh := v-float64(FP16ToFP32(lo)), float64(FP16ToFP32(hi))-v
	switch {
	case dl < dh:
		return sign | lo
	case dh < dl:
		return sign | hi
	case lo&1 == 0:
		return sign | lo
	}
	return sign | hi
}

func TestBF16Conversions(t *testing.T) {
	tests := []struct {
		name string
		f    float32
		h    uint16
	}{
		{"one", 1, 0x3f80},
		{"tie 1+2^-8 to even (down)", 1 + 1.0/256, 0x3f80},
		{"tie 1+3*2^-8 to even (up)", 1 + 3.0/256, 0x3f82},
		{"above tie", 1 + 1.0/256 + 1.0/(1<<20), 0x3f81},
		{"pi", math.Pi, 0x4049},
		{"max float rounds to inf", math.MaxFloat32, 0x7f80},
		{"negative inf", float32(math.Inf(-1)), 0xff80},
		{"signalling nan made quiet", math.Float32frombits(0x7f800001), 0x7fc0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.h, FP32ToBF16(tt.f))
		})
	}
	for h := 0; h < 1<<16; h++ {
		if h&0x7f80 == 0x7f80 && h&0x7f != 0 {
			continue // NaN payloads are made quiet
		}
		require.Equal(t, uint16(h), FP32ToBF16(BF16ToFP32(uint16(h))))
	}
}

// q8_0Act builds the expected Q8_0 activation block.
func q8_0Act(d float32, qs ...int8) []byte {
	b := binary.LittleEndian.AppendUint16(nil, FP32ToFP16(d))
	for _, q := range qs {
		b = append(b, byte(q))
	}
	return b
}

func TestQuantizeActivationsQ8_0(t *testing.T) {
	ties := make([]float32, 32)
	wantTies := make([]int8, 32)
	ties[0], wantTies[0] = 127, 127 // amax 127: multiplier exactly 1
	for j := 1; j < 32; j++ {
		// x.5 values: -15.5 .. 14.5, round half to even
		ties[j] = float32(j-16) + 0.5
		wantTies[j] = int8(math.RoundToEven(float64(ties[j])))
	}
	require.Equal(t, int8(2), wantTies[18])  // 2.5 -> 2
	require.Equal(t, int8(-2), wantTies[14]) // -1.5 -> -2
	require.Equal(t, int8(0), wantTies[16])  // 0.5 -> 0

	equal := make([]float32, 32)
	negEqual := make([]float32, 32)
	for j := range equal {
		equal[j] = 0.37
		negEqual[j] = -2
	}
	all := func(v int8) []int8 {
		q := make([]int8, 32)
		for j := range q {
			q[j] = v
		}
		return q
	}
	tests := []struct {
		name string
		x    []float32
		want []byte
	}{
		{"ties to even with multiplier 1", ties, q8_0Act(1, wantTies...)},
		{"zeros", make([]float32, 32), q8_0Act(0, all(0)...)},
		{"all equal positive", equal, q8_0Act(float32(0.37)/127, all(127)...)},
		{"all equal negative", negEqual, q8_0Act(float32(2)/127, all(-127)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]byte, 34)
			QuantizeActivations(ggml.Q8_0, tt.x, got)
			require.Equal(t, tt.want, got)
		})
	}
	// The weight quantizer rounds the same ties away from zero (roundf).
	w, err := Quantize(ggml.Q8_0, ties)
	require.NoError(t, err)
	require.Equal(t, int8(3), int8(w[2+18]))  // 2.5 -> 3
	require.Equal(t, int8(-2), int8(w[2+14])) // -1.5 -> -2
	require.Equal(t, int8(1), int8(w[2+16]))  // 0.5 -> 1
}

// q8KAct builds the expected Q8_K block with bsums computed from qs.
func q8KAct(d float32, qs []int8) []byte {
	b := binary.LittleEndian.AppendUint32(nil, math.Float32bits(d))
	for _, q := range qs {
		b = append(b, byte(q))
	}
	for j := 0; j < 16; j++ {
		s := 0
		for _, q := range qs[16*j : 16*j+16] {
			s += int(q)
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(int16(s)))
	}
	return b
}

func TestQuantizeActivationsQ8K(t *testing.T) {
	ties := make([]float32, 256)
	wantTies := make([]int8, 256)
	for j := range ties {
		ties[j] = float32(j%64-32) + 0.5
		wantTies[j] = int8(math.RoundToEven(float64(ties[j])))
	}
	ties[0], wantTies[0] = -127, -127 // max -127: iscale = -127/max = 1

	pm := make([]float32, 256)
	wantPM := make([]int8, 256)
	pm[3], pm[7] = -3, 3 // equal magnitudes: the first one sets the sign
	wantPM[3], wantPM[7] = -127, 127

	equal := make([]float32, 256)
	allNeg := make([]int8, 256)
	for j := range equal {
		equal[j] = 0.37
		allNeg[j] = -127
	}
	tests := []struct {
		name string
		x    []float32
		want []byte
	}{
		{"ties to even with iscale 1", ties, q8KAct(1, wantTies)},
		{"zeros", make([]float32, 256), q8KAct(0, make([]int8, 256))},
		{"all equal: negative scale", equal, q8KAct(1/(-127/float32(0.37)), allNeg)},
		{"first of ±max sets the sign", pm, q8KAct(1/(-127/float32(-3)), wantPM)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]byte, 292)
			QuantizeActivations(ggml.Q8_K, tt.x, got)
			require.Equal(t, tt.want, got)
		})
	}
	require.Equal(t, int16(-16*127), BlockQ8K(q8KAct(1, allNeg)).BSum(5))
}

func TestQuantizeActivationsFloat(t *testing.T) {
	x := []float32{1 + 1.0/2048, 1 + 3.0/2048, 65520, -0.5}
	got := make([]byte, 8)
	QuantizeActivations(ggml.F16, x, got)
	require.Equal(t, []byte{0x00, 0x3c, 0x02, 0x3c, 0x00, 0x7c, 0x00, 0xb8}, got)

	xb := []float32{1 + 1.0/256, 1 + 3.0/256}
	gotb := make([]byte, 4)
	QuantizeActivations(ggml.BF16, xb, gotb)
	require.Equal(t, []byte{0x80, 0x3f, 0x82, 0x3f}, gotb)

	gotf := make([]byte, 4)
	QuantizeActivations(ggml.F32, []float32{-1.5}, gotf)
	require.Equal(t, math.Float32bits(-1.5), binary.LittleEndian.Uint32(gotf))
}

// NaN: activations keep F16C's payload, weights get ggml-base's 0x7e00.
func TestF16NaNs(t *testing.T) {
	nan := []float32{math.Float32frombits(0xffa00000)}
	act := make([]byte, 2)
	QuantizeActivations(ggml.F16, nan, act)
	require.Equal(t, uint16(0xfe00|0x100), binary.LittleEndian.Uint16(act))
	w, err := Quantize(ggml.F16, nan)
	require.NoError(t, err)
	require.Equal(t, uint16(0xfe00), binary.LittleEndian.Uint16(w))
}

func TestQuantizeActivationsMisuse(t *testing.T) {
	require.Panics(t, func() { QuantizeActivations(ggml.Q8_0, make([]float32, 31), make([]byte, 34)) })
	require.Panics(t, func() { QuantizeActivations(ggml.Q8_K, make([]float32, 256), make([]byte, 291)) })
	require.Panics(t, func() { QuantizeActivations(ggml.Q4_K, make([]float32, 256), make([]byte, 144)) })
}

// Non-finite activations give some block, never a panic.
func TestQuantizeActivationsNonFinite(t *testing.T) {
	for _, at := range []ggml.Type{ggml.Q8_0, ggml.Q8_K, ggml.F16, ggml.BF16} {
		x := make([]float32, 256)
		x[3] = float32(math.NaN())
		x[9] = float32(math.Inf(1))
		x[40] = float32(math.Inf(-1))
		require.NotPanics(t, func() { QuantizeActivations(at, x, make([]byte, at.RowSize(256))) }, "%v", at)
	}
}
