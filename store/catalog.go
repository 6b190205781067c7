// Package store holds the catalog: the source of truth for documents and
// their chunks. The vector and BM25 indexes in package retrieval are derived
// from it and can be rebuilt from it at any time.
//
// Catalog has one implementation per backend (the embedded single-file
// store now, PostgreSQL later); every backend must pass the conformance
// suite in storetest.
package store

import (
	"context"
	"errors"
	"time"
)

// Document statuses.
const (
	StatusQueued    = "queued"
	StatusIngesting = "ingesting"
	StatusReady     = "ready"
	StatusFailed    = "failed"
)

// DefaultCollection is used when a caller names none.
const DefaultCollection = "default"

var (
	// ErrNotFound is returned when a document or chunk does not exist.
	ErrNotFound = errors.New("not found")
	// ErrLocked is returned when another process owns the data folder.
	ErrLocked = errors.New("data folder is in use by another process")
)

// Document is one file in a collection. It is identified by (Collection,
// Name); ID is derived from those two, so the same name keeps its ID across
// versions.
type Document struct {
	ID         string    `json:"id"`
	Collection string    `json:"collection"`
	Name       string    `json:"name"`            // path relative to the ingested folder, or the file name
	Type       string    `json:"type"`            // "pdf", "markdown", "text"
	Title      string    `json:"title,omitempty"` // from PDF metadata or the first heading
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Pages      int       `json:"pages"` // 0 for non-PDF
	Chunks     int       `json:"chunks"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	Embedder   string    `json:"embedder,omitempty"` // id of the embedder that made the chunk vectors
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
}

// Chunk is a retrievable passage of a document.
type Chunk struct {
	ID          string    `json:"id"`
	DocID       string    `json:"doc_id"`
	Collection  string    `json:"collection"`
	Seq         int       `json:"seq"` // 0-based order within the document
	Text        string    `json:"text"`
	PageStart   int       `json:"page_start"` // 1-based; 0 when the document has no pages
	PageEnd     int       `json:"page_end"`
	HeadingPath []string  `json:"heading_path,omitempty"`
	CharStart   int       `json:"char_start"` // span in the document's extracted text, in bytes
	CharEnd     int       `json:"char_end"`
	Embedding   []float32 `json:"embedding,omitempty"`
}

// DocumentFilter narrows ListDocuments. Zero values match everything.
type DocumentFilter struct {
	Collection string
	Status     string
}

// Catalog is the durable store of documents and chunks. All methods are safe
// for concurrent use. Every mutation bumps Version, which derived indexes use
// to know whether their snapshot is current.
type Catalog interface {
	// PutDocument inserts or updates a document's record (not its chunks).
	PutDocument(ctx context.Context, d Document) error
	// GetDocument returns ErrNotFound for an unknown id.
	GetDocument(ctx context.Context, id string) (Document, error)
	// FindDocument looks a document up by collection and name.
	FindDocument(ctx context.Context, collection, name string) (Document, error)
	ListDocuments(ctx context.Context, f DocumentFilter) ([]Document, error)
	// CommitChunks replaces all chunks of d.ID with chunks and writes d, in
	// one transaction: a reader sees either the old version or the new one.
	CommitChunks(ctx context.Context, d Document, chunks []Chunk) error
	// DeleteDocument removes a document and its chunks. Unknown ids give ErrNotFound.
	DeleteDocument(ctx context.Context, id string) error
	// Chunks returns a document's chunks in Seq order.
	Chunks(ctx context.Context, docID string) ([]Chunk, error)
	// GetChunk returns ErrNotFound for an unknown id.
	GetChunk(ctx context.Context, id string) (Chunk, error)
	// ForEachChunk visits every chunk of every document (index rebuilds).
	ForEachChunk(ctx context.Context, fn func(Chunk) error) error
	// Version increases with every committed mutation of documents and
	// chunks.
	Version(ctx context.Context) (uint64, error)
	Conversations
	Close() error
}
