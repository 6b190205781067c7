// Package eval measures Quire's retrieval on a fixed corpus of real
// documents (Debian documentation PDFs and npm package READMEs, including
// look-alike versions of the same manual) against questions written before
// ranking was tuned. It is a test-only package: `go test ./rag/eval/`
// prints hit@5 and MRR for Quire beside a textbook BM25 baseline and fails
// when Quire falls below the floors the project committed to.
package eval
