package quant

import (
	"fmt"
	"unsafe"
)

// Attention for four query heads that share one KV head (grouped-query
// attention: Mistral 7B has four per KV head). The key and value rows are
// read and converted from F16 once for the four, and each head's numbers
// are exactly DotF16Rows's and AxpyF16Rows's: the same per-lane sums and
// FMAs, only interleaved.

// DotF16Rows4 is DotF16Rows for four query rows a[i] (F16, same length)
// against the same key rows w: out[i][t] for t < len(out[0]).
func DotF16Rows4(out *[4][]float32, w []uint16, stride int, a *[4][]byte, q32 []float32) {
	rows, n := len(out[0]), len(a[0])/2
	for i := range out {
		if len(out[i]) != rows || len(a[i]) != 2*n {
			panic(fmt.Sprintf("quant: DotF16Rows4 rows of %d and %d outputs, %d and %d halves", len(out[0]), len(out[i]), len(a[0])/2, len(a[i])/2))
		}
	}
	if rows == 0 {
		return
	}
	if stride < 0 || (rows-1)*stride+n > len(w) {
		panic(fmt.Sprintf("quant: DotF16Rows4 of %d rows of %d (stride %d) over %d halves", rows, n, stride, len(w)))
	}
	if attn4SIMD && n > 0 && n%avx512Step == 0 && len(q32) >= 4*n {
		// The four queries as float32 (exact), back to back.
		for i := range a {
			for d := range n {
				q32[i*n+d] = FP16ToFP32(uint16(a[i][2*d]) | uint16(a[i][2*d+1])<<8)
			}
		}
		if d, ok := evenlySpaced(out); ok {
			f16DotRows4Kernel(&out[0][0], d, (*byte)(unsafe.Pointer(&w[0])), 2*stride, &q32[0], rows, n)
			return
		}
	}
	for i := range out {
		DotF16Rows(out[i], w, stride, a[i])
	}
}

// evenlySpaced reports the byte distance between the first elements of
// four rows when it is the same between each pair of neighbours, as the
// kernels take them.
func evenlySpaced(rows *[4][]float32) (int, bool) {
	p := func(i int) uintptr { return uintptr(unsafe.Pointer(&rows[i][0])) }
	d := p(1) - p(0)
	return int(d), p(2)-p(1) == d && p(3)-p(2) == d
}

// AxpyF16Rows4 is AxpyF16Rows for four heads' lanes and weights against the
// same value rows v.
func AxpyF16Rows4(lanes *[4][]float32, v []uint16, stride int, att *[4][]float32) {
	hd, n := len(lanes[0])/64, len(att[0])
	for i := range lanes {
		if len(lanes[i]) != len(lanes[0]) || len(att[i]) != n {
			panic("quant: AxpyF16Rows4 needs four lanes and four weights of equal lengths")
		}
	}
	if n == 0 || hd == 0 {
		return
	}
	if len(lanes[0])%64 != 0 || stride < 0 || (n-1)*stride+hd > len(v) {
		panic(fmt.Sprintf("quant: AxpyF16Rows4 of %d rows of %d (stride %d) over %d halves", n, hd, stride, len(v)))
	}
	if attn4SIMD && hd%16 == 0 {
		ls, lok := evenlySpaced(lanes)
		as, aok := evenlySpaced(att)
		if lok && aok {
			axpyF16Rows4Kernel(&lanes[0][0], ls, (*byte)(unsafe.Pointer(&v[0])), 2*stride, &att[0][0], as, n, hd)
			return
		}
	}
	for i := range lanes {
		AxpyF16Rows(lanes[i], v, stride, att[i])
	}
}
