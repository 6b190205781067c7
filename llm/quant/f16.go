package quant

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// Half and bfloat16 conversions, rows and dot products for F32, F16 and
// BF16. The dot products reproduce the lane structure of ggml's AVX-512 CPU
// build (the one node-llama-cpp runs on this machine), so that a float
// weight matrix gives llama.cpp's results bit for bit.

// FP16ToFP32 widens an IEEE half (exactly; NaNs stay NaN, quiet).
func FP16ToFP32(h uint16) float32 {
	if e := h & 0x7c00; e != 0 && e != 0x7c00 { // normal: rebias the exponent
		return math.Float32frombits(uint32(h&0x8000)<<16 | (uint32(h&0x7fff)<<13 + 112<<23))
	}
	return fp16SpecialToFP32(h)
}

// fp16SpecialToFP32 widens zeros, subnormals, infinities and NaNs.
func fp16SpecialToFP32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	mant := uint32(h & 0x3ff)
	if h&0x7c00 == 0x7c00 {
		if mant == 0 {
			return math.Float32frombits(sign | 0x7f800000)
		}
		return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
	}
	v := float32(mant) * (1.0 / (1 << 24)) // mant * 2^-24, exact
	return math.Float32frombits(sign | math.Float32bits(v))
}

// FP32ToFP16 narrows to an IEEE half with round-to-nearest-even, as F16C's
// vcvtps2ph (imm 0) and ggml's portable GGML_FP32_TO_FP16 both do. Overflow
// gives ±Inf; a NaN stays a quiet NaN keeping its top payload bits (F16C).
func FP32ToFP16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13)
	}
	e := exp - 112 // half's biased exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 { // half subnormal (or zero)
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint(14 - e)
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++ // may carry into the smallest normal: still the right encoding
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry into the exponent is correct, up to Inf
	}
	return sign | uint16(h)
}

// BF16ToFP32 widens a bfloat16 (exact).
func BF16ToFP32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// FP32ToBF16 narrows with round-to-nearest-even; NaNs are made quiet
// (ggml_compute_fp32_to_bf16, which the CPU backend uses for activations).
func FP32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 64
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }

func f16at(b []byte) float32 { return FP16ToFP32(binary.LittleEndian.Uint16(b)) }

func dequantizeF32(src []byte, dst []float32) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func dequantizeF16(src []byte, dst []float32) {
	for i := range dst {
		dst[i] = FP16ToFP32(le16(src[2*i:]))
	}
}

func dequantizeBF16(src []byte, dst []float32) {
	for i := range dst {
		dst[i] = BF16ToFP32(le16(src[2*i:]))
	}
}

