//go:build !amd64 || noasm

package quant

// Without the assembly only the portable code runs (see act.go).
const actSIMD = false

func actQ8_0Kernel(x *float32, dst *byte, nb int) bool        { panic(noActSIMD) }
func actQ8KMaxKernel(x *float32) int                          { panic(noActSIMD) }
func actQ8KQuantKernel(x *float32, dst *byte, iscale float32) { panic(noActSIMD) }
func f32ToF16Kernel(dst *uint16, src *float32, n int)         { panic(noActSIMD) }
func roundF16Kernel(x *float32, n int)                        { panic(noActSIMD) }
func axpyF16RowsKernel(lanes *float32, v *byte, stride int, att *float32, n, hd int) {
	panic(noActSIMD)
}
func ropeKernel(x, bs, zs *float32, hd, heads int)                   { panic(noActSIMD) }
func f16DotRowsKernel(out *float32, w, a *byte, stride, rows, n int) { panic(noActSIMD) }

const noActSIMD = "quant: no SIMD kernels in this build"
