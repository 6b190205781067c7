// Package retrieval ranks chunks for a query: an Embedder turns text into
// vectors, a dense index (chromem-go) and a BM25 index both derive from the
// catalog, and their rankings are fused (RRF) and diversified (MMR).
package retrieval

import "context"

// Embedder turns texts into vectors of a fixed dimension. Implementations:
// the built-in hashing embedder (no model) and, later, BERT GGUF models.
type Embedder interface {
	// ID names the embedder and its settings, e.g. "hash-v1-384". A
	// collection records it; vectors from different ids never mix.
	ID() string
	Dim() int
	// Embed returns one L2-normalized vector per text.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}