func quantizeF32(x []float32, dst []byte) {
	for i, v := range x {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

// quantizeF16 converts activations as F16C does.
func quantizeF16(x []float32, dst []byte) {
	n := 0
	if actSIMD {
		if n = len(x) &^ 7; n > 0 {
			_ = dst[2*len(x)-1]
			f32ToF16Kernel((*uint16)(unsafe.Pointer(&dst[0])), &x[0], n)
		}
	}
	for i, v := range x[n:] {
		i += n
		binary.LittleEndian.PutUint16(dst[2*i:], FP32ToFP16(v))
	}
}

// quantizeF16Weights converts weights as ggml-base's portable
// ggml_fp32_to_fp16_row does: like F16C but every NaN becomes ±0x7e00.
func quantizeF16Weights(x []float32, dst []byte) {
	for i, v := range x {
		h := FP32ToFP16(v)
		if v != v {
			h = h&0x8000 | 0x7e00
		}
		binary.LittleEndian.PutUint16(dst[2*i:], h)
	}
}

func quantizeBF16(x []float32, dst []byte) {
	for i, v := range x {
		binary.LittleEndian.PutUint16(dst[2*i:], FP32ToBF16(v))
	}
}

// The AVX-512 build (no AVX512-FP16) of ggml_vec_dot_f32 and
// ggml_vec_dot_f16 keeps 4 accumulators of 16 float lanes, walks the row in
// steps of 64 with one FMA per element, folds the accumulators pairwise
// (0+2, 1+3, then 0+1) and reduces the 16 lanes by halves
// (_mm512_reduce_add_ps); a tail (n%64) is added in double for F16 and with
// float FMAs for F32.
const (
	avx512Lanes = 16
	avx512Step  = 64
)

// reduceLanes folds 4x16 accumulators as GGML_F32x16_REDUCE does.
func reduceLanes(acc *[4][avx512Lanes]float32) float32 {
	var v [avx512Lanes]float32
	for l := range v {
		v[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l])
	}
	return reduce16(&v)
}

// ReduceF16Lanes folds 4x16 float lanes in the order of ggml's F16 and F32
// dot products on AVX-512, for callers that fill the lanes themselves
// (attention's softmax·V in llm/llama).
func ReduceF16Lanes(acc *[4][avx512Lanes]float32) float32 { return reduceLanes(acc) }

// reduce16 is _mm512_reduce_add_ps: halves 16 -> 8 -> 4 -> 2 -> 1.
func reduce16(v *[avx512Lanes]float32) float32 {
	var h8 [8]float32
	for l := range h8 {
		h8[l] = v[l] + v[l+8]
	}
	var h4 [4]float32
	for l := range h4 {
		h4[l] = h8[l] + h8[l+4]
	}
	return (h4[0] + h4[2]) + (h4[1] + h4[3])
}

func dotF32(w, a []byte, n int) float32 {
	var acc [4][avx512Lanes]float32
	np := n &^ (avx512Step - 1)
	for i := 0; i < np; i += avx512Step {
		for j := 0; j < 4; j++ {
			for l := 0; l < avx512Lanes; l++ {
				k := 4 * (i + j*avx512Lanes + l)
				x := math.Float32frombits(binary.LittleEndian.Uint32(w[k:]))
				y := math.Float32frombits(binary.LittleEndian.Uint32(a[k:]))
				acc[j][l] = fma32(x, y, acc[j][l])
			}
		}
	}
	// ggml_vec_dot_f32 keeps this sum in a float (not a double); the tail
	// is rounded product, then add (measured against the shipped binary).
	sum := reduceLanes(&acc)
	for i := np; i < n; i++ {
		x := math.Float32frombits(binary.LittleEndian.Uint32(w[4*i:]))
		y := math.Float32frombits(binary.LittleEndian.Uint32(a[4*i:]))
		sum += float32(x * y)
	}
	return sum
}

func dotF16(w, a []byte, n int) float32 {
	var acc [4][avx512Lanes]float32
	np := n &^ (avx512Step - 1)
	for i := 0; i < np; i += avx512Step {
		for j := 0; j < 4; j++ {
			for l := 0; l < avx512Lanes; l++ {
				k := 2 * (i + j*avx512Lanes + l)
				// A product of two halves is exact in float32, so the
				// FMA is a plain float add of the product.
				p := float32(FP16ToFP32(le16(w[k:])) * FP16ToFP32(le16(a[k:])))
				acc[j][l] += p
			}
		}
	}
	sum := float64(reduceLanes(&acc))
	for i := np; i < n; i++ {
		sum += float64(float32(FP16ToFP32(le16(w[2*i:])) * FP16ToFP32(le16(a[2*i:]))))
	}
	return float32(sum)
}

// dotBF16 follows ggml_vec_dot_bf16 with AVX512-BF16: two accumulators of
// 16 lanes fed by vdpbf16ps over 64 elements per step (lane l of a 32-element
// half takes elements 2l+1 then 2l, each an add of an exact product with
// denormals flushed), each accumulator reduced into a double; the tail
// (n%64) is summed in double.
func dotBF16(w, a []byte, n int) float32 {
	var c [2][avx512Lanes]float32
	i := 0
	for ; i+64 <= n; i += 64 {
		for h := 0; h < 2; h++ {
			base := i + 32*h
			for l := 0; l < avx512Lanes; l++ {
				k := 2 * (base + 2*l)
				odd := float32(daz(BF16ToFP32(le16(w[k+2:]))) * daz(BF16ToFP32(le16(a[k+2:]))))
				even := float32(daz(BF16ToFP32(le16(w[k:]))) * daz(BF16ToFP32(le16(a[k:]))))
				c[h][l] = daz(daz(c[h][l]+odd) + even)
			}
		}
	}
	var sum float64
	sum += float64(reduce16(&c[0]))
	sum += float64(reduce16(&c[1]))
	for ; i < n; i++ {
		sum += float64(float32(BF16ToFP32(le16(w[2*i:])) * BF16ToFP32(le16(a[2*i:]))))
	}
	return float32(sum)
}

// daz flushes a float32 subnormal to a zero of the same sign.
func daz(f float32) float32 {
	if b := math.Float32bits(f); b&0x7f800000 == 0 {
		return math.Float32frombits(b & 0x80000000)
	}
	return f
}

// fma32 is a float32 fused multiply-add, x*y+z rounded once to nearest-even.
// The product is exact in float64; the sum is rounded to float64 and then to
// float32, and the one case where that double rounding errs (the float64
// sum lands exactly on a float32 midpoint while the exact sum does not) is
// resolved with the sum's exact error term.
func fma32(x, y, z float32) float32 {
	s := float64(x)*float64(y) + float64(z)
	// Fast path: in float32's normal range (biased float64 exponent
	// 898..1150) the midpoints between float32 values are the float64s
	// whose low 29 mantissa bits are 1<<28; any other s rounds like the
	// exact sum, which is within half a float64 ulp of it.
	if b := math.Float64bits(s); b&(1<<29-1) != 1<<28 && (b>>52&0x7ff)-898 < 253 {
		return float32(s)
	}
	return fma32Slow(x, y, z)
}

// fma32Slow handles midpoints, float32 subnormals and non-finite values.
func fma32Slow(x, y, z float32) float32 {
	p := float64(x) * float64(y)
	s := p + float64(z)
	r := float32(s)
	if math.IsInf(s, 0) || math.IsNaN(s) || float64(r) == s {
		return r
	}
	// Exact error of s = p + z (TwoSum).
	bb := s - p
	e := (p - (s - bb)) + (float64(z) - bb)
	if e == 0 {
		return r
	}
	// The float32 neighbour of r on the other side of s.
	var o float32
	if float64(r) < s {
		o = math.Nextafter32(r, float32(math.Inf(1)))
	} else {
		o = math.Nextafter32(r, float32(math.Inf(-1)))
	}
	if float64(r)+float64(o) != 2*s { // s is not a midpoint: r is right
		return r
	}
	// s is a midpoint; the exact value lies on the side of e.
	if (e > 0) == (float64(o) > s) {
		return o
	}
	return r
}
