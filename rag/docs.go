package rag

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"

	"github.com/quirehq/quire/store"
)

// Documents lists the documents of a collection ("" = the service's).
func (s *Service) Documents(ctx context.Context, collection string) ([]store.Document, error) {
	return s.cat.ListDocuments(ctx, store.DocumentFilter{Collection: s.collection(collection)})
}

// Document returns one document; store.ErrNotFound for an unknown id.
func (s *Service) Document(ctx context.Context, id string) (store.Document, error) {
	return s.cat.GetDocument(ctx, id)
}

// DeleteDocument removes a document, its chunks from the catalog and both
// indexes, and its original when no other document shares the bytes.
func (s *Service) DeleteDocument(ctx context.Context, id string) error {
	unlock := s.lockDoc(id)
	defer unlock()
	doc, err := s.cat.GetDocument(ctx, id)
	if err != nil {
		return err
	}
	if err := s.cat.DeleteDocument(ctx, id); err != nil {
		return err
	}
	s.index.Remove(id)
	s.collectBlob(ctx, doc.SHA256)
	return nil
}

// ChunkView is a chunk with the text around it, for showing a citation.
type ChunkView struct {
	DocID   string  `json:"doc_id"`
	DocName string  `json:"doc_name"`
	ChunkID string  `json:"chunk_id"`
	Text    string  `json:"text"`
	Page    *int    `json:"page"`
	PageEnd *int    `json:"page_end"`
	Section *string `json:"section"`
	Before  string  `json:"before"` // the previous chunk's text, "" at the start
	After   string  `json:"after"`  // the next chunk's text, "" at the end
}

// Chunk returns a document's chunk with its neighbours.
func (s *Service) Chunk(ctx context.Context, docID, chunkID string) (*ChunkView, error) {
	c, err := s.cat.GetChunk(ctx, chunkID)
	if err != nil {
		return nil, err
	}
	if c.DocID != docID {
		return nil, fmt.Errorf("chunk %s of document %s: %w", chunkID, docID, store.ErrNotFound)
	}
	doc, err := s.cat.GetDocument(ctx, docID)
	if err != nil {
		return nil, err
	}
	all, err := s.cat.Chunks(ctx, docID)
	if err != nil {
		return nil, err
	}
	v := &ChunkView{DocID: docID, DocName: path.Base(doc.Name), ChunkID: c.ID, Text: c.Text}
	v.Page, v.PageEnd, v.Section = locate(c)
	for i, x := range all {
		if x.ID != c.ID {
			continue
		}
		if i > 0 {
			v.Before = all[i-1].Text
		}
		if i+1 < len(all) {
			v.After = all[i+1].Text
		}
	}
	return v, nil
}

// OpenOriginal opens a document's kept original file.
func (s *Service) OpenOriginal(ctx context.Context, id string) (*os.File, store.Document, error) {
	doc, err := s.cat.GetDocument(ctx, id)
	if err != nil {
		return nil, doc, err
	}
	f, err := s.blobs.Open(doc.SHA256)
	if errors.Is(err, os.ErrNotExist) {
		return nil, doc, fmt.Errorf("original of %s is missing from the data folder: %w", doc.Name, store.ErrNotFound)
	}
	return f, doc, err
}
