//go:build !amd64

package retrieval

// useAVX2 is false off amd64: there is no assembly kernel.
const useAVX2 = false

// dot is the dot product used by the dense scan and MMR.
func dot(a, b []float32) float32 { return dotGeneric(a, b) }
