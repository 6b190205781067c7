//go:build !amd64 || noasm

package quant

// Without the amd64 assembly there are no AMX kernels.
var amxOn, amxAvailable = false, false

// amxLevel is the SIMD level the AMX kernels extend.
const amxLevel = "avx512vnni"
