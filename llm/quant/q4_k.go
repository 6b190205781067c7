package quant

import "github.com/quirehq/quire/llm/ggml"

// Q4_K: super-blocks of 256 weights in 8 sub-blocks of 32, x = d*sc*q - dmin*m
// with q in 0..15 and 6-bit sc, m per sub-block (ggml-common.h block_q4_K):
//
//	d     half   bytes 0-1
//	dmin  half   bytes 2-3
//	scales [12]  bytes 4-15 (see scaleMinK4)
//	qs    [128]  bytes 16-143: 64-element chunks, low nibbles the first 32
//	             elements of the chunk, high nibbles the next 32
const q4KSize = 144

// BlockQ4K is one Q4_K super-block in ggml's byte layout.
type BlockQ4K []byte

// D and DMin scale the sub-block scales and mins.
func (b BlockQ4K) D() float32    { return f16at(b[0:]) }
func (b BlockQ4K) DMin() float32 { return f16at(b[2:]) }

// ScaleMin returns sub-block j's 6-bit scale and min.
func (b BlockQ4K) ScaleMin(j int) (sc, m uint8) { return scaleMinK4(j, b[4:16]) }

// Q returns element i's 4-bit quant.
func (b BlockQ4K) Q(i int) uint8 {
	c, l := i/64, i%64
	q := b[16+32*c+l%32]
	if l < 32 {
		return q & 0xf
	}
	return q >> 4
}

func dequantizeQ4K(src []byte, dst []float32) {
	for ib := 0; ib < len(dst)/ggml.QK_K; ib++ {
		b := src[ib*q4KSize:]
		y := dst[ib*ggml.QK_K:]
		d, dmin := f16at(b[0:]), f16at(b[2:])
		q := b[16:]
		for j := 0; j < 4; j++ {
			sc, m := scaleMinK4(2*j, b[4:16])
			d1, m1 := float32(d*float32(sc)), float32(dmin*float32(m))
			sc, m = scaleMinK4(2*j+1, b[4:16])
			d2, m2 := float32(d*float32(sc)), float32(dmin*float32(m))
			for l := 0; l < 32; l++ {
				y[64*j+l] = float32(d1*float32(q[32*j+l]&0xf)) - m1
				y[64*j+32+l] = float32(d2*float32(q[32*j+l]>>4)) - m2
			}
		}
	}
}

// quantizeQ4K is quantize_row_q4_K_ref (what llama-quantize runs without an
// importance matrix).
func quantizeQ4K(x []float32, dst []byte) {
	var L [ggml.QK_K]uint8
	var laux [32]uint8
	var w [32]float32
	var scales, mins [8]float32
	for ib := 0; ib < len(x)/ggml.QK_K; ib++ {
		xb := x[ib*ggml.QK_K : (ib+1)*ggml.QK_K]
		b := dst[ib*q4KSize : (ib+1)*q4KSize]
		for j := 0; j < 8; j++ {
			sub := xb[32*j : 32*j+32]
			kquantWeights(sub, &w)
			scales[j] = makeQKX2Quants(15, sub, w[:], L[32*j:32*j+32], laux[:], &mins[j], -1, 0.1, 20, false)
		}
		d, dmin := quantizeScalesMinsK4(xb, &scales, &mins, 15, b[4:16], L[:])
		putLE16(b[0:], d)
		putLE16(b[2:], dmin)
		q := b[16:]
		for j := 0; j < 4; j++ {
			for l := 0; l < 32; l++ {
				q[32*j+l] = L[64*j+l] | L[64*j+32+l]<<4
			}
		}
	}
}

// unpackScalesK4 returns the 8 scales and 8 mins of a Q4_K/Q5_K block as
// ggml's dot products unpack them (the kmask1..3 shuffle).
func unpackScalesK4(q []byte) (scales, mins [8]int32) {
	for j := 0; j < 8; j++ {
		sc, m := scaleMinK4(j, q)
		scales[j], mins[j] = int32(sc), int32(m)
	}
	return scales, mins
}

// minsLanesK4 is the mins term of the x86 Q4_K/Q5_K kernels: bsums added in
// pairs per 32-element sub-block (_mm_hadd_epi16, 16-bit), then
// _mm_madd_epi16 with the mins into 4 int32 lanes.
func minsLanesK4(y []byte, mins *[8]int32) (prod [4]int32) {
	var pair [8]int32
	for s := 0; s < 8; s++ {
		b0 := int16(le16(y[4+ggml.QK_K+4*s:]))
		b1 := int16(le16(y[4+ggml.QK_K+4*s+2:]))
		pair[s] = int32(b0 + b1)
	}
	for i := 0; i < 4; i++ {
		prod[i] = mins[2*i]*pair[2*i] + mins[2*i+1]*pair[2*i+1]
	}
	return prod
}

// dotQ4KQ8K is ggml_vec_dot_q4_K_q8_K as the x86 build runs it: per block
// 8 int32 lanes of sc*q4*q8 (lane k: bytes 4k..4k+3 of each 32-element
// run) accumulated as acc[k] = fma(d_a*d_w, lane[k], acc[k]), and the mins
// in 4 lanes accm[i] = fma(-d_a*dmin_w, prod[i], accm[i]); the result is
// hsum8(acc) + ((accm0+accm2)+(accm1+accm3)).
func dotQ4KQ8K(w, a []byte, n int) float32 {
	var acc [8]float32
	var accm [4]float32
	for ib := 0; ib < n/ggml.QK_K; ib++ {
		x := w[ib*q4KSize:]
		y := a[ib*q8KSize:]
		scales, mins := unpackScalesK4(x[4:16])
		da := q8KD(y)
		d := float32(da * f16at(x[0:]))
		dmin := float32(-da * f16at(x[2:]))
		prod := minsLanesK4(y, &mins)
		for i := range accm {
			accm[i] = fma32(dmin, float32(prod[i]), accm[i])
		}
		q8 := y[4 : 4+ggml.QK_K]
		q := x[16:]
		var lane [8]int32
		for j := 0; j < 4; j++ {
			sl, sh := scales[2*j], scales[2*j+1]
			for k := 0; k < 8; k++ {
				var pl, ph int32
				for b := 4 * k; b < 4*k+4; b++ {
					pl += int32(q[32*j+b]&0xf) * int32(int8(q8[64*j+b]))
					ph += int32(q[32*j+b]>>4) * int32(int8(q8[64*j+32+b]))
				}
				lane[k] += sl*pl + sh*ph
			}
		}
		fmaLanes(&acc, d, &lane)
	}
	return hsum8(&acc) + ((accm[0] + accm[2]) + (accm[1] + accm[3]))
}
