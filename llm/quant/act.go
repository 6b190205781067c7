package quant

import (
	"fmt"
	"unsafe"

	"github.com/quirehq/quire/llm/ggml"
)

// SIMD versions of the activation conversions and of attention's and
// RoPE's inner loops run when actSIMD is set (act_amd64.go: AVX2, FMA and
// F16C; act_other.go has none). Each gives exactly the bits of the portable
// Go it stands in for (act_test.go compares them). They are plain
// functions, not function variables, so that slices passed to them can
// stay on the caller's stack (a call through a variable makes them escape).
//
//	actQ8_0Kernel(x, dst, nb) bool        quantizeActQ8_0 over nb blocks;
//	                                      false when the row holds a NaN
//	                                      (left to the portable code)
//	actQ8KMaxKernel(x) int                index of quantizeQ8K's max in a
//	                                      block of 256, -1 when it is 0
//	actQ8KQuantKernel(x, dst, iscale)     a Q8_K block's quants and bsums
//	f32ToF16Kernel(dst, src, n)           n%8 == 0 floats to halves
//	roundF16Kernel(x, n)                  n%8 == 0 floats rounded to halves
//	axpyF16RowsKernel(lanes, v, stride,   AxpyF16Rows, hd%8 == 0, stride in
//	  att, n, hd)                         bytes
//	ropeKernel(x, bs, zs, hd, heads)      RotatePairs, hd%8 == 0
//	f16DotRowsKernel(out, w, a, stride,   DotF16Rows, n%64 == 0, stride in
//	  rows, n)                            bytes

// FP32ToFP16Row sets dst[i] = FP32ToFP16(src[i]) (F16C rounding; the F16 KV
// cache stores keys and values so). The slices must have the same length.
func FP32ToFP16Row(dst []uint16, src []float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("quant: FP32ToFP16Row of %d values into %d", len(src), len(dst)))
	}
	n := 0
	if actSIMD {
		if n = len(src) &^ 7; n > 0 {
			f32ToF16Kernel(&dst[0], &src[0], n)
		}
	}
	for i := n; i < len(src); i++ {
		dst[i] = FP32ToFP16(src[i])
	}
}

// RoundF16 replaces every value by the nearest half's value, as writing to
// and reading back an F16 tensor does (attention's query and probabilities
// over an F16 cache).
func RoundF16(x []float32) {
	n := 0
	if actSIMD {
		if n = len(x) &^ 7; n > 0 {
			roundF16Kernel(&x[0], n)
		}
	}
	for i := n; i < len(x); i++ {
		x[i] = FP16ToFP32(FP32ToFP16(x[i]))
	}
}

// DotF16Rows sets out[t] = VecDot(ggml.F16, row t, a, n) for len(out) rows
// of n = len(a)/2 halves, row t starting at w[t*stride]: attention's scores
// over one head of an F16 KV cache, with the kernel looked up once instead
// of VecDot's checks and dispatch per row.
func DotF16Rows(out []float32, w []uint16, stride int, a []byte) {
	n := len(a) / 2
	if len(out) == 0 {
		return
	}
	if len(a)%2 != 0 || stride < 0 || (len(out)-1)*stride+n > len(w) {
		panic(fmt.Sprintf("quant: DotF16Rows of %d rows of %d (stride %d) over %d halves", len(out), len(a)/2, stride, len(w)))
	}
	if n == 0 {
		clear(out)
		return
	}
	if actSIMD && n%avx512Step == 0 {
		f16DotRowsKernel(&out[0], (*byte)(unsafe.Pointer(&w[0])), &a[0], 2*stride, len(out), n)
		return
	}
	dotF16RowsGo(out, w, stride, a)
}

// dotF16RowsGo is the portable DotF16Rows (lengths checked by the caller).
func dotF16RowsGo(out []float32, w []uint16, stride int, a []byte) {
	n := len(a) / 2
	dot := dotFunc(ggml.F16)
	for t := range out {
		row := w[t*stride : t*stride+n]
		out[t] = dot(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(row))), 2*n), a, n)
	}
}

// AxpyF16Rows adds att[t]·v[t*stride : t*stride+hd] to row t%64 of lanes
// (64 rows of hd = len(lanes)/64) for every t < len(att), each row as
// AxpyF16 adds it: attention's softmax·V filling ggml_vec_dot_f16's 64
// lanes for hd dimensions at once, in one call instead of one per position.
func AxpyF16Rows(lanes []float32, v []uint16, stride int, att []float32) {
	hd := len(lanes) / 64
	if len(att) == 0 || hd == 0 {
		return
	}
	if len(lanes)%64 != 0 || stride < 0 || (len(att)-1)*stride+hd > len(v) {
		panic(fmt.Sprintf("quant: AxpyF16Rows of %d rows of %d (stride %d) over %d halves, %d lanes", len(att), hd, stride, len(v), len(lanes)))
	}
	if actSIMD && hd%8 == 0 {
		axpyF16RowsKernel(&lanes[0], (*byte)(unsafe.Pointer(&v[0])), 2*stride, &att[0], len(att), hd)
		return
	}
	for t, a := range att {
		AxpyF16(lanes[(t&63)*hd:(t&63+1)*hd], v[t*stride:t*stride+hd], a)
	}
}

// RotatePairs sets, for every head of x (heads of hd = len(bs) values) and
// every pair (x[2i], x[2i+1]) of it,
//
//	x[2i]   = FMA32(x[2i], bs[2i],   x[2i+1]*zs[2i])
//	x[2i+1] = FMA32(x[2i], bs[2i+1], x[2i+1]*zs[2i+1])
//
// RoPE's rotation when bs holds (cos, sin) and zs (-sin, cos) of each pair's
// angle: the multiply-adds fused as GCC compiles ggml's rotate_pairs
// (x1*(-sin) is -(x1*sin) exactly). The SIMD kernel uses the CPU's FMA,
// which rounds once as FMA32 does.
func RotatePairs(x, bs, zs []float32) {
	hd := len(bs)
	if hd == 0 || hd%2 != 0 || len(zs) != hd || len(x)%hd != 0 {
		panic(fmt.Sprintf("quant: RotatePairs of %d values in heads of %d (tables %d and %d)", len(x), hd, len(bs), len(zs)))
	}
	if len(x) == 0 {
		return
	}
	if actSIMD && hd%8 == 0 {
		ropeKernel(&x[0], &bs[0], &zs[0], hd, len(x)/hd)
		return
	}
	rotatePairsGo(x, bs, zs)
}

// rotatePairsGo is the portable RotatePairs.
func rotatePairsGo(x, bs, zs []float32) {
	hd := len(bs)
	for h := 0; h < len(x); h += hd {
		xh := x[h : h+hd]
		for i := 0; i < hd; i += 2 {
			x0, x1 := xh[i], xh[i+1]
			xh[i] = fma32(x0, bs[i], x1*zs[i])
			xh[i+1] = fma32(x0, bs[i+1], x1*zs[i+1])
		}
	}
}
