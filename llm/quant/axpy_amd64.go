//go:build amd64 && !noasm

package quant

func init() {
	if simdLevel != levelNone {
		axpyF16Kernel = axpyF16AVX2
	}
}

// axpyF16AVX2 is dst[i] += float(v[i])·a for n a positive multiple of 8.
//
//go:noescape
func axpyF16AVX2(dst *float32, v *byte, a float32, n int)
