package quant

// Q4_0: blocks of 32 weights, x = d*(q-8) with q in 0..15 (block_q4_0):
//
//	d   half  bytes 0-1
//	qs  [16]  bytes 2-17: qs[j] low nibble is element j, high nibble j+16
const q4_0Size = 18

// BlockQ40 is one Q4_0 block in ggml's byte layout.
type BlockQ40 []byte

// D is the block scale.
func (b BlockQ40) D() float32 { return f16at(b) }

// Q returns element i's 4-bit quant (0..15; the value is Q-8).
func (b BlockQ40) Q(i int) uint8 {
	if i < 16 {
		return b[2+i] & 0xf
	}
	return b[2+i-16] >> 4
}

func dequantizeQ4_0(src []byte, dst []float32) {
	for ib := 0; ib < len(dst)/32; ib++ {
		b := src[ib*q4_0Size:]
		y := dst[ib*32:]
		d := f16at(b)
		for j := 0; j < 16; j++ {
			y[j] = float32(int32(b[2+j]&0xf)-8) * d
			y[j+16] = float32(int32(b[2+j]>>4)-8) * d
		}
	}
}

// quantizeQ4_0 is quantize_row_q4_0_ref: d = max/-8 where max is the value
// of largest magnitude (first one on ties), q = min(15, trunc(x/d + 8.5)).
func quantizeQ4_0(x []float32, dst []byte) {
	for ib := 0; ib < len(x)/32; ib++ {
		xb := x[ib*32 : ib*32+32]
		b := dst[ib*q4_0Size : (ib+1)*q4_0Size]
		var amax, maxv float32
		for _, v := range xb {
			if av := abs32(v); amax < av {
				amax, maxv = av, v
			}
		}
		d := maxv / -8
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putLE16(b, FP32ToFP16(d))
		for j := 0; j < 16; j++ {
			x0 := float32(xb[j] * id)
			x1 := float32(xb[j+16] * id)
			xi0 := uint8(min(15, int(truncInt8(x0+8.5))))
			xi1 := uint8(min(15, int(truncInt8(x1+8.5))))
			b[2+j] = xi0 | xi1<<4
		}
	}
}

// truncInt8 is C's (int8_t) conversion of a float as gcc compiles it on
// x86 (cvttss2si to int32, keep the low byte); out-of-range values and NaN
// give the low byte of 0x80000000.
func truncInt8(f float32) int8 {
	if !(f > -2147483648 && f < 2147483648) {
		return 0
	}
	return int8(int32(f))
}

// dotQ4_0Q8_0 is ggml_vec_dot_q4_0_q8_0 as the x86 build runs it: per
// block d = d_w*d_a and 8 int32 lanes of (q-8)*q8 (see lanes.go).
func dotQ4_0Q8_0(w, a []byte, n int) float32 {
	var acc [8]float32
	var lane [8]int32
	var xq, yq [32]int8
	for ib := 0; ib < n/32; ib++ {
		x := w[ib*q4_0Size:]
		y := a[ib*q8_0Size:]
		for j := 0; j < 16; j++ {
			xq[j] = int8(x[2+j]&0xf) - 8
			xq[j+16] = int8(x[2+j]>>4) - 8
		}
		for j := 0; j < 32; j++ {
			yq[j] = int8(y[2+j])
		}
		signedDot32(xq[:], yq[:], &lane)
		fmaLanes(&acc, float32(f16at(x)*f16at(y)), &lane)
	}
	return hsum8(&acc)
}
