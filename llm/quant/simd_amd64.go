//go:build amd64 && !noasm

package quant

import (
	"fmt"

	"golang.org/x/sys/cpu"

	"github.com/quirehq/quire/llm/ggml"
)

// SIMD dot products in Go assembly, picked at start from the CPU's
// features. Every kernel computes exactly what the portable function of its
// type computes: the same integer sums and the same float operations in the
// same order (ggml's x86 lane structure: 8 int32 lanes per block, one FMA
// per block, hsum_float_8; 4x16 lanes for F16), so they return the very
// same float32, which is also llama.cpp's.
//
// Build with -tags noasm to leave only the portable code.

// Levels, fastest last.
const (
	levelNone       = "none"
	levelAVX2       = "avx2"
	levelAVX512VNNI = "avx512vnni"
)

// simdLevel is the kernel family in use: "avx512vnni", "avx2" or "none".
var simdLevel = detectSIMDLevel()

func detectSIMDLevel() string {
	x := cpu.X86
	if !x.HasAVX2 || !x.HasFMA || !x.HasF16C {
		return levelNone
	}
	if x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX512VNNI {
		return levelAVX512VNNI
	}
	return levelAVX2
}

// simdLevelsAvailable lists the levels this CPU can run, slowest first
// (tests compare every one with the portable code).
func simdLevelsAvailable() []string {
	levels := []string{levelNone}
	switch detectSIMDLevel() {
	case levelAVX512VNNI:
		levels = append(levels, levelAVX2, levelAVX512VNNI)
	case levelAVX2:
		levels = append(levels, levelAVX2)
	}
	return levels
}

// setSIMDLevel forces a level for tests and benchmarks; it panics when the
// CPU lacks it. restore puts back the previous level.
func setSIMDLevel(level string) (restore func()) {
	ok := false
	for _, l := range simdLevelsAvailable() {
		ok = ok || l == level
	}
	if !ok {
		panic(fmt.Sprintf("quant: SIMD level %q is not available on this CPU (have %v)", level, simdLevelsAvailable()))
	}
	prev := simdLevel
	simdLevel = level
	return func() { simdLevel = prev }
}

// fastDot returns the fastest kernel for weight type t on this CPU, or
// nil when only the portable code exists. The kernel takes the same
// arguments as VecDot (lengths already checked by the caller; a short
// slice panics rather than read past it). Look it up once per matrix, not
// per row: it is a switch, but the caller's row loop is hotter.
func fastDot(t ggml.Type) func(w, a []byte, n int) float32 {
	if simdLevel == levelNone {
		return nil
	}
	vnni := simdLevel == levelAVX512VNNI
	switch t {
	case ggml.Q8_0:
		if vnni {
			return dotQ8_0VNNI
		}
		return dotQ8_0AVX2
	case ggml.Q4_0:
		if vnni {
			return dotQ4_0VNNI
		}
		return dotQ4_0AVX2
	// The K-quants and F16 have one kernel for both levels. On this Zen 4
	// (AVX-512 executed on 256-bit units) 512-bit versions measured slower:
	// Q4_K 12% (bit-exact, integer lanes folded before the float work),
	// F16 1.6x; VNNI does not help the K-quants, whose per-sub-block scale
	// multiply VPDPBUSD cannot fuse.
	case ggml.Q4_K:
		return dotQ4KAVX2
	case ggml.Q5_K:
		return dotQ5KAVX2
	case ggml.Q6_K:
		return dotQ6KAVX2
	case ggml.F16:
		return dotF16AVX2
	}
	return nil
}

func dotQ8_0AVX2(w, a []byte, n int) float32 {
	if nb := blocks32(w, a, n, q8_0Size); nb > 0 {
		return q8_0DotAVX2(&w[0], &a[0], nb)
	}
	return 0
}

func dotQ8_0VNNI(w, a []byte, n int) float32 {
	if nb := blocks32(w, a, n, q8_0Size); nb > 0 {
		return q8_0DotVNNI(&w[0], &a[0], nb)
	}
	return 0
}

func dotQ4_0AVX2(w, a []byte, n int) float32 {
	if nb := blocks32(w, a, n, q4_0Size); nb > 0 {
		return q4_0DotAVX2(&w[0], &a[0], nb)
	}
	return 0
}

