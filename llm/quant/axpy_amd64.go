//go:build amd64 && !noasm

package quant

func init() {
	if simdLevel != levelNone {
		axpyF16Kernel = axpyF16AVX2
		foldLanesKernel = foldLanes64AVX2
	}
}

// axpyF16AVX2 is dst[i] += float(v[i])·a for n a positive multiple of 8.
//
//go:noescape
func axpyF16AVX2(dst *float32, v *byte, a float32, n int)

// foldLanes64AVX2 is FoldLanes64 over 8*steps columns (stride: bytes per
// lane row).
//
//go:noescape
func foldLanes64AVX2(out, lanes *float32, stride, steps int)
