package quant

import (
	"math"

	"github.com/quirehq/quire/llm/ggml"
)

// Q6_K: super-blocks of 256 weights in 16 sub-blocks of 16, x = d*sc*(q-32)
// with q in 0..63 and an int8 scale per sub-block (block_q6_K):
//
//	ql    [128]  bytes 0-127: low 4 bits; per 128-element half h, ql[64h+l]
//	             holds elements 128h+l (low nibble) and 128h+64+l (high),
//	             ql[64h+32+l] elements 128h+32+l and 128h+96+l (l < 32)
//	qh    [64]   bytes 128-191: top 2 bits; qh[32h+l] bits 0-1, 2-3, 4-5,
//	             6-7 belong to elements 128h+l, +32, +64, +96
//	scales [16]  bytes 192-207, int8
//	d     half   bytes 208-209
const q6KSize = 210

// BlockQ6K is one Q6_K super-block in ggml's byte layout.
type BlockQ6K []byte

// D is the super-block scale.
func (b BlockQ6K) D() float32 { return f16at(b[208:]) }

// Scale returns sub-block j's (16 elements) int8 scale.
func (b BlockQ6K) Scale(j int) int8 { return int8(b[192+j]) }

// Q returns element i's 6-bit quant (0..63; the value is Q-32).
func (b BlockQ6K) Q(i int) uint8 {
	h, r := i/128, i%128
	quarter, l := r/32, r%32
	lo := b[64*h+32*(quarter%2)+l]
	if quarter >= 2 {
		lo >>= 4
	}
	hi := (b[128+32*h+l] >> (2 * quarter)) & 3
	return lo&0xf | hi<<4
}

func dequantizeQ6K(src []byte, dst []float32) {
	for ib := 0; ib < len(dst)/ggml.QK_K; ib++ {
		b := src[ib*q6KSize:]
		y := dst[ib*ggml.QK_K:]
		d := f16at(b[208:])
		for h := 0; h < 2; h++ {
			ql, qh, sc := b[64*h:], b[128+32*h:], b[192+8*h:]
			yy := y[128*h:]
			for l := 0; l < 32; l++ {
				is := l / 16
				q1 := int32(ql[l]&0xf|(qh[l]>>0)&3<<4) - 32
				q2 := int32(ql[l+32]&0xf|(qh[l]>>2)&3<<4) - 32
				q3 := int32(ql[l]>>4|(qh[l]>>4)&3<<4) - 32
				q4 := int32(ql[l+32]>>4|(qh[l]>>6)&3<<4) - 32
				yy[l] = float32(d*float32(int8(sc[is]))) * float32(q1)
				yy[l+32] = float32(d*float32(int8(sc[is+2]))) * float32(q2)
				yy[l+64] = float32(d*float32(int8(sc[is+4]))) * float32(q3)
				yy[l+96] = float32(d*float32(int8(sc[is+6]))) * float32(q4)
			}
		}
	}
}

