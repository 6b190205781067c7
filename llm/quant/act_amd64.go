//go:build amd64 && !noasm

package quant

// actSIMD: the kernels below need AVX2, FMA and F16C (the "avx2" level).
var actSIMD = simdLevel != levelNone

func actQ8_0Kernel(x *float32, dst *byte, nb int) bool { return actQ8_0AVX2(x, dst, nb) }
func actQ8KMaxKernel(x *float32) int                   { return actQ8KMaxAVX2(x) }
func actQ8KQuantKernel(x *float32, dst *byte, iscale float32) {
	actQ8KQuantAVX2(x, dst, iscale)
}
func f32ToF16Kernel(dst *uint16, src *float32, n int) { f32ToF16AVX2(dst, src, n) }
func roundF16Kernel(x *float32, n int)                { roundF16AVX2(x, n) }
func axpyF16RowsKernel(lanes *float32, v *byte, stride int, att *float32, n, hd int) {
	axpyF16RowsAVX2(lanes, v, stride, att, n, hd)
}
func ropeKernel(x, bs, zs *float32, hd, heads int) { ropeAVX2(x, bs, zs, hd, heads) }
func f16DotRowsKernel(out *float32, w, a *byte, stride, rows, n int) {
	f16DotRowsAVX2(out, w, a, stride, rows, n)
}

//go:noescape
func actQ8_0AVX2(x *float32, dst *byte, nb int) (ok bool)

//go:noescape
func actQ8KMaxAVX2(x *float32) int

//go:noescape
func actQ8KQuantAVX2(x *float32, dst *byte, iscale float32)

//go:noescape
func f32ToF16AVX2(dst *uint16, src *float32, n int)

//go:noescape
func roundF16AVX2(x *float32, n int)

//go:noescape
func axpyF16RowsAVX2(lanes *float32, v *byte, stride int, att *float32, n, hd int)

//go:noescape
func ropeAVX2(x, bs, zs *float32, hd, heads int)

//go:noescape
func f16DotRowsAVX2(out *float32, w, a *byte, stride, rows, n int)
