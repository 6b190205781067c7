package retrieval

import "golang.org/x/sys/cpu"

// useAVX2 picks the AVX2+FMA dot product (dot_amd64.s) when the CPU has it;
// dotGeneric is the fallback and the reference it is tested against.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotAVX2 returns the dot product of the n floats at a and b; n must be a
// multiple of 8.
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// dot is the dot product used by the dense scan and MMR.
func dot(a, b []float32) float32 {
	if !useAVX2 || len(a) < 8 {
		return dotGeneric(a, b)
	}
	b = b[:len(a)]
	n := len(a) &^ 7
	s := dotAVX2(&a[0], &b[0], n)
	for i := n; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}
