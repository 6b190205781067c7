package quant

import "github.com/quirehq/quire/llm/ggml"

// Q5_K: as Q4_K with a fifth bit per weight, q in 0..31 (block_q5_K):
//
//	d     half   bytes 0-1
//	dmin  half   bytes 2-3
//	scales [12]  bytes 4-15
//	qh    [32]   bytes 16-47: bit 2c of qh[l] is the high bit of element
//	             64c+l, bit 2c+1 that of element 64c+32+l
//	qs    [128]  bytes 48-175: low nibbles, laid out as Q4_K's
const q5KSize = 176

// BlockQ5K is one Q5_K super-block in ggml's byte layout.
type BlockQ5K []byte

// D and DMin scale the sub-block scales and mins.
func (b BlockQ5K) D() float32    { return f16at(b[0:]) }
func (b BlockQ5K) DMin() float32 { return f16at(b[2:]) }

// ScaleMin returns sub-block j's 6-bit scale and min.
func (b BlockQ5K) ScaleMin(j int) (sc, m uint8) { return scaleMinK4(j, b[4:16]) }

// Q returns element i's 5-bit quant.
func (b BlockQ5K) Q(i int) uint8 {
	c, l := i/64, i%64
	q := b[48+32*c+l%32]
	bit := uint(2 * c)
	if l < 32 {
		q &= 0xf
	} else {
		q >>= 4
		bit++
	}
	return q | (b[16+l%32]>>bit)&1<<4
}

func dequantizeQ5K(src []byte, dst []float32) {
	for ib := 0; ib < len(dst)/ggml.QK_K; ib++ {
		b := src[ib*q5KSize:]
		y := dst[ib*ggml.QK_K:]
		d, dmin := f16at(b[0:]), f16at(b[2:])
		qh, ql := b[16:48], b[48:]
		for j := 0; j < 4; j++ {
			sc, m := scaleMinK4(2*j, b[4:16])
			d1, m1 := float32(d*float32(sc)), float32(dmin*float32(m))
			sc, m = scaleMinK4(2*j+1, b[4:16])
			d2, m2 := float32(d*float32(sc)), float32(dmin*float32(m))
			u1, u2 := uint8(1)<<(2*j), uint8(2)<<(2*j)
			for l := 0; l < 32; l++ {
				lo, hi := ql[32*j+l]&0xf, ql[32*j+l]>>4
				if qh[l]&u1 != 0 {
					lo += 16
				}
				if qh[l]&u2 != 0 {
					hi += 16
				}
				y[64*j+l] = float32(d1*float32(lo)) - m1
				y[64*j+32+l] = float32(d2*float32(hi)) - m2
			}
		}
	}
}

// quantizeQ5K is quantize_row_q5_K_ref.
func quantizeQ5K(x []float32, dst []byte) {
	var L [ggml.QK_K]uint8
	var laux [32]uint8
	var w [32]float32
	var scales, mins [8]float32
	for ib := 0; ib < len(x)/ggml.QK_K; ib++ {
		xb := x[ib*ggml.QK_K : (ib+1)*ggml.QK_K]
		b := dst[ib*q5KSize : (ib+1)*q5KSize]
		for j := 0; j < 8; j++ {
			sub := xb[32*j : 32*j+32]
			kquantWeights(sub, &w)
			scales[j] = makeQKX2Quants(31, sub, w[:], L[32*j:32*j+32], laux[:], &mins[j], -0.5, 0.1, 15, false)
		}
		d, dmin := quantizeScalesMinsK4(xb, &scales, &mins, 31, b[4:16], L[:])
		putLE16(b[0:], d)
		putLE16(b[2:], dmin)
		qh, ql := b[16:48], b[48:176]
		clear(qh)
		for j := 0; j < 4; j++ {
			m1, m2 := uint8(1)<<(2*j), uint8(2)<<(2*j)
			for l := 0; l < 32; l++ {
				l1, l2 := L[64*j+l], L[64*j+32+l]
				if l1 > 15 {
					l1 -= 16
					qh[l] |= m1
				}
				if l2 > 15 {
					l2 -= 16
					qh[l] |= m2
				}
				ql[32*j+l] = l1 | l2<<4
			}
		}
	}
}

// dotQ5KQ8K is ggml_vec_dot_q5_K_q8_K as the x86 build runs it: lanes as
// dotQ4KQ8K, but the mins term is one scalar per block,
// summs = fma(-d_a*dmin_w, (p0+p1)+(p2+p3), summs), added after hsum8.
func dotQ5KQ8K(w, a []byte, n int) float32 {
	var acc [8]float32
	var summs float32
	for ib := 0; ib < n/ggml.QK_K; ib++ {
		x := w[ib*q5KSize:]
		y := a[ib*q8KSize:]
		scales, mins := unpackScalesK4(x[4:16])
		da := q8KD(y)
		d := float32(da * f16at(x[0:]))
		dmin := float32(-da * f16at(x[2:]))
		prod := minsLanesK4(y, &mins)
		summs = fma32(dmin, float32((prod[0]+prod[1])+(prod[2]+prod[3])), summs)
		q8 := y[4 : 4+ggml.QK_K]
		qh, ql := x[16:48], x[48:]
		var lane [8]int32
		for j := 0; j < 4; j++ {
			sl, sh := scales[2*j], scales[2*j+1]
			for k := 0; k < 8; k++ {
				var pl, ph int32
				for b := 4 * k; b < 4*k+4; b++ {
					lo := int32(ql[32*j+b]&0xf) | int32(qh[b]>>(2*j))&1<<4
					hi := int32(ql[32*j+b]>>4) | int32(qh[b]>>(2*j+1))&1<<4
					pl += lo * int32(int8(q8[64*j+b]))
					ph += hi * int32(int8(q8[64*j+32+b]))
				}
				lane[k] += sl*pl + sh*ph
			}
		}
		fmaLanes(&acc, d, &lane)
	}
	return hsum8(&acc) + summs
}
