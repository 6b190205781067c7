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

// FoldLanes64 sets out[d] = ReduceF16Lanes of the 64 lanes lanes[i*hd+d]
// (lane i = 16j+l of accumulator j) for every d < hd = len(out): the fold of
// ggml_vec_dot_f16's accumulators, for hd dot products at once, laid out as
// attention's softmax·V fills them (one row of hd per lane).
func FoldLanes64(out, lanes []float32) {
	hd := len(out)
	if len(lanes) < 64*hd {
		panic("quant: FoldLanes64 needs 64 rows of lanes")
	}
	d0 := 0
	if foldLanesKernel != nil && hd >= 8 {
		d0 = hd &^ 7
		foldLanesKernel(&out[0], &lanes[0], 4*hd, d0/8)
	}
	var acc [4][avx512Lanes]float32
	for d := d0; d < hd; d++ {
		for j := range acc {
			for l := range acc[j] {
				acc[j][l] = lanes[(16*j+l)*hd+d]
			}
		}
		out[d] = reduceLanes(&acc)
	}
}

// foldLanesKernel folds 8 columns per step for steps steps (stride: bytes
// per lane row); nil when there is none. Set by axpy_amd64.go.
var foldLanesKernel func(out, lanes *float32, stride, steps int)
