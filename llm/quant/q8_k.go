package quant

import (
	"encoding/binary"
	"math"

	"github.com/quirehq/quire/llm/ggml"
)

// Q8_K: the activation format paired with K-quant weights, blocks of 256
// (block_q8_K):
//
//	d      float32   bytes 0-3
//	qs     [256]int8 bytes 4-259
//	bsums  [16]int16 bytes 260-291: sums of qs in groups of 16
const q8KSize = 292

// BlockQ8K is one Q8_K block in ggml's byte layout.
type BlockQ8K []byte

// D is the block scale (a float32, unlike the weight formats).
func (b BlockQ8K) D() float32 { return q8KD(b) }

// Q returns element i's quant.
func (b BlockQ8K) Q(i int) int8 { return int8(b[4+i]) }

// BSum returns the sum of quants 16j..16j+15 as stored.
func (b BlockQ8K) BSum(j int) int16 { return int16(le16(b[4+ggml.QK_K+2*j:])) }

func q8KD(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

func dequantizeQ8K(src []byte, dst []float32) {
	for ib := 0; ib < len(dst)/ggml.QK_K; ib++ {
		b := src[ib*q8KSize:]
		d := q8KD(b)
		for j := 0; j < ggml.QK_K; j++ {
			dst[ib*ggml.QK_K+j] = d * float32(int8(b[4+j]))
		}
	}
}

// quantizeQ8K is quantize_row_q8_K_ref, which is also what ggml's x86 CPU
// backend runs for activations (its quantize_row_q8_K calls the _ref): max
// is the value of largest magnitude (first on ties), iscale = -127/max,
// q = min(127, nearest_int(iscale*x)) rounding halves to even, d = 1/iscale,
// and bsums. An all-zero block gets d = 0 (ggml leaves its bsums unwritten;
// we write zeros). The SIMD kernels find the max and write the quants and
// bsums; the scales stay in Go.
func quantizeQ8K(x []float32, dst []byte) {
	if !actSIMD {
		quantizeQ8KGo(x, dst)
		return
	}
	for ib := 0; ib < len(x)/ggml.QK_K; ib++ {
		xb := x[ib*ggml.QK_K : (ib+1)*ggml.QK_K]
		b := dst[ib*q8KSize : (ib+1)*q8KSize]
		i := actQ8KMaxKernel(&xb[0])
		if i < 0 {
			clear(b)
			continue
		}
		iscale := -127 / xb[i]
		actQ8KQuantKernel(&xb[0], &b[0], iscale)
		binary.LittleEndian.PutUint32(b, math.Float32bits(1/iscale))
	}
}

// quantizeQ8KGo is the portable quantizeQ8K.
func quantizeQ8KGo(x []float32, dst []byte) {
	for ib := 0; ib < len(x)/ggml.QK_K; ib++ {
		xb := x[ib*ggml.QK_K : (ib+1)*ggml.QK_K]
		b := dst[ib*q8KSize : (ib+1)*q8KSize]
		var maxv, amax float32
		for _, v := range xb {
			if av := abs32(v); av > amax {
				amax, maxv = av, v
			}
		}
		if amax == 0 {
			clear(b)
			continue
		}
		iscale := -127 / maxv
		for j, v := range xb {
			b[4+j] = byte(int8(min(127, nearestInt(float32(iscale*v)))))
		}
		for j := 0; j < 16; j++ {
			var sum int
			for ii := 0; ii < 16; ii++ {
				sum += int(int8(b[4+16*j+ii]))
			}
			binary.LittleEndian.PutUint16(b[4+ggml.QK_K+2*j:], uint16(int16(sum)))
		}
		binary.LittleEndian.PutUint32(b, math.Float32bits(1/iscale))
	}
}
