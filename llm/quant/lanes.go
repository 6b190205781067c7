package quant

// The quantized dot products reproduce the float order of ggml's x86 AVX2
// kernels, which the AVX-512 build (zen4 variant) also runs for these types:
// each block's exact integer products are summed into 8 int32 lanes (lane k
// takes bytes 4k..4k+3 of each 32-byte vector), each lane is converted to
// float and accumulated with one FMA per block (acc[k] = d*lane[k] + acc[k]),
// and the 8 accumulators are reduced by hsum_float_8.

// hsum8 is hsum_float_8: ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)).
func hsum8(a *[8]float32) float32 {
	return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
}

// fmaLanes does acc[k] = fma(d, float(lane[k]), acc[k]) for the 8 lanes.
func fmaLanes(acc *[8]float32, d float32, lane *[8]int32) {
	for k := range acc {
		acc[k] = fma32(d, float32(lane[k]), acc[k])
	}
}

// signedDot32 is the x86 mul_sum_i8_pairs_float integer part for one
// 32-byte block of int8 pairs: lane k = Σ_{b=4k}^{4k+3} |x_b| * sign(y_b, x_b),
// where _mm256_sign_epi8 negates y in 8-bit arithmetic (so y = -128 with a
// negative x stays -128) and the products are summed without saturation
// (AVX512-VNNI vpdpbusd).
func signedDot32(x, y []int8, lane *[8]int32) {
	x, y = x[:32], y[:32]
	for k := 0; k < 8; k++ {
		var s int32
		for b := 4 * k; b < 4*k+4; b++ {
			p := int32(x[b]) * int32(y[b])
			if y[b] == -128 && x[b] < 0 {
				p = -p // sign_epi8 cannot negate -128
			}
			s += p
		}
		lane[k] = s
	}
}