// makeQXQuants is make_qx_quants with rmse_type 1 and no importance
// weights, the form quantize_row_q6_K_ref uses: signed L in -nmax..nmax-1
// stored as L+nmax, best of 19 candidate scales by weighted (x²) error.
func makeQXQuants(nmax int, x []float32, L []int8) float32 {
	var maxv, amax float32
	for _, v := range x {
		if ax := float32(math.Abs(float64(v))); ax > amax {
			amax, maxv = ax, v
		}
	}
	if amax < groupMaxEps {
		for i := range x {
			L[i] = 0
		}
		return 0
	}
	fnmax := float32(nmax)
	iscale := -fnmax / maxv
	var sumlx, suml2 float32
	for i, v := range x {
		l := max(-nmax, min(nmax-1, nearestInt(float32(iscale*v))))
		L[i] = int8(l + nmax)
		w := float32(v * v)
		fl := float32(l)
		sumlx += float32(float32(w*v) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	var scale float32
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := float32(scale * sumlx)
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -float32(fnmax+float32(0.1*float32(is))) / maxv
		sumlx, suml2 = 0, 0
		for _, v := range x {
			l := max(-nmax, min(nmax-1, nearestInt(float32(iscale*v))))
			w := float32(v * v)
			fl := float32(l)
			sumlx += float32(float32(w*v) * fl)
			suml2 += float32(float32(w*fl) * fl)
		}
		if suml2 > 0 && float32(sumlx*sumlx) > float32(best*suml2) {
			for i, v := range x {
				l := nearestInt(float32(iscale * v))
				L[i] = int8(nmax + max(-nmax, min(nmax-1, l)))
			}
			scale = sumlx / suml2
			best = float32(scale * sumlx)
		}
	}
	return scale
}

// quantizeQ6K is quantize_row_q6_K_ref.
func quantizeQ6K(x []float32, dst []byte) {
	var L [ggml.QK_K]int8
	var scales [16]float32
	for ib := 0; ib < len(x)/ggml.QK_K; ib++ {
		xb := x[ib*ggml.QK_K : (ib+1)*ggml.QK_K]
		b := dst[ib*q6KSize : (ib+1)*q6KSize]
		var maxScale, maxAbsScale float32
		for j := 0; j < 16; j++ {
			s := makeQXQuants(32, xb[16*j:16*j+16], L[16*j:16*j+16])
			scales[j] = s
			if as := float32(math.Abs(float64(s))); as > maxAbsScale {
				maxAbsScale, maxScale = as, s
			}
		}
		if maxAbsScale < groupMaxEps {
			clear(b) // d = +0, scales and quants 0
			continue
		}
		iscale := -128 / maxScale
		d := FP32ToFP16(1 / iscale)
		putLE16(b[208:], d)
		for j := 0; j < 16; j++ {
			b[192+j] = byte(int8(min(127, nearestInt(float32(iscale*scales[j])))))
		}
		fd := FP16ToFP32(d)
		for j := 0; j < 16; j++ {
			dd := float32(fd * float32(int8(b[192+j])))
			if dd == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				l := nearestInt(xb[16*j+ii] / dd)
				L[16*j+ii] = int8(max(-32, min(31, l)) + 32)
			}
		}
		for h := 0; h < 2; h++ {
			ql, qh := b[64*h:], b[128+32*h:]
			Lh := L[128*h:]
			for l := 0; l < 32; l++ {
				q1 := uint8(Lh[l]) & 0xf
				q2 := uint8(Lh[l+32]) & 0xf
				q3 := uint8(Lh[l+64]) & 0xf
				q4 := uint8(Lh[l+96]) & 0xf
				ql[l] = q1 | q3<<4
				ql[l+32] = q2 | q4<<4
				qh[l] = uint8(Lh[l])>>4 | (uint8(Lh[l+32])>>4)<<2 | (uint8(Lh[l+64])>>4)<<4 | (uint8(Lh[l+96])>>4)<<6
			}
		}
	}
}

// unpackQ6K writes a block's 256 quants, unsigned (0..63), in element order.
func unpackQ6K(b []byte, q *[ggml.QK_K]uint8) {
	for h := 0; h < 2; h++ {
		ql, qh := b[64*h:64*h+64], b[128+32*h:128+32*h+32]
		qq := q[128*h : 128*h+128]
		for l := 0; l < 32; l++ {
			qq[l] = ql[l]&0xf | (qh[l]&3)<<4
			qq[l+32] = ql[l+32]&0xf | (qh[l]>>2&3)<<4
			qq[l+64] = ql[l]>>4 | (qh[l]>>4&3)<<4
			qq[l+96] = ql[l+32]>>4 | (qh[l]>>6&3)<<4
		}
	}
}

// dotQ6KQ8K is ggml_vec_dot_q6_K_q8_K as the x86 build runs it: per block
// 8 int32 lanes of sc*q*q8 with q unsigned (0..63; lanes 0-3 of a 32-element
// run take the scale of its first 16 elements, lanes 4-7 the second's),
// minus 32*(bsum[2k]*sc[2k] + bsum[2k+1]*sc[2k+1]) in lane k, then
// acc[k] = fma(d_a*d_w, lane[k], acc[k]) and hsum8.
func dotQ6KQ8K(w, a []byte, n int) float32 {
	var acc [8]float32
	var q [ggml.QK_K]uint8
	for ib := 0; ib < n/ggml.QK_K; ib++ {
		x := w[ib*q6KSize : (ib+1)*q6KSize]
		y := a[ib*q8KSize : (ib+1)*q8KSize]
		q8 := y[4 : 4+ggml.QK_K]
		unpackQ6K(x, &q)
		var lane [8]int32
		for r := 0; r < 8; r++ { // 32-element runs
			for k := 0; k < 8; k++ {
				var p int32
				for b := 32*r + 4*k; b < 32*r+4*k+4; b++ {
					p += int32(q[b]) * int32(int8(q8[b]))
				}
				lane[k] += int32(int8(x[192+2*r+k/4])) * p
			}
		}
		for k := 0; k < 8; k++ {
			b0 := int32(int16(le16(y[4+ggml.QK_K+4*k:])))
			b1 := int32(int16(le16(y[4+ggml.QK_K+4*k+2:])))
			lane[k] -= (b0*int32(int8(x[192+2*k])) + b1*int32(int8(x[192+2*k+1]))) << 5
		}
		fmaLanes(&acc, float32(q8KD(y)*f16at(x[208:])), &lane)
	}
	return hsum8(&acc)
}
