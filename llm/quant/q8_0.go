package quant

import (
	"math"
)

// Q8_0: blocks of 32 values, x = d*q with q an int8 (block_q8_0):
//
//	d   half  bytes 0-1
//	qs  [32]  bytes 2-33, int8
//
// It is a weight format and the activation format paired with Q4_0 and
// Q8_0 weights.
const q8_0Size = 34

// BlockQ80 is one Q8_0 block in ggml's byte layout.
type BlockQ80 []byte

// D is the block scale.
func (b BlockQ80) D() float32 { return f16at(b) }

// Q returns element i's quant.
func (b BlockQ80) Q(i int) int8 { return int8(b[2+i]) }

func dequantizeQ8_0(src []byte, dst []float32) {
	for ib := 0; ib < len(dst)/32; ib++ {
		b := src[ib*q8_0Size:]
		y := dst[ib*32:]
		d := f16at(b)
		for j := 0; j < 32; j++ {
			y[j] = float32(int8(b[2+j])) * d
		}
	}
}

// quantizeQ8_0 is quantize_row_q8_0_ref, the weight quantizer: d = amax/127,
// q = roundf(x * (1/d)), halves rounded away from zero.
func quantizeQ8_0(x []float32, dst []byte) {
	for ib := 0; ib < len(x)/32; ib++ {
		xb := x[ib*32 : ib*32+32]
		b := dst[ib*q8_0Size : (ib+1)*q8_0Size]
		var amax float32
		for _, v := range xb {
			amax = max(amax, abs32(v))
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putLE16(b, FP32ToFP16(d))
		for j, v := range xb {
			b[2+j] = byte(truncInt8(float32(math.Round(float64(float32(v * id))))))
		}
	}
}

// quantizeActQ8_0 is quantize_row_q8_0 as ggml's x86 CPU backend (AVX2 and
// AVX-512 builds) runs it on activations: d = amax/127 stored as a half,
// multiplier 127/amax (not 1/d), products rounded to nearest even
// (_mm256_round_ps, _MM_ROUND_NEAREST), converted with signed saturation.
// The SIMD kernel writes the same bytes; rows with a NaN take the portable
// loop.
func quantizeActQ8_0(x []float32, dst []byte) {
	if nb := len(x) / 32; nb > 0 && actSIMD {
		_ = dst[nb*q8_0Size-1]
		if actQ8_0Kernel(&x[0], &dst[0], nb) {
			return
		}
	}
	quantizeActQ8_0Go(x, dst)
}

// quantizeActQ8_0Go is the portable quantizeActQ8_0.
func quantizeActQ8_0Go(x []float32, dst []byte) {
	for ib := 0; ib < len(x)/32; ib++ {
		xb := x[ib*32 : ib*32+32]
		b := dst[ib*q8_0Size : (ib+1)*q8_0Size]
		var amax float32
		for _, v := range xb {
			amax = maxps(amax, abs32(v))
		}
		putLE16(b, FP32ToFP16(amax/127))
		var id float32
		if amax != 0 {
			id = 127 / amax
		}
		for j, v := range xb {
			b[2+j] = byte(cvtSat8(float32(v * id)))
		}
	}
}

// maxps is _mm256_max_ps on one lane: the second operand when either is NaN.
func maxps(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

// cvtSat8 rounds to nearest even and saturates to int8 as
// _mm256_cvtps_epi32 + packs do; NaN and out-of-range values convert to
// INT32_MIN first and so saturate to -128.
func cvtSat8(f float32) int8 {
	r := math.RoundToEven(float64(f))
	if !(r >= -2147483648 && r < 2147483648) {
		return -128
	}
	return int8(max(-128, min(127, int64(r))))
}

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

// dotQ8_0Q8_0 is ggml_vec_dot_q8_0_q8_0 as the x86 build runs it: per
// block d = d_w*d_a and 8 int32 lanes of q8*q8 (see lanes.go).
func dotQ8_0Q8_0(w, a []byte, n int) float32 {
	var acc [8]float32
	var lane [8]int32
	var xq, yq [32]int8
	for ib := 0; ib < n/32; ib++ {
		x := w[ib*q8_0Size:]
		y := a[ib*q8_0Size:]
		for j := 0; j < 32; j++ {
			xq[j], yq[j] = int8(x[2+j]), int8(y[2+j])
		}
		signedDot32(xq[:], yq[:], &lane)
		fmaLanes(&acc, float32(f16at(x)*f16at(y)), &lane)
	}
	return hsum8(&acc)
}
