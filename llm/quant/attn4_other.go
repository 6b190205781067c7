//go:build !amd64 || noasm

package quant

var attn4SIMD = false

func f16DotRows4Kernel(out *float32, outStride int, w *byte, stride int, q *float32, rows, n int) {
	panic("unreachable")
}

func axpyF16Rows4Kernel(lanes *float32, lanesStride int, v *byte, stride int, att *float32, attStride int, n, hd int) {
	panic("unreachable")
}
