// Package retrieval ranks chunks for a query: an Embedder turns text into
// vectors, a dense index and a BM25 index both derive from the catalog, and
// their rankings are fused (RRF) and diversified (MMR).
//
// Index (index.go) holds it all in memory: the chunks, one contiguous
// float32 matrix of their vectors (dense.go: an exact scan split across the
// cores, with an AVX2+FMA dot product on amd64), and a BM25F inverted index
// over the chunk text, its heading path and its document's name and title
// (bm25.go). One tokenizer (tokenize.go, stem.go) serves BM25 and the
// built-in hashing embedder (hash.go); it keeps versions, dates and ids
// ("v0.3", "2.4.1", "CVE-2024-1234") findable whole and by parts.
//
// chromem-go is not on the query path. Its exhaustive search costs ~40 ms
// at 100k documents (its README) and a map of string metadata per document;
// here it used 106 ms of CPU per query at 100k chunks of 384 floats against
// 7 ms for the flat matrix scan (BenchmarkDenseChromem100k,
// BenchmarkDense100k), and the matrix is written to a snapshot in one piece.
// chromem-go remains the reference the scan is tested against
// (TestDenseSearchMatchesChromem). Snapshots (snapshot.go) are one
// checksummed file that loads in a fraction of a second at 100k chunks.
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
