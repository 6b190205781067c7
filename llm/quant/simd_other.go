//go:build !amd64 || noasm

package quant

import (
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
)

// Without amd64 assembly (another architecture, or -tags noasm) only the
// portable kernels exist.

const levelNone = "none"

// simdLevel is the kernel family in use; here always "none".
var simdLevel = levelNone

func simdLevelsAvailable() []string { return []string{levelNone} }

// setSIMDLevel accepts only "none" here; restore is a no-op.
func setSIMDLevel(level string) (restore func()) {
	if level != levelNone {
		panic(fmt.Sprintf("quant: SIMD level %q is not available in this build (have [none])", level))
	}
	return func() {}
}

// fastDot returns nil: only the portable code exists in this build.
func fastDot(t ggml.Type) func(w, a []byte, n int) float32 { return nil }
