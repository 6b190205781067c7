package quant

import "unsafe"

// AxpyF16 adds v·a to dst element by element, v in F16 (len(v) == len(dst)).
// It is the inner step of attention's softmax·V in ggml_vec_dot_f16's lane
// order: when v and a are both F16 values their product is exact in
// float32, so the SIMD kernel's fused multiply-add rounds as the portable
// multiply-then-add does.
func AxpyF16(dst []float32, v []uint16, a float32) {
	if len(v) != len(dst) {
		panic("quant: AxpyF16 lengths differ")
	}
	n := len(dst)
	np := 0
	if axpyF16Kernel != nil {
		np = n &^ 7
		if np > 0 {
			axpyF16Kernel(&dst[0], (*byte)(unsafe.Pointer(&v[0])), a, np)
		}
	}
	for i := np; i < n; i++ {
		dst[i] += FP16ToFP32(v[i]) * a
	}
}

// axpyF16Kernel is the SIMD AxpyF16 over n (a multiple of 8) elements, or
// nil. Set by axpy_amd64.go.
var axpyF16Kernel func(dst *float32, v *byte, a float32, n int)
