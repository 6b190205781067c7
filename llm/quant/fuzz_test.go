package quant

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/llm/ggml"
)

var fuzzTypes = []ggml.Type{ggml.F32, ggml.F16, ggml.BF16, ggml.Q4_0, ggml.Q8_0, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K, ggml.Q8_K}

// FuzzDequantize: arbitrary bytes of any supported type dequantize without
// a panic when they make whole blocks, and are refused otherwise; when they
// do, a dot product with activations of the paired type never panics either.
func FuzzDequantize(f *testing.F) {
	f.Add(uint8(5), make([]byte, 144))
	f.Add(uint8(7), make([]byte, 211))
	f.Add(uint8(3), []byte{0xff, 0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		typ := fuzzTypes[int(which)%len(fuzzTypes)]
		ts, bs := typ.TypeSize(), typ.BlockSize()
		nblocks := len(data) / ts
		dst := make([]float32, nblocks*bs)
		err := Dequantize(typ, data, dst)
		if len(data)%ts != 0 {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		if typ == ggml.Q8_K || nblocks == 0 {
			return
		}
		n := nblocks * bs
		at := VecDotType(typ)
		if n%at.BlockSize() != 0 {
			return
		}
		// arbitrary activation bytes too: reuse the weight bytes cyclically
		a := make([]byte, at.RowSize(n))
		for i := range a {
			a[i] = data[i%len(data)]
		}
		_ = VecDot(typ, data, a, n)
	})
}

// FuzzRoundTrip: any finite row quantizes and dequantizes with a per-block
// error bounded by the format's resolution relative to the block's largest
// magnitude, and the activation formats do the same.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint8(3), []byte("some bytes that become floats....some bytes that become floats...."))
	f.Add(uint8(5), make([]byte, 1024))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		typ := weightTypes[int(which)%len(weightTypes)]
		bs := typ.BlockSize()
		if bs == 1 {
			bs = 32
		}
		n := min(len(data)/4, 4096) / bs * bs // long rows add time, not cases
		if n == 0 {
			return
		}
		x := make([]float32, n)
		for i := range x {
			v := math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			if v != v || math.IsInf(float64(v), 0) || math.Abs(float64(v)) > 1e4 {
				v = float32(math.Mod(float64(i)*0.37, 3)) // keep it finite and in range
			}
			x[i] = v
		}
		q, err := Quantize(typ, x)
		require.NoError(t, err)
		y := dq(t, typ, q)
		tol := roundTripTolerance[typ]
		for b := 0; b < n; b += bs {
			var amax float64
			for _, v := range x[b : b+bs] {
				amax = math.Max(amax, math.Abs(float64(v)))
			}
			for i := b; i < b+bs; i++ {
				if err := math.Abs(float64(x[i]) - float64(y[i])); err > tol*amax+scaleFloor[typ] {
					t.Fatalf("%v element %d: %v -> %v (block amax %v)", typ, i, x[i], y[i], amax)
				}
			}
		}
		at := VecDotType(typ)
		a := make([]byte, at.RowSize(n))
		QuantizeActivations(at, x, a)
		ya := dq(t, at, a)
		// Q8_0 steps are 1/127 of the block's amax (Q8_K: of the row's
		// 256-block); a half scale adds 2^-11 relative.
		limit := 0.01*maxAbs(x) + 1e-4
		for i := range x {
			if math.Abs(float64(x[i])-float64(ya[i])) > 0.002*math.Abs(float64(x[i]))+limit {
				t.Fatalf("%v activation %d: %v -> %v", at, i, x[i], ya[i])
			}
		}
	})
}

// roundTripTolerance is the worst per-element error relative to its block's
// largest magnitude: half a step of the format's grid plus the rounding of
// its scales (K-quants: 6-bit sub-block scales and mins).
var roundTripTolerance = map[ggml.Type]float64{
	ggml.F32:  0,
	ggml.F16:  1.0 / 1024,
	ggml.BF16: 1.0 / 128,
	ggml.Q8_0: 1.0 / 127,
	ggml.Q4_0: 1.0 / 8,
	ggml.Q6_K: 1.0 / 16,
	ggml.Q5_K: 1.0 / 8,
	ggml.Q4_K: 1.0 / 4,
}

// scaleFloor is the magnitude below which a block's half-precision scale
// underflows (2^-24, the smallest half, times the largest integer the scale
// multiplies), so the block may come back as zeros, as it does in ggml.
var scaleFloor = map[ggml.Type]float64{
	ggml.F32:  0,
	ggml.F16:  0x1p-24,
	ggml.BF16: 0x1p-126, // float32 subnormals keep only their top 7 bits
	ggml.Q8_0: 127 * 0x1p-24,
	ggml.Q4_0: 8 * 0x1p-24,
	ggml.Q6_K: 32 * 128 * 0x1p-24,
	ggml.Q5_K: 31 * 63 * 0x1p-24 * 2, // scale and min each
	ggml.Q4_K: 15 * 63 * 0x1p-24 * 2,
}

func maxAbs(x []float32) float64 {
	var m float64
	for _, v := range x {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}