func dotQ4_0VNNI(w, a []byte, n int) float32 {
	if nb := blocks32(w, a, n, q4_0Size); nb > 0 {
		return q4_0DotVNNI(&w[0], &a[0], nb)
	}
	return 0
}

func dotQ4KAVX2(w, a []byte, n int) float32 {
	if nb := blocksK(w, a, n, q4KSize); nb > 0 {
		return q4KDotAVX2(&w[0], &a[0], nb)
	}
	return 0
}

func dotQ5KAVX2(w, a []byte, n int) float32 {
	if nb := blocksK(w, a, n, q5KSize); nb > 0 {
		return q5KDotAVX2(&w[0], &a[0], nb)
	}
	return 0
}

func dotQ6KAVX2(w, a []byte, n int) float32 {
	if nb := blocksK(w, a, n, q6KSize); nb > 0 {
		return q6KDotAVX2(&w[0], &a[0], nb)
	}
	return 0
}

// dotF16AVX2 runs the kernel over the first n&^63 elements (it returns the
// folded 4x16-lane sum, as the portable dotF16 before its tail) and adds the
// tail in double, as dotF16 does.
func dotF16AVX2(w, a []byte, n int) float32 {
	if n < 0 || len(w) < 2*n || len(a) < 2*n {
		panic(fmt.Sprintf("quant: SIMD F16 dot of n=%d needs %d bytes each, got %d and %d", n, 2*n, len(w), len(a)))
	}
	np := n &^ (avx512Step - 1)
	var sum float64
	if np > 0 {
		sum = float64(f16DotAVX2(&w[0], &a[0], np))
	}
	for i := np; i < n; i++ {
		sum += float64(float32(FP16ToFP32(le16(w[2*i:])) * FP16ToFP32(le16(a[2*i:]))))
	}
	return float32(sum)
}

// blocks32 returns the number of 32-element blocks of a row of n elements
// with weight blocks of wsize bytes and Q8_0 activations, after checking
// that both slices hold them (the assembly does no bounds checks).
func blocks32(w, a []byte, n, wsize int) int {
	if n < 0 || n%32 != 0 {
		panic(fmt.Sprintf("quant: SIMD dot of n=%d: n must be a multiple of 32", n))
	}
	nb := n / 32
	if len(w) < nb*wsize || len(a) < nb*q8_0Size {
		panic(fmt.Sprintf("quant: SIMD dot of n=%d needs %d weight and %d activation bytes, got %d and %d", n, nb*wsize, nb*q8_0Size, len(w), len(a)))
	}
	return nb
}

// blocksK is blocks32 for K-quant super-blocks with Q8_K activations.
func blocksK(w, a []byte, n, wsize int) int {
	if n < 0 || n%ggml.QK_K != 0 {
		panic(fmt.Sprintf("quant: SIMD dot of n=%d: n must be a multiple of %d", n, ggml.QK_K))
	}
	nb := n / ggml.QK_K
	if len(w) < nb*wsize || len(a) < nb*q8KSize {
		panic(fmt.Sprintf("quant: SIMD dot of n=%d needs %d weight and %d activation bytes, got %d and %d", n, nb*wsize, nb*q8KSize, len(w), len(a)))
	}
	return nb
}

// Assembly kernels. nb counts blocks (32 elements for Q4_0/Q8_0, 256 for
// the K-quants); the F16 kernel takes n, a positive multiple of 64.

//go:noescape
func q8_0DotAVX2(w, a *byte, nb int) float32

//go:noescape
func q8_0DotVNNI(w, a *byte, nb int) float32

//go:noescape
func q4_0DotAVX2(w, a *byte, nb int) float32

//go:noescape
func q4_0DotVNNI(w, a *byte, nb int) float32

//go:noescape
func q4KDotAVX2(w, a *byte, nb int) float32

//go:noescape
func q5KDotAVX2(w, a *byte, nb int) float32

//go:noescape
func q6KDotAVX2(w, a *byte, nb int) float32

//go:noescape
func f16DotAVX2(w, a *byte, n int) float32
