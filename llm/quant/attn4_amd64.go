//go:build amd64 && !noasm

package quant

// attn4SIMD: the four-head kernels need AVX-512 (the avx512vnni level).
var attn4SIMD = simdLevel == levelAVX512VNNI

func f16DotRows4Kernel(out *float32, outStride int, w *byte, stride int, q *float32, rows, n int) {
	f16DotRows4AVX512(out, outStride, w, stride, q, rows, n)
}

func axpyF16Rows4Kernel(lanes *float32, lanesStride int, v *byte, stride int, att *float32, attStride int, n, hd int) {
	axpyF16Rows4AVX512(lanes, lanesStride, v, stride, att, attStride, n, hd)
}

//go:noescape
func f16DotRows4AVX512(out *float32, outStride int, w *byte, stride int, q *float32, rows, n int)

//go:noescape
func axpyF16Rows4AVX512(lanes *float32, lanesStride int, v *byte, stride int, att *float32, attStride int, n, hd int)
