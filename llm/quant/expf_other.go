//go:build !amd64 || noasm

package quant

// Without the amd64 assembly SwiGLU and SoftMaxExp run their portable
// loops.

func swigluBlocks(y, x, g []float32) bool { return false }

func softMaxBlocks(y, x []float32, max float32) (sum float64, ok bool) { return 0, false }
